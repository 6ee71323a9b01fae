"""Latency, throughput and memory of the code runner, measured through the real HTTP endpoints.

Run from the project root:

    .venv/bin/python bench/runner.py [--workers 2] [--cold-runs 5] [--runs 50] [--function-runs 30]
                                     [--compare-runs 20] [--warmup-runs 5] [--clients 8]
                                     [--seconds 10] [--warmup 2] [--memory-seconds 6]

What it does, in one run:

1. baseline: a cold `python -c "import tensorflow as tf; x = tf.constant(3); print(x + 4)"` with the
   venv's python (TF_CPP_MIN_LOG_LEVEL=1, as the runner's zygotes), --cold-runs times, before the
   server starts (so nothing else competes for the CPU); wall time and peak RSS of each;
2. starts the real server as a subprocess in its own session: `.venv/bin/tfpatterns serve --host
   127.0.0.1 --port <free>` with a fresh SQLite database in a temp directory, TFP_SECRET_KEY,
   TFP_RUNNER_WORKERS=--workers, TFP_RUNNER_RATE_PER_MINUTE=1000000 (the per-learner rate limit must
   not interfere) and TFP_RUNNER_QUEUE=--queue; waits (up to 120 s) for GET /healthz to say
   "runner": "ok";
3. sequential POST /api/run (graph mode) of the trivial snippet (--runs, after --warmup-runs) and of a
   snippet that traces one tf.function and calls it 3 times (--function-runs); sequential POST
   /api/run/compare of the tf.function snippet (--compare-runs). Every response must be HTTP 200,
   status "ok" and the exact expected stdout (anything else is counted as a failure, by reason);
4. throughput: --clients concurrent clients, each with its own keep-alive connection and learner
   cookie, send the trivial snippet for --warmup + --seconds; runs/s, latency and failures in the
   measured window, and the CPU used by the web process, by the runner pool (zygotes plus every run
   they have reaped) and by the load generator;
5. memory: the web process's RSS and whether it has mapped any TensorFlow file (/proc/<pid>/maps);
   the zygotes' RSS and PSS at rest; then --clients clients run a snippet that multiplies 1000x1000
   float32 matrices for ~300 ms while a sampler reads, every 50 ms, the PSS and USS (private pages)
   of every process below the zygotes (/proc/*/stat ppid, /proc/<pid>/smaps_rollup) and divides by
   the number of runs in flight (the zygotes' direct children).

Load client: raw `http.client` from bench/_common.py (as bench/pages.py, for its low client CPU).
Bounded: every phase has a deadline, every socket a timeout, threads are joined with a timeout, and
the server gets SIGTERM (a graceful stop, as in production) and then its whole process group (web
process + zygotes) SIGKILL, in `finally`; the report says whether any runner process or cgroup folder
of its zygotes was left behind.
Exit status: 0 for a completed measurement (no pass/fail threshold), 1 when the set-up fails.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_common.py, also when run from elsewhere
from _common import (
    HOST,
    Client,
    SetupError,
    children_of,
    cmdline,
    cpu_seconds,
    cpu_seconds_with_children,
    free_port,
    machine_busy_seconds,
    p95,
    process_table,
    rss_kib,
    smaps_rollup_kib,
    stop_group,
    tail,
    wait_healthy,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
TFPATTERNS = PROJECT_ROOT / ".venv" / "bin" / "tfpatterns"
HEALTH_TIMEOUT_S = 120.0
RUN_REQUEST_TIMEOUT_S = 60.0  # > runner timeout (10 s) + its wait for a free worker
COLD_TIMEOUT_S = 120.0
PHASE_BUDGET_S = 300.0  # a sequential phase stops here even if it has not done all its runs
SAMPLE_EVERY_S = 0.05
ZYGOTE_MARK = "app.runner.zygote"
COLD_ENV = {"TF_CPP_MIN_LOG_LEVEL": "1"}
COLD_CODE = "import tensorflow as tf; x = tf.constant(3); print(x + 4)"

TRIVIAL = "import tensorflow as tf\nx = tf.constant(3)\nprint(x + 4)\n"
TRIVIAL_STDOUT = "tf.Tensor(7, shape=(), dtype=int32)\n"
FUNCTION = """import tensorflow as tf

@tf.function
def f(x):
    return x * 2 + 1

print(f(tf.constant(1.0)).numpy())
print(f(tf.constant(2.0)).numpy())
print(f(tf.constant(3.0)).numpy())
"""
FUNCTION_STDOUT = "3.0\n5.0\n7.0\n"
MEMORY = """import time
import tensorflow as tf

a = tf.random.uniform((1000, 1000))  # float32, 4 MB
start = time.perf_counter()
n = 0
while time.perf_counter() - start < 0.3:
    b = tf.matmul(a, a)
    n += 1
