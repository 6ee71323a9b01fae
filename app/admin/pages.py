"""The admin dashboard: overview, lessons, questions, runs and learners, and every table as CSV.

Admins see everything. Authors see the question statistics, which name no learner. Each route parses and
authorizes, reads its figures (app/admin/queries.py; the slow aggregates through the figures store,
app/admin/figures.py), and renders templates/admin/, or one of its tables as CSV (`?format=csv&table=`).
"""

import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import service
from app.admin import charts, queries
from app.admin.deps import CurrentDashboard, Dashboard
from app.admin.schemas import LessonFigures, Overview
from app.admin.tables import Column, Link, Table, duration, percent, pick
from app.content.library import Library
from app.content.schema import Lesson
from app.deps import AdminAccount, AuthorAccount, CurrentLibrary, CurrentRunner, DbSession
from app.errors import InvalidInput, NotFound
from app.identity import ROLES, Account
from app.learning import progress
from app.runner.client import Runner
from app.timeutil import utcnow
from app.web.openapi import errors

router = APIRouter()

T = TypeVar("T")
Format = Annotated[Literal["html", "csv"], Query(description="csv: one of the page's tables as CSV")]
TableName = Annotated[str | None, Query(max_length=60)]
Fresh = Annotated[bool, Query(description="compute every figure now instead of reusing a kept one")]
PER_PAGE = 50
RUN_WINDOWS = (1, 7, 30, 90, 365)
SECTIONS = (("overview", "/admin", "Overview"), ("lessons", "/admin/lessons", "Lessons"),
            ("questions", "/admin/questions", "Questions"), ("runs", "/admin/runs", "Runs"),
            ("learners", "/admin/learners", "Learners"))
AUTHOR_SECTIONS = ("questions",)


class Stats:
    """The slow aggregates of one request, through the app's figures store."""

    def __init__(self, dashboard: Dashboard, db: Session, fresh: bool) -> None:
        self.store = dashboard.figures
        self.content_version = dashboard.content_version
        self.fresh = fresh
        self.fingerprint = queries.data_fingerprint(db=db)
        self.as_of: datetime | None = None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        value, as_of = self.store.get((self.content_version, key), compute, fingerprint=self.fingerprint,
                                      fresh=self.fresh)
        if as_of is not None and (self.as_of is None or as_of < self.as_of):
            self.as_of = as_of
        return value


@dataclass
class View:
    """What a dashboard page shows: its template context and its tables."""

    template: str
    section: str
    title: str
    tables: list[Table] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    as_of: datetime | None = None


def respond(request: Request, dashboard: Dashboard, account: Account, view: View, format: str, table: str | None,
            status: int = 200) -> Response:
    """The page, or one of its tables as CSV."""
    if format == "csv":
        chosen = pick(view.tables, table)
        if chosen is None:
            names = ", ".join(t.name for t in view.tables)
            if table is None:
                raise InvalidInput(f"This page has several tables; add &table= with one of: {names}.")
            raise NotFound(f"This page has no table '{table}'; its tables are: {names}.")
        return chosen.csv_response(f"tfpatterns-{chosen.name}-{utcnow():%Y-%m-%d}")
    query = {key: value for key, value in request.query_params.items() if key not in ("format", "table", "fresh")}

    def csv_url(name: str) -> str:
        return f"{request.url.path}?{urlencode({**query, 'format': 'csv', 'table': name})}"

    sections = [s for s in SECTIONS if account.is_admin or s[0] in AUTHOR_SECTIONS]
    context = {
        **view.context, "title": view.title, "section": view.section, "sections": sections,
        "tables": {t.name: t for t in view.tables}, "csv_url": csv_url, "as_of": view.as_of,
        "fresh_url": f"{request.url.path}?{urlencode({**query, 'fresh': 1})}", "account": account,
    }
    return dashboard.templates.TemplateResponse(request, view.template, context, status_code=status)


def lesson_link(lesson: Lesson | None, slug: str | None, admin: bool = True) -> Link | str:
    """The lesson's title linking to its dashboard page (to the lesson itself for authors); its slug in CSV."""
    if lesson is None:
        return slug or "Outside any lesson"
    href = f"/admin/lessons/{lesson.slug}" if admin else f"/lessons/{lesson.slug}"
    return Link(lesson.title, href, csv=lesson.slug)


