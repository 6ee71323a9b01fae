"""A pool of warm zygote processes, driven from the web process (which never imports TensorFlow).

Each zygote takes one job at a time. Jobs wait in a bounded queue; when it is full the caller
is told at once (RunnerBusy) instead of hanging. A zygote that dies or stops answering is killed
and replaced in the background; the job it had is reported as crashed.
"""

import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from app.runner.protocol import FRAME_HEADER, RunLimits, RunRequest, RunResult, encode_frame
from app.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)
READY_TIMEOUT_S = 120.0
# oneDNN stays on, as under a plain `python main.py` (off, floats differ in the last digits), but with the
# system allocator: oneDNN's BFC allocator retries a failed huge allocation for 10 s, past the time limit,
# instead of raising ResourceExhaustedError at once. C++ INFO lines are hidden (and see learner_stderr).
ZYGOTE_ENV = {"TF_CPP_MIN_LOG_LEVEL": "1", "TF_ONEDNN_USE_SYSTEM_ALLOCATOR": "1", "MALLOC_ARENA_MAX": "2",
              "PYTHONDONTWRITEBYTECODE": "1"}
# Workers get only these from the web process's environment: secrets such as TFP_SECRET_KEY must not
# even be in their memory, where a run (a fork of the worker) could find them.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH")
RESPAWN_BACKOFF_S = (1, 2, 5, 10, 30)


def worker_env() -> dict[str, str]:
    return {**{k: os.environ[k] for k in INHERITED_ENV if k in os.environ}, **ZYGOTE_ENV}


class RunnerBusy(Exception):
    """Every worker is busy and the queue is full; try again shortly."""


class RunnerUnavailable(Exception):
    """No runner can take jobs (not started, or all workers down)."""


@dataclass
class Zygote:
    slot: int
    process: asyncio.subprocess.Process
    layers: dict[str, str] = field(default_factory=dict)

    async def send(self, payload: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(encode_frame(payload))
        await self.process.stdin.drain()

    async def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        (size,) = FRAME_HEADER.unpack(await self.process.stdout.readexactly(FRAME_HEADER.size))
        result: dict[str, Any] = json.loads(await self.process.stdout.readexactly(size))
        return result

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


class RunnerPool:
    def __init__(self, *, workers: int, limits: RunLimits, hidden_paths: list[str], max_queue: int,
                 kept_paths: list[str] | None = None) -> None:
        self.size = workers
        self.limits = limits
        self.hidden_paths = hidden_paths
        self.kept_paths = kept_paths or []
        self.max_queue = max_queue
        self.idle: asyncio.Queue[Zygote] = asyncio.Queue()
        self.waiting = 0
        self.alive: dict[int, Zygote] = {}
        self.layers: dict[str, str] = {}
        self.tensorflow = ""  # the version the workers imported, from their first hello
        self.restarts = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def _spawn(self, slot: int) -> Zygote:
        command = [sys.executable, "-m", "app.runner.zygote", "--slot", str(slot),
                   "--memory-mb", str(self.limits.memory_mb), "--processes", str(self.limits.processes),
                   "--cpu-s", str(self.limits.cpu_s), "--file-bytes", str(self.limits.file_bytes)]
        for path in self.hidden_paths:
            command += ["--hide", path]
        for path in self.kept_paths:
            command += ["--keep", path]
        process = await asyncio.create_subprocess_exec(
            *command, cwd=PROJECT_ROOT, env=worker_env(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        zygote = Zygote(slot=slot, process=process)
        try:
            hello = await asyncio.wait_for(zygote.receive(), READY_TIMEOUT_S)
        except (asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            zygote.kill()
            raise RunnerUnavailable(f"runner worker {slot} did not start: {error!r}") from error
        zygote.layers = hello.get("layers", {})
        self.layers = zygote.layers
        self.tensorflow = str(hello.get("tensorflow", ""))
        self.alive[slot] = zygote
        return zygote

    async def start(self) -> None:
        started = time.monotonic()
        zygotes = await asyncio.gather(*(self._spawn(slot) for slot in range(self.size)))
        for zygote in zygotes:
            self.idle.put_nowait(zygote)
        logger.info("runner pool: %d warm workers in %.1f s; layers: %s", len(zygotes),
                    time.monotonic() - started, self.layers)

    def _replace(self, zygote: Zygote) -> None:
        zygote.kill()
        self.alive.pop(zygote.slot, None)
        self.restarts += 1
        if self._closed:
            return

        async def respawn() -> None:
            attempt = 0
            while not self._closed:
                try:
                    self.idle.put_nowait(await self._spawn(zygote.slot))
                    return
                except (RunnerUnavailable, OSError):
                    delay = RESPAWN_BACKOFF_S[min(attempt, len(RESPAWN_BACKOFF_S) - 1)]
                    logger.exception("runner worker %d could not be replaced; retrying in %d s", zygote.slot, delay)
                    attempt += 1
                    await asyncio.sleep(delay)

        task = asyncio.get_running_loop().create_task(respawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, request: RunRequest) -> RunResult:
        """Run one job on the next free worker; RunnerBusy at once if the queue is full."""
        if not self.alive and not self._tasks:
            raise RunnerUnavailable("The code runner is not running.")
        if self.waiting >= self.max_queue:
            raise RunnerBusy("Every runner is busy.")
        self.waiting += 1
        try:
            zygote = await asyncio.wait_for(self.idle.get(), self.limits.timeout_s * 3)
        except TimeoutError as error:
            raise RunnerBusy("No runner became free in time.") from error
        finally:
            self.waiting -= 1
        job = {"code": request.code, "mode": request.mode, "limits": self.limits.model_dump()}
        try:
            await zygote.send(job)
            reply = await asyncio.wait_for(zygote.receive(), self.limits.timeout_s + 15)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ValueError) as error:
            logger.warning("runner worker %d failed during a run (%r); replacing it", zygote.slot, error)
            self._replace(zygote)
            return RunResult(status="crashed", mode=request.mode, error={
                "type": "RunnerCrashed", "message": "The runner process died during this run; it has been "
                "replaced. Run the code again.", "line": None, "traceback": ""})
        except BaseException:
            self._replace(zygote)
            raise
        self.idle.put_nowait(zygote)
        return RunResult.model_validate(reply)

    def health(self) -> dict[str, Any]:
        return {"workers": self.size, "alive": len(self.alive), "idle": self.idle.qsize(),
                "queued": self.waiting, "restarts": self.restarts, "layers": self.layers,
                "tensorflow": self.tensorflow}

    async def close(self) -> None:
        self._closed = True
        for zygote in list(self.alive.values()):
            if zygote.process.stdin:
                zygote.process.stdin.close()  # end of jobs: the zygote cleans up and exits
            try:
                await asyncio.wait_for(zygote.process.wait(), 3)
            except TimeoutError:
                zygote.kill()
                await zygote.process.wait()
        self.alive.clear()
