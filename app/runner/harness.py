"""Runs one snippet inside the sandboxed process, as `python main.py` would, and reports what every
tf.function did. Imported only in runner processes: it imports TensorFlow.

Everything the harness needs after the learner's code has run is bound before it runs, since the
learner can replace os._exit, json.dumps or anything else reachable from their code.
"""

import atexit
import builtins
import importlib.machinery
import json
import os
import re
import sys
import threading
import time
import traceback
import types
from collections import Counter
from typing import Any

import tensorflow as tf
from tensorflow.python.eager import context, execute
from tensorflow.python.eager.polymorphic_function import polymorphic_function, tracing_compilation

SCRIPT_NAME = "main.py"
# AutoGraph re-raises an error from a traced body as "in user code: <frames> <Type>: <message>".
AUTOGRAPH_INNER = re.compile(r"^    [A-Za-z_][\w.]*: ", re.MULTILINE)
PLAIN_SCALARS = (int, float, complex, bool, str, bytes, type(None))


class _FunctionLog:
    """Every tf.function created during the run, its call timings and the traces that failed."""

    def __init__(self) -> None:
        self.functions: list[Any] = []
        self.calls: dict[int, list[float]] = {}
        self.failed: dict[int, list[str]] = {}  # id of a function's trace cache -> "Type: message" per failure

    def install(self) -> None:
        log = self
        original_init = polymorphic_function.Function.__init__
        original_call = polymorphic_function.Function.__call__
        original_trace = tracing_compilation._create_concrete_function

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            log.functions.append(self)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original_call(self, *args, **kwargs)
            finally:
                log.calls.setdefault(id(self), []).append((time.perf_counter() - start) * 1000)

        def trace(function_type: Any, type_context: Any, func_graph: Any, tracing_options: Any) -> Any:
            try:
                return original_trace(function_type, type_context, func_graph, tracing_options)
            except Exception as error:
                try:
                    failure = f"{type(error).__name__}: {learner_message(error)}"
                except Exception:
                    failure = type(error).__name__
                log.failed.setdefault(id(tracing_options.function_cache), []).append(failure)
                raise

        polymorphic_function.Function.__init__ = init
        polymorphic_function.Function.__call__ = call
        tracing_compilation._create_concrete_function = trace

    def report(self) -> list[dict[str, Any]]:
        """What each function did; reads what the run left behind and never traces (which would run learner code)."""
        reports = []
        for function in self.functions:
            calls = self.calls.get(id(function), [])
            failed = self.failed.get(id(getattr(function, "_function_cache", None)), [])
            try:
                concretes = list(function._function_cache.values())
            except Exception:
                concretes = []
            if not (calls or concretes or failed):
                continue
            try:
                reports.append(_describe(function, concretes, calls, failed))
            except Exception as error:  # a learner can break TensorFlow's internals; say so, keep going
                reports.append({"name": getattr(function, "__name__", "?"), "traces": 0, "signatures": [],
                                "ops": 0, "op_types": {}, "calls": len(calls),
                                "trace_details": [], "first_call_ms": round(calls[0], 2) if calls else None,
                                "later_calls_ms": None, "failed_traces": len(failed),
                                "trace_error": failed[-1] if failed else None, "note": f"could not inspect: {error}"})
        return reports


def _signature_parts(concrete: Any) -> tuple[list[Any], dict[str, Any]]:
    args, kwargs = concrete.structured_input_signature
    return list(args), dict(kwargs)


