"""How the web process reaches a runner: a local pool of zygotes, or a remote `tfpatterns runner serve`.

Both answer `run(request) -> RunResult` and `health()`, so the web code does not know which it has.
"""

import asyncio
import logging
import time
from typing import Any, Protocol

import httpx2

from app.runner.pool import RunnerBusy, RunnerPool, RunnerUnavailable
from app.runner.protocol import RunLimits, RunRequest, RunResult
from app.settings import PROJECT_ROOT, Settings

__all__ = ["LocalRunner", "RemoteRunner", "Runner", "RunnerBusy", "RunnerStarting", "RunnerUnavailable",
           "make_runner"]
logger = logging.getLogger(__name__)


class RunnerStarting(RunnerUnavailable):
    """The workers are still importing TensorFlow; runs are taken once they are warm."""


class Runner(Protocol):
    async def start(self) -> None: ...
    def start_in_background(self) -> None: ...
    async def run(self, request: RunRequest) -> RunResult: ...
    async def health(self) -> dict[str, Any]: ...
    async def close(self) -> None: ...


def limits_from(settings: Settings) -> RunLimits:
    return RunLimits(timeout_s=settings.runner_timeout_s, cpu_s=max(1, int(settings.runner_timeout_s)),
                     memory_mb=settings.runner_memory_mb, output_bytes=settings.runner_output_bytes,
                     processes=settings.runner_processes)


def hidden_paths(settings: Settings) -> list[str]:
    """Folders a run must not see: the app's data (database, secret key) and home folders."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    paths = [str(PROJECT_ROOT / "data"), "/root", "/home"]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        paths.append(str(Path(url.database).resolve().parent))
    return paths


def kept_paths() -> list[str]:
    """Folders a run needs even inside hidden ones: Python itself and its packages."""
    import site
    import sys

    return [sys.prefix, sys.base_prefix, *site.getsitepackages()]


class LocalRunner:
    def __init__(self, settings: Settings) -> None:
        self.pool = RunnerPool(workers=settings.runner_workers, limits=limits_from(settings),
                               hidden_paths=hidden_paths(settings), kept_paths=kept_paths(),
                               max_queue=settings.runner_queue)
        self._warming: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.pool.start()

    def start_in_background(self) -> None:
        """Warm the workers while the web server already serves pages; /healthz says "starting" meanwhile."""

        async def warm() -> None:
            started = time.monotonic()
            logger.info("runner pool: starting %d worker(s); each imports TensorFlow (seconds to a minute)",
                        self.pool.size)
            try:
                await self.pool.start()
            except RunnerUnavailable:
                logger.exception("the code runner did not start after %.1f s; runs will answer 503",
                                 time.monotonic() - started)
                raise

        self._warming = asyncio.get_running_loop().create_task(warm())

    def _still_warming(self) -> bool:
        return self._warming is not None and not self._warming.done()

    async def run(self, request: RunRequest) -> RunResult:
        if self._still_warming():
            raise RunnerStarting("The runner workers are still starting.")
        return await self.pool.run(request)

    async def health(self) -> dict[str, Any]:
        state = self.pool.health()
        if self._still_warming():
            return {"status": "starting", **state}
        return {"status": "ok" if state["alive"] else "down", **state}

    async def close(self) -> None:
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
        if self._warming is not None:
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.pool.close()


class RemoteRunner:
    """A runner on another host (or behind a load balancer), spoken to over HTTP with a shared token."""

    def __init__(self, settings: Settings) -> None:
        self.client = httpx2.AsyncClient(
            base_url=settings.runner_url.rstrip("/"),
            headers={"Authorization": f"Bearer {settings.runner_token}"},
            timeout=settings.runner_timeout_s + 20,
        )

    async def start(self) -> None:
        return None

    def start_in_background(self) -> None:
        return None

    async def run(self, request: RunRequest) -> RunResult:
        try:
            response = await self.client.post("/run", json=request.model_dump())
        except httpx2.HTTPError as error:
            raise RunnerUnavailable(f"The remote runner did not answer: {error}") from error
        if response.status_code in (429, 503):
            raise RunnerBusy("The remote runner is busy.")
        if response.status_code != 200:
            raise RunnerUnavailable(f"The remote runner answered {response.status_code}.")
        return RunResult.model_validate(response.json())

    async def health(self) -> dict[str, Any]:
        try:
            response = await asyncio.wait_for(self.client.get("/healthz"), 5)
            return dict(response.json()) if response.status_code == 200 else {"status": "down"}
        except (httpx2.HTTPError, TimeoutError, ValueError):
            return {"status": "down"}

    async def close(self) -> None:
        await self.client.aclose()


def make_runner(settings: Settings) -> Runner | None:
    """The runner the settings ask for; None when runs are switched off (TFP_RUNNER_WORKERS=0, no URL)."""
    if settings.runner_url:
        return RemoteRunner(settings)
    if settings.runner_workers > 0:
        return LocalRunner(settings)
    return None
