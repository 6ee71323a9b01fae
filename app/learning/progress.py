"""What a learner has done in each lesson, counted since their last reset of it."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import Lesson
from app.learning.learners import ensure_learner
from app.learning.models import LessonState, PracticeAnswer, TestAttempt
from app.learning.schemas import LessonProgress, PracticeProgress, TestProgress
from app.timeutil import utcnow

PASS_RATIO = 0.7


@dataclass
class PracticeRecord:
    """A learner's practice in one lesson: the first answer to each question, and the latest."""

    first: dict[str, PracticeAnswer] = field(default_factory=dict)
    latest: dict[str, PracticeAnswer] = field(default_factory=dict)

    def add(self, answer: PracticeAnswer) -> None:
        self.first.setdefault(answer.question_id, answer)
        self.latest[answer.question_id] = answer


def _reset_times(db: Session, learner_id: uuid.UUID) -> dict[str, datetime]:
    rows = db.execute(
        select(LessonState.lesson_slug, LessonState.reset_at).where(
            LessonState.learner_id == learner_id, LessonState.reset_at.is_not(None)
        )
    )
    return {slug: reset_at for slug, reset_at in rows}


def _counts(after: datetime | None, created_at: datetime) -> bool:
    if after is None:
        return True
    # SQLite hands back naive datetimes; both sides are UTC.
    return created_at.replace(tzinfo=None) > after.replace(tzinfo=None)


def practice_records(*, db: Session, learner_id: uuid.UUID, slug: str | None = None) -> dict[str, PracticeRecord]:
    """Practice answers per lesson slug that still count (newer than the lesson's reset)."""
    resets = _reset_times(db, learner_id)
    query = select(PracticeAnswer).where(PracticeAnswer.learner_id == learner_id).order_by(PracticeAnswer.id)
    if slug is not None:
        query = query.where(PracticeAnswer.lesson_slug == slug)
    records: dict[str, PracticeRecord] = {}
    for answer in db.scalars(query):
        if _counts(resets.get(answer.lesson_slug), answer.created_at):
            records.setdefault(answer.lesson_slug, PracticeRecord()).add(answer)
    return records


def test_attempts(*, db: Session, learner_id: uuid.UUID, slug: str | None = None) -> dict[str, list[TestAttempt]]:
    """Test attempts per lesson slug that still count, oldest first."""
    resets = _reset_times(db, learner_id)
    query = select(TestAttempt).where(TestAttempt.learner_id == learner_id).order_by(TestAttempt.id)
    if slug is not None:
        query = query.where(TestAttempt.lesson_slug == slug)
    attempts: dict[str, list[TestAttempt]] = {}
    for attempt in db.scalars(query):
        if _counts(resets.get(attempt.lesson_slug), attempt.created_at):
            attempts.setdefault(attempt.lesson_slug, []).append(attempt)
    return attempts


def summarize(lesson: Lesson, record: PracticeRecord | None, attempts: list[TestAttempt]) -> LessonProgress:
    """One lesson's progress: practice answered and right first time, best test, completion."""
    practice_ids = {q.id for q in lesson.practice}
    first = {qid: a for qid, a in (record.first if record else {}).items() if qid in practice_ids}
    practice = PracticeProgress(
        answered=len(first), correct=sum(a.correct for a in first.values()), total=len(lesson.practice)
    )
    test = None
    passed = False
    if attempts:
        best = max(attempts, key=lambda a: (a.score / a.total if a.total else 0, a.score))
        test = TestProgress(best_score=best.score, attempts=len(attempts))
        passed = best.total > 0 and best.score / best.total >= PASS_RATIO
    return LessonProgress(
        slug=lesson.slug, practice=practice, test=test,
        completed=practice.answered == practice.total and passed,
    )


def progress(*, db: Session, learner_id: uuid.UUID, lessons: list[Lesson]) -> list[LessonProgress]:
    """Progress in every lesson, in the order given."""
    records = practice_records(db=db, learner_id=learner_id)
    attempts = test_attempts(db=db, learner_id=learner_id)
    return [summarize(lesson, records.get(lesson.slug), attempts.get(lesson.slug, [])) for lesson in lessons]


def lesson_progress(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> LessonProgress:
    records = practice_records(db=db, learner_id=learner_id, slug=lesson.slug)
    attempts = test_attempts(db=db, learner_id=learner_id, slug=lesson.slug)
    return summarize(lesson, records.get(lesson.slug), attempts.get(lesson.slug, []))


def reset_lesson(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> None:
    """Start a lesson over: earlier answers and attempts stop counting (they stay for statistics)."""
    ensure_learner(db=db, learner_id=learner_id)
    state = db.get(LessonState, (learner_id, lesson.slug))
    if state is None:
        db.add(LessonState(learner_id=learner_id, lesson_slug=lesson.slug, reset_at=utcnow()))
    else:
        state.reset_at = utcnow()
