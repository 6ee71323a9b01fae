"""Scoring a practice answer and remembering it."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import Lesson, Question
from app.errors import NotFound
from app.identity import ensure_learner
from app.learning import review
from app.learning.choices import normalize_choice
from app.learning.models import PracticeAnswer
from app.learning.schemas import Feedback


def practice_question(*, lesson: Lesson, question_id: str) -> Question:
    """The practice question `question_id` of `lesson`, or NotFound."""
    question = lesson.practice_question(question_id)
    if question is None:
        raise NotFound(f"Lesson '{lesson.slug}' has no practice question '{question_id}'.")
    return question


def record_answer(
    *, db: Session, learner_id: uuid.UUID, lesson: Lesson, question_id: str, choice: str
) -> Feedback:
    """Score the learner's choice, store it, and return the full feedback."""
    question = practice_question(lesson=lesson, question_id=question_id)
    key = normalize_choice(question, choice)
    ensure_learner(db=db, learner_id=learner_id)
    earlier = db.scalar(select(PracticeAnswer.id).where(
        PracticeAnswer.learner_id == learner_id, PracticeAnswer.lesson_slug == lesson.slug,
        PracticeAnswer.question_id == question.id,
    ).limit(1))
    correct = key == question.correct_choice
    db.add(PracticeAnswer(
        learner_id=learner_id, lesson_slug=lesson.slug, question_id=question.id,
        choice=key, correct=correct, first_try=earlier is None,
    ))
    if not correct:
        review.add_question(db=db, learner_id=learner_id, lesson=lesson, question=question)
    return Feedback.of(question, key)
