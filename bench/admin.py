"""Page times of the admin dashboard on a seeded database (see bench/seed.py).

Run from the project root, after seeding:

    .venv/bin/python bench/seed.py                       # 10,000 learners, 1,000,000 answers
    .venv/bin/python bench/admin.py [--runs 10] [--warmup 1] [--database-url URL] [--only cold|warm]

What it does:

1. migrates the database (a no-op when seed.py made it) and creates or promotes the admin account
   bench-admin@example.org with a random password (the one thing it writes), and picks the learner with
   the most practice answers for the learner page;
2. starts the real server as a subprocess (`python -m uvicorn app.main:create_app --factory`, one process,
   127.0.0.1, a free port) with TFP_DATABASE_URL, a random TFP_SECRET_KEY and TFP_RUNNER_START=0 (the
   runs page asks the runner pool for its health, but no runner process is started: this measures the
   dashboard, not TensorFlow), and logs in through POST /login like the login form;
3. requests every dashboard page, and two large CSV exports, --runs times each after --warmup requests,
   one after the other, in two modes:
   - cold: `fresh=1` on every request, so every aggregate is computed again by the database;
   - warm: as an admin normally sees them. The dashboard keeps its slow aggregates while a fingerprint of
     the data is unchanged (app/admin/figures.py), so on this idle database they come from memory and
     what is measured is the fingerprint, the cheap queries, and rendering;
4. prints, per page and mode, the response size and the median, p95 (nearest rank), min and max in ms.

Client: `bench/_common.Client` (raw http.client keep-alive connection with a cookie jar), as in
bench/pages.py. Every request must answer 200, or the script stops with the page and the status. Exit
status: 0 for a completed measurement (no pass/fail threshold), 1 when the set-up fails.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/_common.py, also when run from elsewhere
from _common import HOST, Client, SetupError, free_port, p95, stop, tail, wait_healthy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "bench-admin@example.org"


def prepare(database_url: str, password: str) -> tuple[str, str, dict[str, int]]:
    """Migrate, make the admin, and find (a lesson slug, the busiest learner's id, row counts)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    import logging

    from sqlalchemy import func, select

    from app.accounts import service
    from app.content.library import load_library
    from app.db import make_engine, make_session_factory
    from app.learning.models import PracticeAnswer, TestAnswer
    from app.migrate import upgrade_to_head
    from app.models import Learner, RunRecord
    from app.settings import Settings

    logging.getLogger("app.content").setLevel(logging.ERROR)
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            service.create_or_promote_admin(db=db, email=ADMIN_EMAIL, password=password)
            db.commit()
            busiest = db.scalar(select(PracticeAnswer.learner_id).group_by(PracticeAnswer.learner_id)
                                .order_by(func.count().desc()).limit(1))
            counts = {name: int(db.scalar(select(func.count()).select_from(model)) or 0) for name, model in
                      (("learners", Learner), ("practice answers", PracticeAnswer), ("test answers", TestAnswer),
                       ("runs", RunRecord))}
    finally:
        engine.dispose()
    lessons = load_library([Settings().content_dir]).in_catalog_order()
    if not lessons or busiest is None:
        raise SetupError("the database has no practice answers or content/ no lesson: run bench/seed.py first")
    return lessons[0].slug, str(busiest), counts


def pages(slug: str, learner_id: str) -> list[tuple[str, str]]:
    return [
        ("overview", "/admin"),
        ("lessons", "/admin/lessons"),
        ("one lesson", f"/admin/lessons/{slug}"),
        ("questions", "/admin/questions"),
        ("questions, sorted", "/admin/questions?sort=-discrimination"),
        ("questions, 1 lesson", f"/admin/questions?lesson={slug}"),
        ("test bank", "/admin/questions?kind=test"),
        ("runs", "/admin/runs"),
        ("learners", "/admin/learners"),
        ("learners, search", "/admin/learners?q=learner-0004"),
        ("learners, page 100", "/admin/learners?page=100"),
        ("one learner", f"/admin/learners/{learner_id}"),
        ("questions CSV", "/admin/questions?format=csv&table=practice-questions"),
        ("learners CSV", "/admin/learners?format=csv"),
    ]


def with_fresh(path: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}fresh=1"


def measure(client: Client, path: str, runs: int, warmup: int) -> tuple[int, list[float]]:
    size = 0
    times = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        status, body = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SetupError(f"GET {path} -> HTTP {status}: {body[:300]!r}")
        size = len(body)
        if index >= warmup:
            times.append(elapsed)
    return size, sorted(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: TFP_DATABASE_URL, else the app's SQLite")
    parser.add_argument("--runs", type=int, default=10, help="measured requests per page and mode (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured requests first (default 1)")
    parser.add_argument("--only", choices=("cold", "warm"), default=None, help="measure one mode only")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("need --runs >= 1 and --warmup >= 0")

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    sys.path.insert(0, str(PROJECT_ROOT))
    from app.settings import Settings

    database_url = args.database_url or Settings().database_url
    password = secrets.token_urlsafe(16)
    proc: subprocess.Popen[bytes] | None = None
    try:
        slug, learner_id, counts = prepare(database_url, password)
        port = free_port()
        command = [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "uvicorn", "app.main:create_app",
                   "--factory", "--host", HOST, "--port", str(port), "--log-level", "warning"]
        env_shown = {"TFP_DATABASE_URL": database_url, "TFP_SECRET_KEY": "<random>", "TFP_RUNNER_START": "0"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("TFP_")}
        env.update(env_shown, TFP_SECRET_KEY=secrets.token_urlsafe(32))
        with tempfile.TemporaryDirectory(prefix="tfp-bench-admin-") as tmp:
            log_path = Path(tmp) / "server.log"
            with log_path.open("wb") as log:
                proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT)
            wait_healthy(proc, port, log_path, timeout_s=60)
            client = Client(port, timeout=120)
            status, _ = client.request("POST", "/login", body=urlencode(
                {"email": ADMIN_EMAIL, "password": password}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            if status != 303:
                raise SetupError(f"logging in as {ADMIN_EMAIL} answered HTTP {status}\n" + tail(log_path))
            modes = [args.only] if args.only else ["cold", "warm"]
            results = []
            for name, path in pages(slug, learner_id):
                for mode in modes:
                    print(f"{mode:<4} {name} ...", file=sys.stderr, flush=True)
                    size, times = measure(client, with_fresh(path) if mode == "cold" else path, args.runs,
                                          args.warmup)
                    results.append((name, path, mode, size, times))
            client.close()
    except SetupError as error:
        print(f"bench/admin.py: {error}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            stop(proc)

    print()
    print(f"bench command : {shlex.join([sys.executable, *sys.argv])}")
    print(f"server command: {' '.join(f'{k}={shlex.quote(v)}' for k, v in env_shown.items())} {shlex.join(command)}")
    print(f"database      : {', '.join(f'{count:,} {name}' for name, count in counts.items())}")
    print(f"requests      : {args.warmup} warm-up + {args.runs} measured per page and mode, one at a time; "
          f"{os.cpu_count()} CPUs; cold = ?fresh=1 (every aggregate recomputed), warm = figures kept")
    print()
    header = f"{'page':<22} {'mode':<5} {'bytes':>9} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} {'max ms':>8}  path"
    print(header)
    print("-" * len(header))
    for name, path, mode, size, times in results:
        print(f"{name:<22} {mode:<5} {size:>9,} {statistics.median(times):>10.1f} {p95(times):>8.1f} "
              f"{times[0]:>8.1f} {times[-1]:>8.1f}  {path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stopped:
        print(f"bench/admin.py: interrupted ({stopped}); server stopped", file=sys.stderr)
        sys.exit(130)