def _retrace_reason(previous: Any, current: Any) -> str | None:
    """Why `current` needed a new trace after `previous`: new Python value, shape or dtype."""
    before_args, before_kwargs = _signature_parts(previous)
    after_args, after_kwargs = _signature_parts(current)
    before = before_args + [before_kwargs[k] for k in sorted(before_kwargs)]
    after = after_args + [after_kwargs[k] for k in sorted(after_kwargs)]
    if len(before) != len(after):
        return "different arguments"
    reasons = []
    for old, new in zip(before, after, strict=True):
        if isinstance(old, tf.TensorSpec) and isinstance(new, tf.TensorSpec):
            if old.dtype != new.dtype:
                reasons.append(f"new dtype ({old.dtype.name} → {new.dtype.name})")
            if old.shape != new.shape:
                reasons.append(f"new shape ({old.shape} → {new.shape})")
        elif isinstance(new, tf.TensorSpec):
            reasons.append(f"a tensor where the Python value {_shown(old)} was before")
        elif isinstance(old, tf.TensorSpec):
            reasons.append(f"the Python value {_shown(new)} where a tensor was before")
        elif not (_plain(old) and _plain(new)):
            if old is not new:
                reasons.append(f"new Python value ({_shown(old)} → {_shown(new)})")
        elif old != new:
            reasons.append(f"new Python value ({old!r} → {new!r})")
    return "; ".join(reasons) or None


def _plain(value: Any, depth: int = 0) -> bool:
    """Built of Python's own scalars and containers, so comparing or printing it runs no learner code."""
    if type(value) in PLAIN_SCALARS:
        return True
    if depth < 4 and type(value) in (tuple, list):
        return all(_plain(item, depth + 1) for item in value)
    if depth < 4 and type(value) is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _shown(value: Any) -> str:
    return repr(value) if _plain(value) else f"a {type(value).__name__} object"


def _describe(function: Any, concretes: list[Any], calls: list[float], failed: list[str]) -> dict[str, Any]:
    traces = []
    totals: Counter[str] = Counter()
    for index, concrete in enumerate(concretes):
        op_types = Counter(op.type for op in concrete.graph.get_operations())
        totals.update(op_types)
        traces.append({
            "signature": concrete.pretty_printed_signature(verbose=False).splitlines()[0],
            "ops": sum(op_types.values()),
            "op_types": dict(op_types.most_common()),
            "reason": "first call" if index == 0 else _retrace_reason(concretes[index - 1], concrete),
        })
    later = calls[1:]
    return {
        "name": getattr(function, "__name__", None) or function.python_function.__name__,
        "traces": len(concretes),
        "signatures": [t["signature"] for t in traces],
        "ops": sum(totals.values()),
        "op_types": dict(totals.most_common()),
        "calls": len(calls),
        "first_call_ms": round(calls[0], 2) if calls else None,
        "later_calls_ms": round(sum(later) / len(later), 3) if later else None,
        "trace_details": traces,
        "failed_traces": len(failed),
        "trace_error": failed[-1] if failed else None,
    }


def learner_message(error: BaseException) -> str:
    """The error's own message, without the frames AutoGraph wraps around an error raised while tracing."""
    message = str(error).strip()
    if not message.startswith("in user code:"):
        return message
    inner = list(AUTOGRAPH_INNER.finditer(message))
    if not inner:
        return message
    text = message[inner[-1].start():]
    lines = [line[4:] if line.startswith("    ") else line for line in text.splitlines()]
    return "\n".join(lines).split(": ", 1)[1].strip()


def _learner_frames(tb: Any, script: str) -> list[traceback.FrameSummary]:
    return [frame for frame in traceback.extract_tb(tb) if frame.filename == script]


def _error_line(error: BaseException, frames: list[traceback.FrameSummary], script: str) -> int | None:
    """The learner's line: where AutoGraph says the error was raised in their code, else their deepest frame."""
    message = str(error)
    marker = f'File "{script}", line '
    if marker in message:
        tail = message.rsplit(marker, 1)[1]
        digits = "".join(ch for ch in tail[:8] if ch.isdigit())
        if digits:
            return int(digits)
    if isinstance(error, SyntaxError) and error.filename == script:
        return error.lineno
    return frames[-1].lineno if frames else None


