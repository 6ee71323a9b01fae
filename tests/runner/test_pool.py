"""The pool around the sandbox: a dead worker is replaced, a full queue answers 503 at once, and a
learner who runs too often gets 429."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.runner.conftest import NORMAL_CODE, NORMAL_OUTPUT, RunnerApp, started_app, wait_until


def ready_workers(app: RunnerApp) -> dict[int, int]:
    """slot -> pid of the zygotes that said they are ready (the pool's own view)."""
    return {slot: zygote.process.pid for slot, zygote in app.app.state.runner.pool.alive.items()}


def wait_for_a_full_pool(app: RunnerApp, timeout: float = 60) -> None:
    workers = app.settings.runner_workers
    assert wait_until(lambda: len(ready_workers(app)) == workers and len(app.zygote_pids()) == workers, timeout), \
        (ready_workers(app), app.zygote_pids())


def run_until_ok_in_a_row(app: RunnerApp, times: int, timeout: float = 60) -> list[str]:
    statuses: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and statuses[-times:] != ["ok"] * times:
        body = app.run(NORMAL_CODE)
        statuses.append(body["status"])
        if body["status"] == "crashed":
            # the run that met the dead worker: told plainly, and the worker is being replaced
            assert body["error"]["type"] == "RunnerCrashed"
            assert "Run the code again" in body["error"]["message"]
        else:
            assert (body["status"], body["stdout"]) == ("ok", NORMAL_OUTPUT), body
    return statuses


def test_a_killed_worker_is_replaced_and_runs_keep_succeeding(runner: RunnerApp):
    wait_for_a_full_pool(runner)  # earlier tests may have had workers replaced
    victim = ready_workers(runner)[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in runner.zygote_pids(), 5)

    statuses = run_until_ok_in_a_row(runner, 4)
    assert statuses[-4:] == ["ok"] * 4, statuses
    assert statuses.count("crashed") <= 1, statuses

    wait_for_a_full_pool(runner)
    assert victim not in runner.zygote_pids()
    assert runner.client.get("/healthz").json() == {"status": "ok", "db": "ok", "runner": "ok"}
    runner.assert_still_serving()


@pytest.fixture(scope="module")
def one_worker_small_queue(migrated_template: Path):
    with started_app(migrated_template, runner_workers=1, runner_queue=1, runner_timeout_s=2) as app:
        yield app


def test_a_full_queue_answers_503_with_retry_after_at_once(one_worker_small_queue: RunnerApp):
    app = one_worker_small_queue
    slow = "import time\ntime.sleep(1.5)\nprint('slept')\n"

    def post() -> tuple[int, dict, str | None, float]:
        started = time.monotonic()
        response = app.client.post("/api/run", json={"code": slow, "mode": "graph"})
        return response.status_code, response.json(), response.headers.get("retry-after"), \
            time.monotonic() - started

    with ThreadPoolExecutor(max_workers=5) as executor:
        futures = [executor.submit(post) for _ in range(5)]
        answers = [future.result(timeout=30) for future in futures]

    busy = [a for a in answers if a[0] == 503]
    served = [a for a in answers if a[0] == 200]
    assert busy, answers
    assert len(served) >= 1 and len(busy) + len(served) == 5, answers
    for _, body, retry_after, elapsed in busy:
        assert retry_after is not None and int(retry_after) > 0
        assert "busy" in body["detail"]
        assert elapsed < 1.5  # told at once, not after waiting for a worker
    for _, body, _, elapsed in served:
        assert (body["status"], body["stdout"]) == ("ok", "slept\n"), body
        assert elapsed < 10
    # one worker, one waiting place: at most two of the five could be served
    assert len(served) <= 2, answers
    app.assert_still_serving()


def test_a_run_that_times_out_frees_the_worker_for_the_next(one_worker_small_queue: RunnerApp):
    app = one_worker_small_queue
    assert app.run("while True:\n    pass\n")["status"] == "timeout"
    app.assert_still_serving()


def has_imported_tensorflow(pid: int) -> bool:
    return "tensorflow" in Path(f"/proc/{pid}/maps").read_text()


def stop_a_starting_replacement(app: RunnerApp, before: set[int]) -> int:
    """The replacement zygote, stopped (SIGSTOP) before it imported TensorFlow, so before it could say it is
    ready: a zygote says so only after that import."""
    for _ in range(3):
        assert wait_until(lambda known=before: set(app.zygote_pids()) - known, 10, interval=0.005)
        (starting,) = set(app.zygote_pids()) - before
        os.kill(starting, signal.SIGSTOP)
        if not has_imported_tensorflow(starting):
            return starting
        # caught too late: let it get ready, then make it die as a ready worker, and catch the next one
        os.kill(starting, signal.SIGCONT)
        assert wait_until(lambda pid=starting: pid in ready_workers(app).values(), 60, interval=0.005)
        before = {*before, starting}
        os.kill(starting, signal.SIGKILL)
        assert app.run(NORMAL_CODE)["status"] == "crashed"
    raise AssertionError("no replacement could be caught before it imported TensorFlow")


def test_a_worker_that_dies_while_starting_is_replaced_anyway(one_worker_small_queue: RunnerApp):
    # last in this module: with the bug, this app's only worker is gone for good
    app = one_worker_small_queue
    wait_for_a_full_pool(app)
    before = set(app.zygote_pids())
    os.kill(ready_workers(app)[0], signal.SIGKILL)
    assert app.run(NORMAL_CODE)["status"] == "crashed"  # meets the dead worker and starts its replacement
    starting = stop_a_starting_replacement(app, before)
    os.kill(starting, signal.SIGKILL)
    assert starting not in ready_workers(app).values()
    assert wait_until(lambda: app.client.get("/healthz").json()["runner"] == "ok", 15)
    wait_for_a_full_pool(app, timeout=15)
    assert starting not in app.zygote_pids()
    app.assert_still_serving()


@pytest.fixture(scope="module")
def two_runs_per_minute(migrated_template: Path):
    with started_app(migrated_template, runner_workers=1, runner_rate_per_minute=2) as app:
        yield app


def test_the_third_run_in_a_minute_answers_429_with_retry_after(two_runs_per_minute: RunnerApp):
    app = two_runs_per_minute
    for _ in range(2):
        assert app.run(NORMAL_CODE)["stdout"] == NORMAL_OUTPUT
    response = app.client.post("/api/run", json={"code": NORMAL_CODE, "mode": "graph"})
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert "wait" in response.json()["detail"]
    # another learner (no cookie yet) is not held back by the first one's runs
    app.client.cookies.clear()
    assert app.run(NORMAL_CODE)["stdout"] == NORMAL_OUTPUT
