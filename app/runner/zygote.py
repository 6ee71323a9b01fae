"""A warm runner process: imports TensorFlow once, then forks a fresh sandboxed child per run.

The zygote never runs a TensorFlow op itself: a parent whose eager context exists hands its
children thread pools that deadlock on the first op that uses them (see app/runner/README.md).

Protocol: length-prefixed JSON frames on stdin (jobs) and stdout (results); the first frame out
says the zygote is ready and which sandbox layers it could enable. Logs go to stderr.

Per run:  zygote: unshare(NEWPID), then
            ──posix_spawn──> I: `cat` on a pipe, PID 1 of the new PID namespace (no copy of the zygote)
            ──fork──> C: PID 2 there; setsid, cgroups, new mount/net/ipc/uts namespaces, unprivileged uid,
                      rlimits, warmed up; waits for its job, then fds 1/2/3 = stdout/stderr/result
                      pipes ──> harness.run()
C is prepared before its job arrives. The zygote waits for C, then kills I, and the kernel kills
everything left in the PID namespace. One fork of the (large) zygote per run.
"""

import argparse
import contextlib
import gc
import logging
import os
import re
import select
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

from app.runner.protocol import read_frame, write_frame

SETUP_FAILED = 70
INIT_PROGRAM = shutil.which("cat") or "/bin/cat"  # PID 1 of each run's namespace (see spawn_namespace_init)
SYSTEM_ALLOCATOR = "TF_ONEDNN_USE_SYSTEM_ALLOCATOR"  # see pool.ZYGOTE_ENV
TRUNCATED = "\n[output truncated: the program printed more than {limit} KB]\n"
# absl may print its clock as "00:00:<seconds since the epoch>" rather than a time of day.
TF_LOG_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.]+:\d+\] .*)$"
)


def learner_stderr(raw: str) -> str:
    """stderr without TensorFlow's own C++ info lines (start-up notices), everything else kept."""
    return "".join(line for line in raw.splitlines(keepends=True) if not TF_LOG_LINE.match(line.rstrip("\n")))


def _read_job(fd: int) -> dict[str, Any]:
    import json

    data = bytearray()
    while chunk := os.read(fd, 65536):
        data += chunk
    if not data:
        os._exit(0)  # the zygote went away before giving this child a job
    job: dict[str, Any] = json.loads(data)
    return job


def _child(limits: dict[str, Any], layers: Any, slot: int, pipes: tuple[int, int, int], job_fd: int,
           cgroups: Any) -> None:
    """Runs in the forked child C, PID 2 of the run's PID namespace; never returns. It is set up,
    sandboxed and warmed up before its job exists, then waits for the job on `job_fd`."""
    from app.runner import harness, sandbox

    try:
        os.setsid()
        sandbox.die_with_parent()
        if cgroups is not None:
            cgroups.attach(os.getpid())
        sandbox.enter_namespaces(layers)
        sandbox.enter_pid_namespace(layers)
        sandbox.enter_run_process(layers, slot)
        sandbox.apply_limits(cpu_s=limits["cpu_s"], memory_mb=limits["memory_mb"],
                             file_bytes=limits["file_bytes"], processes=limits["processes"],
                             in_cgroups=cgroups is not None)
        harness.warm_up()  # its log lines, if any, still go to the zygote's stderr
        job = _read_job(job_fd)
        sandbox.name_run_process()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for target, fd in zip((1, 2, 3), pipes, strict=True):
            os.dup2(fd, target)
        os.closerange(4, 65536)
        system_allocator = os.environ.get(SYSTEM_ALLOCATOR)
        os.environ.clear()
        os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": sandbox.WORKDIR, "LANG": "C.UTF-8",
                           "TMPDIR": sandbox.WORKDIR})
        if system_allocator:  # read by TensorFlow at the run's first allocation; not in the program's os.environ
            os.putenv(SYSTEM_ALLOCATOR, system_allocator)
        # The __std*__ originals too: as under `python main.py`, they are the same objects as sys.std*.
        sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
        harness.run(job["code"], job["mode"], 3)
    except BaseException as error:
        try:
            os.write(2, f"runner: could not start the run: {error}\n".encode())
        finally:
            os._exit(SETUP_FAILED)


