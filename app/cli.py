"""The `tfpatterns` command: serve, check."""

import argparse
import logging
import sys
from pathlib import Path

from app.settings import Settings


def serve(args: argparse.Namespace) -> int:
    """Migrate the database, then run the web server."""
    import uvicorn

    from app.migrate import upgrade_to_head

    settings = Settings()
    upgrade_to_head(settings.database_url)
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port, reload=args.reload,
                reload_dirs=["app", "templates"] if args.reload else None, log_level="info")
    return 0


def check(args: argparse.Namespace) -> int:
    """Validate lessons; print `path:line: message` per problem; non-zero exit on any."""
    from app.content.library import lesson_files, load_library

    paths = [Path(p) for p in args.paths] or [Settings().content_dir]
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(f"{path}:1: no such file or folder", file=sys.stderr)
    files = lesson_files(p for p in paths if p.exists())
    logging.getLogger("app.content").setLevel(logging.ERROR)
    library = load_library(p for p in paths if p.exists())
    for problem in library.problems:
        print(problem)
    ok = not library.problems and not missing
    print(f"{len(files)} lesson file(s) checked, {len(library.lessons)} valid, "
          f"{len(library.problems)} problem(s).", file=sys.stderr)
    return 0 if ok and files else 1


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(
        prog="tfpatterns", description="TF Patterns: learn TensorFlow's execution patterns."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="migrate the database and run the web server")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    serve_cmd.set_defaults(func=serve)

    check_cmd = commands.add_parser("check", help="validate lessons; prints path:line: message per problem")
    check_cmd.add_argument("paths", nargs="*", help="lesson files or folders (default: the content folder)")
    check_cmd.set_defaults(func=check)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
