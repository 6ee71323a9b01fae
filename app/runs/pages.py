"""The playground: a page with an editor of its own, starting points, and run or compare. It is a plain form
that the server runs and answers with the result, so it works without JavaScript."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.deps import CurrentLibrary, CurrentRunner, LearnerId, RateLimits, Templates, WholeLibrary
from app.errors import InvalidInput, RateLimited, TooLarge, Unavailable
from app.runner.protocol import RunResult
from app.runs import service, starters
from app.runs.deps import Recorder
from app.runs.schemas import RunIn
from app.wire import text_only

router = APIRouter(include_in_schema=False)


def page(request: Request, templates: Templates, library: CurrentLibrary, code: str, *, status: int = 200,
         mode: str = "graph", results: list[RunResult] | None = None, error: str | None = None,
         title: str | None = None) -> Response:
    return templates.TemplateResponse(request, "runs/playground.html", {
        "code": code, "mode": mode, "results": results or [], "error": error, "title": title,
        "knobs": starters.KNOBS, "lessons": library.in_catalog_order(),
    }, status_code=status)


@router.get("/playground")
def playground(request: Request, templates: Templates, library: CurrentLibrary,
               start: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    chosen = starters.starter(library=library, key=start) or starters.DEFAULT
    return page(request, templates, library, chosen.code, title=chosen.title)


@router.post("/playground")
async def run_in_playground(request: Request, templates: Templates, library: CurrentLibrary, whole: WholeLibrary,
                            runner: CurrentRunner, limits: RateLimits, recorder: Recorder, learner_id: LearnerId,
                            code: Annotated[str, Form(max_length=64 * 1024)] = "",
                            mode: Annotated[Literal["graph", "eager"], Form()] = "graph",
                            action: Annotated[Literal["run", "compare"], Form()] = "run") -> Response:
    try:
        text_only(code)
        admitted = service.admit(runner=runner, limits=limits, learner_id=learner_id, code=code,
                                 runs=2 if action == "compare" else 1)
        modes = ("eager", "graph") if action == "compare" else (mode,)
        results = await asyncio.gather(*(
            service.run(runner=admitted, recorder=recorder, library=whole, learner_id=learner_id,
                        request=RunIn(code=code, mode=run_mode)) for run_mode in modes))
    except (ValueError, InvalidInput, TooLarge, RateLimited, Unavailable) as error:
        status = {TooLarge: 413, RateLimited: 429, Unavailable: 503}.get(type(error), 422)
        message = "Your code holds a character that is not text; remove it and run again." if isinstance(
            error, ValueError) else str(error)
        response = page(request, templates, library, code, mode=mode, error=message, status=status)
        if isinstance(error, RateLimited | Unavailable):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    return page(request, templates, library, code, mode=mode, results=list(results))
