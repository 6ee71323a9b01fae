"""What a learner sees when they run code in eager and in graph mode (POST /api/run)."""


import pytest

from app.runner.protocol import MAX_CODE_BYTES
from tests.runner.conftest import NORMAL_CODE, NORMAL_OUTPUT, RunnerApp

BOTH = pytest.mark.parametrize("mode", ["eager", "graph"])


def function(result: dict, name: str) -> dict:
    matches = [f for f in result["functions"] if f["name"] == name]
    assert len(matches) == 1, result["functions"]
    return matches[0]



PRINT_IN_FUNCTION = """\
import tensorflow as tf

@tf.function
def double(x):
    print("python print")
    return x * 2

for _ in range(3):
    double(tf.constant([1.0, 2.0]))
"""


def test_a_python_print_in_a_tf_function_prints_once_in_graph_mode(runner: RunnerApp):
    result = runner.run_ok(PRINT_IN_FUNCTION, "graph")
    assert result["stdout"] == "python print\n"
    assert function(result, "double")["traces"] == 1


def test_a_python_print_in_a_tf_function_prints_on_every_call_in_eager_mode(runner: RunnerApp):
    result = runner.run_ok(PRINT_IN_FUNCTION, "eager")
    assert result["stdout"] == "python print\n" * 3


TF_PRINT_IN_FUNCTION = """\
import tensorflow as tf

@tf.function
def double(x):
    tf.print("tf.print says", x)
    return x * 2

for i in range(3):
    double(tf.constant(i))
"""


@BOTH
def test_tf_print_prints_on_every_call_in_both_modes_to_stderr(runner: RunnerApp, mode: str):
    result = runner.run_ok(TF_PRINT_IN_FUNCTION, mode)
    assert result["stderr"] == "tf.print says 0\ntf.print says 1\ntf.print says 2\n"
    assert result["stdout"] == ""



VARIABLE_PER_CALL = """\
import tensorflow as tf

@tf.function
def add_one(x):
    v = tf.Variable(1.0)
    return v + x

print(add_one(tf.constant(1.0)).numpy())
print(add_one(tf.constant(2.0)).numpy())
"""


def test_creating_a_variable_on_every_call_fails_in_graph_mode(runner: RunnerApp):
    result = runner.run(VARIABLE_PER_CALL, "graph")
    assert result["status"] == "error"
    assert result["error"]["type"] == "ValueError"
    assert "tf.function only supports singleton tf.Variables created on the first call" in result["error"]["message"]
    assert result["error"]["line"] == 5
    assert result["stdout"] == ""


def test_creating_a_variable_on_every_call_works_in_eager_mode(runner: RunnerApp):
    result = runner.run_ok(VARIABLE_PER_CALL, "eager")
    assert result["stdout"] == "2.0\n3.0\n"


NUMPY_IN_FUNCTION = """\
import tensorflow as tf

@tf.function
def to_numpy(x):
    y = x * 2
    return y.numpy()

print(to_numpy(tf.constant(1.5)))
"""


def test_numpy_inside_a_tf_function_fails_in_graph_mode_with_an_attribute_error(runner: RunnerApp):
    result = runner.run(NUMPY_IN_FUNCTION, "graph")
    assert result["status"] == "error"
    assert result["error"]["type"] == "AttributeError"
    assert "'SymbolicTensor' object has no attribute 'numpy'" in result["error"]["message"]
    assert result["error"]["line"] == 6


def test_numpy_inside_a_tf_function_works_in_eager_mode(runner: RunnerApp):
    result = runner.run_ok(NUMPY_IN_FUNCTION, "eager")
    assert result["stdout"] == "3.0\n"



ABSOLUTE = """\
import tensorflow as tf

@tf.function
def absolute(x):
    if x > 0:
        return x
    else:
        return -x

print(absolute(tf.constant(-3)).numpy(), absolute(tf.constant(4)).numpy())
"""


