"""Mixed load on the real server: lesson pages, practice answers, tests and runs from 16 clients at once,
then a check that every acknowledged answer is in the database.

Run from the project root:

    .venv/bin/python bench/load.py [--seconds 60] [--clients 16] [--warmup 3] [--workers 2]
                                   [--content content] [--database-url URL]

Each client is a thread with its own keep-alive connection and learner cookie (bench/_common.py). It
opens a lesson page first (which gives it its cookie), then picks, at random with fixed weights, one of:

- page:   GET /lessons/{slug}
- answer: POST /api/lessons/{slug}/practice/{question}/answer
- test:   GET /api/lessons/{slug}/test, then POST /api/lessons/{slug}/test with an answer to each question
          (timed as "test draw" and "test submit")
- run:    POST /api/run of a one-line snippet (skipped with --workers 0)

It prints requests/s, p50 and p95 per kind (after the warm-up), every 5xx with its status and the start
of its body, and then, after the server has stopped, reads the database: every practice answer and test
submission the server acknowledged (HTTP 2xx) must be stored for that client's learner ("lost" counts
those that are not). Targets: 0 x 5xx, 0 lost, answer p95 < 100 ms. Exit status: 0 after a measurement
(whatever the figures), 1 when the set-up fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HOST, Client, SetupError, free_port, p95, stop_group, tail, wait_healthy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KINDS = ("page", "answer", "test draw", "test submit", "run")
WEIGHTS = {"page": 4, "answer": 4, "test": 1, "run": 1}
RUN_CODE = "print(6 * 7)"
HEALTH_TIMEOUT_S = 180.0


@dataclass
class Lesson:
    slug: str
    practice: list[tuple[str, list[str]]]  # (question id, option keys)


@dataclass
class Tally:
    """What one client saw; merged after the run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # "kind: status body..." for 5xx and failures
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    acked_answers: int = 0
    acked_tests: int = 0
    acked_runs: int = 0
    cookie: str = ""


def learner_of(cookie: str, secret_key: str) -> uuid.UUID | None:
    """The learner id inside a `tfp_learner` cookie value (the same signing as app/web)."""
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        payload = URLSafeSerializer(secret_key, salt="learner").loads(cookie)
    except BadSignature:
        return None
    value = payload.get("l") if isinstance(payload, dict) else payload
    return uuid.UUID(str(value)) if value else None


def load_lessons(port: int) -> list[Lesson]:
    client = Client(port)
    try:
        status, body = client.get("/api/lessons")
        if status != 200:
            raise SetupError(f"GET /api/lessons answered {status}")
        lessons = []
        for summary in json.loads(body):
            status, body = client.get(f"/api/lessons/{summary['slug']}")
            detail = json.loads(body)
            practice = [(q["id"], [c["key"] for c in q["choices"]]) for q in detail.get("practice", [])]
            if status == 200 and practice:
                lessons.append(Lesson(summary["slug"], practice))
    finally:
        client.close()
    if not lessons:
        raise SetupError("no lesson with practice questions to load")
    return lessons


