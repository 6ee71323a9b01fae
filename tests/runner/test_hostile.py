"""Hostile code: every run ends with the status the spec gives it, takes nothing from the host or from
other runs, leaves nothing behind, and the next ordinary run still answers correctly."""

import ast
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from app.runner.sandbox import WORKDIR
from tests.runner.conftest import SECRET_ENV, TIMEOUT_S, RunnerApp, kill_processes, wait_until


def fresh_tmp() -> list[str]:
    """What a run sees in its private /tmp: its own folder, and the way down to Python when the checkout
    (and so the virtualenv) lives under /tmp, as in a CI clone."""
    from app.runner.client import kept_paths

    kept = {Path(path).resolve().relative_to("/tmp").parts[0] for path in kept_paths()
            if Path(path).resolve().is_relative_to("/tmp")}
    return sorted({"run", *kept})


def assert_stopped_by_timeout(result: dict) -> None:
    assert result["status"] == "timeout", result
    assert result["error"]["type"] == "Timeout"
    assert TIMEOUT_S * 1000 * 0.9 <= result["duration_ms"] <= TIMEOUT_S * 1000 + 3000



def test_an_infinite_python_loop_is_stopped_as_a_timeout(runner: RunnerApp):
    result = runner.run("print('start', flush=True)\nwhile True:\n    pass\n")
    assert_stopped_by_timeout(result)
    assert result["stdout"] == "start\n"  # what was printed before the limit is kept
    runner.assert_still_serving()


def test_an_infinite_while_loop_inside_a_graph_is_stopped_as_a_timeout(runner: RunnerApp):
    code = (
        "import tensorflow as tf\n\n@tf.function\ndef forever():\n"
        "    return tf.while_loop(lambda i: tf.constant(True), lambda i: i + 1, [tf.constant(0)])\n\n"
        "print('calling', flush=True)\nforever()\n"
    )
    result = runner.run(code, "graph")
    assert result["stdout"] == "calling\n"
    assert_stopped_by_timeout(result)
    runner.assert_still_serving()


def test_sleeping_forever_is_stopped_as_a_timeout(runner: RunnerApp):
    result = runner.run("import time\ntime.sleep(10**6)\n")
    assert_stopped_by_timeout(result)
    runner.assert_still_serving()


def test_running_out_of_cpu_time_is_a_timeout(runner: RunnerApp):
    # The learner lowers their own CPU limit (always allowed), so the CPU limit, not the wall clock, is
    # what stops them, however busy this host is. `python main.py` would die of SIGXCPU after 1 s of CPU.
    code = (
        "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (1, 2))\n"
        "print('burning', flush=True)\nwhile True:\n    pass\n"
    )
    result = runner.run(code)
    assert result["status"] == "timeout", result
    assert result["error"]["type"] == "Timeout"
    runner.assert_still_serving()



def test_a_fork_bomb_is_stopped_by_the_process_limit(runner: RunnerApp):
    result = runner.run("import os\nwhile True:\n    os.fork()\n")
    # RLIMIT_NPROC makes fork fail with EAGAIN: an ordinary uncaught exception, long before the time limit
    assert result["status"] == "error", result
    assert "BlockingIOError: [Errno 11] Resource temporarily unavailable" in result["stderr"]
    assert result["duration_ms"] < TIMEOUT_S * 1000
    assert wait_until(lambda: not runner.sandbox_processes(), 5), runner.sandbox_processes()
    runner.assert_still_serving()


def test_a_forked_child_does_not_replace_the_programs_own_error_report(runner: RunnerApp):
    code = (
        "import os\nimport tensorflow as tf\n\n@tf.function\ndef f(x):\n    return x + 1\n\nf(tf.constant(1))\n"
        "pid = os.fork()\nif pid == 0:\n    raise ValueError('in the child')\nos.waitpid(pid, 0)\n"
        "raise KeyError('in the parent')\n"
    )
    result = runner.run(code)
    assert result["status"] == "error"
    # like `python main.py`: both processes print their traceback ...
    assert "ValueError: in the child" in result["stderr"] and "KeyError: 'in the parent'" in result["stderr"]
    # ... but the run's error and functions are the program's own
    assert (result["error"]["type"], result["error"]["line"]) == ("KeyError", 13)
    assert [f["name"] for f in result["functions"]] == ["f"]


