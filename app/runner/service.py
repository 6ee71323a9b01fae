"""`tfpatterns runner serve`: a runner on its own, for web tiers on other hosts.

POST /run takes a RunRequest and answers a RunResult; GET /healthz says whether workers are up.
Every call needs `Authorization: Bearer <TFP_RUNNER_TOKEN>`; several such runners can sit behind
any HTTP load balancer (each has its own pool and answers 503 with Retry-After when full).
"""

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request

from app.runner.client import LocalRunner, RunnerBusy, RunnerUnavailable
from app.runner.protocol import MAX_CODE_BYTES, RunRequest, RunResult
from app.settings import Settings


def create_runner_app(settings: Settings) -> FastAPI:
    runner = LocalRunner(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runner.start()
        yield
        await runner.close()

    def authorized(request: Request) -> None:
        expected = f"Bearer {settings.runner_token}".encode()
        given = request.headers.get("authorization", "").encode()
        if not settings.runner_token or not hmac.compare_digest(given, expected):
            raise HTTPException(401, "A valid runner token is required (Authorization: Bearer ...).")

    app = FastAPI(title="TF Patterns runner", lifespan=lifespan, docs_url=None, redoc_url=None,
                  dependencies=[Depends(authorized)])

    @app.get("/healthz")
    async def healthz() -> dict[str, object]:
        return await runner.health()

    @app.post("/run")
    async def run(body: RunRequest) -> RunResult:
        if len(body.code.encode()) > MAX_CODE_BYTES:
            raise HTTPException(413, f"The code is larger than {MAX_CODE_BYTES // 1024} KB.")
        try:
            return await runner.run(body)
        except RunnerBusy as error:
            raise HTTPException(503, "Every worker is busy.", headers={"Retry-After": "2"}) from error
        except RunnerUnavailable as error:
            raise HTTPException(503, "No worker is running.", headers={"Retry-After": "10"}) from error

    return app