def test_autograph_turns_a_python_if_on_a_tensor_into_a_graph_conditional(runner: RunnerApp):
    result = runner.run_ok(ABSOLUTE, "graph")
    assert result["stdout"] == "3 4\n"
    report = function(result, "absolute")
    assert report["traces"] == 1  # the same signature both times: one graph holds both branches
    assert "StatelessIf" in report["op_types"] or "If" in report["op_types"], report["op_types"]
    assert "Greater" in report["op_types"]


def test_the_same_python_if_runs_as_plain_python_in_eager_mode(runner: RunnerApp):
    result = runner.run_ok(ABSOLUTE, "eager")
    assert result["stdout"] == "3 4\n"
    assert function(result, "absolute")["op_types"] == {}


LOOPS = """\
import tensorflow as tf

@tf.function
def unrolled(x):
    for i in range(30):
        x = x + 1
    return x

@tf.function
def looped(x):
    for i in tf.range(30):
        x = x + 1
    return x

print(unrolled(tf.constant(0)).numpy(), looped(tf.constant(0)).numpy())
"""


def test_functions_report_traces_signatures_ops_and_op_types(runner: RunnerApp):
    result = runner.run_ok(LOOPS, "graph")
    assert result["stdout"] == "30 30\n"
    report = function(result, "unrolled")
    assert report["traces"] == 1
    assert report["signatures"] == [
        "(x: TensorSpec(shape=(), dtype=tf.int32, name=None)) -> TensorSpec(shape=(), dtype=tf.int32, name=None)"
    ]
    assert report["ops"] == sum(report["op_types"].values())
    assert report["calls"] == 1


def test_a_python_for_loop_over_range_unrolls_into_many_ops(runner: RunnerApp):
    result = runner.run_ok(LOOPS, "graph")
    unrolled = function(result, "unrolled")
    assert unrolled["op_types"]["AddV2"] == 30
    assert unrolled["ops"] >= 60
    assert "While" not in unrolled["op_types"] and "StatelessWhile" not in unrolled["op_types"]


def test_a_for_loop_over_tf_range_becomes_one_while_loop(runner: RunnerApp):
    result = runner.run_ok(LOOPS, "graph")
    looped = function(result, "looped")
    assert "StatelessWhile" in looped["op_types"] or "While" in looped["op_types"], looped["op_types"]
    assert looped["op_types"].get("AddV2", 0) < 5
    assert looped["ops"] < function(result, "unrolled")["ops"]


RETRACES = """\
import tensorflow as tf

@tf.function
def scale(x, n):
    return x * n

scale(tf.constant([1.0]), 1)
scale(tf.constant([1.0]), 1)
scale(tf.constant([1.0]), 2)
scale(tf.constant([1.0, 2.0]), 2)
scale(tf.constant([1, 2]), 2)
"""


def test_each_retrace_says_why_it_happened(runner: RunnerApp):
    result = runner.run_ok(RETRACES, "graph")
    report = function(result, "scale")
    assert report["calls"] == 5
    assert report["traces"] == 4
    reasons = [trace["reason"] for trace in report["trace_details"]]
    assert reasons[0] == "first call"
    assert "new Python value" in reasons[1] and "1 → 2" in reasons[1]
    assert "new shape" in reasons[2] and "(1,) → (2,)" in reasons[2]
    assert "new dtype" in reasons[3] and "float32 → int32" in reasons[3]
    assert len(report["signatures"]) == 4


def test_eager_mode_runs_functions_without_tracing_them(runner: RunnerApp):
    result = runner.run_ok(RETRACES, "eager")
    report = function(result, "scale")
    assert (report["traces"], report["signatures"], report["ops"], report["calls"]) == (0, [], 0, 5)


def test_run_functions_eagerly_is_switched_on_only_in_eager_mode(runner: RunnerApp):
    code = "import tensorflow as tf\nprint(tf.config.functions_run_eagerly())\n"
    assert runner.run_ok(code, "eager")["stdout"] == "True\n"
    assert runner.run_ok(code, "graph")["stdout"] == "False\n"



