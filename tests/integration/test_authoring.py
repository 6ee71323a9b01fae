"""Authoring: drafts are invisible to learners, a saved mistake never hides a lesson, and the page says
when its content changed and which TensorFlow version verified it."""

import html
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.content.verified import RECORD_NAME
from app.main import create_app
from app.settings import Settings
from tests.helpers import fixture_text, line_of

DRAFT = fixture_text().replace("slug: fixture-lesson", "slug: draft-lesson").replace(
    "minutes: 3\n", "minutes: 3\ndraft: true\n").replace("title: ", "title: Draft ", 1)
DRAFT = "\n".join(  # question ids are unique across lessons
    line.replace("### p-", "### draft-p-").replace("### t-", "### draft-t-") for line in DRAFT.splitlines()) + "\n"


@pytest.fixture
def author_app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(update={"authoring": True}))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def author(author_app: FastAPI) -> TestClient:
    return TestClient(author_app, raise_server_exceptions=False)


def save(app: FastAPI, path: Path, text: str) -> None:
    """What the watcher does after an author saves a file."""
    path.write_text(text)
    app.state.content.reload()


def test_a_draft_is_invisible_to_learners(app: FastAPI, client: TestClient, content_dir: Path):
    save(app, content_dir / "draft.md", DRAFT)
    assert "Draft" not in client.get("/").text
    assert client.get("/lessons/draft-lesson").status_code == 404
    assert [lesson["slug"] for lesson in client.get("/api/lessons").json()] == ["fixture-lesson"]
    assert client.post("/api/lessons/draft-lesson/practice/draft-p-one/answer", json={"choice": "A"}).status_code == 404
    assert client.get("/lessons/draft-lesson/test").status_code == 404


def test_authors_see_a_draft_with_a_banner(author_app: FastAPI, author: TestClient, content_dir: Path):
    save(author_app, content_dir / "draft.md", DRAFT)
    catalog = author.get("/").text
    assert "Draft " in catalog
    assert 'class="badge badge-draft"' in catalog
    page = author.get("/lessons/draft-lesson")
    assert page.status_code == 200
    assert "Only authors and admins see this lesson" in page.text


def test_a_saved_mistake_keeps_the_last_good_version_and_shows_authors_the_problem(
    app: FastAPI, client: TestClient, author_app: FastAPI, author: TestClient, content_dir: Path
):
    lesson = content_dir / "fixture-lesson.md"
    broken = fixture_text().replace("- [ ] option b of p-one", "- [x] option b of p-one")
    for application in (app, author_app):
        save(application, lesson, broken)
    assert client.get("/lessons/fixture-lesson").status_code == 200  # learners keep the last good version
    page = author.get("/lessons/fixture-lesson").text
    line = line_of(broken, "- [x] option b of p-one") - 1  # reported at the start of the option list
    assert "has 2 options marked [x]" in page
    assert f"fixture-lesson.md:{line}:" in page
    assert "Problems to fix (1)" in page
    assert "Problems to fix" not in client.get("/lessons/fixture-lesson").text
    assert "has 2 options marked [x]" in author.get("/").text  # and on the catalog
    save(author_app, lesson, fixture_text())
    assert "Problems to fix" not in author.get("/lessons/fixture-lesson").text


def test_a_lesson_that_never_parsed_shows_authors_its_problems(
    app: FastAPI, client: TestClient, author_app: FastAPI, author: TestClient, content_dir: Path
):
    broken = DRAFT.replace("draft: true\n", "").replace("## Summary", "## Sumary")
    for application in (app, author_app):
        save(application, content_dir / "new.md", broken)
    response = author.get("/lessons/draft-lesson")
    assert response.status_code == 422
    assert "unknown section '## Sumary' (did you mean '## Summary'?)" in html.unescape(response.text)
    assert client.get("/lessons/draft-lesson").status_code == 404


def test_the_content_version_moves_on_every_reload_for_authors_only(
    author_app: FastAPI, author: TestClient, client: TestClient, content_dir: Path
):
    before = author.get("/authoring/version").json()["version"]
    save(author_app, content_dir / "fixture-lesson.md", fixture_text().replace("Intro.", "Intro, edited."))
    assert author.get("/authoring/version").json()["version"] == before + 1
    assert "Intro, edited." in author.get("/lessons/fixture-lesson").text
    assert client.get("/authoring/version").status_code == 404
    assert "authoring.js" in author.get("/").text and "authoring.js" not in client.get("/").text


def test_the_page_names_the_verified_tensorflow_version_only_for_the_verified_text(
    app: FastAPI, client: TestClient, content_dir: Path
):
    fingerprint = app.state.content.library.get("fixture-lesson").fingerprint
    record = {"fixture-lesson": {"fingerprint": fingerprint, "tensorflow": "2.99.0"}}
    (content_dir / RECORD_NAME).write_text(json.dumps(record))
    app.state.content.reload()
    page = client.get("/lessons/fixture-lesson").text
    assert "verified against TensorFlow 2.99.0" in page
    assert "Content last changed" in page
    save(app, content_dir / "fixture-lesson.md", fixture_text().replace("Intro.", "Intro, edited."))
    page = client.get("/lessons/fixture-lesson").text
    assert "2.99.0" not in page
    assert "have not been re-verified since its last change" in page


def test_an_author_account_sees_drafts_and_a_learner_account_does_not(
    app: FastAPI, client: TestClient, other_client: TestClient, content_dir: Path
):
    import uuid

    from app.accounts import service

    save(app, content_dir / "draft.md", DRAFT)
    with app.state.session_factory() as db:
        author, _ = service.sign_up(db=db, anonymous_id=uuid.uuid4(), email="writer@example.org",
                                    password="long enough 1")
        author.role = "author"
        service.sign_up(db=db, anonymous_id=uuid.uuid4(), email="reader@example.org", password="long enough 2")
        db.commit()
    client.post("/login", data={"email": "writer@example.org", "password": "long enough 1"})
    other_client.post("/login", data={"email": "reader@example.org", "password": "long enough 2"})
    assert client.get("/lessons/draft-lesson").status_code == 200
    assert "badge-draft" in client.get("/").text
    assert other_client.get("/lessons/draft-lesson").status_code == 404
    assert "badge-draft" not in other_client.get("/").text
