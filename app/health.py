"""GET /healthz: can the database be written to, can code be run."""

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.db import database_state
from app.deps import CurrentRunner, DbEngine

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok", "error"]
    db: Literal["ok", "busy", "full", "read-only", "error"] = Field(
        description='"busy": writes wait, then work; anything but "ok" or "busy" means answers cannot be saved.')
    runner: Literal["ok", "starting", "down"] = Field(
        description='"starting" while the workers import TensorFlow after a start; pages are served meanwhile.')


@router.get("/healthz", responses={503: {"model": Health, "description": "The database cannot save answers."}})
async def healthz(response: Response, engine: DbEngine, runner: CurrentRunner) -> Health:
    """Whether answers can be saved and code can be run; 503 when the database cannot save answers."""
    db = await run_in_threadpool(database_state, engine)
    runner_state = (await runner.health())["status"] if runner is not None else "down"
    healthy = db in ("ok", "busy")
    response.status_code = 200 if healthy else 503
    return Health(status="ok" if healthy else "error", db=db, runner=runner_state)
