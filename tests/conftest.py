"""Fixtures: a migrated SQLite database per test (copied from one migrated template), settings,
the app and a client. Content comes from tests/fixtures/content unless a test says otherwise."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade_to_head
from app.models import Base
from app.settings import PROJECT_ROOT, Settings

FIXTURE_CONTENT = PROJECT_ROOT / "tests" / "fixtures" / "content"
FIXTURE_LESSON = FIXTURE_CONTENT / "fixture-lesson.md"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade_to_head(f"sqlite:///{path}")
    return path


POSTGRES_URL = os.environ.get("TFP_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    upgrade_to_head(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite always; PostgreSQL too when TFP_TEST_POSTGRES_URL names an empty database."""
    if request.param == "sqlite":
        path = tmp_path / "tfpatterns.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("migrated_postgres")
    yield url
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    engine.dispose()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture content that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture
def settings(database_url: str, content_dir: Path) -> Settings:
    return Settings(database_url=database_url, content_dir=content_dir, secret_key="test-secret")


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def other_client(app: FastAPI) -> TestClient:
    """A second browser: its own learner cookie."""
    return TestClient(app, raise_server_exceptions=False)