def test_a_subprocess_is_allowed_but_sees_only_the_sandbox(runner: RunnerApp):
    # Decision: subprocesses are allowed (learners may shell out; a Python program can anyway via os.fork),
    # but they run inside the run's namespaces, as the run's uid, under its limits and are killed with it.
    code = (
        "import subprocess\n"
        "r = subprocess.run(['ls', '-a'], capture_output=True, text=True)\n"
        "print(r.returncode, r.stdout.split())\n"
        "ps = subprocess.run(['ps', '-e', '-o', 'pid='], capture_output=True, text=True)\n"
        "print(sorted(int(pid) for pid in ps.stdout.split()))\n"
        "print(subprocess.run(['id', '-u'], capture_output=True, text=True).stdout.strip())\n"
    )
    result = runner.run_ok(code)
    lines = result["stdout"].splitlines()
    assert lines[0] == "0 ['.', '..', 'main.py']"
    pids = ast.literal_eval(lines[1])
    assert 1 in pids and len(pids) <= 3 and max(pids) < 20, pids  # its own PID namespace: no host process
    assert 61000 <= int(lines[2]) < 61000 + runner.settings.runner_workers


def test_a_background_subprocess_does_not_outlive_the_run(runner: RunnerApp):
    marker = f"{time.time() % 1000 + 100:.6f}"
    code = f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])\nprint('started')\n"
    result = runner.run_ok(code)
    assert result["stdout"] == "started\n"
    time.sleep(0.5)
    leftovers = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                leftovers.append(int(entry.name))
        except OSError:
            pass
    assert leftovers == []


def test_a_background_child_that_tries_to_outlive_the_run_is_killed_with_it(runner: RunnerApp):
    name = f"/tmp/from-a-background-child-{uuid.uuid4().hex}"
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(1)\n"
        f"    open({name!r}, 'w').write('still here')\n"
        "    print('the child is still here', flush=True)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print('the parent is done')\n"
    )
    result = runner.run_ok(code)
    assert result["stdout"] == "the parent is done\n"
    time.sleep(1.5)
    assert runner.sandbox_processes() == []
    assert not os.path.exists(name)  # not on the host either
    for _ in range(runner.settings.runner_workers):
        later = runner.run_ok(f"import os\nprint(os.path.exists({name!r}), sorted(os.listdir('/tmp')))\n")
        assert later["stdout"] == f"False {fresh_tmp()}\n"


def test_a_run_that_starts_its_own_session_does_not_outlive_its_timeout(runner: RunnerApp):
    # The run itself already leads its session (as a program started from an interactive shell leads its
    # process group), so it daemonizes the usual way: a child that starts a new session and stays.
    code = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    print('escaping', flush=True)\n"
            f"    time.sleep({TIMEOUT_S + 8})\n    os._exit(0)\nos.wait()\n")
    result = runner.run(code)
    try:
        assert_stopped_by_timeout(result)
        assert result["stdout"] == "escaping\n"
        time.sleep(0.5)
        assert runner.sandbox_processes() == []
    finally:
        kill_processes(runner.sandbox_processes())
    runner.assert_still_serving()


def test_killing_the_parent_process_ends_with_a_status_and_the_pool_keeps_serving(runner: RunnerApp):
    # Inside its PID namespace the program is PID 2 and its parent (the zygote) is outside: os.getppid() is 0, so this
    # is kill(0, SIGKILL), its own process group, which the kernel does not deliver to a namespace's init.
    result = runner.run("import os\nprint('before', os.getppid(), flush=True)\nos.kill(os.getppid(), 9)\n"
                        "print('after')\n")
    assert result["status"] in {"ok", "error", "crashed"}, result
    assert result["stdout"].startswith("before ")
    runner.assert_still_serving()


def test_killing_every_process_ends_with_a_status_and_the_pool_keeps_serving(runner: RunnerApp):
    result = runner.run("import os\nprint('before', flush=True)\nos.kill(-1, 9)\nprint('after')\n")
    assert result["status"] in {"ok", "error", "crashed"}, result
    if result["status"] == "error":  # today: there is no other process it may signal, kill(-1) finds none
        assert result["error"]["type"] == "ProcessLookupError"
    assert result["stdout"].startswith("before\n")
    runner.assert_still_serving()


def test_a_program_that_kills_itself_ends_as_crashed(runner: RunnerApp):
    result = runner.run("import os, signal\nprint('before', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n"
                        "print('after')\n")
    assert result["status"] == "crashed", result
    assert result["stdout"] == "before\n"
    runner.assert_still_serving()


def test_a_segfault_is_reported_as_crashed(runner: RunnerApp):
    result = runner.run("import ctypes\nprint('before', flush=True)\nctypes.string_at(0)\n")
    assert result["status"] == "crashed", result
    assert "SIGSEGV" in result["error"]["message"]
    assert result["stdout"] == "before\n"
    runner.assert_still_serving()