def warm_up_zygote() -> None:
    """In the zygote, once: load AutoGraph's converter (its first use costs ~40 ms) without running any
    TensorFlow op, which would break every child forked afterwards (app/runner/README.md)."""
    tf.autograph.to_code(_warm_up_body)


def warm_up() -> None:
    """In each prepared child, before its code arrives: size TensorFlow's thread pools (only possible
    before the first op), then run one op to create the eager context (~15 ms) off the critical path.
    The op is a NoOp: it has no output, so no tensor takes a number from TensorFlow's uid counter, which
    names every function and graph a program makes (a tensor here would make `__inference_f_7` appear as
    `__inference_f_10`, unlike `python main.py`). Tracing a function here too made traced snippets ~8 ms
    faster but cost ~20 ms of CPU on every run, a quarter of the pool's throughput (bench/runner.py)."""
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    execute.execute("NoOp", 0, [], (), context.context())


def _warm_up_body(x: Any) -> Any:
    return x + 1


def _run_as_main(code: str, script: str) -> None:
    """Run `code` as CPython runs `python main.py`: in a fresh __main__ module whose __file__ is the absolute
    path, while sys.argv[0] stays "main.py" (runpy.run_path would set it to the absolute path)."""
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__cached__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", script)
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    exec(compile(code, script, "exec", dont_inherit=True), main.__dict__)


def run(code: str, mode: str, result_fd: int) -> None:
    """Run `code` as the file main.py in the current directory; never returns."""
    exit_now = os._exit
    write = os.write
    getpid = os.getpid
    owner = os.getpid()
    dumps = json.dumps
    perf_counter = time.perf_counter
    flush_out, flush_err = sys.stdout.flush, sys.stderr.flush
    # What Python does after the main module ends: wait for non-daemon threads, then run atexit callbacks.
    wait_for_threads = threading._shutdown  # type: ignore[attr-defined]
    run_exit_callbacks = atexit._run_exitfuncs

    if mode == "eager":
        tf.config.run_functions_eagerly(True)
    log = _FunctionLog()
    log.install()

    script = os.path.abspath(SCRIPT_NAME)
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(code)
    sys.argv = [SCRIPT_NAME]
    sys.path[0] = os.path.dirname(script)

    error: dict[str, Any] | None = None
    status = 0
    start = perf_counter()
    try:
        _run_as_main(code, script)
    except SystemExit as exit_:
        code_ = exit_.code
        status = code_ if isinstance(code_, int) else (0 if code_ is None else 1)
        if code_ is not None and not isinstance(code_, int):
            print(code_, file=sys.stderr)
    except BaseException as exc:
        status = 1
        frames = _learner_frames(exc.__traceback__, script)
        trimmed = "Traceback (most recent call last):\n" if frames else ""
        trimmed += "".join(traceback.format_list(frames))
        trimmed += "".join(traceback.format_exception_only(type(exc), exc))
        sys.stderr.write(trimmed)
        error = {
            "type": type(exc).__name__,
            "message": learner_message(exc),
            "line": _error_line(exc, frames, script),
            "traceback": trimmed,
        }
    if getpid() == owner:
        for finish in (wait_for_threads, run_exit_callbacks):
            try:  # noqa: SIM105 (the program may have replaced contextlib.suppress)
                finish()
            except BaseException:
                pass
    elapsed = (perf_counter() - start) * 1000
    if getpid() != owner:  # a child the program forked: the report is the program's own, not the child's
        try:
            flush_out()
            flush_err()
        finally:
            exit_now(status if 0 <= status < 256 else 1)
    try:
        flush_out()
        flush_err()
    except BaseException:
        pass
    try:
        functions = log.report()
    except BaseException:
        functions = []
    try:
        payload = dumps({"error": error, "functions": functions, "duration_ms": round(elapsed, 2),
                         "exit_code": status}).encode()
        while payload:
            payload = payload[write(result_fd, payload):]
    except BaseException:
        pass
    exit_now(status if 0 <= status < 256 else 1)
