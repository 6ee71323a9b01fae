"""POST /api/run and /api/run/compare: run learner code in the sandboxed runner, never in this process."""

import asyncio

from fastapi import APIRouter

from app.deps import CurrentRunner, LearnerId, RateLimits, WholeLibrary
from app.runner.protocol import CompareResult, RunResult
from app.runs import service
from app.runs.deps import Recorder
from app.runs.schemas import CompareIn, RunIn
from app.web.openapi import errors

router = APIRouter(prefix="/api", tags=["runs"])


@router.post("/run", responses=errors(429))
async def run_code(body: RunIn, runner: CurrentRunner, limits: RateLimits, recorder: Recorder,
                   library: WholeLibrary, learner_id: LearnerId) -> RunResult:
    """Run the code as `python main.py` would, in graph or eager mode, and report what each tf.function did."""
    admitted = service.admit(runner=runner, limits=limits, learner_id=learner_id, code=body.code, runs=1)
    return await service.run(runner=admitted, recorder=recorder, library=library, learner_id=learner_id,
                             request=body)


@router.post("/run/compare", responses=errors(429))
async def compare_code(body: CompareIn, runner: CurrentRunner, limits: RateLimits, recorder: Recorder,
                       library: WholeLibrary, learner_id: LearnerId) -> CompareResult:
    """Run the code in both modes at once, to see what graph execution changes."""
    admitted = service.admit(runner=runner, limits=limits, learner_id=learner_id, code=body.code, runs=2)
    eager, graph = await asyncio.gather(*(
        service.run(runner=admitted, recorder=recorder, library=library, learner_id=learner_id,
                    request=RunIn(code=body.code, mode=mode, lesson=body.lesson))
        for mode in ("eager", "graph")))
    return CompareResult(eager=eager, graph=graph)
