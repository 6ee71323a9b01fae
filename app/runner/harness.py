"""Runs one snippet inside the sandboxed process, as `python main.py` would, and reports what every
tf.function did. Imported only in runner processes: it imports TensorFlow.

Everything the harness needs after the learner's code has run is bound before it runs, since the
learner can replace os._exit, json.dumps or anything else reachable from their code.
"""

import json
import os
import runpy
import sys
import time
import traceback
from collections import Counter
from typing import Any

import tensorflow as tf
from tensorflow.python.eager.polymorphic_function import polymorphic_function

SCRIPT_NAME = "main.py"


class _FunctionLog:
    """Every tf.function created during the run, with its call timings."""

    def __init__(self) -> None:
        self.functions: list[Any] = []
        self.calls: dict[int, list[float]] = {}

    def install(self) -> None:
        log = self
        original_init = polymorphic_function.Function.__init__
        original_call = polymorphic_function.Function.__call__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            log.functions.append(self)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original_call(self, *args, **kwargs)
            finally:
                log.calls.setdefault(id(self), []).append((time.perf_counter() - start) * 1000)

        polymorphic_function.Function.__init__ = init
        polymorphic_function.Function.__call__ = call

    def report(self) -> list[dict[str, Any]]:
        reports = []
        for function in self.functions:
            calls = self.calls.get(id(function), [])
            if not calls:
                continue
            try:
                reports.append(_describe(function, calls))
            except Exception as error:  # a learner can break TensorFlow's internals; say so, keep going
                reports.append({"name": getattr(function, "__name__", "?"), "traces": 0, "signatures": [],
                                "ops": 0, "op_types": {}, "calls": len(calls),
                                "trace_details": [], "first_call_ms": round(calls[0], 2),
                                "later_calls_ms": None, "note": f"could not inspect: {error}"})
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
            reasons.append(f"a tensor where the Python value {old!r} was before")
        elif isinstance(old, tf.TensorSpec):
            reasons.append(f"the Python value {new!r} where a tensor was before")
        elif old != new:
            reasons.append(f"new Python value ({old!r} → {new!r})")
    return "; ".join(reasons) or None


def _describe(function: Any, calls: list[float]) -> dict[str, Any]:
    concretes = list(function._list_all_concrete_functions())
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
        "traces": function.experimental_get_tracing_count(),
        "signatures": [t["signature"] for t in traces],
        "ops": sum(totals.values()),
        "op_types": dict(totals.most_common()),
        "calls": len(calls),
        "first_call_ms": round(calls[0], 2),
        "later_calls_ms": round(sum(later) / len(later), 3) if later else None,
        "trace_details": traces,
    }


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
    TensorFlow op, which would break every child forked afterwards (runner-findings.md)."""
    tf.autograph.to_code(_warm_up_body)


def warm_up() -> None:
    """In each prepared child, before its code arrives: size TensorFlow's thread pools (only possible
    before the first op), then run one op to create the eager context (~30 ms) off the critical path.
    Tracing a function here too made traced snippets ~8 ms faster but cost ~20 ms of CPU on every run,
    a quarter of the pool's throughput (bench/runner.py), so it is left to the runs that need it."""
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.constant(1) + 1


def _warm_up_body(x: Any) -> Any:
    return x + 1


def run(code: str, mode: str, result_fd: int) -> None:
    """Run `code` as the file main.py in the current directory; never returns."""
    exit_now = os._exit
    write = os.write
    getpid = os.getpid
    owner = os.getpid()
    dumps = json.dumps
    perf_counter = time.perf_counter
    flush_out, flush_err = sys.stdout.flush, sys.stderr.flush

    if mode == "eager":
        tf.config.run_functions_eagerly(True)
    log = _FunctionLog()
    log.install()

    script = os.path.abspath(SCRIPT_NAME)
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(code)
    sys.argv = [script]
    sys.path[0] = os.path.dirname(script)

    error: dict[str, Any] | None = None
    status = 0
    start = perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
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
            "message": str(exc).strip(),
            "line": _error_line(exc, frames, script),
            "traceback": trimmed,
        }
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
