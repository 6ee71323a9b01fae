"""GET /healthz: is the database reachable, can code be run."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

router = APIRouter()


def _db_ok(request: Request) -> bool:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    db = "ok" if await run_in_threadpool(_db_ok, request) else "error"
    runner = request.app.state.runner
    runner_state = (await runner.health())["status"] if runner is not None else "down"
    body = {"status": "ok" if db == "ok" else "error", "db": db, "runner": runner_state}
    return JSONResponse(body, status_code=200 if db == "ok" else 503)
