"""GET /healthz: can the database be written to, can code be run."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.db import database_state

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """`db` is "ok", "busy", "full", "read-only" or "error"; anything but "ok" (or "busy": writes wait, then
    work) is a 503, as answers cannot be saved."""
    db = await run_in_threadpool(database_state, request.app.state.engine)
    runner = request.app.state.runner
    runner_state = (await runner.health())["status"] if runner is not None else "down"
    healthy = db in ("ok", "busy")
    body = {"status": "ok" if healthy else "error", "db": db, "runner": runner_state}
    return JSONResponse(body, status_code=200 if healthy else 503)
