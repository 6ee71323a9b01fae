"""Every query behind the admin dashboard.

The database does the aggregating, in SQL that runs on SQLite and PostgreSQL alike; Python only combines
the few dozen rows that come back. The two things the dialects spell differently, a timestamp's calendar
day and the seconds between two timestamps, are compiled per dialect below. The indexes these queries
rely on are created in migrations/versions/0004_dashboard.py.

The dashboard shows history: a reset on a lesson page makes a learner's earlier answers stop counting for
their own progress, but a learner who finished a lesson and then started over still finished it once.
"""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from app.content.schema import Lesson, Question
from app.identity import Learner
from app.learning.models import HintReveal, LessonOpen, PracticeAnswer, TestAnswer, TestAttempt
from app.learning.progress import PASS_RATIO
from app.runs.models import RunRecord

LIMIT_STATUSES = ("timeout", "memory_limit", "output_limit", "crashed")
RUN_STATUSES = ("ok", "error", *LIMIT_STATUSES)
HISTORY_LIMIT = 500


class day_of(FunctionElement[date]):  # named like the SQL function it compiles to
    """The UTC calendar day of a timestamp."""

    type = Date()
    inherit_cache = True


@compiles(day_of)
def _day_of(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # timestamps are stored as UTC text


class seconds_between(FunctionElement[float]):
    """Seconds from the first timestamp to the second."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def one_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 or 0: for sums of booleans (PostgreSQL does not add booleans)."""
    return case((condition, 1), else_=0)


def later_of(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


def passed(attempt: type[TestAttempt] = TestAttempt) -> ColumnElement[bool]:
    """The progress rule: a test passes with at least PASS_RATIO of its questions right."""
    return and_(attempt.total > 0, cast(attempt.score, Float) / attempt.total >= PASS_RATIO)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def data_fingerprint(*, db: Session) -> tuple[Any, ...]:
    """Changes whenever anything the aggregates count is added or removed; index lookups only.

    Answers, attempts and runs are only ever added (newest id); learners, opens and hint reveals are
    counted, so a deleted learner (and a merged anonymous one) changes it too.
    """
    def newest(column: Any) -> Any:
        return select(func.max(column)).scalar_subquery()

    def rows(model: Any) -> Any:
        return select(func.count()).select_from(model).scalar_subquery()

    return tuple(db.execute(select(
        newest(PracticeAnswer.id), newest(TestAttempt.id), newest(RunRecord.id),
        rows(Learner), rows(LessonOpen), rows(HintReveal),
    )).one())


# Overview


@dataclass(frozen=True)
class LearnerCounts:
    total: int
    accounts: int
    active_7d: int
    active_30d: int


def saved_something() -> ColumnElement[bool]:
    """The overview's definition of a learner: opened a lesson, answered, took a test or ran code (or opened
    a hint). A learner row alone is not enough: signing up, or drawing a test and never sending it, makes one."""
    return or_(*(exists().where(model.learner_id == Learner.id)
                 for model in (PracticeAnswer, TestAttempt, LessonOpen, RunRecord, HintReveal)))


def learner_counts(*, db: Session, now: datetime) -> LearnerCounts:
    """Learners in all, with an account, and seen in the last 7 and 30 days: only those who saved something."""
    row = db.execute(select(
        func.count(),
        func.count(Learner.email),
        func.coalesce(func.sum(one_if(Learner.last_seen_at >= now - timedelta(days=7))), 0),
        func.coalesce(func.sum(one_if(Learner.last_seen_at >= now - timedelta(days=30))), 0),
    ).where(saved_something())).one()
    return LearnerCounts(*(int(value) for value in row))


def answer_and_run_totals(*, db: Session) -> tuple[int, int]:
    """(practice + test answers, runs), all time."""
    practice = select(func.count()).select_from(PracticeAnswer).scalar_subquery()
    tests = select(func.count()).select_from(TestAnswer).scalar_subquery()
    runs = select(func.count()).select_from(RunRecord).scalar_subquery()
    row = db.execute(select(practice + tests, runs)).one()
    return int(row[0]), int(row[1])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def answers_per_day(*, db: Session, first: date, last: date) -> list[tuple[date, int]]:
    """Practice and test answers given on each day from `first` to `last` (UTC), zero-filled."""
    since = start_of_day(first)
    practice_day = day_of(PracticeAnswer.created_at)
    attempt_day = day_of(TestAttempt.created_at)
    practice = (select(practice_day.label("day"), func.count().label("n"))
                .where(PracticeAnswer.created_at >= since).group_by(practice_day))
    tests = (select(attempt_day.label("day"), func.sum(TestAttempt.total).label("n"))
             .where(TestAttempt.created_at >= since).group_by(attempt_day))
    counts = dict.fromkeys(_days(first, last), 0)
    for day, n in db.execute(union_all(practice, tests)):
        key = _as_date(day)
        if key in counts:
            counts[key] += int(n or 0)
    return list(counts.items())


def runs_per_day(*, db: Session, first: date, last: date) -> list[tuple[date, int]]:
    run_day = day_of(RunRecord.created_at)
    counts = dict.fromkeys(_days(first, last), 0)
    rows = db.execute(select(run_day, func.count()).where(RunRecord.created_at >= start_of_day(first))
                      .group_by(run_day))
    for day, n in rows:
        key = _as_date(day)
        if key in counts:
            counts[key] += int(n)
    return list(counts.items())


# Lessons: the funnel


@dataclass
class Funnel:
    """Where the learners of one lesson got to. Every stage counts learners, not answers."""

    slug: str
    title: str
    learners: int = 0  # opened the lesson, answered a practice question or took its test
    opened: int = 0
    practice_started: int = 0
    practice_finished: int = 0  # answered every practice question
    test_taken: int = 0
    test_passed: int = 0  # scored at least PASS_RATIO in some attempt
    completed: int = 0  # finished practice and passed the test: the learner's "completed" badge
    attempts: int = 0
    avg_test_score: float | None = None  # mean score / total over every attempt, 0..1
    median_completion_s: float | None = None  # first open to completion, for learners with both

    @property
    def stages(self) -> list[tuple[str, int]]:
        return [("Opened", self.opened), ("Practice started", self.practice_started),
                ("Practice finished", self.practice_finished), ("Test taken", self.test_taken),
                ("Test passed", self.test_passed)]

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.learners if self.learners else None


def _pairs(lessons: Sequence[Lesson]) -> Select[Any]:
    """One row per learner and lesson: first open, practice questions answered (and when the last of them
    was first answered), test attempts (their score sum, and when one first passed)."""
    slugs = [lesson.slug for lesson in lessons]
    practice_ids = [(lesson.slug, q.id) for lesson in lessons for q in lesson.practice]
    opens = (select(LessonOpen.learner_id, LessonOpen.lesson_slug, LessonOpen.opened_at.label("opened_at"),
                    cast(null(), Integer).label("answered"), cast(null(), LessonOpen.opened_at.type).label("done_at"),
                    cast(null(), Integer).label("attempts"), cast(null(), Float).label("score_sum"),
                    cast(null(), LessonOpen.opened_at.type).label("passed_at"))
             .where(LessonOpen.lesson_slug.in_(slugs)))
    practice = (select(PracticeAnswer.learner_id, PracticeAnswer.lesson_slug, null(),
                       func.count(PracticeAnswer.question_id.distinct()), func.max(PracticeAnswer.created_at),
                       null(), null(), null())
                .where(PracticeAnswer.first_try == true(),
                       tuple_(PracticeAnswer.lesson_slug, PracticeAnswer.question_id).in_(practice_ids))
                .group_by(PracticeAnswer.learner_id, PracticeAnswer.lesson_slug))
    tests = (select(TestAttempt.learner_id, TestAttempt.lesson_slug, null(), null(), null(), func.count(),
                    func.sum(case((TestAttempt.total > 0, cast(TestAttempt.score, Float) / TestAttempt.total),
                                  else_=0.0)),
                    func.min(case((passed(), TestAttempt.created_at))))
             .where(TestAttempt.lesson_slug.in_(slugs))
             .group_by(TestAttempt.learner_id, TestAttempt.lesson_slug))
    rows = union_all(opens, practice, tests).subquery("activity")
    return (select(rows.c.lesson_slug, rows.c.learner_id,
                   func.min(rows.c.opened_at).label("opened_at"),
                   func.coalesce(func.max(rows.c.answered), 0).label("answered"),
                   func.max(rows.c.done_at).label("done_at"),
                   func.coalesce(func.max(rows.c.attempts), 0).label("attempts"),
                   func.coalesce(func.max(rows.c.score_sum), 0.0).label("score_sum"),
                   func.min(rows.c.passed_at).label("passed_at"))
            .group_by(rows.c.lesson_slug, rows.c.learner_id))


def funnels(*, db: Session, lessons: Sequence[Lesson]) -> list[Funnel]:
    """The funnel of each lesson, in the order given, from one statement."""
    if not lessons:
        return []
    pairs = _pairs(lessons).cte("pairs")
    practice_size = case({lesson.slug: len(lesson.practice) for lesson in lessons}, value=pairs.c.lesson_slug,
                         else_=0)
    finished = and_(pairs.c.answered >= practice_size, practice_size > 0)
    complete = and_(finished, pairs.c.passed_at.is_not(None))
    stats = (select(
        pairs.c.lesson_slug,
        func.count().label("learners"),
        func.count(pairs.c.opened_at).label("opened"),
        func.sum(one_if(pairs.c.answered > 0)).label("practice_started"),
        func.sum(one_if(finished)).label("practice_finished"),
        func.sum(one_if(pairs.c.attempts > 0)).label("test_taken"),
        func.count(pairs.c.passed_at).label("test_passed"),
        func.sum(one_if(complete)).label("completed"),
        func.sum(pairs.c.attempts).label("attempts"),
        func.sum(pairs.c.score_sum).label("score_sum"),
    ).group_by(pairs.c.lesson_slug)).subquery("stats")
    took = seconds_between(pairs.c.opened_at, later_of(pairs.c.done_at, pairs.c.passed_at))
    durations = select(pairs.c.lesson_slug, took.label("seconds")).where(
        complete, pairs.c.opened_at.is_not(None)).subquery("durations")
    ranked = select(
        durations.c.lesson_slug, durations.c.seconds,
        func.row_number().over(partition_by=durations.c.lesson_slug, order_by=durations.c.seconds).label("rank"),
        func.count().over(partition_by=durations.c.lesson_slug).label("n"),
    ).subquery("ranked")
    # The median: the middle value, or the mean of the two middle values.
    medians = (select(ranked.c.lesson_slug, func.avg(ranked.c.seconds).label("median"))
               .where(ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
               .group_by(ranked.c.lesson_slug)).subquery("medians")
    query = select(stats, medians.c.median).outerjoin(medians, medians.c.lesson_slug == stats.c.lesson_slug)
    found = {row.lesson_slug: row for row in db.execute(query)}
    result = []
    for lesson in lessons:
        funnel = Funnel(slug=lesson.slug, title=lesson.title)
        row = found.get(lesson.slug)
        if row is not None:
            for name in ("learners", "opened", "practice_started", "practice_finished", "test_taken",
                         "test_passed", "completed", "attempts"):
                setattr(funnel, name, int(getattr(row, name) or 0))
            if funnel.attempts:
                funnel.avg_test_score = float(row.score_sum) / funnel.attempts
            # Rounded to the millisecond: SQLite's julianday differences are off by tens of microseconds.
            funnel.median_completion_s = None if row.median is None else round(float(row.median), 3)
        result.append(funnel)
    return result


# Questions


@dataclass
class OptionCount:
    key: str
    count: int
    correct: bool
    share: float = 0.0


@dataclass
class QuestionStats:
    """First-try figures of one question (practice), or figures over every test answer (test bank)."""

    lesson: Lesson
    question: Question
    kind: str  # "practice" or "test"
    answered: int = 0  # practice: learners who answered (first tries); test: answers
    right: int = 0
    options: list[OptionCount] = field(default_factory=list)
    unanswered: int = 0  # test questions left blank
    discrimination: float | None = None
    discrimination_n: int = 0
    hint_reveals: int = 0

    @property
    def right_share(self) -> float | None:
        return self.right / self.answered if self.answered else None

    @property
    def hint_rate(self) -> float | None:
        if self.kind != "practice" or not self.answered:
            return None
        return self.hint_reveals / self.answered

    @property
    def top_distractor(self) -> OptionCount | None:
        """The wrong option chosen most often, if any was chosen."""
        wrong = [option for option in self.options if not option.correct and option.count]
        return max(wrong, key=lambda option: option.count) if wrong else None


def point_biserial(n: int, sum_x: float, sum_r: float, sum_rr: float, sum_xr: float) -> float | None:
    """Pearson's r between a 0/1 variable x and a score r, from sums; None when either does not vary."""
    spread_x = n * sum_x - sum_x * sum_x  # x*x == x for 0/1
    spread_r = n * sum_rr - sum_r * sum_r
    if n < 2 or spread_x <= 0 or spread_r <= 1e-12:
        return None
    return (n * sum_xr - sum_x * sum_r) / math.sqrt(spread_x * spread_r)


def practice_question_stats(*, db: Session, lessons: Sequence[Lesson]) -> list[QuestionStats]:
    """Per practice question: first tries by option, right on the first try, the corrected point-biserial
    discrimination, and hint reveals. Two statements, whatever the number of lessons."""
    stats = {(lesson.slug, q.id): QuestionStats(lesson=lesson, question=q, kind="practice")
             for lesson in lessons for q in lesson.practice}
    if not stats:
        return []
    slugs = [lesson.slug for lesson in lessons]
    right = one_if(PracticeAnswer.correct == true())
    # Each learner's first tries over every practice question: the score the discrimination compares with.
    scores = (select(PracticeAnswer.learner_id, func.sum(right).label("right"), func.count().label("n"))
              .where(PracticeAnswer.first_try == true())
              .group_by(PracticeAnswer.learner_id)).cte("scores")
    # x: right on this question; r: share right on the learner's *other* first tries (so x is not in r).
    x = cast(right, Float)
    rest = (scores.c.right - x) / cast(scores.c.n - 1, Float)
    query = (
        select(PracticeAnswer.lesson_slug, PracticeAnswer.question_id, PracticeAnswer.choice,
               PracticeAnswer.correct, func.count().label("answers"), func.count(scores.c.n).label("scored"),
               func.sum(rest).label("sum_r"), func.sum(rest * rest).label("sum_rr"),
               func.sum(x * rest).label("sum_xr"))
        .select_from(PracticeAnswer)
        # A LEFT join keeps the scan in question order, so grouping needs no sort.
        .outerjoin(scores, and_(scores.c.learner_id == PracticeAnswer.learner_id, scores.c.n > 1))
        .where(PracticeAnswer.first_try == true(), PracticeAnswer.lesson_slug.in_(slugs))
        .group_by(PracticeAnswer.lesson_slug, PracticeAnswer.question_id, PracticeAnswer.choice,
                  PracticeAnswer.correct)
    )
    sums: dict[tuple[str, str], list[float]] = {}
    options: dict[tuple[str, str], dict[str, int]] = {}
    for row in db.execute(query):
        key = (row.lesson_slug, row.question_id)
        item = stats.get(key)
        if item is None:  # a question no longer in the content
            continue
        item.answered += row.answers
        item.right += row.answers if row.correct else 0
        options.setdefault(key, {})
        options[key][row.choice] = options[key].get(row.choice, 0) + row.answers
        total = sums.setdefault(key, [0, 0.0, 0.0, 0.0, 0.0])
        total[0] += row.scored
        total[1] += row.scored if row.correct else 0
        total[2] += row.sum_r or 0.0
        total[3] += row.sum_rr or 0.0
        total[4] += row.sum_xr or 0.0
    hints = (select(HintReveal.lesson_slug, HintReveal.question_id, func.count())
             .where(HintReveal.lesson_slug.in_(slugs))
             .group_by(HintReveal.lesson_slug, HintReveal.question_id))
    for slug, question_id, count in db.execute(hints):
        if (item := stats.get((slug, question_id))) is not None:
            item.hint_reveals = int(count)
    for key, item in stats.items():
        item.options = _options(item.question, options.get(key, {}), item.answered)
        if key in sums:
            n, sum_x, sum_r, sum_rr, sum_xr = sums[key]
            item.discrimination_n = int(n)
            item.discrimination = point_biserial(int(n), sum_x, sum_r, sum_rr, sum_xr)
    return list(stats.values())


def _options(question: Question, counts: dict[str, int], total: int) -> list[OptionCount]:
    keys = list(question.choice_keys()) + sorted(set(counts) - set(question.choice_keys()))
    return [OptionCount(key=key, count=counts.get(key, 0), correct=key == question.correct_choice,
                        share=counts.get(key, 0) / total if total else 0.0) for key in keys]


def test_question_stats(*, db: Session, lessons: Sequence[Lesson]) -> list[QuestionStats]:
    """Per test-bank question, over every test answer (each attempt is a fresh try): right, and by option.
    Question ids are unique across lessons, so the content says which lesson a test answer belongs to."""
    stats = {q.id: QuestionStats(lesson=lesson, question=q, kind="test")
             for lesson in lessons for q in lesson.test_bank}
    if not stats:
        return []
    query = (select(TestAnswer.question_id, TestAnswer.choice, TestAnswer.correct, func.count())
             .where(TestAnswer.question_id.in_(list(stats)))
             .group_by(TestAnswer.question_id, TestAnswer.choice, TestAnswer.correct))
    options: dict[str, dict[str, int]] = {}
    for question_id, choice, correct, count in db.execute(query):
        item = stats[question_id]
        item.answered += count
        item.right += count if correct else 0
        if choice is None:
            item.unanswered += count
        else:
            options.setdefault(question_id, {})
            options[question_id][choice] = options[question_id].get(choice, 0) + count
    for question_id, item in stats.items():
        item.options = _options(item.question, options.get(question_id, {}), item.answered)
    return list(stats.values())


# Runs


@dataclass
class LessonRuns:
    slug: str | None  # None: runs outside any lesson
    title: str
    eager: int = 0
    graph: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RUN_STATUSES, 0))
    errors: list[tuple[str, int]] = field(default_factory=list)  # most common first

    @property
    def total(self) -> int:
        return self.eager + self.graph

    @property
    def limit_hits(self) -> int:
        return sum(self.by_status[status] for status in LIMIT_STATUSES)


@dataclass(frozen=True)
class Latency:
    runs: int
    p50_ms: float | None
    p95_ms: float | None


def run_breakdown(*, db: Session, lessons: Sequence[Lesson], since: datetime, top_errors: int = 3) -> list[LessonRuns]:
    """Runs since `since` per lesson (and outside lessons): by mode, by status, most common error types."""
    titles = {lesson.slug: lesson.title for lesson in lessons}
    rows: dict[str | None, LessonRuns] = {slug: LessonRuns(slug=slug, title=title) for slug, title in titles.items()}
    errors: dict[str | None, dict[str, int]] = {}
    # Grouped in the order of ix_runs_lesson_status, so the database reads that index alone and sorts nothing.
    query = (select(RunRecord.lesson_slug, RunRecord.status, RunRecord.mode, RunRecord.error_type, func.count())
             .where(RunRecord.created_at >= since)
             .group_by(RunRecord.lesson_slug, RunRecord.status, RunRecord.mode, RunRecord.error_type))
    for slug, status, mode, error_type, count in db.execute(query):
        item = rows.get(slug)
        if item is None:
            item = rows[slug] = LessonRuns(slug=slug, title=titles.get(slug or "", slug or "Outside any lesson"))
        if mode == "eager":
            item.eager += count
        else:
            item.graph += count
        item.by_status[status] = item.by_status.get(status, 0) + count
        if status == "error":
            found = errors.setdefault(slug, {})
            found[error_type or "(no type)"] = found.get(error_type or "(no type)", 0) + count
    for slug, found in errors.items():
        rows[slug].errors = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:top_errors]
    return [rows[slug] for slug in titles] + [item for slug, item in rows.items() if slug not in titles]