def known_lesson(library: Library, slug: str) -> Lesson:
    lesson = library.get(slug)
    if lesson is None:
        raise NotFound(f"There is no lesson '{slug}'. The lessons page of the dashboard lists every lesson.")
    return lesson


# Overview


def funnels_of(stats: Stats, db: Session, lessons: Sequence[Lesson]) -> list[queries.Funnel]:
    return stats.get(("funnels", tuple(lesson.slug for lesson in lessons)),
                     lambda: queries.funnels(db=db, lessons=lessons))


def completion_table(funnels: Sequence[queries.Funnel], library: Library) -> Table:
    return Table("completion", "Completion per lesson", [
        Column("Lesson"), Column("Learners", "int"), Column("Completed", "int"), Column("Completion rate", "percent"),
        Column("Practice finished", "int"), Column("Tests taken", "int"), Column("Average test score", "percent"),
        Column("Median time to complete", "duration"),
    ], [[lesson_link(library.get(f.slug), f.slug), f.learners, f.completed, f.completion_rate, f.practice_finished,
         f.test_taken, f.avg_test_score, f.median_completion_s] for f in funnels])


def day_table(name: str, caption: str, label: str, points: Sequence[tuple[date, int]]) -> Table:
    return Table(name, caption, [Column("Day (UTC)", "date"), Column(label, "int")],
                 [[day, count] for day, count in points])


def overview_view(dashboard: Dashboard, db: Session, library: Library, fresh: bool) -> View:
    now = utcnow()
    today = now.date()
    first = today - timedelta(days=29)
    stats = Stats(dashboard, db, fresh)
    lessons = library.in_catalog_order()
    counts = queries.learner_counts(db=db, now=now)
    answers, runs = stats.get(("totals",), lambda: queries.answer_and_run_totals(db=db))
    answers_days = stats.get(("answers-per-day", first, today),
                             lambda: queries.answers_per_day(db=db, first=first, last=today))
    runs_days = stats.get(("runs-per-day", first, today), lambda: queries.runs_per_day(db=db, first=first, last=today))
    funnels = funnels_of(stats, db, lessons)
    summary = Table("summary", "Learners and activity", [Column("Figure"), Column("Value", "int")], [
        ["Learners", counts.total], ["With an account", counts.accounts],
        ["Active in the last 7 days", counts.active_7d], ["Active in the last 30 days", counts.active_30d],
        ["Answers (practice and test)", answers], ["Runs", runs],
    ])
    return View("admin/overview.html", "overview", "Dashboard", tables=[
        summary,
        day_table("answers-per-day", "Answers per day, last 30 days", "Answers", answers_days),
        day_table("runs-per-day", "Runs per day, last 30 days", "Runs", runs_days),
        completion_table(funnels, library),
    ], context={
        "counts": counts, "answers": answers, "runs": runs,
        "answers_chart": charts.day_chart(id="answers-chart", title="Answers per day, last 30 days",
                                          y_label="Answers", unit="answers", points=answers_days),
        "runs_chart": charts.day_chart(id="runs-chart", title="Runs per day, last 30 days", y_label="Runs",
                                       unit="runs", points=runs_days),
    }, as_of=stats.as_of)


@router.get("/admin", include_in_schema=False)
def overview_page(request: Request, account: AdminAccount, db: DbSession, library: CurrentLibrary,
                  dashboard: CurrentDashboard,
                  format: Format = "html", table: TableName = None, fresh: Fresh = False) -> Response:
    return respond(request, dashboard, account, overview_view(dashboard, db, library, fresh), format, table)


