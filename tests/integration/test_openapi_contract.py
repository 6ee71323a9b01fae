"""Every operation in /api/openapi.json keeps its contract: schemathesis sends generated requests (valid and
not) to each one and checks that no answer is a server error and every answer is what the schema declares:
status, content type, body and headers. docs/api.md is written from the same schema."""

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from app.deps import get_runner
from app.main import create_app
from app.migrate import upgrade_to_head
from app.runner.protocol import RunRequest, RunResult
from app.settings import PROJECT_ROOT, Settings

FIXTURE_CONTENT = PROJECT_ROOT / "tests" / "fixtures" / "content"


class InstantRunner:
    """Answers every run at once as the real runner would shape it (the runner itself: tests/runner)."""

    async def run(self, request: RunRequest) -> RunResult:
        return RunResult(status="ok", mode=request.mode, stdout="7\n", duration_ms=1.0)

    async def health(self) -> dict[str, Any]:
        return {"status": "ok"}


def contract_app() -> FastAPI:
    """One app on its own migrated SQLite database (schemathesis needs the app when tests are collected)."""
    folder = Path(tempfile.mkdtemp(prefix="tfp-contract-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = f"sqlite:///{folder / 'contract.sqlite3'}"
    upgrade_to_head(url)
    app = create_app(Settings(database_url=url, content_dir=FIXTURE_CONTENT, secret_key="contract",
                              runner_workers=0, runner_rate_per_minute=100_000))
    runner = InstantRunner()

    async def instant() -> InstantRunner:
        return runner

    app.dependency_overrides[get_runner] = instant
    return app


schema = schemathesis.openapi.from_asgi("/api/openapi.json", contract_app())


@schema.parametrize()
# derandomize: the same cases every run, so CI never fails on a case the last run did not try.
@hypothesis_settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_what_the_schema_declares(case: Any) -> None:
    case.call_and_validate()
