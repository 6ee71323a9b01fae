"""The playground: a page with an editor of its own, starting points, and run or compare. It is a plain form
that the server runs and answers with the result, so it works without JavaScript."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.content.schema import Lesson, Question
from app.deps import CurrentLesson, CurrentLibrary, CurrentRunner, LearnerId, RateLimits, Templates, WholeLibrary
from app.errors import InvalidInput, NotFound, RateLimited, TooLarge, Unavailable
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


def predictions(lesson: Lesson) -> list[Question]:
    """The lesson's "what does this print" questions, practice first, as one sequence."""
    return [q for q in (*lesson.practice, *lesson.test_bank) if q.predicts_output]


def predict_page(request: Request, templates: Templates, lesson: Lesson, index: int, *, status: int = 200,
                 chosen: str | None = None, result: RunResult | None = None, error: str | None = None) -> Response:
    questions = predictions(lesson)
    return templates.TemplateResponse(request, "runs/predict.html", {
        "lesson": lesson, "questions": questions, "index": index, "question": questions[index] if questions else None,
        "chosen": chosen, "result": result, "error": error,
    }, status_code=status)


@router.get("/lessons/{slug}/predict")
def predict(request: Request, templates: Templates, lesson: CurrentLesson,
            n: Annotated[int, Query(ge=1, le=100)] = 1) -> Response:
    """Predict the output: one of the lesson's output questions; the learner predicts, then runs it."""
    count = len(predictions(lesson))
    return predict_page(request, templates, lesson, min(n, max(count, 1)) - 1)


@router.post("/lessons/{slug}/predict/{question_id}")
async def run_prediction(request: Request, templates: Templates, lesson: CurrentLesson, question_id: str,
                         whole: WholeLibrary, runner: CurrentRunner, limits: RateLimits, recorder: Recorder,
                         learner_id: LearnerId, choice: Annotated[str | None, Form(max_length=8)] = None) -> Response:
    """Run the question's code in the sandbox and show what it printed beside the prediction."""
    questions = predictions(lesson)
    index = next((i for i, q in enumerate(questions) if q.id == question_id), None)
    if index is None:
        raise NotFound(f"Lesson '{lesson.slug}' has no predict-the-output question '{question_id}'.")
    question = questions[index]
    if choice not in question.choice_keys():
        return predict_page(request, templates, lesson, index, status=422,
                            error="Choose the output you predict, then run the code.")
    try:
        admitted = service.admit(runner=runner, limits=limits, learner_id=learner_id, code=question.code or "",
                                 runs=1)
        result = await service.run(runner=admitted, recorder=recorder, library=whole, learner_id=learner_id,
                                   request=RunIn(code=question.code or "", mode=lesson.mode, lesson=lesson.slug))
    except (RateLimited, Unavailable) as error:
        response = predict_page(request, templates, lesson, index, status=429 if isinstance(error, RateLimited)
                                else 503, chosen=choice, error=str(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return predict_page(request, templates, lesson, index, chosen=choice, result=result)