@BOTH
def test_an_exception_reports_the_learners_line(runner: RunnerApp, mode: str):
    code = "import tensorflow as tf\nx = 1\ny = 2\nraise ValueError('boom')\nprint('never')\n"
    result = runner.run(code, mode)
    assert result["status"] == "error"
    assert result["error"]["type"] == "ValueError"
    assert result["error"]["message"] == "boom"
    assert result["error"]["line"] == 4
    assert 'File "/tmp/run/main.py", line 4' in result["error"]["traceback"]
    assert "app/runner" not in result["error"]["traceback"] and "runpy" not in result["error"]["traceback"]


RESHAPE_ERROR = """\
import tensorflow as tf

@tf.function
def broken(x):
    y = x + 1
    z = tf.reshape(y, [7])
    return z

broken(tf.constant([1.0, 2.0]))
"""


@BOTH
def test_an_error_inside_a_tf_function_reports_the_line_of_the_failing_statement(runner: RunnerApp, mode: str):
    result = runner.run(RESHAPE_ERROR, mode)
    assert result["status"] == "error"
    assert result["error"]["line"] == 6
    # graph mode fails while tracing (ValueError from shape inference); eager mode when the op runs
    expected = {"graph": "ValueError", "eager": "InvalidArgumentError"}[mode]
    assert result["error"]["type"] == expected


def test_a_syntax_error_reports_its_type_and_line(runner: RunnerApp):
    result = runner.run("x = 1\nprint(x)\nif x > 0\n    print('positive')\n")
    assert result["status"] == "error"
    assert result["error"]["type"] == "SyntaxError"
    assert result["error"]["line"] == 3
    assert result["stdout"] == ""  # nothing ran


def test_an_unclosed_bracket_reports_the_line_it_opened_on(runner: RunnerApp):
    result = runner.run("x = 1\ny = (\nz = 3\n")
    assert (result["status"], result["error"]["type"], result["error"]["line"]) == ("error", "SyntaxError", 2)



def test_sys_exit_with_a_non_zero_code_is_an_error(runner: RunnerApp):
    result = runner.run("import sys\nprint('leaving')\nsys.exit(3)\n")
    assert result["status"] == "error"
    assert result["stdout"] == "leaving\n"
    assert "3" in result["error"]["message"]


def test_sys_exit_with_zero_is_ok(runner: RunnerApp):
    result = runner.run_ok("import sys\nprint('leaving')\nsys.exit(0)\nprint('never')\n")
    assert result["stdout"] == "leaving\n"
    assert result["error"] is None


def test_sys_exit_with_a_message_is_an_error_that_shows_the_message(runner: RunnerApp):
    result = runner.run("import sys\nsys.exit('bad input')\n")
    assert result["status"] == "error"
    assert "bad input" in result["stderr"]



def test_output_written_straight_to_the_file_descriptors_is_captured(runner: RunnerApp):
    result = runner.run_ok("import os\nos.write(1, b'x\\n')\nos.write(2, b'to fd 2\\n')\nprint('y')\n")
    assert result["stdout"] == "x\ny\n"
    assert result["stderr"] == "to fd 2\n"


def test_stdout_and_stderr_keep_their_order_within_each_stream(runner: RunnerApp):
    code = "import sys\nfor i in range(5):\n    print(i)\n    print(-i, file=sys.stderr)\n"
    result = runner.run_ok(code)
    assert result["stdout"] == "0\n1\n2\n3\n4\n"
    assert result["stderr"] == "0\n-1\n-2\n-3\n-4\n"


def test_a_trivial_run_has_no_tensorflow_start_up_lines_in_stderr(runner: RunnerApp):
    code = NORMAL_CODE + (
        "a = tf.random.normal([64, 64])\nprint(tf.reduce_sum(tf.matmul(a, a)).shape)\n"
        "@tf.function\ndef f(x):\n    return x * 2\nprint(f(tf.constant(2)).numpy())\n"
    )
    for mode in ("graph", "eager"):
        result = runner.run_ok(code, mode)
        assert result["stdout"] == NORMAL_OUTPUT + "()\n4\n"
        assert result["stderr"] == "", result["stderr"]


def test_a_normal_run_answers_quickly_from_a_warm_worker(runner: RunnerApp):
    runner.run_ok(NORMAL_CODE)
    result = runner.run_ok(NORMAL_CODE)
    assert result["duration_ms"] < 2000
    assert result["mode"] == "graph"


