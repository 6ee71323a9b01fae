"""HTML pages for learners. Every form works without JavaScript; with it, the practice panel
is swapped in place from the same `_practice.html` fragment (requested with `X-Fragment`)."""

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from app.content.schema import Lesson, Question
from app.deps import (
    AppSettings,
    Content,
    CurrentLesson,
    CurrentLibrary,
    DbSession,
    IsAuthor,
    LearnerId,
    Templates,
    viewer_is_author,
)
from app.errors import InvalidInput, NotFound
from app.learning import events, practice, progress, quiz, review
from app.learning.schemas import Feedback

router = APIRouter(include_in_schema=False)


def render(templates: Jinja2Templates, request: Request, template: str, context: dict[str, Any],
           status: int = 200) -> Response:
    return templates.TemplateResponse(request, template, context, status_code=status)


def is_fragment(request: Request) -> bool:
    return request.headers.get("x-fragment") == "practice"


@dataclass
class PracticePanel:
    """What the practice panel shows: one question (asked or answered), or the finished summary."""

    lesson: Lesson
    index: int | None
    answered: int
    correct_first: int
    question: Question | None = None
    latest: progress.Answer | None = None
    feedback: Feedback | None = None
    error: str | None = None
    chosen: str | None = None

    @property
    def total(self) -> int:
        return len(self.lesson.practice)

    @property
    def number(self) -> int:
        return (self.index or 0) + 1

    @property
    def next_index(self) -> int | None:
        if self.index is not None and self.index + 1 < self.total:
            return self.index + 1
        return None


def practice_panel(*, activity: progress.LessonActivity, q: int | None = None, retry: bool = False,
                   error: str | None = None, chosen: str | None = None,
                   scored: Feedback | None = None) -> PracticePanel:
    """`scored`: the feedback of the answer just recorded, so it is shown as scored, not scored again."""
    lesson = activity.lesson
    first, latest = activity.first, activity.latest
    practice_ids = [question.id for question in lesson.practice]
    answered = sum(1 for qid in practice_ids if qid in first)
    correct_first = sum(1 for qid in practice_ids if qid in first and first[qid].correct)
    if q is None or not 1 <= q <= len(practice_ids):
        index = next((i for i, qid in enumerate(practice_ids) if qid not in latest), None)
    else:
        index = q - 1
    panel = PracticePanel(lesson=lesson, index=index, answered=answered, correct_first=correct_first,
                          error=error, chosen=chosen)
    if index is not None:
        panel.question = lesson.practice[index]
        answer = latest.get(panel.question.id)
        if answer is not None and not retry and error is None:
            panel.latest = answer
            panel.feedback = scored if scored is not None else Feedback.of(panel.question, answer.choice)
    return panel


def practice_view(*, db: DbSession, learner_id: LearnerId, lesson: Lesson, page: bool, q: int | None = None,
                  retry: bool = False, error: str | None = None, chosen: str | None = None,
                  scored: Feedback | None = None) -> dict[str, Any]:
    """The context for the lesson page (page=True) or for the practice fragment alone."""
    activity = progress.lesson_activity(db=db, learner_id=learner_id, lesson=lesson)
    context: dict[str, Any] = {
        "lesson": lesson,
        "panel": practice_panel(activity=activity, q=q, retry=retry, error=error, chosen=chosen, scored=scored),
    }
    if page:
        context["progress"] = activity.progress()
    return context


@router.get("/")
def catalog(request: Request, templates: Templates, content: Content, library: CurrentLibrary, db: DbSession,
            learner_id: LearnerId) -> Response:
    lessons = library.in_catalog_order()
    by_slug = {p.slug: p for p in progress.progress(db=db, learner_id=learner_id, lessons=lessons)}
    author_problems = content.snapshot.problems if viewer_is_author(request) else ()
    queue = review.queue(db=db, learner_id=learner_id, library=library)
    return render(templates, request, "catalog/index.html", {"topics": library.topics(), "progress": by_slug,
                                                            "author_problems": author_problems, "review": queue})


@router.get("/lessons/{slug}")
def lesson_page(request: Request, templates: Templates, content: Content, lesson: CurrentLesson, db: DbSession,
                learner_id: LearnerId,
                q: Annotated[int | None, Query(ge=1, le=100)] = None, retry: bool = False) -> Response:
    events.record_lesson_open(db=db, learner_id=learner_id, lesson=lesson)
    review.add_lesson_cards(db=db, learner_id=learner_id, lesson=lesson)
    context = practice_view(db=db, learner_id=learner_id, lesson=lesson, page=True, q=q, retry=retry)
    info = content.info(lesson.slug)
    if info is not None and info.problems and not viewer_is_author(request):
        info = replace(info, problems=())
    return render(templates, request, "lessons/lesson.html", {**context, "info": info})


