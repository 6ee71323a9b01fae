"""A run in the runner prints what `python main.py` prints: each program here runs both ways, in both modes,
and stdout and stderr must match once memory addresses and log-line clocks are set aside."""

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.runner.zygote import learner_stderr
from tests.runner.conftest import RunnerApp

PYTHON = Path(sys.executable)
# What the runner gives its zygotes for TensorFlow's C++ logging; their INFO lines it then filters out.
PLAIN_ENV = {"TF_CPP_MIN_LOG_LEVEL": "1", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
RUN_DIR = "/tmp/run"
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
CPP_LOG_PREFIX = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ ", re.MULTILINE)

# Every program starts with this line; the eager variant for plain Python switches eager mode on in it, so
# line numbers stay the same (the runner calls run_functions_eagerly(True) before the program starts).
FIRST_LINE = "import tensorflow as tf"
EAGER_FIRST_LINE = "import tensorflow as tf; tf.config.run_functions_eagerly(True)"

PROGRAMS = {
    "floats": """\
import tensorflow as tf

logits = tf.constant([[4.0, 5.0], [0.1, -2.3], [7.5, 7.25]])
print(tf.nn.softmax(logits).numpy().tolist())
print(tf.nn.log_softmax(logits).numpy().tolist())
a = tf.reshape(tf.range(1.0, 17.0) / 7.0, [4, 4])
print(tf.matmul(a, a).numpy().tolist())
print(tf.reduce_sum(tf.sqrt(tf.range(1.0, 1000.0))).numpy().item())
print(tf.reduce_mean(tf.exp(a)).numpy().item(), tf.math.reduce_std(a).numpy().item())
print(tf.sigmoid(a).numpy().tolist(), tf.tanh(a / 3).numpy().tolist())

@tf.function
def dense(x, w):
    return tf.nn.softmax(tf.matmul(x, w) / 3.0)

print(dense(a, tf.transpose(a)).numpy().tolist())
""",
    "names": """\
import tensorflow as tf

print(tf.constant(1)._id, tf.constant([1.0, 2.0])._id)

@tf.function
def f(x):
    return x + 1

@tf.function
def g(x):
    return f(x) * 2

print(f.get_concrete_function(tf.constant(1)).name)
print(g.get_concrete_function(tf.constant(1.0)).name)
print(g.get_concrete_function(tf.constant(1.0)).graph.name)
v = tf.Variable(3.0)
w = tf.Variable(4.0, name="weight")
print(v.name, w.name, v.handle._id)
with tf.name_scope("block"):
    print(tf.Variable(1.0).name)
print(f(tf.constant(5)).numpy(), tf.constant(2)._id)
""",
    "tracing": """\
import tensorflow as tf

@tf.function
def scale(x, n):
    print("tracing scale with", n)
    return x * n

@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def fixed(x):
    print("tracing fixed")
    return x * 2

for n in (1, 1, 2, 3):
    scale(tf.constant([1.0]), n)
scale(tf.constant([1.0, 2.0]), 3)
print(fixed(tf.constant([1.0])).numpy(), fixed(tf.constant([1.0, 2.0, 3.0])).numpy())
print("traces:", scale.experimental_get_tracing_count(), fixed.experimental_get_tracing_count())

@tf.function
def only_defined(x):
    print("tracing only_defined")
    return x
""",
    "retracing_warning": """\
import tensorflow as tf

@tf.function
def square(x):
    return x * x

for i in range(7):
    square(tf.ones([i + 1]))

@tf.function
def noisy(x):
    tf.print("tf.print in noisy:", x, tf.reduce_sum(x))
    return x

noisy(tf.constant([1, 2]))
noisy(tf.constant([3, 4]))
tf.print("tf.print outside", tf.constant(2.5))
print("done")
""",
    "streams": """\
import tensorflow as tf
import atexit, os, sys

atexit.register(print, "atexit callback")
print("to stdout")
sys.__stdout__.write("to sys.__stdout__\\n")
print("to stderr", file=sys.stderr)
print("to sys.__stderr__", file=sys.__stderr__)
sys.__stdout__.write("again __stdout__\\n")
print(sys.stdout is sys.__stdout__, sys.stderr is sys.__stderr__)
print(sys.argv, __file__, __name__, os.getcwd())
print(tf.constant([1.5, 2.5]))
""",
    "error": """\
import tensorflow as tf

@tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
def f(x):
    print("trace")
    return x + undefined_name

print("before")
f(tf.constant(1))
""",
}
ERRORS = {"error"}  # programs that end with an uncaught exception: tracebacks are shortened by design


def normalize(text: str, run_dir: str) -> str:
    text = text.replace(run_dir, RUN_DIR)
    text = ADDRESS.sub("0x…", text)
    return CPP_LOG_PREFIX.sub(r"\1 ", text)


def plain_program(name: str, mode: str) -> str:
    code = PROGRAMS[name]
    assert code.startswith(FIRST_LINE + "\n")
    return code.replace(FIRST_LINE, EAGER_FIRST_LINE, 1) if mode == "eager" else code


def run_plain(name: str, mode: str) -> tuple[str, str]:
    """`python main.py` in a fresh folder, with the runner's C++ log level and its filter of INFO lines."""
    with tempfile.TemporaryDirectory(prefix="tfp-fidelity-") as folder:
        run_dir = os.path.realpath(folder)
        Path(run_dir, "main.py").write_text(plain_program(name, mode))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": run_dir, "TMPDIR": run_dir, **PLAIN_ENV}
        done = subprocess.run([str(PYTHON), "main.py"], cwd=run_dir, env=env, capture_output=True, text=True,
                              timeout=120)
        return normalize(done.stdout, run_dir), normalize(learner_stderr(done.stderr), run_dir)


@pytest.fixture(scope="module")
def plain() -> dict[tuple[str, str], tuple[str, str]]:
    keys = [(name, mode) for name in PROGRAMS for mode in ("graph", "eager")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(keys, pool.map(lambda key: run_plain(*key), keys), strict=True))


def last_line(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("mode", ["graph", "eager"])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_run_prints_what_python_main_py_prints(runner: RunnerApp, plain: dict, name: str, mode: str):
    result = runner.run(PROGRAMS[name], mode)
    stdout, stderr = normalize(result["stdout"], RUN_DIR), normalize(result["stderr"], RUN_DIR)
    plain_stdout, plain_stderr = plain[name, mode]
    assert result["status"] == ("error" if name in ERRORS else "ok"), result
    assert stdout == plain_stdout
    if name in ERRORS:
        assert last_line(stderr) == last_line(plain_stderr)
    else:
        assert stderr == plain_stderr
