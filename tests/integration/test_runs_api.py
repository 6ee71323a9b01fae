"""/api/run around the runner: recording, limits and unavailability (the runner itself: tests/runner)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.deps import get_runner
from app.main import create_app
from app.runner.client import RunnerBusy, RunnerUnavailable
from app.runner.protocol import RunRequest, RunResult
from app.runs.models import RunRecord
from app.settings import Settings

TRIVIAL = "import tensorflow as tf\nprint(tf.constant(3) + 4)\n"


class FakeRunner:
    """Stands in for the pool: answers at once, or raises what a busy or dead pool raises."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.requests: list[RunRequest] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def health(self) -> dict[str, Any]:
        return {"status": "down" if self.fail else "ok"}

    async def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        if self.fail:
            raise self.fail
        status = "error" if "raise" in request.code else "ok"
        error = {"type": "ValueError", "message": "boom", "line": 1, "traceback": ""} if status == "error" else None
        return RunResult(status=status, mode=request.mode, stdout="tf.Tensor(7)\n", error=error, duration_ms=41.5)


def wait_for_records(app: Any, count: int) -> None:
    """Records reach the database within a moment, without the app stopping."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with app.state.session_factory() as db:
            if len(db.scalars(select(RunRecord)).all()) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} run records were written within 5 s")


def app_with(settings: Settings, runner: FakeRunner | None, **overrides: Any):
    """An app whose routes get `runner` (no local pool is started)."""
    app = create_app(settings.model_copy(update={"runner_workers": 0, **overrides}))

    async def fake() -> FakeRunner | None:
        return runner

    app.dependency_overrides[get_runner] = fake
    return app


def test_a_run_is_answered_and_recorded_with_its_lesson(settings: Settings):
    app = app_with(settings, FakeRunner())
    with TestClient(app) as client:  # the app's lifespan: records are written in batches while it runs
        body = client.post("/api/run", json={"code": TRIVIAL, "mode": "eager", "lesson": "fixture-lesson"}).json()
        assert (body["status"], body["mode"]) == ("ok", "eager")
        client.post("/api/run", json={"code": "raise ValueError('boom')"})
        wait_for_records(app, 2)
    with app.state.session_factory() as db:
        records = db.scalars(select(RunRecord).order_by(RunRecord.id)).all()
    assert [(r.lesson_slug, r.mode, r.status, r.error_type) for r in records] == [
        ("fixture-lesson", "eager", "ok", None), (None, "graph", "error", "ValueError"),
    ]
    assert records[0].duration_ms == 41.5
    app.state.engine.dispose()


def test_a_run_naming_an_unknown_lesson_is_recorded_without_one(settings: Settings):
    app = app_with(settings, FakeRunner())
    with TestClient(app) as client:
        client.post("/api/run", json={"code": TRIVIAL, "lesson": "no-such-lesson"})
    with app.state.session_factory() as db:  # stopping the app wrote what was pending
        assert [r.lesson_slug for r in db.scalars(select(RunRecord))] == [None]
    app.state.engine.dispose()


def test_compare_runs_both_modes(settings: Settings):
    runner = FakeRunner()
    client = TestClient(app_with(settings, runner))
    body = client.post("/api/run/compare", json={"code": TRIVIAL}).json()
    assert (body["eager"]["mode"], body["graph"]["mode"]) == ("eager", "graph")
    assert sorted(r.mode for r in runner.requests) == ["eager", "graph"]


def test_code_over_64_kb_is_413(settings: Settings):
    client = TestClient(app_with(settings, FakeRunner()))
    response = client.post("/api/run", json={"code": "x = 1\n" * 12_000})
    assert response.status_code == 413
    assert "larger than 64 KB" in response.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"code": "print(1)", "mode": "fast"}, {"mode": "graph"}])
def test_a_malformed_run_request_is_422(settings: Settings, body: dict[str, str]):
    assert TestClient(app_with(settings, FakeRunner())).post("/api/run", json=body).status_code == 422


def test_running_too_often_is_429_with_retry_after(settings: Settings):
    client = TestClient(app_with(settings, FakeRunner(), runner_rate_per_minute=2))
    assert [client.post("/api/run", json={"code": TRIVIAL}).status_code for _ in range(2)] == [200, 200]
    response = client.post("/api/run", json={"code": TRIVIAL})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "wait" in response.json()["detail"]


def test_a_busy_runner_is_503_with_retry_after(settings: Settings):
    client = TestClient(app_with(settings, FakeRunner(fail=RunnerBusy("full"))))
    response = client.post("/api/run", json={"code": TRIVIAL})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "busy" in response.json()["detail"]


def test_a_dead_runner_is_503_and_healthz_says_down(settings: Settings):
    client = TestClient(app_with(settings, FakeRunner(fail=RunnerUnavailable("gone"))))
    response = client.post("/api/run", json={"code": TRIVIAL})
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"]
    assert client.get("/healthz").json()["runner"] == "down"
    assert client.get("/api/lessons").status_code == 200


def test_without_a_runner_runs_are_503_and_quizzes_work(settings: Settings):
    client = TestClient(app_with(settings, None))
    assert client.post("/api/run", json={"code": TRIVIAL}).status_code == 503
    answer = client.post("/api/lessons/fixture-lesson/practice/p-one/answer", json={"choice": "A"})
    assert answer.json()["correct"] is True


def test_the_web_process_never_imports_tensorflow(settings: Settings):
    import sys

    client = TestClient(app_with(settings, FakeRunner()))
    client.get("/lessons/fixture-lesson")
    client.post("/api/run", json={"code": TRIVIAL})
    assert "tensorflow" not in sys.modules


@pytest.mark.parametrize("path", ["/api/run", "/api/run/compare"])
@pytest.mark.parametrize("code", ["\\ud800", "print(1)  # \\udfff"])
def test_code_with_a_lone_surrogate_is_422_with_a_sentence(settings: Settings, path: str, code: str):
    runner = FakeRunner()
    body = '{"code": "' + code + '"}'  # JSON may escape a lone surrogate; Python's json then decodes it
    response = TestClient(app_with(settings, runner)).post(path, content=body,
                                                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not text" in response.json()["detail"]
    assert runner.requests == []


def test_runs_while_the_runner_warms_up_are_503_with_retry_after(settings: Settings):
    from app.runner.client import RunnerStarting

    client = TestClient(app_with(settings, FakeRunner(fail=RunnerStarting("warming"))))
    response = client.post("/api/run", json={"code": TRIVIAL})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "still starting" in response.json()["detail"]


def test_records_wait_for_a_database_that_failed_and_are_written_later(settings: Settings):
    import uuid

    from app.identity import Learner
    from app.runs.recorder import RunRecorder

    app = app_with(settings, FakeRunner())
    calls = {"n": 0}

    def flaky_factory():  # the first write fails, as if the database were locked or down
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is down")
        return app.state.session_factory()

    recorder = RunRecorder(flaky_factory)  # type: ignore[arg-type]
    learner = uuid.uuid4()
    recorder.add(learner_id=learner, lesson_slug=None, result=RunResult(status="ok", mode="graph", duration_ms=3.0))
    assert recorder.flush() == 0 and len(recorder.pending) == 1  # kept, nothing lost
    assert recorder.flush() == 1 and recorder.pending == []
    with app.state.session_factory() as db:
        assert db.get(Learner, learner) is not None  # a learner seen first through a run is created
        assert [r.learner_id for r in db.scalars(select(RunRecord))] == [learner]
    app.state.engine.dispose()
