"""Predict the output: the lesson's output questions one after another; the learner predicts, the sandbox
runs the program, and the page shows what it printed beside the prediction."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.content.library import load_library
from app.deps import get_runner
from app.main import create_app
from app.runner.protocol import RunRequest, RunResult
from app.settings import PROJECT_ROOT, Settings

SLUG = "eager-vs-graph"
LESSON = load_library([PROJECT_ROOT / "content"]).lessons[SLUG]
QUESTIONS = [q for q in (*LESSON.practice, *LESSON.test_bank) if q.predicts_output]


class Printing:
    """Stands in for the runner: prints the right option's output, as the real program does (check proves it)."""

    def __init__(self) -> None:
        self.requests: list[RunRequest] = []

    async def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        question = next(q for q in QUESTIONS if q.code == request.code)
        right = next(c for c in question.choices if c.key == question.correct_choice)
        return RunResult(status="ok", mode=request.mode, stdout=right.output or "", duration_ms=5.0)

    async def health(self) -> dict[str, Any]:
        return {"status": "ok"}


@pytest.fixture
def runner() -> Printing:
    return Printing()


@pytest.fixture
def client(settings: Settings, runner: Printing) -> TestClient:
    app = create_app(settings.model_copy(update={"runner_workers": 0, "content_dir": PROJECT_ROOT / "content"}))

    async def printing() -> Printing:
        return runner

    app.dependency_overrides[get_runner] = printing
    return TestClient(app, raise_server_exceptions=False)


def test_the_sequence_walks_through_every_output_question(client: TestClient):
    assert QUESTIONS
    first = client.get(f"/lessons/{SLUG}/predict").text
    assert f"Question 1 of {len(QUESTIONS)}" in first
    assert f'action="/lessons/{SLUG}/predict/{QUESTIONS[0].id}#verdict"' in first
    last = client.get(f"/lessons/{SLUG}/predict?n={len(QUESTIONS)}").text
    assert f"Question {len(QUESTIONS)} of {len(QUESTIONS)}" in last and "Back to the lesson" in last


def test_a_right_prediction_is_run_and_confirmed_with_the_real_output(client: TestClient, runner: Printing):
    question = QUESTIONS[0]
    page = client.post(f"/lessons/{SLUG}/predict/{question.id}", data={"choice": question.correct_choice})
    assert page.status_code == 200
    assert [r.code for r in runner.requests] == [question.code]
    assert "Your prediction was right" in page.text
    assert "What the program printed" in page.text


def test_a_wrong_prediction_names_the_right_option(client: TestClient):
    question = QUESTIONS[0]
    wrong = next(k for k in question.choice_keys() if k != question.correct_choice)
    page = client.post(f"/lessons/{SLUG}/predict/{question.id}", data={"choice": wrong})
    assert "Not quite" in page.text
    assert (f"You predicted option {wrong}; the output this program prints is option {question.correct_choice}"
            in page.text)


def test_running_without_a_prediction_asks_for_one_and_runs_nothing(client: TestClient, runner: Printing):
    page = client.post(f"/lessons/{SLUG}/predict/{QUESTIONS[0].id}", data={})
    assert page.status_code == 422 and "Choose the output you predict" in page.text
    assert runner.requests == []


def test_a_question_that_is_not_an_output_question_is_404(client: TestClient):
    other = next(q for q in LESSON.practice if not q.predicts_output)
    assert client.post(f"/lessons/{SLUG}/predict/{other.id}", data={"choice": "A"}).status_code == 404


def test_the_lesson_page_offers_the_mode(client: TestClient):
    assert f'href="/lessons/{SLUG}/predict"' in client.get(f"/lessons/{SLUG}").text


def test_the_prediction_stays_chosen_after_the_run(client: TestClient):
    question = QUESTIONS[0]
    page = client.post(f"/lessons/{SLUG}/predict/{question.id}", data={"choice": question.correct_choice}).text
    assert f'value="{question.correct_choice}" required checked>' in page