def client_loop(port: int, lessons: list[Lesson], seed: int, measure_from: float, until: float,
                runs: bool, tally: Tally) -> None:
    rng = random.Random(seed)
    client = Client(port)
    kinds = [kind for kind in WEIGHTS if runs or kind != "run"]
    weights = [WEIGHTS[kind] for kind in kinds]

    def send(kind: str, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        started = time.monotonic()
        try:
            if body is None:
                status, data = client.request(method, path, headers={"Accept": "text/html"})
            else:
                status, data = client.post_json(path, json.dumps(body).encode())
        except Exception as error:  # a timeout or a dropped connection: a failure, never a success
            tally.errors[f"{kind}: no response ({type(error).__name__})"] += 1
            return 0, b""
        took = time.monotonic() - started
        tally.requests[kind] += 1
        tally.statuses[(kind, status)] += 1
        if started >= measure_from:
            tally.latencies[kind].append(took * 1000)
        if status >= 500:
            tally.errors[f"{kind}: {status} {data[:120].decode(errors='replace')}"] += 1
        return status, data

    try:
        send("page", "GET", f"/lessons/{lessons[0].slug}")
        while time.monotonic() < until:
            lesson = rng.choice(lessons)
            kind = rng.choices(kinds, weights)[0]
            if kind == "page":
                send("page", "GET", f"/lessons/{lesson.slug}")
            elif kind == "answer":
                question, keys = rng.choice(lesson.practice)
                status, _ = send("answer", "POST", f"/api/lessons/{lesson.slug}/practice/{question}/answer",
                                 {"choice": rng.choice(keys)})
                tally.acked_answers += 200 <= status < 300
            elif kind == "test":
                status, data = send("test draw", "GET", f"/api/lessons/{lesson.slug}/test")
                if status != 200:
                    continue
                questions = json.loads(data)["questions"]
                answers = {q["id"]: rng.choice([c["key"] for c in q["choices"]]) for q in questions}
                status, _ = send("test submit", "POST", f"/api/lessons/{lesson.slug}/test", {"answers": answers})
                tally.acked_tests += 200 <= status < 300
            else:
                status, _ = send("run", "POST", "/api/run", {"code": RUN_CODE, "mode": "eager",
                                                             "lesson": lesson.slug})
                tally.acked_runs += 200 <= status < 300
    finally:
        tally.cookie = client.cookies.get("tfp_learner", "")
        client.close()


def stored_per_learner(database_url: str) -> dict[str, dict[uuid.UUID, int]]:
    """Rows per learner in the tables an acknowledgement promises, read straight from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    counts: dict[str, dict[uuid.UUID, int]] = {}
    try:
        with engine.connect() as connection:
            for table in ("practice_answers", "test_attempts", "runs"):
                rows = connection.execute(text(f"SELECT learner_id, count(*) FROM {table} GROUP BY learner_id"))
                counts[table] = {uuid.UUID(str(learner)): int(n) for learner, n in rows}
    finally:
        engine.dispose()
    return counts


def ms(values: list[float], pick: str) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{statistics.median(ordered) if pick == 'p50' else p95(ordered):.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds (default 60)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="TFP_RUNNER_WORKERS; 0: no runs (default 2)")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content", help="lesson folder")
    parser.add_argument("--database-url", default="", help="an empty, migrated-or-new database "
                        "(default: a fresh SQLite file in a temp folder)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or not 1 <= args.clients <= 256 or args.workers < 0:
        parser.error("need --seconds > 0, --warmup >= 0, 1 <= --clients <= 256, --workers >= 0")

    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="tfp-bench-load-") as tmp:
        tmp_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp_dir / 'bench.sqlite3'}"
        port = free_port()
        secret = secrets.token_urlsafe(32)
        command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
        shown = {"TFP_DATABASE_URL": database_url, "TFP_CONTENT_DIR": str(args.content),
                 "TFP_RUNNER_WORKERS": str(args.workers), "TFP_RUNNER_RATE_PER_MINUTE": "1000000",
                 "TFP_RUNNER_QUEUE": str(max(64, 4 * args.clients))}
        env = {k: v for k, v in os.environ.items() if not k.startswith("TFP_")}
        env.update(shown, TFP_SECRET_KEY=secret, PYTHONPATH=str(PROJECT_ROOT))
        print(f"bench:  {shlex.join([sys.executable, *sys.argv])}")
        print(f"server: {' '.join(f'{k}={v}' for k, v in shown.items())} {shlex.join(command)}")
        print(f"{os.cpu_count()} CPUs; {args.clients} clients; weights {WEIGHTS}; "
              f"{args.warmup:g} s warm-up + {args.seconds:g} s measured", flush=True)
        log_path = tmp_dir / "server.log"
        tallies = [Tally() for _ in range(args.clients)]
        try:
            with log_path.open("wb") as log:
                proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            wait_healthy(proc, port, log_path, timeout_s=HEALTH_TIMEOUT_S,
                         ready=lambda status, body: status == 200 and (
                             args.workers == 0 or json.loads(body).get("runner") == "ok"))
            lessons = load_lessons(port)
            started = time.monotonic()
            measure_from = started + args.warmup
            until = measure_from + args.seconds
            threads = [threading.Thread(target=client_loop, daemon=True, args=(
                port, lessons, args.seed * 1000 + i, measure_from, until, args.workers > 0, tallies[i]))
                for i in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.warmup + args.seconds + 60)
            measured_s = time.monotonic() - measure_from
        except SetupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            if proc is not None:
                stop_group(proc)  # SIGTERM first: the run recorder writes what it still holds

        latencies: dict[str, list[float]] = defaultdict(list)
        requests: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        statuses: Counter[tuple[str, int]] = Counter()
        for tally in tallies:
            for kind, values in tally.latencies.items():
                latencies[kind] += values
            requests.update(tally.requests)
            errors.update(tally.errors)
            statuses.update(tally.statuses)
        measured = sum(len(values) for values in latencies.values())
        print(f"\n{measured / measured_s:.1f} requests/s over {measured_s:.1f} s "
              f"({sum(requests.values())} requests in all, warm-up included)")
        print(f"{'kind':12s} {'requests':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'5xx':>5s}  statuses")
        for kind in KINDS:
            if not requests[kind]:
                continue
            kind_statuses = {status: n for (k, status), n in sorted(statuses.items()) if k == kind}
            server_errors = sum(n for status, n in kind_statuses.items() if status >= 500)
            print(f"{kind:12s} {requests[kind]:9d} {ms(latencies[kind], 'p50'):>8s} {ms(latencies[kind], 'p95'):>8s} "
                  f"{server_errors:5d}  {kind_statuses}")
        five_xx = sum(n for (_, status), n in statuses.items() if status >= 500)
        for message, n in errors.most_common(10):
            print(f"  {n} x {message}")

        stored = stored_per_learner(database_url)
        lost = {"practice_answers": 0, "test_attempts": 0}
        acked = {"practice_answers": 0, "test_attempts": 0}
        acked_runs = recorded_runs = 0
        for tally in tallies:
            learner = learner_of(tally.cookie, secret)
            for table, count in (("practice_answers", tally.acked_answers), ("test_attempts", tally.acked_tests)):
                have = stored[table].get(learner, 0) if learner else 0
                acked[table] += count
                lost[table] += max(0, count - have)
            acked_runs += tally.acked_runs
            recorded_runs += stored["runs"].get(learner, 0) if learner else 0
        print(f"\nacknowledged practice answers: {acked['practice_answers']}, lost: {lost['practice_answers']}")
        print(f"acknowledged test submissions: {acked['test_attempts']}, lost: {lost['test_attempts']}")
        print(f"runs answered 2xx: {acked_runs}, run records written: {recorded_runs} (written in batches after "
              f"the answer, by design)")
        answer_p95 = p95(sorted(latencies["answer"])) if latencies["answer"] else float("nan")
        verdict = "met" if five_xx == 0 and sum(lost.values()) == 0 and answer_p95 < 100 else "NOT met"
        print(f"targets (0 x 5xx, 0 lost, answer p95 < 100 ms): {verdict} -- {five_xx} x 5xx, "
              f"{sum(lost.values())} lost, answer p95 {answer_p95:.1f} ms")
        if five_xx:
            print(tail(log_path, 15))
    return 0


if __name__ == "__main__":
    sys.exit(main())
