"""The `tfpatterns` command: serve, check, create-admin, runner serve and runner doctor."""

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.settings import Settings

if TYPE_CHECKING:
    from app.content.schema import Lesson


def serve(args: argparse.Namespace) -> int:
    """Migrate the database, then run the web server."""
    import uvicorn

    from app.migrate import DatabaseUnusable, upgrade_to_head

    if args.reload:
        os.environ["TFP_AUTHORING"] = "1"  # read by Settings in the server process
    settings = Settings()
    try:
        upgrade_to_head(settings.database_url)
    except DatabaseUnusable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port, reload=args.reload_code,
                reload_dirs=["app", "templates"] if args.reload_code else None, log_level="info")
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate lessons, then run their code in the sandbox; `path:line: message` per problem, non-zero on any."""
    from app.content.library import lesson_files, load_library

    settings = Settings()
    paths = [Path(p) for p in args.paths] or [settings.content_dir]
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(f"{path}:1: no such file or folder", file=sys.stderr)
    files = lesson_files(p for p in paths if p.exists())
    logging.getLogger("app.content").setLevel(logging.ERROR)
    library = load_library((p for p in paths if p.exists()), also_known=[settings.content_dir])
    for problem in library.problems:
        print(problem)
    problems = len(library.problems)
    print(f"{len(files)} lesson file(s) read, {len(library.lessons)} valid, {problems} structural problem(s).",
          file=sys.stderr)
    if not args.no_run and library.lessons:
        ran = run_lessons(settings, library.in_catalog_order())
        if ran is None:
            return 2
        problems += ran
    return 0 if not problems and not missing and files else 1


def run_lessons(settings: Settings, lessons: list["Lesson"]) -> int | None:
    """Run every example and predict-the-output question; print problems; the number found (None: no runner)."""
    import asyncio
    import time

    from app.content.verified import Verification, update_record
    from app.content.verify import LessonReport, programs, verify_lessons
    from app.runner.client import RunnerUnavailable, make_runner

    runner = make_runner(settings)
    if runner is None:
        print("error: running lesson code needs a runner: set TFP_RUNNER_WORKERS to 1 or more (or TFP_RUNNER_URL),"
              " or pass --no-run to check structure only", file=sys.stderr)
        return None
    logging.getLogger("app.runner").setLevel(logging.WARNING)
    content_dir = settings.content_dir.resolve()

    def report(done: LessonReport) -> None:
        for problem in done.problems:
            print(problem, flush=True)
        verdict = "all outputs match" if not done.problems else f"{len(done.problems)} problem(s)"
        print(f"  {done.lesson.path}: {done.programs} programs, {verdict} ({done.seconds:.1f} s)",
              file=sys.stderr, flush=True)

    async def run() -> tuple[list[LessonReport], str]:
        started = time.monotonic()
        await runner.start()
        try:
            tensorflow = str((await runner.health()).get("tensorflow") or "unknown")
            workers = max(1, settings.runner_workers)
            total = sum(len(programs(lesson)) for lesson in lessons)
            print(f"Running {total} programs from {len(lessons)} lesson(s) on {workers} sandboxed worker(s), "
                  f"TensorFlow {tensorflow} (start-up {time.monotonic() - started:.1f} s)", file=sys.stderr)
            return await verify_lessons(lessons, runner, concurrency=2 * workers, on_lesson=report), tensorflow
        finally:
            await runner.close()

    started = time.monotonic()
    try:
        reports, tensorflow = asyncio.run(run())
    except RunnerUnavailable as error:
        print(f"error: the code runner did not start: {error}; try `tfpatterns runner doctor`", file=sys.stderr)
        return None
    found = sum(len(done.problems) for done in reports)
    passed = {done.lesson.slug: Verification(done.lesson.fingerprint, tensorflow)
              for done in reports if not done.problems and in_folder(Path(done.lesson.path), content_dir)}
    if passed and tensorflow != "unknown":
        update_record(content_dir, passed)
    print(f"Ran {sum(done.programs for done in reports)} programs in {time.monotonic() - started:.1f} s: "
          f"{found} output problem(s).", file=sys.stderr)
    return found


def in_folder(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder)


def create_admin(args: argparse.Namespace) -> int:
    """Create an admin account, or promote an existing account to admin."""
    import getpass

    from app.accounts import service
    from app.db import make_engine, make_session_factory
    from app.errors import InvalidInput
    from app.migrate import upgrade_to_head

    settings = Settings()
    upgrade_to_head(settings.database_url)
    password = settings.admin_password or None
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as db:
            exists = service.account_by_email(db, args.email.strip().lower()) is not None
            if password is None and not exists:
                if not sys.stdin.isatty():
                    print("error: set TFP_ADMIN_PASSWORD (no terminal to ask for a password on)", file=sys.stderr)
                    return 2
                password = getpass.getpass(f"Password for {args.email}: ")
                if getpass.getpass("Same password again: ") != password:
                    print("error: the two passwords differ; nothing was changed", file=sys.stderr)
                    return 2
            try:
                account, created = service.create_or_promote_admin(db=db, email=args.email, password=password)
            except InvalidInput as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            db.commit()
            print(f"{'Created' if created else 'Promoted'} admin {account.email}.")
    finally:
        engine.dispose()
    return 0


def runner_serve(args: argparse.Namespace) -> int:
    """A runner on its own, for web tiers that set TFP_RUNNER_URL to it."""
    import uvicorn

    from app.runner.service import create_runner_app

    settings = Settings()
    if not settings.runner_token:
        print("error: set TFP_RUNNER_TOKEN to a long random secret; the web tier sends the same value.",
              file=sys.stderr)
        return 2
    uvicorn.run(create_runner_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def runner_doctor(args: argparse.Namespace) -> int:
    """Start one worker, print the isolation layers it could enable, and run a smoke test in both modes."""
    import asyncio

    from app.runner.client import LocalRunner
    from app.runner.protocol import RunRequest

    smoke = (
        "import tensorflow as tf\n"
        "@tf.function\n"
        "def f(x):\n"
        "    return tf.reduce_sum(tf.matmul(x, x))\n"
        "print(f(tf.ones([64, 64])).numpy())\n"
    )
    settings = Settings(runner_workers=1)

    async def check() -> int:
        runner = LocalRunner(settings)
        await runner.start()
        try:
            health = await runner.health()
            print("Sandbox layers on this host:")
            for layer, state in health["layers"].items():
                print(f"  {layer:13s} {state}")
            print(f"Limits per run: {settings.runner_timeout_s:g} s wall, {settings.runner_memory_mb} MB, "
                  f"{settings.runner_output_bytes // 1024} KB output, {settings.runner_processes} processes")
            ok = True
            for mode in ("graph", "eager"):
                result = await runner.run(RunRequest(code=smoke, mode=mode))
                good = result.status == "ok" and result.stdout.strip() == "262144.0"
                ok &= good
                print(f"Smoke test ({mode}): {result.status}, {result.duration_ms:.0f} ms, "
                      f"printed {result.stdout.strip()!r} {'(as expected)' if good else '(UNEXPECTED)'}")
            return 0 if ok else 1
        finally:
            await runner.close()

    return asyncio.run(check())


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(
        prog="tfpatterns", description="TF Patterns: learn TensorFlow's execution patterns."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="migrate the database and run the web server")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--reload", action="store_true",
                           help="authoring: re-render lessons the moment they are saved; show drafts and problems")
    serve_cmd.add_argument("--reload-code", action="store_true",
                           help="restart the server when Python code or templates change (development)")
    serve_cmd.set_defaults(func=serve)

    check_cmd = commands.add_parser(
        "check", help="validate lessons and run their code; prints path:line: message per problem")
    check_cmd.add_argument("paths", nargs="*", help="lesson files or folders (default: the content folder)")
    check_cmd.add_argument("--no-run", action="store_true",
                           help="check structure only; do not run the lessons' code in the sandbox")
    check_cmd.set_defaults(func=check)

    admin_cmd = commands.add_parser(
        "create-admin", help="create an admin account, or promote an existing one (password: TFP_ADMIN_PASSWORD "
        "or a prompt)")
    admin_cmd.add_argument("email")
    admin_cmd.set_defaults(func=create_admin)

    runner_cmd = commands.add_parser("runner", help="the code runner on its own")
    runner_commands = runner_cmd.add_subparsers(dest="runner_command", required=True)
    runner_serve_cmd = runner_commands.add_parser("serve", help="serve a runner over HTTP (needs TFP_RUNNER_TOKEN)")
    runner_serve_cmd.add_argument("--host", default="127.0.0.1")
    runner_serve_cmd.add_argument("--port", type=int, default=8001)
    runner_serve_cmd.set_defaults(func=runner_serve)
    doctor_cmd = runner_commands.add_parser("doctor", help="print which sandbox layers work here; smoke-test")
    doctor_cmd.set_defaults(func=runner_doctor)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
