"""Scoring a practice answer and remembering it."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.schema import Lesson, Question
from app.errors import InvalidInput, NotFound
from app.identity import ensure_learner
from app.learning.models import PracticeAnswer
from app.learning.schemas import Feedback


def practice_question(*, lesson: Lesson, question_id: str) -> Question:
    """The practice question `question_id` of `lesson`, or NotFound."""
    question = lesson.practice_question(question_id)
    if question is None:
        raise NotFound(f"Lesson '{lesson.slug}' has no practice question '{question_id}'.")
    return question


def normalize_choice(question: Question, choice: str) -> str:
    """The option key the learner meant ('b ' -> 'B'), or InvalidInput naming the valid keys."""
    key = choice.strip().upper()
    if key not in question.choice_keys():
        keys = ", ".join(question.choice_keys())
        raise InvalidInput(f"'{choice}' is not one of this question's options; choose one of {keys}.")
    return key


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
    db.add(PracticeAnswer(
        learner_id=learner_id, lesson_slug=lesson.slug, question_id=question.id,
        choice=key, correct=key == question.correct_choice, first_try=earlier is None,
    ))
    return Feedback.of(question, key)