print("done", n > 0, b.shape)
"""
MEMORY_STDOUT = "done True (1000, 1000)\n"


# ------------------------------------------------------------------------------------------- checks

# A check looks at one HTTP answer: (failure reason or None, {metric name: server-reported ms}).
Check = Callable[[int, bytes], tuple[str | None, dict[str, float]]]


def _check_result(result: object, stdout: str, mode: str, traces: int | None) -> str | None:
    if not isinstance(result, dict):
        return "not a RunResult"
    if result.get("status") != "ok":
        error = result.get("error") or {}
        stderr = str(result.get("stderr") or "").strip().splitlines()
        return (f"status {result.get('status')}: {error.get('type')}: {str(error.get('message'))[:80]}"
                + (f" [stderr: {stderr[-1][:100]}]" if stderr else ""))
    if result.get("mode") != mode:
        return f"mode {result.get('mode')!r} (asked for {mode})"
    if result.get("stdout") != stdout:
        return f"stdout {str(result.get('stdout'))[:60]!r}"
    if traces is not None:
        functions = result.get("functions") or []
        got = functions[0].get("traces") if functions else None
        if got != traces:
            return f"traces {got} (expected {traces})"
    return None


def run_check(stdout: str, traces: int | None = None) -> Check:
    def check(status: int, body: bytes) -> tuple[str | None, dict[str, float]]:
        if status != 200:
            return f"HTTP {status}", {}
        try:
            result = json.loads(body)
        except ValueError:
            return "invalid JSON", {}
        metrics = {"server": float(result.get("duration_ms", "nan"))} if isinstance(result, dict) else {}
        functions = result.get("functions") if isinstance(result, dict) else None
        if functions and functions[0].get("first_call_ms") is not None:
            metrics["first call"] = float(functions[0]["first_call_ms"])
        return _check_result(result, stdout, "graph", traces), metrics

    return check


def compare_check(stdout: str) -> Check:
    def check(status: int, body: bytes) -> tuple[str | None, dict[str, float]]:
        if status != 200:
            return f"HTTP {status}", {}
        try:
            result = json.loads(body)
        except ValueError:
            return "invalid JSON", {}
        if not isinstance(result, dict):
            return "not a CompareResult", {}
        metrics = {f"server {mode}": float((result.get(mode) or {}).get("duration_ms", "nan"))
                   for mode in ("eager", "graph")}
        # eager: run_functions_eagerly(True), so the function is never traced; graph: traced once
        reason = (_check_result(result.get("eager"), stdout, "eager", 0)
                  or _check_result(result.get("graph"), stdout, "graph", 1))
        return reason, metrics

    return check


# ---------------------------------------------------------------------------------------- sequential


@dataclass
class Phase:
    name: str
    planned: int
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    metrics: dict[str, list[float]] = field(default_factory=dict)
    overhead: list[float] = field(default_factory=list)  # ms: end to end minus the server's duration_ms
    failures: Counter[str] = field(default_factory=Counter)
    warmup_failures: Counter[str] = field(default_factory=Counter)  # outside the measured window
    seconds: float = 0.0  # measured window (wall seconds)
    runs_per_s: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core during the window
    note: str = ""

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def done(self) -> int:
        return len(self.latencies) + self.failed

    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    def p95_ms(self) -> float:
        return p95(sorted(self.latencies)) * 1000

    def metric_median(self, name: str) -> float:
        values = [v for v in self.metrics.get(name, []) if v == v]
        return statistics.median(values) if values else float("nan")


def one_request(client: Client, path: str, body: bytes, check: Check
                ) -> tuple[float, str | None, dict[str, float]]:
    t0 = time.perf_counter()
    try:
        status, data = client.post_json(path, body)
    except Exception as error:  # counted; the connection is reopened on the next request
        return time.perf_counter() - t0, f"{type(error).__name__}: {error}"[:100], {}
    elapsed = time.perf_counter() - t0
    reason, metrics = check(status, data)
    return elapsed, reason, metrics


def record(phase: Phase, elapsed: float, reason: str | None, metrics: dict[str, float]) -> None:
    if reason is not None:
        phase.failures[reason] += 1
        return
    phase.latencies.append(elapsed)
    for name, value in metrics.items():
        phase.metrics.setdefault(name, []).append(value)
    if "server" in metrics:
        phase.overhead.append(elapsed * 1000 - metrics["server"])


def run_sequential(name: str, client: Client, path: str, payload: dict[str, str], check: Check, runs: int,
                   warmup_runs: int, meter: CpuMeter) -> Phase:
    print(f"running {name}: {warmup_runs} warm-up + {runs} x POST {path} ...", file=sys.stderr, flush=True)
    body = json.dumps(payload).encode()
    phase = Phase(name=name, planned=runs)
    client.close()  # a fresh connection: uvicorn drops keep-alive connections idle for 5 s (--wait-idle pauses)
    deadline = time.monotonic() + PHASE_BUDGET_S
    for _ in range(warmup_runs):
        if time.monotonic() >= deadline:
            break
        _, reason, _ = one_request(client, path, body, check)
        if reason is not None:
            phase.warmup_failures[reason] += 1
    meter.start()
    for _ in range(runs):
        if time.monotonic() >= deadline:
            phase.note = f"stopped at the {PHASE_BUDGET_S:.0f} s phase budget"
            break
        record(phase, *one_request(client, path, body, check))
    phase.cpu = meter.stop()
    phase.seconds = meter.seconds
    return phase


# ---------------------------------------------------------------------------------------- concurrent


def load_worker(client: Client, body: bytes, check: Check, clock: dict[str, float], go: threading.Event,
                phase: Phase, lock: threading.Lock) -> None:
    """POST the snippet in a loop until the deadline; record runs that complete inside the window."""
    go.wait(timeout=30)
    window_start, window_end = clock["window_start"], clock["window_end"]
    while time.perf_counter() < window_end:
        t0 = time.perf_counter()
        elapsed, reason, metrics = one_request(client, "/api/run", body, check)
        t1 = t0 + elapsed
        with lock:
            if window_start <= t1 <= window_end:
                record(phase, elapsed, reason, metrics)
            elif reason is not None:
                phase.warmup_failures[reason] += 1
        if reason is not None:
            time.sleep(0.05)  # do not spin on a refusing server


@dataclass
class PoolView:
    """The server's runner processes, found through /proc."""

    server_pid: int

    def zygotes(self) -> list[int]:
        table = process_table()
        kids = children_of(table).get(self.server_pid, [])
        return sorted(pid for pid in kids if ZYGOTE_MARK in cmdline(pid))

    def pool_cpu(self, zygotes: list[int]) -> float:
        return sum(cpu_seconds_with_children(pid) or 0.0 for pid in zygotes)


