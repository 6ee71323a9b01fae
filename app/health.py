"""GET /healthz: is the database reachable, is a runner there."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        db = "ok"
    except Exception:
        db = "error"
    runner = "down"  # no runner is wired in yet; /api/run arrives with the runner.
    status = "ok" if db == "ok" else "error"
    return JSONResponse({"status": status, "db": db, "runner": runner}, status_code=200 if db == "ok" else 503)
