"""When the database cannot write (locked, full, read-only), answers say so with a 503 and /healthz tells the
truth; the generic 500 never claims that progress is safe."""

import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.learning.models import PracticeAnswer
from app.main import create_app
from app.settings import Settings

SLUG = "fixture-lesson"
BUSY = "Your answer was not saved; the server is busy. Try again in a moment."
NOT_SAVED = "Your answer was not saved. Try again shortly."


def answer(client: TestClient, question_id: str = "p-one", choice: str = "A"):
    return client.post(f"/api/lessons/{SLUG}/practice/{question_id}/answer", json={"choice": choice})


def stored_answers(app: FastAPI) -> int:
    with app.state.session_factory() as db:
        return int(db.scalar(select(func.count()).select_from(PracticeAnswer)) or 0)


def app_on(url: str, content_dir: Path) -> FastAPI:
    return create_app(Settings(database_url=url, content_dir=content_dir, secret_key="test-secret"))


@pytest.fixture
def sqlite_file(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's own locking and files")
    return Path(database_url.removeprefix("sqlite:///"))


def test_an_answer_that_cannot_get_the_lock_is_a_503_to_retry_and_is_not_stored(
        sqlite_file: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("app.db.BUSY_TIMEOUT_MS", 50)
    app = app_on(f"sqlite:///{sqlite_file}", content_dir)
    client = TestClient(app, raise_server_exceptions=False)
    assert answer(client).status_code == 200
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = answer(client, "p-two", "B")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.json() == {"detail": BUSY}
    assert response.headers["retry-after"] == "2"
    assert stored_answers(app) == 1
    assert answer(client, "p-two", "B").status_code == 200
    assert stored_answers(app) == 2
    app.state.engine.dispose()


def test_a_read_only_database_refuses_answers_with_a_503_and_fails_healthz(sqlite_file: Path, content_dir: Path):
    app = app_on(f"sqlite:///file:{sqlite_file}?mode=ro&uri=true", content_dir)
    client = TestClient(app, raise_server_exceptions=False)
    response = answer(client)
    assert response.status_code == 503
    assert response.json() == {"detail": NOT_SAVED}
    assert int(response.headers["retry-after"]) > 0
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["db"] == "read-only"
    app.state.engine.dispose()


def test_a_form_that_cannot_save_is_an_error_page_that_does_not_claim_progress_is_safe(
        sqlite_file: Path, content_dir: Path):
    app = app_on(f"sqlite:///file:{sqlite_file}?mode=ro&uri=true", content_dir)
    page = TestClient(app, raise_server_exceptions=False).post(f"/lessons/{SLUG}/practice/p-one",
                                                               data={"choice": "A"})
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"]
    assert "Try again shortly." in page.text and "safe" not in page.text
    app.state.engine.dispose()


def test_pages_are_still_served_when_the_database_cannot_save(sqlite_file: Path, content_dir: Path):
    app = app_on(f"sqlite:///file:{sqlite_file}?mode=ro&uri=true", content_dir)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get(f"/lessons/{SLUG}").status_code == 200  # a first open would be recorded
    assert client.get("/").status_code == 200
    assert client.get("/api/progress").status_code == 200
    app.state.engine.dispose()


def test_healthz_reports_a_writable_database_as_ok(client: TestClient):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["db"] == "ok"


def test_an_unexpected_error_does_not_claim_that_progress_is_safe(app: FastAPI, client: TestClient):
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    response = client.get("/api/broken")
    assert response.status_code == 500
    assert "safe" not in response.json()["detail"]
    assert "may not have been saved" in response.json()["detail"]


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/tfp-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                 capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", str(probe)], check=True)
        return mounted
    finally:
        probe.rmdir()


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (needs root and mount: as in CI)."""
    if not _can_mount():
        pytest.skip("needs root and permission to mount a tmpfs")
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_on_a_full_disk_answers_are_503_and_healthz_says_full(
        small_filesystem: Path, migrated_template: Path, content_dir: Path):
    database = small_filesystem / "tfpatterns.sqlite3"
    shutil.copyfile(migrated_template, database)
    app = app_on(f"sqlite:///{database}", content_dir)
    client = TestClient(app, raise_server_exceptions=False)
    assert answer(client).status_code == 200
    assert client.get("/healthz").json()["db"] == "ok"
    filler = fill(small_filesystem)
    statuses = []
    for question in ("p-two", "p-three", "p-four", "p-five"):
        response = answer(client, question, "B")
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.json() == {"detail": NOT_SAVED}
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["db"] == "full"
    acknowledged = statuses.count(200)
    assert set(statuses) <= {200, 503} and 503 in statuses
    filler.unlink()
    assert client.get("/healthz").json()["db"] == "ok"
    assert answer(client, "p-one", "C").status_code == 200
    assert stored_answers(app) == 1 + acknowledged + 1
    app.state.engine.dispose()
