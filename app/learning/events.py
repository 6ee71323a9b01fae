"""Lesson opens and hint reveals: the first of each per learner is kept, for the admin dashboard."""

import logging
import uuid
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from app.content.schema import Lesson
from app.db import failure_of
from app.identity import ensure_learner
from app.learning.models import HintReveal, LessonOpen
from app.learning.practice import practice_question
from app.timeutil import utcnow

logger = logging.getLogger(__name__)


def _insert_once(db: Session, row: LessonOpen | HintReveal) -> None:
    """Insert `row` unless a row with its primary key exists; a parallel request inserting it too is no error."""
    try:
        with db.begin_nested():  # a savepoint: losing the race costs only this insert
            db.add(row)
    except IntegrityError:
        pass


@cache
def _opened_query() -> Select[tuple[uuid.UUID]]:
    """Built once: every lesson page view asks it, and building costs more than running it."""
    return select(LessonOpen.learner_id).where(LessonOpen.learner_id == bindparam("learner_id"),
                                               LessonOpen.lesson_slug == bindparam("slug"))


def record_lesson_open(*, db: Session, learner_id: uuid.UUID, lesson: Lesson) -> None:
    """Remember the first time this learner opened this lesson; later opens change nothing.

    Best effort: when the database cannot save it (full, read-only, locked), the lesson is still shown.
    """
    if db.execute(_opened_query(), {"learner_id": learner_id, "slug": lesson.slug}).first() is not None:
        return
    try:
        with db.begin_nested():
            ensure_learner(db=db, learner_id=learner_id)
            _insert_once(db, LessonOpen(learner_id=learner_id, lesson_slug=lesson.slug, opened_at=utcnow()))
    except DBAPIError as error:
        if failure_of(error) is None:
            raise
        logger.warning("could not record that a lesson was opened (%s); showing it all the same",
                       failure_of(error))


def record_hint_reveal(*, db: Session, learner_id: uuid.UUID, lesson: Lesson, question_id: str) -> None:
    """Remember that this learner revealed the hint of a practice question (NotFound for other ids)."""
    question = practice_question(lesson=lesson, question_id=question_id)
    if db.get(HintReveal, (learner_id, lesson.slug, question.id)) is not None:
        return
    ensure_learner(db=db, learner_id=learner_id)
    _insert_once(db, HintReveal(learner_id=learner_id, lesson_slug=lesson.slug, question_id=question.id,
                                revealed_at=utcnow()))