@router.get("/api/admin/overview", tags=["admin"], responses=errors(401, 403))
def overview_api(request: Request, dashboard: CurrentDashboard, account: AdminAccount, db: DbSession,
                 library: CurrentLibrary) -> Overview:
    """Learners, activity and each lesson's progress (admins only)."""
    stats = Stats(dashboard, db, fresh=False)
    counts = queries.learner_counts(db=db, now=utcnow())
    answers, runs = stats.get(("totals",), lambda: queries.answer_and_run_totals(db=db))
    funnels = funnels_of(stats, db, library.in_catalog_order())
    return Overview(
        learners=counts.total, active_7d=counts.active_7d, answers=answers, runs=runs,
        lessons=[LessonFigures(slug=f.slug, learners=f.learners, practice_completed=f.practice_finished,
                               tests_taken=f.test_taken, avg_test_score=f.avg_test_score) for f in funnels],
    )


# Lessons


FUNNEL_COLUMNS = [
    Column("Learners", "int"), Column("Opened", "int"), Column("Practice started", "int"),
    Column("Practice finished", "int"), Column("Test taken", "int"), Column("Test passed", "int"),
    Column("Completed", "int"), Column("Test attempts", "int"), Column("Average test score", "percent"),
    Column("Median time to complete", "duration"),
]


def funnel_row(funnel: queries.Funnel) -> list[Any]:
    return [funnel.learners, funnel.opened, funnel.practice_started, funnel.practice_finished, funnel.test_taken,
            funnel.test_passed, funnel.completed, funnel.attempts, funnel.avg_test_score,
            funnel.median_completion_s]


@router.get("/admin/lessons", include_in_schema=False)
def lessons_page(request: Request, account: AdminAccount, db: DbSession, library: CurrentLibrary,
                 dashboard: CurrentDashboard,
                 format: Format = "html", table: TableName = None, fresh: Fresh = False) -> Response:
    stats = Stats(dashboard, db, fresh)
    funnels = funnels_of(stats, db, library.in_catalog_order())
    rows = [[lesson_link(library.get(f.slug), f.slug), *funnel_row(f)] for f in funnels]
    view = View("admin/lessons.html", "lessons", "Lessons", as_of=stats.as_of,
                tables=[Table("lessons", "Each lesson's funnel", [Column("Lesson"), *FUNNEL_COLUMNS], rows)])
    return respond(request, dashboard, account, view, format, table)


@router.get("/admin/lessons/{slug}", include_in_schema=False)
def lesson_page(request: Request, slug: str, account: AdminAccount, db: DbSession, library: CurrentLibrary,
                dashboard: CurrentDashboard,
                format: Format = "html", table: TableName = None, fresh: Fresh = False) -> Response:
    lesson = known_lesson(library, slug)
    stats = Stats(dashboard, db, fresh)
    (funnel,) = funnels_of(stats, db, [lesson])
    questions = stats.get(("practice-questions", lesson.slug),
                          lambda: queries.practice_question_stats(db=db, lessons=[lesson]))
    first = funnel.opened
    stages = Table("funnel", "Learners at each stage", [
        Column("Stage"), Column("Learners", "int"), Column("Share of those who opened it", "percent"),
    ], [[name, count, count / first if first else None] for name, count in funnel.stages])
    figures = Table("figures", "Test scores and time to complete", [Column("Figure"), Column("Value")], [
        ["Completed (finished practice and passed the test)", f"{funnel.completed:,}"],
        ["Test attempts", f"{funnel.attempts:,}"],
        ["Average test score", percent(funnel.avg_test_score)],
        ["Median time from first open to completion", duration(funnel.median_completion_s)],
    ])
    view = View("admin/lesson.html", "lessons", lesson.title, as_of=stats.as_of, tables=[
        stages, figures, question_table(questions, "practice", admin=True, with_lesson=False),
    ], context={"lesson": lesson, "funnel": funnel,
                "chart": charts.funnel_chart(id="funnel-chart", title=f"Funnel of “{lesson.title}”",
                                             stages=funnel.stages)})
    return respond(request, dashboard, account, view, format, table)


# Questions


SORTS: dict[str, Callable[[queries.QuestionStats], Any]] = {
    "lesson": lambda s: (s.lesson.order, s.lesson.title),
    "question": lambda s: prompt_excerpt(s.question.prompt).lower(),
    "difficulty": lambda s: ("easy", "medium", "hard").index(s.question.difficulty),
    "answered": lambda s: s.answered,
    "right": lambda s: s.right_share,
    "distractor": lambda s: s.top_distractor.share if s.top_distractor else None,
    "discrimination": lambda s: s.discrimination,
    "hints": lambda s: s.hint_rate,
}