@router.get("/lessons/{slug}/recap")
def recap_page(request: Request, templates: Templates, lesson: CurrentLesson) -> Response:
    """The lesson on one printable screen: summary, key syntax, what each example shows, costs and pitfalls."""
    return render(templates, request, "lessons/recap.html", {
        "lesson": lesson, "summary": lesson.section("summary"), "syntax": lesson.section("syntax")})


@router.get("/lessons/{slug}/practice")
def practice_fragment(request: Request, templates: Templates, lesson: CurrentLesson, db: DbSession,
                      learner_id: LearnerId,
                      q: Annotated[int | None, Query(ge=1, le=100)] = None, retry: bool = False) -> Response:
    if not is_fragment(request):
        params = {"q": q, "retry": 1 if retry else None}
        query = urlencode({k: v for k, v in params.items() if v})
        return RedirectResponse(f"/lessons/{lesson.slug}{'?' + query if query else ''}#practice", status_code=303)
    context = practice_view(db=db, learner_id=learner_id, lesson=lesson, page=False, q=q, retry=retry)
    return render(templates, request, "lessons/_practice.html", context)


@router.post("/lessons/{slug}/practice/{question_id}")
def answer_practice_form(request: Request, templates: Templates, lesson: CurrentLesson, question_id: str, db: DbSession,
                         learner_id: LearnerId, choice: Annotated[str | None, Form()] = None) -> Response:
    question = practice.practice_question(lesson=lesson, question_id=question_id)
    number = lesson.practice.index(question) + 1
    try:
        if not choice:
            raise InvalidInput("Choose one of the options, then check your answer.")
        feedback = practice.record_answer(db=db, learner_id=learner_id, lesson=lesson, question_id=question_id,
                                          choice=choice)
    except InvalidInput as error:
        db.rollback()
        fragment = is_fragment(request)
        context = practice_view(db=db, learner_id=learner_id, lesson=lesson, page=not fragment, q=number,
                                error=str(error), chosen=choice)
        template = "lessons/_practice.html" if fragment else "lessons/lesson.html"
        return render(templates, request, template, context, status=422)
    if is_fragment(request):
        db.flush()  # the panel's counts include this answer
        context = practice_view(db=db, learner_id=learner_id, lesson=lesson, page=False, q=number, scored=feedback)
        return render(templates, request, "lessons/_practice.html", context)
    return RedirectResponse(f"/lessons/{lesson.slug}?q={number}#practice", status_code=303)


@router.post("/lessons/{slug}/reset")
def reset_lesson_form(lesson: CurrentLesson, db: DbSession, learner_id: LearnerId) -> Response:
    progress.reset_lesson(db=db, learner_id=learner_id, lesson=lesson)
    return RedirectResponse(f"/lessons/{lesson.slug}#practice", status_code=303)


@router.get("/lessons/{slug}/test")
def test_page(request: Request, templates: Templates, lesson: CurrentLesson, db: DbSession,
              learner_id: LearnerId) -> Response:
    draw = quiz.draw_test(db=db, learner_id=learner_id, lesson=lesson)
    return render(templates, request, "lessons/test.html", {
        "lesson": lesson, "draw": draw, "questions": draw.questions(lesson), "answers": {},
        "nothing_answered": False})


@router.post("/lessons/{slug}/test")
async def submit_test_form(request: Request, templates: Templates, lesson: CurrentLesson, db: DbSession,
                           learner_id: LearnerId) -> Response:
    form = await request.form()
    draw_id = str(form.get("draw", ""))
    draw = await run_in_threadpool(
        lambda: quiz.stored_draw(db=db, learner_id=learner_id, lesson=lesson, draw_id=int(draw_id))
    ) if draw_id.isdigit() else None
    if draw is None:
        raise InvalidInput("This test form is out of date; open the test again to get a fresh set of questions.")
    answers = {qid: str(form[f"q-{qid}"]) for qid in draw.question_ids if form.get(f"q-{qid}")}
    if not answers:
        return render(templates, request, "lessons/test.html", {
            "lesson": lesson, "draw": draw, "questions": draw.questions(lesson), "answers": {},
            "nothing_answered": True,
        }, status=422)
    _, attempt_id = await run_in_threadpool(
        lambda: quiz.grade_test(db=db, learner_id=learner_id, lesson=lesson, answers=answers, draw=draw))
    return RedirectResponse(f"/lessons/{lesson.slug}/test/attempts/{attempt_id}", status_code=303)