def nearest_rank_offset(n: int, percent: float) -> int:
    """0-based offset of the nearest-rank percentile in `n` sorted values."""
    return max(0, math.ceil(percent / 100 * n) - 1)


def run_latency(*, db: Session, since: datetime) -> Latency:
    """Median and 95th percentile (nearest rank) of runner durations since `since`."""
    window = RunRecord.created_at >= since
    n = db.scalar(select(func.count()).select_from(RunRecord).where(window)) or 0
    if not n:
        return Latency(0, None, None)

    def at(percent: float) -> float:
        value = db.scalar(select(RunRecord.duration_ms).where(window).order_by(RunRecord.duration_ms)
                          .offset(nearest_rank_offset(n, percent)).limit(1))
        return float(value or 0.0)

    return Latency(runs=int(n), p50_ms=at(50), p95_ms=at(95))


# Learners


@dataclass(frozen=True)
class LearnerRow:
    id: uuid.UUID
    email: str | None
    role: str
    created_at: datetime
    last_seen_at: datetime
    lessons_opened: int
    practice_answers: int
    test_attempts: int
    runs: int


def _learner_filter(search: str, accounts_only: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search:
        conditions.append(func.lower(Learner.email).contains(search.strip().lower(), autoescape=True))
    if accounts_only:
        conditions.append(Learner.email.is_not(None))
    return conditions


def count_learners(*, db: Session, search: str = "", accounts_only: bool = False) -> int:
    query = select(func.count()).select_from(Learner).where(*_learner_filter(search, accounts_only))
    return int(db.scalar(query) or 0)


def learner_rows(*, db: Session, search: str = "", accounts_only: bool = False, offset: int = 0,
                 limit: int | None = 50) -> list[LearnerRow]:
    """Learners matching the search (part of an email, any case), most recently seen first, with counts."""

    def count_of(model: Any) -> Any:
        return (select(func.count()).select_from(model).where(model.learner_id == Learner.id)
                .correlate(Learner).scalar_subquery())

    query = (select(Learner.id, Learner.email, Learner.role, Learner.created_at, Learner.last_seen_at,
                    count_of(LessonOpen), count_of(PracticeAnswer), count_of(TestAttempt), count_of(RunRecord))
             .where(*_learner_filter(search, accounts_only))
             .order_by(Learner.last_seen_at.desc(), Learner.id).offset(offset).limit(limit))
    return [LearnerRow(*row) for row in db.execute(query)]


@dataclass
class LearnerHistory:
    learner: Learner
    opens: list[Any]
    hints: list[Any]
    practice: list[Any]
    attempts: list[Any]
    runs: list[Any]
    totals: dict[str, int]


def learner_history(*, db: Session, learner_id: uuid.UUID, limit: int | None = HISTORY_LIMIT) -> LearnerHistory | None:
    """One learner's row and everything they did, newest first (`limit` rows of each kind; None for all)."""
    learner = db.get(Learner, learner_id)
    if learner is None:
        return None

    def newest(*columns: Any, model: Any, order: Any) -> list[Any]:
        query = select(*columns).where(model.learner_id == learner_id).order_by(order.desc()).limit(limit)
        return list(db.execute(query))

    def total(model: Any) -> int:
        return int(db.scalar(select(func.count()).select_from(model).where(model.learner_id == learner_id)) or 0)

    return LearnerHistory(
        learner=learner,
        opens=newest(LessonOpen.opened_at, LessonOpen.lesson_slug, model=LessonOpen, order=LessonOpen.opened_at),
        hints=newest(HintReveal.revealed_at, HintReveal.lesson_slug, HintReveal.question_id, model=HintReveal,
                     order=HintReveal.revealed_at),
        practice=newest(PracticeAnswer.created_at, PracticeAnswer.lesson_slug, PracticeAnswer.question_id,
                        PracticeAnswer.choice, PracticeAnswer.correct, PracticeAnswer.first_try,
                        model=PracticeAnswer, order=PracticeAnswer.id),
        attempts=newest(TestAttempt.created_at, TestAttempt.lesson_slug, TestAttempt.score, TestAttempt.total,
                        TestAttempt.id, model=TestAttempt, order=TestAttempt.id),
        runs=newest(RunRecord.created_at, RunRecord.lesson_slug, RunRecord.mode, RunRecord.status,
                    RunRecord.error_type, RunRecord.duration_ms, model=RunRecord, order=RunRecord.id),
        totals={name: total(model) for name, model in (("opens", LessonOpen), ("hints", HintReveal),
                                                       ("practice", PracticeAnswer), ("attempts", TestAttempt),
                                                       ("runs", RunRecord))},
    )

