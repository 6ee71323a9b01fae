"""Fixtures for the sandboxed runner, driven through the real HTTP API.

One app with a started pool of warm workers is shared by the whole session (starting one costs a few
seconds); the pool, queue and rate-limit tests build small apps of their own. Each app keeps its SQLite
database in a fresh folder under /var/tmp, made world-readable like a real data folder, so that only
the runner's hiding (not file modes, and not the private /tmp every run gets) keeps runs away from it.
That folder's unique name also appears in every zygote's command line (`--hide ...`), which tells our
sandbox processes apart from those of other runner pools on the same host.
"""

import os
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.runner.sandbox import RUN_PROCESS_NAME, SANDBOX_UID_BASE
from app.settings import PROJECT_ROOT, Settings

FIXTURE_CONTENT = PROJECT_ROOT / "tests" / "fixtures" / "content"
NORMAL_CODE = "import tensorflow as tf\nx = tf.constant(3)\nprint(x + 4)\n"
NORMAL_OUTPUT = "tf.Tensor(7, shape=(), dtype=int32)\n"
TIMEOUT_S = 5.0
WORKERS = 2
# Put in the web process's environment while the zygotes start, as a deployment that configures the
# app through TFP_* variables would: a run must never be able to read it.
SECRET_ENV = {"TFP_SECRET_KEY": "tfp-secret-" + secrets.token_hex(12)}


@dataclass
class RunnerApp:
    app: FastAPI
    client: TestClient
    settings: Settings
    data_dir: Path  # holds the database; unique, so it also marks this app's sandbox processes

    def run(self, code: str, mode: str = "graph", expect_http: int = 200) -> dict[str, Any]:
        response = self.client.post("/api/run", json={"code": code, "mode": mode})
        assert response.status_code == expect_http, response.text
        body: dict[str, Any] = response.json()
        return body

    def run_ok(self, code: str, mode: str = "graph") -> dict[str, Any]:
        body = self.run(code, mode)
        assert body["status"] == "ok", body
        return body

    def assert_still_serving(self) -> None:
        """The next ordinary run answers correctly, on every worker."""
        for _ in range(self.settings.runner_workers):
            body = self.run(NORMAL_CODE)
            assert (body["status"], body["stdout"], body["error"]) == ("ok", NORMAL_OUTPUT, None), body

    def sandbox_processes(self) -> list[dict[str, Any]]:
        return sandbox_processes(str(self.data_dir), self.settings.runner_workers)

    def zygote_pids(self) -> list[int]:
        """The pool's zygotes: children of this test process running app.runner.zygote for this app."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
            if ppid == os.getpid() and "app.runner.zygote" in cmdline and str(self.data_dir) in cmdline:
                pids.append(int(entry.name))
        return sorted(pids)


def sandbox_processes(marker: str, workers: int) -> list[dict[str, Any]]:
    """Live processes of runs (named tfp-run; not the idle child each worker prepares for its next run),
    owned by a sandbox uid, whose command line contains `marker`."""
    uids = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + workers)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            if (entry / "comm").read_text().strip() != RUN_PROCESS_NAME.decode():
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        state = fields.get("State", "").strip()
        if uid in uids and marker in cmdline and not state.startswith("Z"):
            found.append({"pid": int(entry.name), "uid": uid, "state": state, "cmdline": cmdline})
    return found


def kill_processes(processes: list[dict[str, Any]]) -> None:
    """Clean up after a test that proved a process escaped: kill exactly those pids."""
    for process in processes:
        with suppress(ProcessLookupError):
            os.kill(process["pid"], signal.SIGKILL)


def wait_until(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextmanager
def started_app(template: Path, env: dict[str, str] | None = None, **overrides: Any) -> Iterator[RunnerApp]:
    data_dir = Path(tempfile.mkdtemp(prefix="tfp-runner-tests-", dir="/var/tmp"))
    database = data_dir / "tfpatterns.sqlite3"
    shutil.copyfile(template, database)
    data_dir.chmod(0o755)
    database.chmod(0o644)
    options: dict[str, Any] = {
        "database_url": f"sqlite:///{database}", "content_dir": FIXTURE_CONTENT, "secret_key": "t",
        "runner_workers": WORKERS, "runner_timeout_s": TIMEOUT_S, "runner_rate_per_minute": 100000,
        "runner_memory_mb": 1024,
    }
    options.update(overrides)
    settings = Settings(**options)
    app = create_app(settings)
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    try:
        client = TestClient(app)
        client.__enter__()  # the lifespan starts the pool; the zygotes inherit the environment now
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        # the app may start its pool in the background ("starting") and answer meanwhile
        assert wait_until(lambda: client.get("/healthz").json()["runner"] != "starting", 120, interval=0.2)
        health = client.get("/healthz").json()
        assert health["runner"] == "ok", f"the runner pool did not start: {health}"
        yield RunnerApp(app=app, client=client, settings=settings, data_dir=data_dir)
    finally:
        client.__exit__(None, None, None)
        app.state.engine.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def runner(migrated_template: Path) -> Iterator[RunnerApp]:
    """The shared app: 2 warm workers, 5 s per run, 1 GB per run, no rate limit to speak of."""
    with started_app(migrated_template, env=SECRET_ENV) as started:
        yield started