class CpuMeter:
    """CPU used between start() and stop() by the web process, the runner pool (zygotes + every run they
    reaped), this bench (threads + reaped children) and everything else on the machine."""

    def __init__(self, server_pid: int | None = None, pool: PoolView | None = None) -> None:
        self.server_pid = server_pid
        self.pool = pool
        self.zygotes: list[int] = []

    def _read(self) -> tuple[float, float, float, float]:
        times = os.times()
        web = cpu_seconds(self.server_pid) if self.server_pid else 0.0
        pool = self.pool.pool_cpu(self.zygotes) if self.pool else 0.0
        bench = times.user + times.system + times.children_user + times.children_system
        return web, pool, bench, machine_busy_seconds()

    def start(self) -> None:
        self.zygotes = self.pool.zygotes() if self.pool else []
        self.t0 = time.perf_counter()
        self.first = self._read()

    def stop(self) -> dict[str, float]:
        web, pool, bench, busy = (b - a for a, b in zip(self.first, self._read(), strict=True))
        self.seconds = seconds = max(1e-9, time.perf_counter() - self.t0)
        self.replaced = bool(self.pool) and set(self.pool.zygotes()) != set(self.zygotes)
        return {"web": web / seconds, "pool": pool / seconds, "bench": bench / seconds,
                "other": max(0.0, busy - web - pool - bench) / seconds}


def other_cpu_now(seconds: float = 1.0, meter: CpuMeter | None = None) -> float:
    """Share of one core used by every process but this one (and the server, if metered), over `seconds`."""
    meter = meter or CpuMeter()
    meter.start()
    time.sleep(seconds)
    return meter.stop()["other"]


def wait_for_idle(max_wait_s: float, meter: CpuMeter | None = None, threshold: float = 0.2) -> tuple[float, float]:
    """Wait (at most max_wait_s) until the rest of the machine uses < threshold of a core over 1 s.
    Returns (seconds waited, last other-CPU share)."""
    start = time.monotonic()
    other = other_cpu_now(meter=meter)
    while other >= threshold and time.monotonic() - start < max_wait_s:
        print(f"waiting for an idle machine: other processes use {other:.0%} of a core ...", file=sys.stderr,
              flush=True)
        time.sleep(2)
        other = other_cpu_now(meter=meter)
    return time.monotonic() - start, other


class Idle:
    """Before each phase: measure (and with --wait-idle, wait for) how busy the rest of the machine is."""

    def __init__(self, max_wait_s: float) -> None:
        self.max_wait_s = max_wait_s
        self.notes: list[str] = []
        self.meter: CpuMeter | None = None  # once the server runs: its CPU is not 'other'

    def settle(self, label: str) -> None:
        if self.max_wait_s <= 0:
            other = other_cpu_now(0.5, self.meter)
            self.notes.append(f"{label} {other:.0%}")
            return
        waited, other = wait_for_idle(self.max_wait_s, self.meter)
        self.notes.append(f"{label} {other:.0%}" + (f" after {waited:.0f} s" if waited >= 1.5 else ""))

    def describe(self) -> str:
        return ("other processes' CPU just before each phase: " + ", ".join(self.notes)
                + f" [--wait-idle {self.max_wait_s:g}]")


@dataclass
class MemorySamples:
    per_run_pss: list[float] = field(default_factory=list)  # KiB per sample: sum of PSS / runs in flight
    per_run_uss: list[float] = field(default_factory=list)
    in_flight: Counter[int] = field(default_factory=Counter)
    peak_pss_by_run: dict[int, float] = field(default_factory=dict)  # run (pid of its first process)
    peak_uss_by_run: dict[int, float] = field(default_factory=dict)
    processes_per_run: Counter[int] = field(default_factory=Counter)
    unreadable: int = 0
    samples: int = 0


