"""What a learner has done in each lesson, counted since their last reset of it."""

import uuid
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Integer,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.content.schema import Lesson
from app.identity import ensure_learner
from app.learning.models import LessonState, PracticeAnswer, TestAttempt
from app.learning.schemas import LessonProgress, PracticeProgress, TestProgress
from app.timeutil import utcnow

PASS_RATIO = 0.7


@dataclass(frozen=True)
class Answer:
    question_id: str
    choice: str
    correct: bool


@dataclass(frozen=True)
class Attempt:
    score: int
    total: int


@dataclass
class LessonActivity:
    """A learner's practice answers (first and latest per question) and test attempts in one lesson."""

    lesson: Lesson
    first: dict[str, Answer] = field(default_factory=dict)
    latest: dict[str, Answer] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)

    def add_answer(self, answer: Answer) -> None:
        self.first.setdefault(answer.question_id, answer)
        self.latest[answer.question_id] = answer

    def progress(self) -> LessonProgress:
        """Practice answered and right first time, best test, completion."""
        lesson = self.lesson
        first = [self.first[q.id] for q in lesson.practice if q.id in self.first]
        practice = PracticeProgress(
            answered=len(first), correct=sum(a.correct for a in first), total=len(lesson.practice)
        )
        test = None
        passed = False
        if self.attempts:
            best = max(self.attempts, key=lambda a: (a.score / a.total if a.total else 0, a.score))
            test = TestProgress(best_score=best.score, attempts=len(self.attempts))
            passed = best.total > 0 and best.score / best.total >= PASS_RATIO
        return LessonProgress(
            slug=lesson.slug, practice=practice, test=test,
            completed=practice.answered == practice.total and passed,
        )


def _counted(model: type[PracticeAnswer] | type[TestAttempt]):  # type: ignore[no-untyped-def]
    """Join condition and filter: rows of `model` newer than the learner's reset of that lesson."""
    joined = and_(LessonState.learner_id == model.learner_id, LessonState.lesson_slug == model.lesson_slug)
    fresh = or_(LessonState.reset_at.is_(None), model.created_at > LessonState.reset_at)
    return joined, fresh


@cache
def _activity_query(one_lesson: bool) -> CompoundSelect:
    """Answers and attempts that still count, in one statement.

    Built once: constructing the expression costs ten times more than running it.
    Parameters: `learner_id`, and `slug` when `one_lesson`.
    """
    learner = bindparam("learner_id", type_=Uuid)
    answers_join, answers_fresh = _counted(PracticeAnswer)
    attempts_join, attempts_fresh = _counted(TestAttempt)
    answers = (
        select(
            literal_column("'p'").label("kind"), PracticeAnswer.lesson_slug.label("slug"),
            PracticeAnswer.id.label("id"), PracticeAnswer.question_id.label("question_id"),
            PracticeAnswer.choice.label("choice"), PracticeAnswer.correct.label("correct"),
            cast(null(), Integer).label("score"), cast(null(), Integer).label("total"),
        )
        .outerjoin(LessonState, answers_join)
        .where(PracticeAnswer.learner_id == learner, answers_fresh)
    )
    attempts = (
        select(
            literal_column("'t'"), TestAttempt.lesson_slug, TestAttempt.id, cast(null(), String),
            cast(null(), String), cast(null(), Boolean), TestAttempt.score, TestAttempt.total,
        )
        .outerjoin(LessonState, attempts_join)
        .where(TestAttempt.learner_id == learner, attempts_fresh)
    )
    if one_lesson:
        slug = bindparam("slug", type_=String)
        answers = answers.where(PracticeAnswer.lesson_slug == slug)
        attempts = attempts.where(TestAttempt.lesson_slug == slug)
    return union_all(answers, attempts).order_by("kind", "id")


def activities(*, db: Session, learner_id: uuid.UUID, lessons: list[Lesson]) -> dict[str, LessonActivity]:
    """Each lesson's counted activity, read in one query (a page view is hot: keep it to one)."""
    by_slug = {lesson.slug: LessonActivity(lesson=lesson) for lesson in lessons}
    params: dict[str, object] = {"learner_id": learner_id}
    if len(lessons) == 1:
        params["slug"] = lessons[0].slug
    for row in db.execute(_activity_query(len(lessons) == 1), params):
        activity = by_slug.get(row.slug)
        if activity is None:
            continue
        if row.kind == "p":
            activity.add_answer(Answer(row.question_id, row.choice, bool(row.correct)))
        else:
            activity.attempts.append(Attempt(row.score, row.total))
    return by_slug


def lesson_activity(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> LessonActivity:
    return activities(db=db, learner_id=learner_id, lessons=[lesson])[lesson.slug]


def progress(*, db: Session, learner_id: uuid.UUID, lessons: list[Lesson]) -> list[LessonProgress]:
    """Progress in every lesson, in the order given."""
    found = activities(db=db, learner_id=learner_id, lessons=lessons)
    return [found[lesson.slug].progress() for lesson in lessons]


def lesson_progress(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> LessonProgress:
    return lesson_activity(db=db, learner_id=learner_id, lesson=lesson).progress()


def reset_lesson(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> None:
    """Start a lesson over: earlier answers and attempts stop counting (they stay for statistics)."""
    ensure_learner(db=db, learner_id=learner_id)
    state = db.get(LessonState, (learner_id, lesson.slug))
    if state is None:
        db.add(LessonState(learner_id=learner_id, lesson_slug=lesson.slug, reset_at=utcnow()))
    else:
        state.reset_at = utcnow()