@pytest.mark.parametrize("mode", ["graph", "eager"])
def test_a_100_gb_tensor_is_an_out_of_memory_error(runner: RunnerApp, mode: str):
    code = "import tensorflow as tf\nx = tf.zeros([100_000_000_000 // 4])\nprint(x.shape)\n"
    result = runner.run(code, mode)
    assert result["status"] in {"error", "memory_limit"}, result
    if result["status"] == "error":
        assert result["error"]["type"] in {"ResourceExhaustedError", "MemoryError"}
        assert result["error"]["line"] == 2
    assert result["duration_ms"] < TIMEOUT_S * 1000
    runner.assert_still_serving()


def assert_stopped_for_memory(result: dict) -> None:
    """Over the memory limit: killed by the memory cgroup (memory_limit) or, without one, an allocation
    refused by RLIMIT_DATA (error) -- never a timeout, and never the host running out of memory."""
    assert result["status"] in {"error", "memory_limit"}, result
    if result["status"] == "memory_limit":
        assert result["error"]["type"] == "MemoryLimit"
        assert "1024 MB" in result["error"]["message"]
    else:
        assert result["error"]["type"] in {"MemoryError", "ResourceExhaustedError"}
    assert "touched" not in result["stdout"] and "never" not in result["stdout"]


def test_a_numpy_array_over_the_memory_limit_is_stopped(runner: RunnerApp):
    result = runner.run("import numpy as np\nx = np.ones(2 * 1024**3, dtype=np.uint8)\nprint('never', x.sum())\n")
    assert_stopped_for_memory(result)
    runner.assert_still_serving()


@pytest.mark.parametrize("mode", ["graph", "eager"])
def test_a_program_that_keeps_allocating_tensors_is_stopped_at_the_memory_limit(runner: RunnerApp, mode: str):
    code = "import tensorflow as tf\nkept = []\nwhile True:\n    kept.append(tf.ones([16 * 1024 * 1024]) + 1)\n"
    assert_stopped_for_memory(runner.run(code, mode))
    runner.assert_still_serving()


def test_memory_over_the_limit_cannot_be_taken_through_a_shared_mapping(runner: RunnerApp):
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.mmap.restype = ctypes.c_void_p\n"
        "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, "
        "ctypes.c_long]\n"
        "size = 1536 * 1024 * 1024\n"
        "address = libc.mmap(None, size, 3, 0x01 | 0x20, -1, 0)  # PROT_READ|WRITE, MAP_SHARED|ANONYMOUS\n"
        "if address in (None, ctypes.c_void_p(-1).value):\n"
        "    raise MemoryError('mmap failed')\n"
        "ctypes.memset(address, 1, size)\n"
        "print('touched', size // 2**20, 'MB')\n"
    )
    assert_stopped_for_memory(runner.run(code))
    runner.assert_still_serving()


def test_a_file_larger_than_the_file_size_limit_cannot_be_written(runner: RunnerApp):
    code = "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 1048576)\n"
    result = runner.run(code)
    assert result["status"] == "error", result
    assert result["error"]["type"] == "OSError"
    assert "File too large" in result["error"]["message"]
    assert result["error"]["line"] == 3
    runner.assert_still_serving()


def test_filling_the_runs_disk_fails_with_no_space_left(runner: RunnerApp):
    code = "i = 0\nwhile True:\n    with open(f'big{i}', 'wb') as f:\n        f.write(b'x' * 8 * 1048576)\n    i += 1\n"
    result = runner.run(code)
    assert result["status"] == "error", result
    assert result["error"]["type"] == "OSError"
    assert "No space left on device" in result["error"]["message"]
    runner.assert_still_serving()


@pytest.fixture
def host_files_to_remove():
    paths: list[str] = []
    yield paths
    for path in paths:
        if os.path.exists(path):
            os.remove(path)


def test_a_run_cannot_leave_files_in_the_hosts_writable_folders(runner: RunnerApp, host_files_to_remove):
    name = f"tfp-left-behind-{uuid.uuid4().hex}"
    paths = [f"/var/tmp/{name}", f"/run/lock/{name}"]
    host_files_to_remove.extend(paths)
    writer = "for path in {paths!r}:\n    try:\n        open(path, 'w').write('secret of learner A')\n" \
             "    except OSError as error:\n        print(type(error).__name__)\n"
    runner.run(writer.format(paths=paths))
    for _ in range(runner.settings.runner_workers):
        reader = runner.run_ok(f"import os\nprint([p for p in {paths!r} if os.path.exists(p)])\n")
        assert reader["stdout"] == "[]\n"
    assert [p for p in paths if os.path.exists(p)] == []