def content_order(item: queries.QuestionStats) -> tuple[int, str, int]:
    questions = item.lesson.practice if item.kind == "practice" else item.lesson.test_bank
    return item.lesson.order, item.lesson.slug, [q.id for q in questions].index(item.question.id)


def sorted_stats(items: list[queries.QuestionStats], sort: str) -> list[queries.QuestionStats]:
    """Sorted by `sort` (a SORTS key, '-' first for descending); questions without a value go last."""
    key = SORTS.get(sort.removeprefix("-"))
    if key is None:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)} (put '-' first for the largest first).")
    order = sorted(items, key=content_order)  # ties keep the order of the lessons and their questions
    known = [s for s in order if key(s) is not None]
    return sorted(known, key=key, reverse=sort.startswith("-")) + [s for s in order if key(s) is None]


def options_lines(item: queries.QuestionStats) -> list[str]:
    return [f"{o.key}{' ✓' if o.correct else ''}: {o.share * 100:.0f} % ({o.count:,})" for o in item.options]


def prompt_excerpt(prompt: str, length: int = 90) -> str:
    """The prompt's words before any code block, shortened: enough to recognise the question."""
    text = " ".join(prompt.split("```", 1)[0].replace("`", "").split()) or " ".join(prompt.replace("`", "").split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def question_label(item: queries.QuestionStats) -> Link:
    excerpt = prompt_excerpt(item.question.prompt)
    if item.kind == "practice":
        number = [q.id for q in item.lesson.practice].index(item.question.id) + 1
        href = f"/lessons/{item.lesson.slug}?q={number}#practice"
    else:
        href = f"/lessons/{item.lesson.slug}"
    return Link(f"{excerpt} ({item.question.id})", href, csv=item.question.id)


def question_table(items: list[queries.QuestionStats], kind: str, *, admin: bool, with_lesson: bool = True) -> Table:
    keys = ("A", "B", "C", "D")
    if kind == "practice":
        columns = [
            Column("Question", sort="question"), Column("Prompt", html=False),
            Column("Lesson", sort="lesson", html=with_lesson),
            Column("Difficulty", sort="difficulty"), Column("Learners who answered", "int", sort="answered"),
            Column("Right on first try", "percent", sort="right"), Column("First answers by option", csv=False),
            Column("Most chosen wrong option", sort="distractor"),
            Column("Discrimination", "float", sort="discrimination"),
            Column("Learners in discrimination", "int", html=False), Column("Hint opened", "percent", sort="hints"),
            Column("Correct option", html=False), *(Column(f"{key} chosen", "int", html=False) for key in keys),
        ]
    else:
        columns = [
            Column("Question", sort="question"), Column("Prompt", html=False),
            Column("Lesson", sort="lesson", html=with_lesson),
            Column("Difficulty", sort="difficulty"), Column("Answers", "int", sort="answered"),
            Column("Right", "percent", sort="right"), Column("Answers by option", csv=False),
            Column("Most chosen wrong option", sort="distractor"), Column("Left blank", "int"),
            Column("Correct option", html=False), *(Column(f"{key} chosen", "int", html=False) for key in keys),
        ]
    rows = []
    for item in items:
        counts = {o.key: o.count for o in item.options}
        top = item.top_distractor
        distractor = f"{top.key}: {top.share * 100:.0f} %" if top else None
        lesson = lesson_link(item.lesson, item.lesson.slug, admin=admin)
        head = [question_label(item), prompt_excerpt(item.question.prompt, 200), lesson, item.question.difficulty,
                item.answered, item.right_share, options_lines(item), distractor]
        if kind == "practice":
            middle = [item.discrimination, item.discrimination_n, item.hint_rate]
        else:
            middle = [item.unanswered]
        rows.append([*head, *middle, item.question.correct_choice, *(counts.get(key, 0) for key in keys)])
    caption = "Practice questions: first tries" if kind == "practice" else "Test-bank questions: every test answer"
    return Table(f"{kind}-questions", caption, columns, rows)


@router.get("/admin/questions", include_in_schema=False)
def questions_page(request: Request, account: AuthorAccount, db: DbSession, library: CurrentLibrary,
                   dashboard: CurrentDashboard, lesson: Annotated[str | None, Query(max_length=120)] = None,
                   kind: Literal["practice", "test"] = "practice",
                   sort: Annotated[str, Query(max_length=40)] = "right",
                   format: Format = "html", table: TableName = None, fresh: Fresh = False) -> Response:
    lessons = [known_lesson(library, lesson)] if lesson else library.in_catalog_order()
    stats = Stats(dashboard, db, fresh)
    slugs = tuple(item.slug for item in lessons)
    compute = queries.practice_question_stats if kind == "practice" else queries.test_question_stats
    items = stats.get((f"{kind}-questions", *slugs), lambda: compute(db=db, lessons=lessons))
    ordered = sorted_stats(items, sort)
    view = View("admin/questions.html", "questions", "Questions", as_of=stats.as_of,
                tables=[question_table(ordered, kind, admin=account.is_admin)],
                context={"lessons": library.in_catalog_order(), "lesson": lesson or "", "kind": kind, "sort": sort,
                         "sort_url": lambda key: f"/admin/questions?{urlencode(_query(lesson, kind, key))}"})
    return respond(request, dashboard, account, view, format, table)


def _query(lesson: str | None, kind: str, sort: str) -> dict[str, str]:
    query = {"lesson": lesson or "", "kind": kind, "sort": sort}
    return {key: value for key, value in query.items() if value}


# Runs


def runs_view(dashboard: Dashboard, db: Session, library: Library, days: int, runner: Runner | None,
              health: dict[str, Any] | None, fresh: bool) -> View:
    now = utcnow()
    stats = Stats(dashboard, db, fresh)
    lessons = library.in_catalog_order()
    since = now - timedelta(days=days)
    # The window moves: a kept breakdown is reused for ten minutes at most, even on a quiet site.
    breakdown = stats.get(("runs", days, now.replace(minute=now.minute // 10 * 10, second=0, microsecond=0)),
                          lambda: queries.run_breakdown(db=db, lessons=lessons, since=since))
    latency = queries.run_latency(db=db, since=now - timedelta(days=1))
    by_lesson = Table("runs-by-lesson", f"Runs per lesson and mode, last {plural(days, 'day')}", [
        Column("Lesson"), Column("Eager", "int"), Column("Graph", "int"), Column("All runs", "int"),
        Column("OK", "int"), Column("Errors", "int"), Column("Timeouts", "int"), Column("Memory limit", "int"),
        Column("Output limit", "int"), Column("Crashed", "int"), Column("Timeouts and limit hits", "percent"),
    ], [[lesson_link(library.get(r.slug or ""), r.slug), r.eager, r.graph, r.total, r.by_status["ok"],
         r.by_status["error"], r.by_status["timeout"], r.by_status["memory_limit"], r.by_status["output_limit"],
         r.by_status["crashed"], r.limit_hits / r.total if r.total else None] for r in breakdown])
    errors = Table("errors", f"Most common error types per lesson, last {plural(days, 'day')}", [
        Column("Lesson"), Column("Error type"), Column("Runs", "int"),
        Column("Share of the lesson's errors", "percent"),
    ], [[lesson_link(library.get(r.slug or ""), r.slug), error_type, count,
         count / r.by_status["error"] if r.by_status["error"] else None]
        for r in breakdown for error_type, count in r.errors], empty="No run ended in an error.")
    latency_table = Table("latency", "Runner latency, last 24 hours", [
        Column("Runs", "int"), Column("Median (p50)", "ms"), Column("95th percentile (p95)", "ms"),
    ], [[latency.runs, latency.p50_ms, latency.p95_ms]])
    pool = runner_rows(runner, health)
    pool_table = Table("runner", "Runner pool now", [Column("Figure"), Column("Value")], pool)
    total = sum(r.total for r in breakdown)
    hits = sum(r.limit_hits for r in breakdown)
    return View("admin/runs.html", "runs", "Runs", tables=[by_lesson, errors, latency_table, pool_table],
                as_of=stats.as_of, context={"days": days, "windows": RUN_WINDOWS, "latency": latency,
                                             "total": total, "hits": hits, "pool": pool, "health": health})


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def runner_rows(runner: Runner | None, health: dict[str, Any] | None) -> list[list[Any]]:
    if runner is None:
        return [["Runner", "switched off on this server (TFP_RUNNER_WORKERS=0 and no TFP_RUNNER_URL)"]]
    if health is None or (health.get("status") == "down" and "workers" not in health):
        return [["Runner", "not answering"]]
    status = health.get("status")
    rows = [["Status", "up" if status == "ok" else "starting" if status == "starting" else "down"]]
    for key, label in (("workers", "Workers (pool size)"), ("alive", "Alive"), ("idle", "Idle"),
                       ("queued", "Runs waiting (queue depth)")):
        if key in health:
            rows.append([label, str(health[key])])
    return rows


@router.get("/admin/runs", include_in_schema=False)
async def runs_page(request: Request, account: AdminAccount, db: DbSession, library: CurrentLibrary,
                    dashboard: CurrentDashboard,
                    runner: CurrentRunner, days: int = 30, format: Format = "html", table: TableName = None,
                    fresh: Fresh = False) -> Response:
    if days not in RUN_WINDOWS:
        raise InvalidInput(f"Show the runs of the last {', '.join(map(str, RUN_WINDOWS))} days: "
                           f"days={days} is not one of them.")
    health = await runner.health() if runner is not None else None
    view = await run_in_threadpool(runs_view, dashboard, db, library, days, runner, health, fresh)
    return respond(request, dashboard, account, view, format, table)


# Learners


def learner_link(row: Any) -> Link:
    return Link(row.email or f"Anonymous learner {str(row.id)[:8]}", f"/admin/learners/{row.id}", csv=row.email or "")


@router.get("/admin/learners", include_in_schema=False)
def learners_page(request: Request, dashboard: CurrentDashboard, account: AdminAccount, db: DbSession,
                  q: Annotated[str, Query(max_length=254)] = "", accounts: bool = False,
                  page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                  format: Format = "html", table: TableName = None) -> Response:
    total = queries.count_learners(db=db, search=q, accounts_only=accounts)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise NotFound(f"There is no page {page} of this list; it has {plural(pages, 'page')}.")
    if format == "csv":
        rows = queries.learner_rows(db=db, search=q, accounts_only=accounts, limit=None)
    else:
        rows = queries.learner_rows(db=db, search=q, accounts_only=accounts, offset=(page - 1) * PER_PAGE)
    learners = Table("learners", "Learners, most recently seen first", [
        Column("Learner"), Column("Id", html=False), Column("Role"), Column("Joined", "datetime"),
        Column("Last seen", "datetime"), Column("Lessons opened", "int"), Column("Practice answers", "int"),
        Column("Test attempts", "int"), Column("Runs", "int"),
    ], [[learner_link(r), str(r.id), r.role if r.email else "anonymous", r.created_at, r.last_seen_at,
         r.lessons_opened, r.practice_answers, r.test_attempts, r.runs] for r in rows],
        empty="No learner matches this search.")

    def page_url(number: int) -> str:
        query = {"q": q, "accounts": "1" if accounts else "", "page": str(number) if number > 1 else ""}
        return "/admin/learners?" + urlencode({k: v for k, v in query.items() if v})

    view = View("admin/learners.html", "learners", "Learners", tables=[learners], context={
        "q": q, "accounts": accounts, "page": page, "pages": pages, "total": total, "page_url": page_url,
    })
    return respond(request, dashboard, account, view, format, table)


def learner_view(db: Session, library: Library, learner_id: uuid.UUID, full: bool) -> View:
    history = queries.learner_history(db=db, learner_id=learner_id, limit=None if full else queries.HISTORY_LIMIT)
    if history is None:
        raise NotFound("There is no learner with that id. The learners page lists every learner.")
    lessons = library.in_catalog_order()

    def lesson_of(slug: str) -> Link | str:
        return lesson_link(library.get(slug), slug)

    mine = [p for p in progress.progress(db=db, learner_id=learner_id, lessons=lessons)
            if p.practice.answered or p.test]
    titles = {lesson.slug: lesson for lesson in lessons}
    tables = [
        Table("progress", "Progress, as the learner sees it (since any reset)", [
            Column("Lesson"), Column("Practice answered", "int"), Column("Practice right on first try", "int"),
            Column("Best test score", "int"), Column("Test attempts", "int"), Column("Completed"),
        ], [[lesson_link(titles.get(p.slug), p.slug), p.practice.answered, p.practice.correct,
             p.test.best_score if p.test else None, p.test.attempts if p.test else 0, p.completed] for p in mine],
            empty="No practice answer or test that still counts."),
        Table("practice-answers", "Practice answers", [
            Column("When", "datetime"), Column("Lesson"), Column("Question"), Column("Choice"), Column("Right"),
            Column("First try"),
        ], [[r.created_at, lesson_of(r.lesson_slug), r.question_id, r.choice, r.correct, r.first_try]
            for r in history.practice], empty="No practice answers."),
        Table("test-attempts", "Test attempts", [
            Column("When", "datetime"), Column("Lesson"), Column("Score", "int"), Column("Questions", "int"),
            Column("Share right", "percent"),
        ], [[r.created_at, lesson_of(r.lesson_slug), r.score, r.total, r.score / r.total if r.total else None]
            for r in history.attempts], empty="No test attempts."),
        Table("runs", "Runs", [
            Column("When", "datetime"), Column("Lesson"), Column("Mode"), Column("Status"), Column("Error type"),
            Column("Duration", "ms"),
        ], [[r.created_at, lesson_of(r.lesson_slug) if r.lesson_slug else "Outside any lesson", r.mode, r.status,
             r.error_type, r.duration_ms] for r in history.runs], empty="No runs."),
        Table("lesson-opens", "Lessons opened (first time)", [Column("When", "datetime"), Column("Lesson")],
              [[r.opened_at, lesson_of(r.lesson_slug)] for r in history.opens], empty="No lesson opened."),
        Table("hints", "Hints opened (first time)", [Column("When", "datetime"), Column("Lesson"),
                                                     Column("Question")],
              [[r.revealed_at, lesson_of(r.lesson_slug), r.question_id] for r in history.hints],
              empty="No hint opened."),
    ]
    learner = history.learner
    name = learner.email or f"Anonymous learner {str(learner.id)[:8]}"
    return View("admin/learner.html", "learners", name, tables=tables, context={
        "learner": learner, "history": history, "roles": ROLES, "limit": queries.HISTORY_LIMIT,
    })


@router.get("/admin/learners/{learner_id}", include_in_schema=False)
def learner_page(request: Request, learner_id: uuid.UUID, account: AdminAccount, db: DbSession,
                 dashboard: CurrentDashboard, library: CurrentLibrary, format: Format = "html", table: TableName = None,
                 changed: bool = False) -> Response:
    view = learner_view(db, library, learner_id, full=format == "csv")
    if changed:
        view.context["notice"] = f"Role changed: this account is now {view.context['learner'].role}."
    return respond(request, dashboard, account, view, format, table)


@router.post("/admin/learners/{learner_id}/role", include_in_schema=False)
def change_role(request: Request, learner_id: uuid.UUID, account: AdminAccount, db: DbSession,
                dashboard: CurrentDashboard,
                library: CurrentLibrary, role: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        service.set_role(db=db, learner_id=learner_id, role=role)
    except InvalidInput as error:
        db.rollback()
        view = learner_view(db, library, learner_id, full=False)
        view.context["role_error"] = str(error)
        return respond(request, dashboard, account, view, "html", None, status=422)
    if learner_id == account.id and role != "admin":
        return RedirectResponse("/", status_code=303)  # this admin just gave up the dashboard
    return RedirectResponse(f"/admin/learners/{learner_id}?changed=1", status_code=303)