class ChildGone(Exception):
    """The prepared child died before it got its job."""


@dataclass
class Prepared:
    """A sandboxed, warmed-up child waiting for its one job, and the init of its PID namespace."""

    pid: int
    job_w: int
    out_r: int
    err_r: int
    res_r: int
    init_pid: int | None = None
    init_w: int | None = None

    def kill_namespace(self) -> None:
        """Kill the namespace's init: the kernel then kills whatever the run left behind in it. (The init
        finishes exiting only once C, a zombie child of the zygote in its namespace, is reaped.)"""
        if self.init_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.init_pid, signal.SIGKILL)

    def reap_namespace(self) -> None:
        """After C is reaped: collect the init, and close the pipe that kept it alive."""
        if self.init_pid is not None:
            self.kill_namespace()
            os.waitpid(self.init_pid, 0)
            self.init_pid = None
        if self.init_w is not None:
            os.close(self.init_w)
            self.init_w = None

    def discard(self) -> None:
        _kill(self.pid)
        self.kill_namespace()
        os.waitpid(self.pid, 0)
        self.reap_namespace()
        for fd in (self.job_w, self.out_r, self.err_r, self.res_r):
            os.close(fd)


def spawn_namespace_init() -> tuple[int, int]:
    """Start PID 1 of a new PID namespace, without a fork of this big process: `cat` reading a pipe only
    the zygote writes to. It outlives nothing: when the zygote dies the pipe closes and it exits, and
    when PID 1 exits the kernel kills every process left in the namespace. (PID 1 also ignores signals
    it has no handler for, so a run, which is never PID 1, cannot stop it.)"""
    from app.runner import sandbox

    sandbox.new_pid_namespace_for_next_child()
    init_r, init_w = os.pipe()
    try:
        pid = os.posix_spawn(INIT_PROGRAM, ["tfp-init"], {}, file_actions=[
            (os.POSIX_SPAWN_DUP2, init_r, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
    except BaseException:
        os.close(init_w)
        raise
    finally:
        os.close(init_r)
    return pid, init_w


def prepare(limits: dict[str, Any], layers: Any, slot: int, cgroups: Any = None) -> Prepared:
    """Fork the next run's child now, so that the set-up is off the critical path of the next job.

    With namespaces this is one fork of the zygote per run: the namespace's init is spawned (vfork and
    exec of a tiny program), then the child forked into the namespace as its PID 2."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    job_r, job_w = os.pipe()
    init_pid, init_w = spawn_namespace_init() if layers.namespaces else (None, None)
    pid = os.fork()
    if pid == 0:
        for fd in (out_r, err_r, res_r, job_w, *((init_w,) if init_w is not None else ())):
            os.close(fd)
        _child(limits, layers, slot, (out_w, err_w, res_w), job_r, cgroups)
    for fd in (out_w, err_w, res_w, job_r):
        os.close(fd)
    return Prepared(pid, job_w, out_r, err_r, res_r, init_pid, init_w)


def supervise(job: dict[str, Any], child: Prepared, cgroups: Any = None) -> dict[str, Any]:
    """Hand `job` to the prepared child, collect its output within the limits, and say how it ended."""
    import json

    limits = job["limits"]
    pid, out_r, err_r, res_r = child.pid, child.out_r, child.err_r, child.res_r
    memory_before = cgroups.memory_events() if cgroups is not None else (0, 0)
    start = time.monotonic()
    payload = json.dumps({"code": job["code"], "mode": job["mode"]}).encode()
    try:
        while payload:
            payload = payload[os.write(child.job_w, payload):]
    except BrokenPipeError as error:
        child.discard()
        raise ChildGone from error
    os.close(child.job_w)

    buffers: dict[int, bytearray] = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    open_fds = set(buffers)
    # Readable when C exits: then whatever it left behind (which may hold the pipes open) is killed.
    exit_fd: int | None = os.pidfd_open(pid)
    deadline = start + limits["timeout_s"]
    killed_for: str | None = None
    output_cap = limits["output_bytes"]
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            killed_for = "timeout"
            break
        ready, _, _ = select.select([*open_fds, *((exit_fd,) if exit_fd is not None else ())], [], [], remaining)
        for fd in ready:
            if fd == exit_fd:
                os.close(exit_fd)
                exit_fd = None
                _kill(pid)  # its process group
                child.kill_namespace()  # and everything else in its PID namespace
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            buffers[fd] += chunk
        if len(buffers[out_r]) + len(buffers[err_r]) > output_cap:
            killed_for = "output_limit"
            break
        if len(buffers[res_r]) > 4 * 1024 * 1024:
            killed_for = "crashed"
            break
    if exit_fd is not None:
        os.close(exit_fd)
    if killed_for:
        _kill(pid)
        child.kill_namespace()
    _, wait_status = os.waitpid(pid, 0)
    duration = (time.monotonic() - start) * 1000
    child.reap_namespace()
    for fd in buffers:
        os.close(fd)
    if cgroups is not None and killed_for in (None, "timeout"):
        kills, hits = cgroups.memory_events()
        # Reclaim before an OOM kill can take seconds: a run stopped by the clock while pressing
        # against its memory limit was stopped by memory, and is reported as such.
        if kills > memory_before[0] or (killed_for == "timeout" and hits > memory_before[1]):
            killed_for = "memory_limit"
    return _result(job, buffers[out_r], buffers[err_r], bytes(buffers[res_r]), wait_status, killed_for,
                   duration, output_cap)


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError):
            target()


def _result(job: dict[str, Any], out: bytearray, err: bytearray, report_bytes: bytes, wait_status: int,
            killed_for: str | None, duration: float, output_cap: int) -> dict[str, Any]:
    import json

    stdout = out.decode("utf-8", "replace")
    stderr = learner_stderr(err.decode("utf-8", "replace"))
    report: dict[str, Any] = {}
    if report_bytes:
        try:
            report = json.loads(report_bytes)
        except ValueError:
            report = {}
    exit_code = os.waitstatus_to_exitcode(wait_status)
    signal_number = -exit_code if exit_code < 0 else None
    if killed_for == "memory_limit":
        status = "memory_limit"
    elif killed_for == "output_limit":
        status = "output_limit"
        budget = output_cap
        stdout = stdout[:budget]
        stderr = stderr[: max(0, budget - len(stdout))]
        stdout += TRUNCATED.format(limit=output_cap // 1024)
    elif killed_for == "timeout" or signal_number == signal.SIGXCPU:
        status = "timeout"
    elif killed_for == "crashed" or signal_number is not None or (exit_code == SETUP_FAILED and not report):
        status = "crashed"
    elif exit_code == 0:
        status = "ok"
    else:
        status = "error"

    error = report.get("error") if isinstance(report.get("error"), dict) else None
    if status == "memory_limit":
        error = {"type": "MemoryLimit", "message": f"The program used more than {job['limits']['memory_mb']} MB "
                 "of memory and was stopped.", "line": None, "traceback": ""}
    elif status == "timeout":
        error = {"type": "Timeout", "message": f"The program ran longer than {job['limits']['timeout_s']:g} s "
                 "(or used that much CPU) and was stopped.", "line": None, "traceback": ""}
    elif status == "crashed" and error is None:
        name = signal.Signals(signal_number).name if signal_number else f"exit code {exit_code}"
        error = {"type": "Crashed", "message": f"The program was killed by {name}.", "line": None,
                 "traceback": ""}
    elif status == "error" and error is None:
        error = {"type": "SystemExit", "message": f"The program exited with code {exit_code}.", "line": None,
                 "traceback": ""}
    return {
        "status": status,
        "mode": job["mode"],
        "stdout": stdout,
        "stderr": stderr,
        "error": error,
        "duration_ms": round(duration, 2),
        "functions": report.get("functions", []) if isinstance(report.get("functions"), list) else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="A warm TensorFlow runner (spoken to over stdin/stdout).")
    parser.add_argument("--slot", type=int, default=0)
    parser.add_argument("--hide", action="append", default=[], help="a folder runs must not see")
    parser.add_argument("--keep", action="append", default=[], help="a folder inside a hidden one that runs need")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--processes", type=int, default=64)
    parser.add_argument("--cpu-s", type=int, default=10)
    parser.add_argument("--file-bytes", type=int, default=16 * 1024 * 1024)
    args = parser.parse_args()
    # The runner's own logger only: configuring the root logger would change how TensorFlow's logging
    # looks in every learner's run (INFO lines from tf.saved_model, for one), unlike `python file.py`.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"%(levelname)s runner worker {args.slot}: %(message)s"))
    runner_logger = logging.getLogger("app.runner")
    runner_logger.addHandler(handler)
    runner_logger.setLevel(logging.INFO)
    runner_logger.propagate = False

    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:  # one core per worker: no migrations, and TensorFlow sizes its pools to one core
        os.sched_setaffinity(0, {cores[args.slot % len(cores)]})

    jobs = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)

    import tensorflow  # import only: no op may run in the zygote

    from app.runner import harness

    harness.warm_up_zygote()
    # Everything imported so far lives as long as the zygote: keep the garbage collector's passes in each
    # run away from it, so a run does not copy (copy-on-write) every page holding a Python object.
    gc.collect()
    gc.freeze()
    from app.runner.cgroups import SlotCgroups
    from app.runner.sandbox import detect_layers

    cgroups = SlotCgroups.create(args.slot, args.memory_mb, args.processes) if os.geteuid() == 0 else None
    layers = detect_layers(args.hide, args.keep, cgroups=cgroups is not None)
    from app.runner import sandbox

    sandbox.enter_worker_namespaces(layers)
    limits = {"cpu_s": args.cpu_s, "memory_mb": args.memory_mb, "file_bytes": args.file_bytes,
              "processes": args.processes}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit through Worker.close()
    worker = Worker(limits, layers, args.slot, cgroups)
    write_frame(replies, {"ready": True, "pid": os.getpid(), "layers": layers.describe(),
                          "tensorflow": tensorflow.__version__})
    try:
        worker.serve(jobs, replies)
    finally:
        worker.close()


class Worker:
    """The zygote's job loop: always one prepared child, handed the next job."""

    def __init__(self, limits: dict[str, Any], layers: Any, slot: int, cgroups: Any) -> None:
        self.limits, self.layers, self.slot, self.cgroups = limits, layers, slot, cgroups
        self.child: Prepared | None = None
        self.child = self.prepare()

    def prepare(self) -> Prepared:
        return prepare(self.limits, self.layers, self.slot, self.cgroups)

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self.child is not None
        child, self.child = self.child, None
        try:
            try:
                return supervise(job, child, self.cgroups)
            except ChildGone:
                return supervise(job, self.prepare(), self.cgroups)
        except Exception as error:  # the zygote must survive anything a run does
            return {"status": "crashed", "mode": job.get("mode", "graph"), "stdout": "", "stderr": "",
                    "error": {"type": "RunnerError", "message": str(error), "line": None, "traceback": ""},
                    "duration_ms": 0.0, "functions": []}

    def serve(self, jobs: Any, replies: Any) -> None:
        """Answer jobs until stdin closes."""
        while (job := read_frame(jobs)) is not None:
            write_frame(replies, self.run(job))
            self.child = self.prepare()

    def close(self) -> None:
        if self.child is not None:
            self.child.discard()
        if self.cgroups is not None:
            self.cgroups.remove()


if __name__ == "__main__":
    main()