def test_printing_a_gigabyte_is_cut_at_the_output_limit(runner: RunnerApp):
    code = "import sys\nchunk = 'x' * 1048575 + '\\n'\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n"
    started = time.monotonic()
    response = runner.client.post("/api/run", json={"code": code, "mode": "graph"})
    elapsed = time.monotonic() - started
    result = response.json()
    limit = runner.settings.runner_output_bytes
    assert result["status"] == "output_limit"
    assert result["stdout"].endswith(f"\n[output truncated: the program printed more than {limit // 1024} KB]\n")
    assert result["stdout"].startswith("x" * 1000)
    assert len(result["stdout"]) + len(result["stderr"]) <= limit + 200
    assert len(response.content) < 2 * limit
    assert elapsed < TIMEOUT_S  # stopped as soon as it went over, not at the time limit
    runner.assert_still_serving()


def test_printing_endlessly_to_stderr_is_cut_at_the_output_limit(runner: RunnerApp):
    result = runner.run("import sys\nwhile True:\n    print('e' * 1000, file=sys.stderr)\n")
    assert result["status"] == "output_limit"
    assert len(result["stdout"]) + len(result["stderr"]) <= runner.settings.runner_output_bytes + 200
    assert "[output truncated" in result["stdout"]
    runner.assert_still_serving()



def test_etc_shadow_cannot_be_read(runner: RunnerApp):
    result = runner.run("print(open('/etc/shadow').read())\n")
    assert result["status"] == "error"
    assert result["error"]["type"] == "PermissionError"
    assert result["stdout"] == ""


def test_the_apps_database_cannot_be_read(runner: RunnerApp):
    database = runner.settings.database_url.removeprefix("sqlite:///")
    assert os.stat(database).st_mode & 0o004  # world-readable on the host: only the sandbox hides it
    code = f"import os\nprint(os.listdir({str(runner.data_dir)!r}))\nprint(open({database!r}, 'rb').read(16))\n"
    result = runner.run(code)
    assert result["status"] == "error", result
    assert result["error"]["type"] in {"PermissionError", "FileNotFoundError"}
    assert "SQLite" not in result["stdout"]


def test_the_apps_data_folder_and_secret_key_cannot_be_read(runner: RunnerApp):
    from app.settings import PROJECT_ROOT

    code = f"print(open({str(PROJECT_ROOT / 'data' / 'secret_key')!r}).read())\n"
    result = runner.run(code)
    assert result["status"] == "error"
    assert result["error"]["type"] in {"PermissionError", "FileNotFoundError"}
    assert result["stdout"] == ""


def test_the_apps_environment_is_not_visible(runner: RunnerApp):
    code = (
        "import os\nprint(sorted(k for k in os.environ if k.startswith('TFP_') or 'SECRET' in k))\n"
        "for path in ('/proc/self/environ', '/proc/1/environ', f'/proc/{os.getppid()}/environ'):\n"
        "    try:\n        data = open(path, 'rb').read()\n        print(path, 'TFP_' in data.decode('latin-1'))\n"
        "    except OSError as error:\n        print(path, type(error).__name__)\n"
    )
    result = runner.run_ok(code)
    lines = result["stdout"].splitlines()
    assert lines[0] == "[]"
    # today: PermissionError for its own and PID 1's environ (the process is not dumpable after setuid),
    # and FileNotFoundError for /proc/0 (its parent is outside its PID namespace, so getppid() is 0)
    for line in lines[1:]:
        _path, outcome = line.split()
        assert outcome in {"PermissionError", "FileNotFoundError", "False"}, line
    assert len(lines) == 4
    assert SECRET_ENV["TFP_SECRET_KEY"] not in result["stdout"]


def test_the_apps_secrets_are_nowhere_in_the_runs_memory(runner: RunnerApp):
    secret = f"TFP_SECRET_KEY={SECRET_ENV['TFP_SECRET_KEY']}".encode()
    assert not any(secret in Path(f"/proc/{pid}/environ").read_bytes() for pid in runner.zygote_pids())
    code = (
        "import ctypes\nfound = False\n"
        "for line in open('/proc/self/maps'):\n"
        "    parts = line.split()\n"
        "    if len(parts) >= 6 and parts[5] == '[stack]':\n"
        "        low, high = (int(v, 16) for v in parts[0].split('-'))\n"
        "        found = b'TFP_SECRET_KEY=' in ctypes.string_at(low, high - low)\n"
        "print(found)\n"
    )
    result = runner.run_ok(code)
    assert result["stdout"] == "False\n"