def sample_runs(zygotes: list[int], into: MemorySamples) -> None:
    """One sample: PSS and USS of every process below the zygotes, per run in flight."""
    table = process_table()
    kids = children_of(table)
    total_pss = total_uss = 0
    runs = 0
    for zygote in zygotes:
        for run_root in kids.get(zygote, []):
            if table[run_root][1] == "Z":
                continue
            pss = uss = processes = 0
            readable = False
            stack = [run_root]
            while stack:
                pid = stack.pop()
                stack.extend(kids.get(pid, []))
                if table.get(pid, (0, "Z"))[1] == "Z":
                    continue
                rollup = smaps_rollup_kib(pid)
                if rollup is None:
                    into.unreadable += 1
                    continue
                readable = True
                processes += 1
                pss += rollup["Pss"]
                uss += rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
            if not readable:
                continue
            runs += 1
            total_pss += pss
            total_uss += uss
            into.processes_per_run[processes] += 1
            into.peak_pss_by_run[run_root] = max(into.peak_pss_by_run.get(run_root, 0), pss)
            into.peak_uss_by_run[run_root] = max(into.peak_uss_by_run.get(run_root, 0), uss)
    into.samples += 1
    into.in_flight[runs] += 1
    if runs:
        into.per_run_pss.append(total_pss / runs)
        into.per_run_uss.append(total_uss / runs)


def run_concurrent(name: str, port: int, server_pid: int, pool: PoolView, snippet: str, check: Check,
                   clients: int, warmup_s: float, seconds: float, memory: MemorySamples | None = None) -> Phase:
    print(f"running {name}: {clients} clients, {warmup_s:g} s warm-up + {seconds:g} s ...", file=sys.stderr,
          flush=True)
    body = json.dumps({"code": snippet, "mode": "graph"}).encode()
    phase = Phase(name=name, planned=0, seconds=seconds)
    load_clients = [Client(port, timeout=RUN_REQUEST_TIMEOUT_S) for _ in range(clients)]
    try:
        for client in load_clients:  # its own learner cookie, from its first answer
            _, reason, _ = one_request(client, "/api/run", body, check)
            if reason is not None:
                phase.warmup_failures[reason] += 1
        cookies = sum(1 for client in load_clients if client.cookies)
        lock = threading.Lock()
        go = threading.Event()
        clock: dict[str, float] = {}
        threads = [threading.Thread(target=load_worker, name=f"client-{i}", daemon=True,
                                    args=(client, body, check, clock, go, phase, lock))
                   for i, client in enumerate(load_clients)]
        for thread in threads:
            thread.start()
        start = time.perf_counter()
        clock["window_start"] = start + warmup_s
        clock["window_end"] = start + warmup_s + seconds
        go.set()

        time.sleep(max(0.0, clock["window_start"] - time.perf_counter()))
        meter = CpuMeter(server_pid, pool)
        meter.start()
        zygotes = meter.zygotes
        if memory is None:
            time.sleep(max(0.0, clock["window_end"] - time.perf_counter()))
        while memory is not None and time.perf_counter() < clock["window_end"]:
            sample_runs(zygotes, memory)
            time.sleep(min(SAMPLE_EVERY_S, max(0.0, clock["window_end"] - time.perf_counter())))
        phase.cpu = meter.stop()

        join_deadline = time.monotonic() + RUN_REQUEST_TIMEOUT_S + 5
        for thread in threads:
            thread.join(timeout=max(0.0, join_deadline - time.monotonic()))
        hung = sum(1 for thread in threads if thread.is_alive())
    finally:
        for client in load_clients:
            client.close()

    phase.runs_per_s = len(phase.latencies) / seconds
    notes = [f"{cookies}/{clients} clients got their own learner cookie"]
    if hung:
        notes.append(f"{hung} client thread(s) did not stop in time")
    if meter.replaced:
        notes.append("the set of zygotes changed during the window (a worker was replaced): pool CPU is partial")
    phase.note = "; ".join(notes)
    return phase


# --------------------------------------------------------------------------------------------- cold


@dataclass
class Cold:
    wall_s: list[float] = field(default_factory=list)
    max_rss_kib: list[int] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)


def cold_baseline(runs: int) -> Cold:
    print(f"running cold baseline: {runs} x python -c ...", file=sys.stderr, flush=True)
    cold = Cold()
    env = {**os.environ, **COLD_ENV}
    meter = CpuMeter()
    meter.start()
    for _ in range(runs):
        with tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen([str(VENV_PYTHON), "-c", COLD_CODE], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=err, env=env, cwd=PROJECT_ROOT)
            timer = threading.Timer(COLD_TIMEOUT_S, proc.kill)
            timer.start()
            try:
                assert proc.stdout is not None
                out = proc.stdout.read()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
            except BaseException:  # interrupted: do not leave the child running
                proc.kill()
                proc.wait(timeout=10)
                raise
            finally:
                timer.cancel()
                assert proc.stdout is not None
                proc.stdout.close()
            wall = time.perf_counter() - t0
            if proc.returncode == 0 and out.decode() == "tf.Tensor(7, shape=(), dtype=int32)\n":
                cold.wall_s.append(wall)
                cold.max_rss_kib.append(usage.ru_maxrss)
            else:
                err.seek(0)
                last = err.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
                cold.failures[f"exit {proc.returncode}: {out[:60]!r} {last[0][:80]}"] += 1
    cold.cpu = meter.stop()
    return cold