def test_compare_runs_the_code_in_both_modes(runner: RunnerApp):
    response = runner.client.post("/api/run/compare", json={"code": PRINT_IN_FUNCTION})
    assert response.status_code == 200
    body = response.json()
    assert body["eager"]["mode"] == "eager" and body["graph"]["mode"] == "graph"
    assert body["eager"]["stdout"] == "python print\n" * 3
    assert body["graph"]["stdout"] == "python print\n"



LEAVE_THINGS_BEHIND = """\
import builtins, json, os, sys
import tensorflow as tf

open("left_in_cwd.txt", "w").write("first run")
open("/tmp/left_in_tmp.txt", "w").write("first run")
open("/dev/shm/left_in_shm.txt", "w").write("first run")
open("helper_module.py", "w").write("VALUE = 'first run'\\n")
sys.path.insert(0, os.getcwd())
import helper_module
builtins.LEFT_BEHIND = "first run"
json.dumps = lambda *args, **kwargs: "patched"
tf.constant = lambda *args, **kwargs: "patched"
tf.function = lambda f=None, **kwargs: f
print("left things behind in", os.getcwd())
"""

LOOK_FOR_THEM = """\
import builtins, json, os, sys
import tensorflow as tf

print(sorted(os.listdir(".")))
print([p for p in ("/tmp/left_in_tmp.txt", "/dev/shm/left_in_shm.txt") if os.path.exists(p)])
print("helper_module" in sys.modules, hasattr(builtins, "LEFT_BEHIND"))
print(json.dumps([1]), tf.constant(2).numpy())

@tf.function
def traced(x):
    return x + 1

traced(tf.constant(1))
"""


def test_each_run_starts_clean(runner: RunnerApp):
    first = runner.run_ok(LEAVE_THINGS_BEHIND)
    assert first["stdout"] == "left things behind in /tmp/run\n"
    for _ in range(runner.settings.runner_workers):  # consecutive runs go to each worker in turn
        second = runner.run_ok(LOOK_FOR_THEM)
        assert second["stdout"] == "['main.py']\n[]\nFalse False\n[1] 2\n"
        assert second["functions"][0]["traces"] == 1


def test_the_standard_library_can_be_imported(runner: RunnerApp):
    code = (
        "import importlib\nmissing = []\n"
        "for name in ['statistics', 'fractions', 'sqlite3', 'mmap', 'cProfile', 'doctest', 'csv']:\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except ImportError as error:\n        missing.append(name)\n"
        "print(missing)\n"
    )
    assert runner.run_ok(code)["stdout"] == "[]\n"


def test_code_over_64_kb_is_refused_with_413(runner: RunnerApp):
    code = "# " + "x" * MAX_CODE_BYTES + "\n"
    response = runner.client.post("/api/run", json={"code": code, "mode": "graph"})
    assert response.status_code == 413
    assert response.json()["detail"] == "The code is larger than 64 KB; shorten it."


def test_code_of_exactly_64_kb_is_accepted(runner: RunnerApp):
    line = "print('ok')\n"
    code = line + "#" * (MAX_CODE_BYTES - len(line) - 1) + "\n"
    assert len(code.encode()) == MAX_CODE_BYTES
    assert runner.run_ok(code)["stdout"] == "ok\n"


def test_code_with_a_lot_of_non_ascii_text_runs(runner: RunnerApp):
    code = "text = '" + "ü" * 12000 + "'\nprint(len(text))\n"
    assert len(code.encode()) < MAX_CODE_BYTES // 2
    assert runner.run_ok(code)["stdout"] == "12000\n"


def test_a_request_without_code_is_refused_with_422(runner: RunnerApp):
    response = runner.client.post("/api/run", json={"mode": "graph"})
    assert response.status_code == 422
    assert "code" in response.json()["detail"]


