"""The playground: a form that runs code in the sandbox and shows the result, without JavaScript."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.deps import get_runner
from app.main import create_app
from app.runner.protocol import RunRequest, RunResult
from app.runs import starters
from app.settings import Settings


class Recording:
    """Stands in for the runner: answers at once with a traced function, and keeps what it was asked."""

    def __init__(self) -> None:
        self.requests: list[RunRequest] = []

    async def run(self, request: RunRequest) -> RunResult:
        self.requests.append(request)
        return RunResult.model_validate({
            "status": "ok", "mode": request.mode, "stdout": "tracing scale\n2\n", "duration_ms": 12.0,
            "functions": [{"name": "scale", "traces": 3 if request.mode == "graph" else 1, "signatures": [],
                           "ops": 4, "op_types": {"Mul": 1}, "calls": 3, "trace_details": [
                               {"signature": "(x=1)", "ops": 4, "op_types": {"Mul": 1}, "reason": None}]}],
        })

    async def health(self) -> dict[str, Any]:
        return {"status": "ok"}


@pytest.fixture
def runner() -> Recording:
    return Recording()


@pytest.fixture
def playground(settings: Settings, runner: Recording) -> TestClient:
    app: FastAPI = create_app(settings.model_copy(update={"runner_workers": 0}))

    async def recording() -> Recording:
        return runner

    app.dependency_overrides[get_runner] = recording
    return TestClient(app, raise_server_exceptions=False)


def textarea(html: str) -> str:
    import html as html_module

    found = re.search(r'<textarea id="playground-code"[^>]*>(.*?)</textarea>', html, re.S)
    assert found
    return html_module.unescape(found.group(1))


def test_the_playground_opens_on_a_knob_and_lists_every_starting_point(playground: TestClient):
    page = playground.get("/playground").text
    assert textarea(page) == starters.DEFAULT.code
    for knob in starters.KNOBS:
        assert f'href="/playground?start={knob.key}"' in page
    assert 'href="/playground?start=fixture-lesson:1"' in page


def test_a_starting_point_fills_the_editor(playground: TestClient):
    assert textarea(playground.get("/playground?start=reduce-retracing").text) == starters.KNOBS[3].code
    lesson_example = playground.get("/playground?start=fixture-lesson:1").text
    assert "started from: Fixture lesson" in lesson_example


def test_an_unknown_starting_point_opens_the_default(playground: TestClient):
    assert textarea(playground.get("/playground?start=nothing:9").text) == starters.DEFAULT.code


def test_running_shows_the_output_and_the_trace_table_without_javascript(playground: TestClient, runner: Recording):
    page = playground.post("/playground", data={"code": "print(1)", "mode": "eager", "action": "run"})
    assert page.status_code == 200
    assert [(r.code, r.mode) for r in runner.requests] == [("print(1)", "eager")]
    assert "Finished · eager mode · 12 ms" in page.text
    assert "tracing scale" in page.text and "<code>scale</code>" in page.text
    assert textarea(page.text) == "print(1)"  # the code stays in the editor


def test_compare_runs_both_modes(playground: TestClient, runner: Recording):
    page = playground.post("/playground", data={"code": "print(1)", "action": "compare"}).text
    assert sorted(r.mode for r in runner.requests) == ["eager", "graph"]
    assert "eager mode: tf.function calls" in page and "graph mode: tf.function calls" in page


def test_running_too_often_says_how_long_to_wait(settings: Settings, runner: Recording):
    app = create_app(settings.model_copy(update={"runner_workers": 0, "runner_rate_per_minute": 1}))

    async def recording() -> Recording:
        return runner

    app.dependency_overrides[get_runner] = recording
    client = TestClient(app)
    client.post("/playground", data={"code": "print(1)"})
    limited = client.post("/playground", data={"code": "print(2)"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "wait" in limited.text and textarea(limited.text) == "print(2)"


def test_without_a_runner_the_playground_says_so(settings: Settings):
    client = TestClient(create_app(settings.model_copy(update={"runner_workers": 0})))
    page = client.post("/playground", data={"code": "print(1)"})
    assert page.status_code == 503 and "not available on this server" in page.text