# ------------------------------------------------------------------------------------------- memory


def tensorflow_mappings(pid: int) -> list[str]:
    """Paths of mapped files containing 'tensorflow' (e.g. _pywrap_tensorflow_internal.so)."""
    paths = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and "tensorflow" in parts[5].lower():
            paths.add(parts[5])
    return sorted(paths)


@dataclass
class MemoryAtRest:
    web_rss: int | None
    web_tf_paths: list[str]
    zygotes: list[int]
    zygote_rss: list[int]
    zygote_pss: list[int]
    zygote_uss: list[int]
    zygote_tf_files: list[int]
    below: int = 0  # processes below the zygotes at rest (children prepared for the next run, if any)
    below_pss: int = 0
    below_uss: int = 0


def memory_at_rest(server_pid: int, pool: PoolView) -> MemoryAtRest:
    zygotes = pool.zygotes()
    rollups = [smaps_rollup_kib(pid) or {} for pid in zygotes]
    table = process_table()
    kids = children_of(table)
    stack = [pid for zygote in zygotes for pid in kids.get(zygote, [])]
    below = []
    while stack:
        pid = stack.pop()
        stack.extend(kids.get(pid, []))
        if table[pid][1] != "Z" and (rollup := smaps_rollup_kib(pid)) is not None:
            below.append(rollup)
    return MemoryAtRest(
        below=len(below), below_pss=sum(r["Pss"] for r in below),
        below_uss=sum(r.get("Private_Clean", 0) + r.get("Private_Dirty", 0) for r in below),
        web_rss=rss_kib(server_pid),
        web_tf_paths=tensorflow_mappings(server_pid),
        zygotes=zygotes,
        zygote_rss=[rss_kib(pid) or 0 for pid in zygotes],
        zygote_pss=[r.get("Pss", 0) for r in rollups],
        zygote_uss=[r.get("Private_Clean", 0) + r.get("Private_Dirty", 0) for r in rollups],
        zygote_tf_files=[len(tensorflow_mappings(pid)) for pid in zygotes],
    )


# -------------------------------------------------------------------------------------------- report


def ms(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.{digits}f}"


def mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def print_report(args: argparse.Namespace, *, server_cmd: list[str], env_shown: dict[str, str],
                 startup_s: float, pool_line: str, cold: Cold, phases: dict[str, Phase],
                 rest: MemoryAtRest, web_rss_end: int | None, memory: MemorySamples, memory_phase: Phase,
                 leftovers: list[int], stale_cgroups: list[str]) -> None:
    trivial, function, throughput, compare = (phases[k] for k in ("trivial", "function", "throughput", "compare"))
    layers = ""
    if "; layers: " in pool_line:  # "runner pool: 2 warm workers in 2.2 s; layers: {...}" from the server log
        pool_line, _, raw = pool_line.partition("; layers: ")
        try:
            described = ast.literal_eval(raw)
            layers = "; ".join(f"{name} {str(text).split(':')[0]}" for name, text in described.items()
                               if name != "hidden paths")
        except (ValueError, SyntaxError, AttributeError):
            layers = raw
    cold_med = statistics.median(cold.wall_s) * 1000 if cold.wall_s else float("nan")
    cold_p95 = p95(sorted(cold.wall_s)) * 1000
    ratio = cold_med / trivial.median_ms() if trivial.latencies else float("nan")

    print()
    print(f"bench command : {shlex.join([sys.executable, *sys.argv])}")
    print(f"server command: {' '.join(f'{k}={shlex.quote(v)}' for k, v in env_shown.items())} "
          f"{shlex.join(server_cmd)}")
    print(f"                (cwd {PROJECT_ROOT}; own session: stopped with SIGTERM, then killpg SIGKILL)")
    print(f"baseline      : {' '.join(f'{k}={v}' for k, v in COLD_ENV.items())} "
          f"{shlex.join([str(VENV_PYTHON), '-c', COLD_CODE])}")
    try:
        tf_version = metadata.version("tensorflow-cpu")
    except metadata.PackageNotFoundError:
        try:
            tf_version = metadata.version("tensorflow")
        except metadata.PackageNotFoundError:
            tf_version = "?"
    print(f"machine       : {os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}, "
          f"Python {platform.python_version()}, TensorFlow {tf_version}; load avg at start {args.loadavg}")
    print(f"idle check    : {args.idle_note}")
    print(f"server        : start-up (spawn -> /healthz runner ok) {startup_s:.2f} s; {pool_line}")
    if layers:
        print(f"sandbox layers: {layers}")
    print()

    header = (f"{'#':<2} {'measurement':<44} {'n':>5} {'fail':>5} {'median ms':>10} {'p95 ms':>8} "
              f"{'server ms':>10} {'runs/s':>7} {'other CPU':>9}  target")
    print(header)
    print("-" * (len(header) + 28))

    def row(num: str, what: str, n: int, fail: int, med: float, p: float, server: str, rps: str,
            cpu: dict[str, float], target: str) -> None:
        other = f"{cpu['other']:.0%}" if "other" in cpu else "-"
        print(f"{num:<2} {what:<44} {n:>5} {fail:>5} {ms(med):>10} {ms(p):>8} {server:>10} {rps:>7} {other:>9}  "
              f"{target}")

    row("1", "cold python -c (import tf, 1 op)", len(cold.wall_s) + sum(cold.failures.values()),
        sum(cold.failures.values()), cold_med, cold_p95, "-", "-", cold.cpu, "baseline")
    under = trivial.median_ms() < 60
    row("2", "POST /api/run trivial, graph, sequential", trivial.done, trivial.failed, trivial.median_ms(),
        trivial.p95_ms(), ms(trivial.metric_median("server")), "-", trivial.cpu,
        f"median < 60 ms: {'yes' if under else 'NO'}")
    row("3", "POST /api/run tf.function x3, sequential", function.done, function.failed, function.median_ms(),
        function.p95_ms(), ms(function.metric_median("server")), "-", function.cpu,
        f"median < 120 ms: {'yes' if function.median_ms() < 120 else 'NO'}")
    tp_ok = (throughput.runs_per_s or 0) >= 40 and throughput.failed == 0
    row("4", f"POST /api/run trivial, {args.clients} clients, {args.seconds:g} s", throughput.done,
        throughput.failed, throughput.median_ms(), throughput.p95_ms(), ms(throughput.metric_median("server")),
        ms(throughput.runs_per_s), throughput.cpu, f">= 40 runs/s, 0 failures: {'yes' if tp_ok else 'NO'}")
    eager_graph = f"{ms(compare.metric_median('server eager'), 0)}/{ms(compare.metric_median('server graph'), 0)}"
    row("5", "POST /api/run/compare tf.function x3, seq.", compare.done, compare.failed, compare.median_ms(),
        compare.p95_ms(), eager_graph, "-", compare.cpu, "(server ms = eager/graph)")
    print("   n = requests measured (after warm-up); p95 = nearest rank; server ms = the RunResult's duration_ms; "
          "other CPU = every process\n   outside the server and this bench, share of one core: above ~20% the row "
          "is noisy")
    print()
    print(f"cold baseline median / trivial run median: {ratio:.1f}x (target >= 30x: "
          f"{'yes' if ratio >= 30 else 'NO'}); cold peak RSS median "
          f"{mib(statistics.median(cold.max_rss_kib)) if cold.max_rss_kib else 'n/a'}")
    print(f"trivial run, end to end minus server duration_ms (web + HTTP + pool hop + wait for a ready worker): median "
          f"{ms(statistics.median(trivial.overhead) if trivial.overhead else None)} ms")
    print(f"tf.function snippet: first call (trace + run) median {ms(function.metric_median('first call'))} ms "
          f"of {ms(function.metric_median('server'))} ms server duration")
    per_request = ", ".join(
        f"{label} {ms(phase.cpu['web'] * phase.seconds * 1000 / phase.done)} ms"
        for label, phase in (("#2", trivial), ("#3", function), ("#5", compare)) if phase.done and phase.cpu)
    print(f"web process CPU per request, sequential (HTTP, JSON, DB record, pool hop; 10 ms ticks): {per_request}")
    for label, phase in (("4", throughput), ("6", memory_phase)):
        cpu, runs = phase.cpu, len(phase.latencies)
        web_ms = cpu["web"] * phase.seconds * 1000 / runs if runs else None
        pool_ms = cpu["pool"] * phase.seconds * 1000 / runs if runs else None
        print(f"CPU during {label} (100% = one core of {os.cpu_count()}): web {cpu['web']:.0%}, runner pool "
              f"{cpu['pool']:.0%}, bench client {cpu['bench']:.0%}, other {cpu['other']:.0%}; CPU per run: "
              f"web {ms(web_ms)} ms, pool {ms(pool_ms)} ms")

    print()
    print("memory")
    tf_state = ("NOT loaded (no mapped path contains 'tensorflow')" if not rest.web_tf_paths
                else f"LOADED: {', '.join(rest.web_tf_paths[:3])}")
    print(f"  web process (pid of tfpatterns serve): RSS {mib(rest.web_rss)} at rest, {mib(web_rss_end)} "
          f"after all load; TensorFlow {tf_state}")
    print(f"  runner pool, {len(rest.zygotes)} zygotes at rest: RSS sum {mib(sum(rest.zygote_rss))}, "
          f"PSS sum {mib(sum(rest.zygote_pss))}, USS sum {mib(sum(rest.zygote_uss))} "
          f"(each RSS {', '.join(mib(v) for v in rest.zygote_rss)}; "
          f"TensorFlow files mapped per zygote: {', '.join(map(str, rest.zygote_tf_files))})")
    if rest.below:
        print(f"  below the zygotes at rest (children prepared for the next run): {rest.below} processes, PSS sum "
              f"{mib(rest.below_pss)}, USS sum {mib(rest.below_uss)}; whole pool at rest: PSS "
              f"{mib(sum(rest.zygote_pss) + rest.below_pss)}, USS {mib(sum(rest.zygote_uss) + rest.below_uss)}")
    if memory.per_run_pss:
        peaks_pss = list(memory.peak_pss_by_run.values())
        peaks_uss = list(memory.peak_uss_by_run.values())
        print(f"  per concurrent run ({args.clients} clients, 1000x1000 matmul loop ~300 ms, "
              f"{len(memory.per_run_pss)} samples with runs in flight, {memory_phase.done} runs, "
              f"{memory_phase.failed} failed):")
        print(f"    sum of PSS of the zygotes' descendants / runs in flight: median "
              f"{mib(statistics.median(memory.per_run_pss))}, max {mib(max(memory.per_run_pss))}")
        print(f"    same with USS (private pages only, the memory a run really adds): median "
              f"{mib(statistics.median(memory.per_run_uss))}, max {mib(max(memory.per_run_uss))}")
        print(f"    peak per run over its life ({len(peaks_pss)} runs seen): PSS median "
              f"{mib(statistics.median(peaks_pss))}, max {mib(max(peaks_pss))}; USS median "
              f"{mib(statistics.median(peaks_uss))}, max {mib(max(peaks_uss))}")
        flight = ", ".join(f"{k}: {v}" for k, v in sorted(memory.in_flight.items()))
        procs = ", ".join(f"{k}: {v}" for k, v in sorted(memory.processes_per_run.items()))
        print(f"    samples by runs in flight ({flight}); processes per run ({procs}); unreadable "
              f"smaps_rollup {memory.unreadable}")
        print("    (a run in flight = a direct child of a zygote with its descendants; a child a zygote prepares "
              "ahead for its next job counts too)")
    else:
        print("  per concurrent run: no sample caught a run in flight")

    print()
    for phase in (trivial, function, throughput, compare, memory_phase):
        if phase.failures:
            reasons = "; ".join(f"{count} x {reason}" for reason, count in phase.failures.most_common(5))
            print(f"failures in {phase.name}: {reasons}")
        if phase.warmup_failures:
            reasons = "; ".join(f"{count} x {reason}" for reason, count in phase.warmup_failures.most_common(5))
            print(f"failures in {phase.name}, warm-up (not in the table): {reasons}")
        if phase.note:
            print(f"note ({phase.name}): {phase.note}")
    if cold.failures:
        print(f"cold baseline failures: {dict(cold.failures)}")
    busy = [p.name for p in (trivial, function, throughput, compare, memory_phase) if p.cpu.get("other", 0) > 0.2]
    if cold.cpu.get("other", 0) > 0.2:
        busy.insert(0, "1 cold baseline")
    if busy:
        print(f"warning: other processes used > 20% of a core during: {', '.join(busy)}; rerun on an idle machine")
    print(f"server stopped (SIGTERM, then SIGKILL to its process group); runner processes left behind: "
          f"{len(leftovers)}" + (f" {leftovers}" if leftovers else "")
          + f"; cgroup folders of its zygotes left behind: {len(stale_cgroups)}"
          + (f" ({', '.join(stale_cgroups[:4])})" if stale_cgroups else ""))