@pytest.fixture
def listening_port():
    """Something really listening on the host's loopback, like the app's own server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.mark.parametrize("where", ["loopback", "outside"])
def test_a_run_cannot_open_network_connections(runner: RunnerApp, listening_port: int, where: str):
    address = {"loopback": ("127.0.0.1", listening_port), "outside": ("1.1.1.1", 80)}[where]
    code = f"import socket\nsocket.create_connection({address!r}, timeout=2)\nprint('connected')\n"
    result = runner.run(code)
    assert result["status"] == "error", result
    assert result["error"]["type"] == "OSError"
    assert "Network is unreachable" in result["error"]["message"]
    assert result["stdout"] == ""


def test_a_run_cannot_resolve_names(runner: RunnerApp):
    result = runner.run("import socket\nprint(socket.getaddrinfo('example.com', 80))\n")
    assert result["status"] == "error"
    assert result["error"]["type"] == "gaierror"


def test_the_only_network_interface_a_run_sees_is_its_own_loopback(runner: RunnerApp):
    result = runner.run_ok("import socket\nprint([name for _, name in socket.if_nameindex()])\n")
    assert result["stdout"] == "['lo']\n"


def test_nothing_a_run_listens_on_is_there_for_a_later_run(runner: RunnerApp):
    """Runs of one worker share its network namespace one after another (its loopback is down); what a
    run binds dies with it, so a later run finds nothing to talk to."""
    first = runner.run_ok("import os, socket, time\n"
                          "tcp = socket.socket()\ntcp.bind(('127.0.0.1', 0))\ntcp.listen()\n"
                          "unix = socket.socket(socket.AF_UNIX)\nunix.bind('\\0tfp-left-behind')\nunix.listen()\n"
                          "if os.fork() == 0:\n    time.sleep(30)\n"  # a child that would keep both open
                          "print(tcp.getsockname()[1])\n")
    port = int(first["stdout"])
    for _ in range(runner.settings.runner_workers):
        tcp = runner.run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n")
        assert tcp["status"] == "error" and tcp["error"]["type"] == "OSError", tcp
        unix = runner.run("import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('\\0tfp-left-behind')\n")
        assert unix["status"] == "error" and unix["error"]["type"] == "ConnectionRefusedError", unix


def test_a_second_run_finds_nothing_the_first_left_behind(runner: RunnerApp):
    tag = uuid.uuid4().hex
    first = (
        "import os\n"
        f"for folder in ('/tmp', '/dev/shm', os.getcwd(), os.path.expanduser('~')):\n"
        f"    open(os.path.join(folder, 'left-{tag}'), 'w').write('x')\n"
        f"os.mkdir('/tmp/dir-{tag}')\n"
        "print(os.getcwd())\n"
    )
    assert runner.run_ok(first)["stdout"] == f"{WORKDIR}\n"
    for _ in range(runner.settings.runner_workers):
        second = runner.run_ok(
            "import os\nprint(sorted(os.listdir('/tmp')), sorted(os.listdir('/dev/shm')), sorted(os.listdir('.')))\n"
        )
        assert second["stdout"] == f"{fresh_tmp()} [] ['main.py']\n"
    assert wait_until(lambda: not runner.sandbox_processes(), 2)


@pytest.mark.skipif(os.geteuid() != 0, reason="runs keep the runner's uid when it is not root")
def test_another_process_with_many_threads_under_the_sandbox_uid_does_not_break_runs(runner: RunnerApp):
    # A second runner on the host, or another pool's run, uses the same sandbox uids. A per-uid process
    # limit counts them all, and TensorFlow aborts when it cannot start its threads.
    import threading

    from app.runner.sandbox import SANDBOX_UID_BASE

    holders = []
    for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + runner.settings.runner_workers):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the holder: 70 threads under this sandbox uid, until the test kills it
            try:
                os.setgid(uid)
                os.setuid(uid)
                for _ in range(70):
                    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
                os.write(ready_w, b"x")
                time.sleep(60)
            finally:
                os._exit(0)
        os.close(ready_w)
        assert os.read(ready_r, 1) == b"x"
        os.close(ready_r)
        holders.append(pid)
    try:
        for _ in range(2 * runner.settings.runner_workers):
            result = runner.run_ok("import tensorflow as tf\n@tf.function\ndef f(x):\n    return x * 2\n"
                                   "print(f(tf.constant(21)).numpy())\n")
            assert result["stdout"] == "42\n"
    finally:
        for pid in holders:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