@router.get("/lessons/{slug}/test/attempts/{attempt_id}")
def test_result_page(request: Request, templates: Templates, lesson: CurrentLesson, attempt_id: int, db: DbSession,
                     learner_id: LearnerId) -> Response:
    attempt = quiz.stored_attempt(db=db, learner_id=learner_id, lesson=lesson, attempt_id=attempt_id)
    return render(templates, request, "lessons/test_result.html", {
        "lesson": lesson, "attempt": attempt, "result": quiz.result_of(attempt, lesson),
        "review": quiz.review_of(attempt, lesson), "pass_ratio": progress.PASS_RATIO,
    })


@router.get("/lessons/{slug}/flashcards")
def flashcards_page(request: Request, templates: Templates, lesson: CurrentLesson, db: DbSession,
                    learner_id: LearnerId, card: Annotated[int, Query(ge=1, le=500)] = 1,
                    side: Literal["front", "back"] = "front") -> Response:
    """The lesson's deck one card at a time: the front, then the back with again / hard / good / easy."""
    review.add_lesson_cards(db=db, learner_id=learner_id, lesson=lesson)
    index = min(card, max(len(lesson.flashcards), 1)) - 1
    shown = lesson.flashcards[index] if lesson.flashcards else None
    return render(templates, request, "lessons/flashcards.html", {
        "lesson": lesson, "card": shown, "index": index, "side": side,
        "item_id": review.card_item_id(lesson, shown) if shown else None,
        "next_url": (f"/lessons/{lesson.slug}/flashcards?card={index + 2}" if index + 1 < len(lesson.flashcards)
                     else f"/lessons/{lesson.slug}/flashcards?card={len(lesson.flashcards)}&side=back&done=1"),
        "done": request.query_params.get("done") == "1",
    })


@router.get("/review")
def review_page(request: Request, templates: Templates, library: CurrentLibrary, db: DbSession,
                learner_id: LearnerId, show: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    """Spaced review across every lesson: the next due card or question."""
    queue = review.queue(db=db, learner_id=learner_id, library=library)
    return render(templates, request, "review/review.html", {
        "queue": queue, "due": queue.due[0] if queue.due else None, "show": show, "feedback": None})


@router.post("/review/{item_id}")
def review_form(request: Request, templates: Templates, library: CurrentLibrary, item_id: str, db: DbSession,
                learner_id: LearnerId, rating: Annotated[str | None, Form(max_length=10)] = None,
                choice: Annotated[str | None, Form(max_length=8)] = None,
                next: Annotated[str, Form(max_length=300)] = "/review") -> Response:
    try:
        done = review.review(db=db, learner_id=learner_id, library=library, item_id=item_id, rating=rating,
                             choice=choice)
    except InvalidInput as error:
        db.rollback()
        return render(templates, request, "review/review.html", {
            "queue": review.queue(db=db, learner_id=learner_id, library=library), "show": item_id, "feedback": None,
            "due": review.find(db=db, learner_id=learner_id, library=library, item_id=item_id),
            "error": str(error)}, status=422)
    if done.feedback is not None:  # a question: show how it went before moving on
        db.flush()  # the queue below counts this item at its new due time
        queue = review.queue(db=db, learner_id=learner_id, library=library)
        return render(templates, request, "review/review.html", {
            "queue": queue, "due": review.find(db=db, learner_id=learner_id, library=library, item_id=item_id),
            "show": item_id, "feedback": done.feedback, "chosen": choice, "next_due_at": done.next_due_at})
    target = next if next.startswith("/") and not next.startswith("//") else "/review"
    return RedirectResponse(target, status_code=303)


@router.get("/authoring/version")
async def content_version(content: Content, settings: AppSettings, is_author: IsAuthor) -> dict[str, int]:
    """What an author's open page polls in `serve --reload` mode, to refresh the moment a lesson is saved."""
    if not is_author or not settings.authoring:
        raise NotFound("Live reload is on only when the server runs with `tfpatterns serve --reload`.")
    return {"version": content.version}