# ---------------------------------------------------------------------------------------------- main


def server_command(port: int) -> list[str]:
    return [str(TFPATTERNS), "serve", "--host", HOST, "--port", str(port)]


def runner_ok(status: int, body: bytes) -> bool:
    try:
        health = json.loads(body)
    except ValueError:
        return False
    return status == 200 and health.get("status") == "ok" and health.get("runner") == "ok"


def our_processes(mark: str) -> list[int]:
    """Live processes started for this bench: their command line names the temp dir (zygotes and their
    run children carry `--hide <tmp dir>`)."""
    table = process_table()
    return sorted(pid for pid, (_ppid, state) in table.items()
                  if state != "Z" and pid != os.getpid() and mark in cmdline(pid))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="TFP_RUNNER_WORKERS (default 2)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold python -c runs (default 5)")
    parser.add_argument("--runs", type=int, default=50, help="sequential trivial runs (default 50)")
    parser.add_argument("--function-runs", type=int, default=30, help="sequential tf.function runs (default 30)")
    parser.add_argument("--compare-runs", type=int, default=20, help="sequential compare calls (default 20)")
    parser.add_argument("--warmup-runs", type=int, default=5, help="warm-up requests before each sequential "
                        "phase (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds of the throughput "
                        "phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds of the concurrent "
                        "phases (default 2)")
    parser.add_argument("--memory-seconds", type=float, default=6.0, help="measured seconds of the memory "
                        "phase (default 6)")
    parser.add_argument("--queue", type=int, default=None, help="TFP_RUNNER_QUEUE (default max(64, 4 x clients))")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each phase, wait up to this long for the rest of the "
                        "machine to use < 20%% of a core (default 0: do not wait, just report it)")
    args = parser.parse_args(argv)
    counts = (args.cold_runs, args.runs, args.function_runs, args.compare_runs)
    if (min(counts) < 1 or args.warmup_runs < 0 or not 1 <= args.workers <= 64 or not 1 <= args.clients <= 256
            or args.seconds <= 0 or args.memory_seconds <= 0 or args.warmup < 0 or args.wait_idle < 0):
        parser.error("need run counts >= 1, --warmup-runs >= 0, 1 <= --workers <= 64, 1 <= --clients <= 256, "
                     "--seconds > 0, --memory-seconds > 0, --warmup >= 0")
    queue = args.queue if args.queue is not None else max(64, 4 * args.clients)
    args.loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)  # so the `finally` clean-up also runs on kill -TERM
    signal.signal(signal.SIGINT, interrupted)

    proc: subprocess.Popen[bytes] | None = None
    try:
        idle = Idle(args.wait_idle)
        idle.settle("#1")
        cold = cold_baseline(args.cold_runs)
        with tempfile.TemporaryDirectory(prefix="tfp-bench-runner-") as tmp:
            tmp_dir = Path(tmp)
            port = free_port()
            command = server_command(port)
            env = {k: v for k, v in os.environ.items() if not k.startswith("TFP_")}
            env_shown = {
                "TFP_DATABASE_URL": f"sqlite:///{tmp_dir / 'bench.sqlite3'}",
                "TFP_SECRET_KEY": "<random>",
                "TFP_RUNNER_WORKERS": str(args.workers),
                "TFP_RUNNER_RATE_PER_MINUTE": "1000000",
                "TFP_RUNNER_QUEUE": str(queue),
            }
            env.update(env_shown, TFP_SECRET_KEY=secrets.token_urlsafe(32))
            log_path = tmp_dir / "server.log"
            print(f"starting the server: {shlex.join(command)} ...", file=sys.stderr, flush=True)
            try:
                with log_path.open("wb") as log:
                    spawned = time.perf_counter()
                    proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                wait_healthy(proc, port, log_path, timeout_s=HEALTH_TIMEOUT_S, ready=runner_ok)
                startup_s = time.perf_counter() - spawned
                match = re.search(r"runner pool: .*", log_path.read_text(errors="replace"))
                pool_line = match.group(0) if match else "(no runner pool line in the server log)"
                pool = PoolView(proc.pid)
                rest = memory_at_rest(proc.pid, pool)
                if len(rest.zygotes) != args.workers:
                    raise SetupError(f"expected {args.workers} zygote processes under pid {proc.pid}, found "
                                     f"{rest.zygotes}")

                meter = CpuMeter(proc.pid, pool)
                idle.meter = CpuMeter(proc.pid, pool)
                client = Client(port, timeout=RUN_REQUEST_TIMEOUT_S)
                phases: dict[str, Phase] = {}
                try:
                    idle.settle("#2")
                    phases["trivial"] = run_sequential(
                        "2 trivial", client, "/api/run", {"code": TRIVIAL, "mode": "graph"},
                        run_check(TRIVIAL_STDOUT), args.runs, args.warmup_runs, meter)
                    idle.settle("#3")
                    phases["function"] = run_sequential(
                        "3 tf.function", client, "/api/run", {"code": FUNCTION, "mode": "graph"},
                        run_check(FUNCTION_STDOUT, traces=1), args.function_runs, args.warmup_runs, meter)
                    idle.settle("#5")
                    phases["compare"] = run_sequential(
                        "5 compare", client, "/api/run/compare", {"code": FUNCTION},
                        compare_check(FUNCTION_STDOUT), args.compare_runs, args.warmup_runs, meter)
                finally:
                    client.close()
                idle.settle("#4")
                phases["throughput"] = run_concurrent(
                    "4 throughput", port, proc.pid, pool, TRIVIAL, run_check(TRIVIAL_STDOUT), args.clients,
                    args.warmup, args.seconds)
                memory = MemorySamples()
                idle.settle("#6")
                memory_phase = run_concurrent(
                    "6 memory", port, proc.pid, pool, MEMORY, run_check(MEMORY_STDOUT), args.clients,
                    args.warmup, args.memory_seconds, memory=memory)
                web_rss_end = rss_kib(proc.pid)
                args.idle_note = idle.describe()
                if proc.poll() is not None:
                    raise SetupError(f"server exited during the run (status {proc.returncode})\n"
                                     + tail(log_path))
            finally:
                if proc is not None:
                    stop_group(proc)
            deadline = time.monotonic() + 10
            while (leftovers := our_processes(tmp)) and time.monotonic() < deadline:
                time.sleep(0.1)
            stale_cgroups = [str(path) for pid in rest.zygotes for pattern in (f"*-{pid}", f"*/*-{pid}")
                             for path in Path("/sys/fs/cgroup").glob(pattern) if path.is_dir()]
            print_report(args, server_cmd=command, env_shown=env_shown, startup_s=startup_s, pool_line=pool_line,
                         cold=cold, phases=phases, rest=rest, web_rss_end=web_rss_end, memory=memory,
                         memory_phase=memory_phase, leftovers=leftovers, stale_cgroups=stale_cgroups)
    except SetupError as error:
        print(f"bench/runner.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stopped:
        print(f"bench/runner.py: interrupted ({stopped}); server stopped", file=sys.stderr)
        sys.exit(130)
