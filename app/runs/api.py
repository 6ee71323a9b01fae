"""POST /api/run and /api/run/compare: run learner code in the sandboxed runner, never in this process."""

import asyncio

from fastapi import APIRouter, HTTPException, Request

from app.deps import LearnerId
from app.runner.client import RunnerBusy, RunnerUnavailable
from app.runner.protocol import MAX_CODE_BYTES, CompareResult, RunResult
from app.runs.schemas import CompareIn, RunIn

router = APIRouter(prefix="/api", tags=["runs"])
RETRY_AFTER_BUSY_S = 2


def _check(request: Request, learner_id: LearnerId, code: str, runs: int) -> None:
    if len(code.encode()) > MAX_CODE_BYTES:
        raise HTTPException(413, f"The code is larger than {MAX_CODE_BYTES // 1024} KB; shorten it.")
    if request.app.state.runner is None:
        raise HTTPException(503, "The code runner is not available on this server; reading and quizzes still work.")
    for _ in range(runs):
        wait = request.app.state.run_limiter.retry_after(str(learner_id))
        if wait is not None:
            raise HTTPException(429, f"You are running code very often; wait {wait} s and run again.",
                                headers={"Retry-After": str(wait)})


async def _run(request: Request, learner_id: LearnerId, body: RunIn) -> RunResult:
    try:
        result: RunResult = await request.app.state.runner.run(body)
    except RunnerBusy as error:
        raise HTTPException(503, "Every runner is busy right now; run again in a moment.",
                            headers={"Retry-After": str(RETRY_AFTER_BUSY_S)}) from error
    except RunnerUnavailable as error:
        raise HTTPException(503, "The code runner is unavailable right now; reading and quizzes still work.",
                            headers={"Retry-After": "10"}) from error
    lesson = body.lesson if body.lesson and request.app.state.content.library.get(body.lesson) else None
    request.app.state.run_recorder.add(learner_id=learner_id, lesson_slug=lesson, result=result)
    return result


@router.post("/run")
async def run_code(request: Request, body: RunIn, learner_id: LearnerId) -> RunResult:
    _check(request, learner_id, body.code, runs=1)
    return await _run(request, learner_id, body)


@router.post("/run/compare")
async def compare_code(request: Request, body: CompareIn, learner_id: LearnerId) -> CompareResult:
    _check(request, learner_id, body.code, runs=2)
    eager, graph = await asyncio.gather(
        _run(request, learner_id, RunIn(code=body.code, mode="eager", lesson=body.lesson)),
        _run(request, learner_id, RunIn(code=body.code, mode="graph", lesson=body.lesson)),
    )
    return CompareResult(eager=eager, graph=graph)
