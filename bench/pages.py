"""Throughput and latency of the lesson page, its JSON API, and a static file of the same size.

Run from the project root:

    .venv/bin/python bench/pages.py [--seconds 5] [--warmup 1] [--clients 16]
                                    [--content DIR] [--slug SLUG]

What it does, in one run:

1. migrates a fresh SQLite database in a temp directory and starts the real server as a subprocess
   (`python -m uvicorn app.main:create_app --factory`, one process, 127.0.0.1, a free port), with
   TFP_DATABASE_URL / TFP_SECRET_KEY / TFP_CONTENT_DIR set; start-up time is spawn -> first healthy
   `/healthz`; RSS (VmRSS from /proc) is read after start-up and again after the load;
2. fetches the rendered lesson page once and writes the same bytes (so the same size) to
   `static/_bench_<random>/page.html` (the folder holds a `.gitignore` of `*`, so git never sees it),
   removed again in a `finally`;
3. drives each target -- (a) GET /lessons/{slug}, (b) GET /api/lessons/{slug}, (c) the static file --
   with N concurrent clients for a warm-up and then a fixed measured window, and prints requests/s,
   median and p95 latency, errors, and each target's throughput relative to the static file.

Load client: raw `http.client.HTTPConnection`, one keep-alive connection per client thread, with a
tiny per-client cookie jar (the learner cookie from the first response is sent back on every later
request, as a browser would). Chosen over httpx2 (installed) because the machine has only 2 cores and
the load generator shares them with the server: fetching the ~33 KB lesson JSON cost about 0.16 ms of
client CPU per request with http.client against about 0.67 ms with httpx2's sync Client (measured on
this machine), so with http.client the client takes roughly 4x less CPU away from the server and the
numbers describe the server rather than the client. The table shows the server's, the client's and
every other process's CPU use during each window (100% = one core) so you can see which side was
saturated. The server runs one uvicorn worker, so it can use at most about one core for Python work.

Bounded: every load loop stops at its deadline, every socket has a timeout, worker threads are joined
with a timeout, and the server subprocess is terminated (then killed) in `finally`. Exit status is 0
for a completed measurement (no pass/fail threshold), 1 when the set-up fails (server does not start,
no lesson to load).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_common.py, also when run from elsewhere
from _common import (
    HOST,
    REQUEST_TIMEOUT_S,
    Client,
    SetupError,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    own_cpu_seconds,
    p95,
    rss_kib,
    stop,
    tail,
    wait_healthy,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 30.0
FALLBACK_CONTENT = PROJECT_ROOT / "tests" / "fixtures" / "content"


# ---------------------------------------------------------------------------------------------- load


@dataclass
class ThreadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    last_error: str = ""
    finished: bool = False


def load_worker(client: Client, path: str, clock: dict[str, float], go: threading.Event,
                result: ThreadResult) -> None:
    """GET `path` in a loop until the deadline; record requests that complete inside the window."""
    go.wait(timeout=30)
    window_start, window_end = clock["window_start"], clock["window_end"]
    perf = time.perf_counter
    while True:
        t0 = perf()
        if t0 >= window_end:
            break
        ok = False
        try:
            status, _ = client.get(path)
            ok = 200 <= status < 300
            if not ok:
                result.last_error = f"HTTP {status}"
        except Exception as error:  # counted, connection reopened on the next request
            result.last_error = repr(error)
        t1 = perf()
        if window_start <= t1 <= window_end:
            if ok:
                result.latencies.append(t1 - t0)
            else:
                result.errors += 1
        if not ok:
            time.sleep(0.01)  # do not spin on a refusing server
    result.finished = True


# --------------------------------------------------------------------------------------------- setup


def has_valid_lesson(content_dir: Path) -> bool:
    import logging

    from app.content.library import load_library

    logging.getLogger("app.content").setLevel(logging.ERROR)
    return content_dir.is_dir() and bool(load_library([content_dir]).lessons)


def choose_content(requested: Path | None) -> tuple[Path, str]:
    if requested is not None:
        return requested.resolve(), "given with --content"
    default = PROJECT_ROOT / "content"
    if has_valid_lesson(default):
        return default, "project content/"
    return FALLBACK_CONTENT, "fallback: content/ has no valid lesson"


def server_command(port: int) -> list[str]:
    return [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "uvicorn", "app.main:create_app",
            "--factory", "--host", HOST, "--port", str(port), "--log-level", "warning"]


def remove_static_dir(static_dir: Path) -> None:
    """Delete the temporary static folder this run created (and only that)."""
    if static_dir.parent != PROJECT_ROOT / "static" or not static_dir.name.startswith("_bench_"):
        return
    if static_dir.is_dir():
        shutil.rmtree(static_dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------- measure


@dataclass
class TargetResult:
    name: str
    path: str
    size: int
    requests: int
    errors: int
    seconds: float
    median_ms: float
    p95_ms: float
    server_cpu: float
    client_cpu: float
    other_cpu: float
    last_error: str
    hung_threads: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def run_target(name: str, path: str, size: int, clients: list[Client], server_pid: int,
               warmup_s: float, seconds: float) -> TargetResult:
    results = [ThreadResult() for _ in clients]
    go = threading.Event()
    clock: dict[str, float] = {}
    threads = [threading.Thread(target=load_worker, args=(client, path, clock, go, result),
                                name=f"client-{i}", daemon=True)
               for i, (client, result) in enumerate(zip(clients, results, strict=True))]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    clock["window_start"] = start + warmup_s
    clock["window_end"] = start + warmup_s + seconds
    go.set()

    time.sleep(max(0.0, clock["window_start"] - time.perf_counter()))
    server_cpu0, client_cpu0, busy0 = cpu_seconds(server_pid), own_cpu_seconds(), machine_busy_seconds()
    time.sleep(max(0.0, clock["window_end"] - time.perf_counter()))
    server_cpu1, client_cpu1, busy1 = cpu_seconds(server_pid), own_cpu_seconds(), machine_busy_seconds()

    join_deadline = time.monotonic() + REQUEST_TIMEOUT_S + 5
    for thread in threads:
        thread.join(timeout=max(0.0, join_deadline - time.monotonic()))
    hung = sum(1 for thread in threads if thread.is_alive())

    latencies = sorted(lat for result in results for lat in result.latencies)
    errors = sum(result.errors for result in results)
    last_error = next((r.last_error for r in results if r.last_error), "")
    return TargetResult(
        name=name, path=path, size=size, requests=len(latencies), errors=errors, seconds=seconds,
        median_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p95_ms=p95(latencies) * 1000,
        server_cpu=(server_cpu1 - server_cpu0) / seconds, client_cpu=(client_cpu1 - client_cpu0) / seconds,
        other_cpu=max(0.0, busy1 - busy0 - (server_cpu1 - server_cpu0) - (client_cpu1 - client_cpu0))
        / seconds,
        last_error=last_error, hung_threads=hung,
    )


def fetch(client: Client, path: str) -> bytes:
    status, body = client.get(path)
    if status != 200:
        raise SetupError(f"GET {path} -> HTTP {status}: {body[:300]!r}")
    return body


def pick_slug(client: Client, requested: str | None) -> str:
    if requested:
        return requested
    import json

    lessons = json.loads(fetch(client, "/api/lessons"))
    if not lessons:
        raise SetupError("GET /api/lessons is empty: the server loaded no lesson (see --content)")
    return str(lessons[0]["slug"])


def print_report(args: argparse.Namespace, command: list[str], env_shown: dict[str, str], content: Path,
                 content_why: str, slug: str, results: list[TargetResult], startup_s: float,
                 rss_start: int | None, rss_end: int | None, cookies_ok: int) -> None:
    def kib(value: int | None) -> str:
        return "n/a" if value is None else f"{value / 1024:.1f} MiB"

    static = next(r for r in results if r.name == "static file")
    print()
    print(f"bench command : {shlex.join([sys.executable, *sys.argv])}")
    print(f"server command: {' '.join(f'{k}={shlex.quote(v)}' for k, v in env_shown.items())} "
          f"{shlex.join(command)}")
    print(f"                (cwd {PROJECT_ROOT})")
    uv = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    ht = "httptools" if importlib.util.find_spec("httptools") else "h11"
    print(f"content       : {content} ({content_why}); lesson slug: {slug}")
    print(f"load          : {args.clients} concurrent clients (threads, http.client, keep-alive, "
          f"1 cookie jar each; {cookies_ok}/{args.clients} got the learner cookie), "
          f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per target; "
          f"{os.cpu_count()} CPUs; server: 1 uvicorn process ({uv}, {ht})")
    print()
    header = (f"{'target':<12} {'bytes':>7} {'req/s':>9} {'median ms':>10} {'p95 ms':>8} {'errors':>7} "
              f"{'vs static':>9} {'srv CPU':>8} {'cli CPU':>8} {'other CPU':>9} {'srv CPU ms/req':>15}")
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = r.rps / static.rps if static.rps else float("nan")
        per_req = r.server_cpu * r.seconds * 1000 / r.requests if r.requests else float("nan")
        print(f"{r.name:<12} {r.size:>7} {r.rps:>9.1f} {r.median_ms:>10.2f} {r.p95_ms:>8.2f} {r.errors:>7} "
              f"{ratio:>9.2f} {r.server_cpu:>8.0%} {r.client_cpu:>8.0%} {r.other_cpu:>9.0%} {per_req:>15.3f}")
    for r in results:
        print(f"  {r.name:<12} = GET {r.path}")
    print(f"  CPU columns: share of one core during the measured window ({os.cpu_count()} cores in all); "
          f"'other' = every other process on the machine")
    busy = [r.name for r in results if r.other_cpu > 0.2]
    if busy:
        print(f"  warning: other processes used > 20% of a core during: {', '.join(busy)}; "
              f"those rows are noisy (req/s and CPU per request both shift); rerun on an idle machine")
    for r in results:
        if r.errors or r.hung_threads:
            print(f"  note: {r.name}: {r.errors} error(s), {r.hung_threads} thread(s) did not stop; "
                  f"last error: {r.last_error}")
    print()
    print(f"server start-up (spawn -> first healthy /healthz): {startup_s:.2f} s")
    print(f"server RSS after start-up: {kib(rss_start)}; after the load: {kib(rss_end)}")
    page = next(r for r in results if r.name == "lesson page")
    ratio = page.rps / static.rps if static.rps else float("nan")
    page_cost = page.server_cpu / page.rps if page.rps else float("nan")
    static_cost = static.server_cpu / static.rps if static.rps else float("nan")
    print(f"server CPU per request, static / lesson page: {static_cost / page_cost:.2f} "
          f"(the throughput ratio a CPU-bound server would reach)")
    print(f"lesson page / static throughput ratio: {ratio:.2f} (target >= 0.50)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, default=None,
                        help="lesson folder for the server (default: content/, or tests/fixtures/content "
                             "when content/ has no valid lesson)")
    parser.add_argument("--slug", default=None, help="lesson to load (default: the first from /api/lessons)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per target (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per target (default 1)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or not 1 <= args.clients <= 256:
        parser.error("need --seconds > 0, --warmup >= 0 and 1 <= --clients <= 256")

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)  # so the `finally` clean-up also runs on kill -TERM
    signal.signal(signal.SIGINT, interrupted)
    sys.path.insert(0, str(PROJECT_ROOT))
    from app.migrate import upgrade_to_head

    content, content_why = choose_content(args.content)
    # A folder of our own whose .gitignore ignores everything in it (itself included), so a concurrent
    # `git add -A` elsewhere in the project cannot pick the temporary page up.
    static_dir = PROJECT_ROOT / "static" / f"_bench_{secrets.token_hex(6)}"
    static_file = static_dir / "page.html"
    proc: subprocess.Popen[bytes] | None = None
    clients: list[Client] = []
    try:
        with tempfile.TemporaryDirectory(prefix="tfp-bench-") as tmp:
            tmp_dir = Path(tmp)
            database_url = f"sqlite:///{tmp_dir / 'bench.sqlite3'}"
            upgrade_to_head(database_url)

            port = free_port()
            command = server_command(port)
            env = {k: v for k, v in os.environ.items() if not k.startswith("TFP_")}
            env_shown = {"TFP_DATABASE_URL": database_url, "TFP_SECRET_KEY": "<random>",
                         "TFP_CONTENT_DIR": str(content)}
            env.update(env_shown, TFP_SECRET_KEY=secrets.token_urlsafe(32))
            log_path = tmp_dir / "server.log"
            with log_path.open("wb") as log:
                spawned = time.perf_counter()
                proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_healthy(proc, port, log_path, timeout_s=HEALTH_TIMEOUT_S)
                startup_s = time.perf_counter() - spawned
                rss_start = rss_kib(proc.pid)

                clients = [Client(port) for _ in range(args.clients)]
                slug = pick_slug(clients[0], args.slug)
                page_path = f"/lessons/{slug}"
                page = b""
                for client in clients:  # each client lands on the page once and keeps its cookie
                    page = fetch(client, page_path)
                cookies_ok = sum(1 for client in clients if client.cookies)
                api_path = f"/api/lessons/{slug}"
                api_size = len(fetch(clients[0], api_path))

                static_dir.mkdir()
                (static_dir / ".gitignore").write_text("*\n")
                static_file.write_bytes(page)
                static_path = f"/static/{static_dir.name}/{static_file.name}"
                if fetch(clients[0], static_path) != page:
                    raise SetupError(f"GET {static_path} did not return the file just written")

                targets = [
                    ("lesson page", page_path, len(page)),
                    ("lesson API", api_path, api_size),
                    ("static file", static_path, len(page)),
                ]
                results = []
                for name, path, size in targets:
                    print(f"running {name}: GET {path} ...", file=sys.stderr, flush=True)
                    results.append(run_target(name, path, size, clients, proc.pid, args.warmup, args.seconds))
                rss_end = rss_kib(proc.pid)
                if proc.poll() is not None:
                    raise SetupError(f"server exited during the run (status {proc.returncode})\n"
                                     + tail(log_path))
                print_report(args, command, env_shown, content, content_why, slug, results, startup_s,
                             rss_start, rss_end, cookies_ok)
            finally:
                for client in clients:
                    client.close()
                stop(proc)
    except SetupError as error:
        print(f"bench/pages.py: {error}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            stop(proc)
        remove_static_dir(static_dir)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stopped:
        print(f"bench/pages.py: interrupted ({stopped}); server stopped, temp files removed", file=sys.stderr)
        sys.exit(130)