def test_an_unknown_mode_is_refused_with_422(runner: RunnerApp):
    response = runner.client.post("/api/run", json={"code": "print(1)", "mode": "fast"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "mode" in detail and "eager" in detail and "graph" in detail


def test_logging_is_configured_as_in_a_fresh_python(runner: RunnerApp):
    """The runner's own log setup must not leak into runs: INFO stays hidden and warnings look as they do
    under `python file.py` (where importing TensorFlow gives the root logger Python's default format)."""
    code = ("import logging\nimport tensorflow as tf\n"
            "logging.getLogger('tensorflow').info('hidden info')\nlogging.info('hidden too')\n"
            "logging.warning('shown warning')\n")
    body = runner.run_ok(code)
    assert body["stderr"] == "WARNING:root:shown warning\n"


def test_saving_a_savedmodel_prints_nothing_extra(runner: RunnerApp):
    code = ("import tempfile\nimport tensorflow as tf\n"
            "class M(tf.Module):\n"
            "    def __init__(self):\n        self.w = tf.Variable(2.0)\n"
            "    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])\n"
            "    def __call__(self, x):\n        return x * self.w\n"
            "path = tempfile.mkdtemp()\ntf.saved_model.save(M(), path)\n"
            "print(tf.saved_model.load(path)(tf.constant([1.0, 2.0])).numpy())\n")
    body = runner.run_ok(code)
    assert (body["stdout"], body["stderr"]) == ("[2. 4.]\n", "")


TRACE_FAILS = """\
import tensorflow as tf

@tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
def f(x):
    print("trace")
    return x + undefined_name

print("before")
f(tf.constant(1))
"""


def test_an_error_while_tracing_is_reported_with_its_own_message(runner: RunnerApp):
    result = runner.run(TRACE_FAILS, "graph")
    assert result["status"] == "error"
    assert result["error"]["type"] == "NameError"
    assert result["error"]["message"] == "name 'undefined_name' is not defined"
    assert result["error"]["line"] == 6
    assert "in user code:" in result["error"]["traceback"]  # the full text stays in the traceback


def test_a_trace_that_failed_is_reported_as_failed_not_as_no_trace(runner: RunnerApp):
    report = function(runner.run(TRACE_FAILS, "graph"), "f")
    assert (report["traces"], report["failed_traces"], report["calls"]) == (0, 1, 1)
    assert report["trace_error"] == "NameError: name 'undefined_name' is not defined"


@BOTH
def test_the_report_never_runs_the_program_again_after_it_ended(runner: RunnerApp, mode: str):
    code = ("import tensorflow as tf\n"
            "@tf.function(input_signature=[tf.TensorSpec([], tf.float32)])\n"
            "def f(x):\n    print('trace')\n    return x * 2\n"
            "f(tf.constant(1.0))\n")
    assert runner.run_ok(code, mode)["stdout"] == "trace\n"
    assert runner.run(TRACE_FAILS, mode)["stdout"] == "before\ntrace\n"


def test_a_function_that_is_only_traced_is_reported(runner: RunnerApp):
    code = ("import tensorflow as tf\n@tf.function\ndef f(x):\n    return x + 1\n"
            "f.get_concrete_function(tf.constant(1))\n")
    report = function(runner.run_ok(code), "f")
    assert (report["traces"], report["calls"], report["first_call_ms"]) == (1, 0, None)


def test_output_written_to_the_original_streams_appears_in_order(runner: RunnerApp):
    code = ("import sys\nprint('a')\nsys.__stdout__.write('b\\n')\nprint('c')\n"
            "print('x', file=sys.__stderr__)\nsys.stderr.write('y\\n')\n")
    result = runner.run_ok(code)
    assert (result["stdout"], result["stderr"]) == ("a\nb\nc\n", "x\ny\n")


def test_the_program_ends_as_python_ends_it_threads_then_atexit(runner: RunnerApp):
    code = ("import atexit, threading, time\natexit.register(print, 'at exit')\n"
            "threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()\nprint('main')\n")
    assert runner.run_ok(code)["stdout"] == "main\nthread\nat exit\n"


def test_sys_argv_is_the_script_name_as_typed(runner: RunnerApp):
    code = "import sys\nprint(sys.argv, __file__, __name__)\n"
    assert runner.run_ok(code)["stdout"] == "['main.py'] /tmp/run/main.py __main__\n"
