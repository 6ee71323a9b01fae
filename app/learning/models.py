"""Stored progress. Lessons and questions are referred to by their stable ids from content/."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.timeutil import utcnow

SLUG_LENGTH = 120


def learner_fk() -> ForeignKey:
    return ForeignKey("learners.id", ondelete="CASCADE")


class LessonState(Base):
    """Per learner and lesson: when they reset it (answers before that no longer count)."""

    __tablename__ = "lesson_states"

    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk(), primary_key=True)
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PracticeAnswer(Base):
    __tablename__ = "practice_answers"
    __table_args__ = (
        Index("ix_practice_answers_learner_lesson", "learner_id", "lesson_slug", "id"),
        # The admin dashboard's question statistics and funnel read only first tries, in these two orders.
        Index("ix_practice_answers_first_question", "first_try", "lesson_slug", "question_id", "choice", "correct",
              "learner_id"),
        Index("ix_practice_answers_first_learner", "first_try", "learner_id", "lesson_slug", "question_id",
              "correct", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    question_id: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    choice: Mapped[str] = mapped_column(String(1))
    correct: Mapped[bool] = mapped_column(Boolean)
    # The learner's first answer to this question ever (resets do not change it); kept on the row so that
    # statistics over a million answers need not find each learner's first answer again.
    first_try: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TestDraw(Base):
    """The questions last handed to a learner for a lesson's test, so grading knows the full set."""

    __tablename__ = "test_draws"
    __table_args__ = (Index("ix_test_draws_learner_lesson", "learner_id", "lesson_slug", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    # question id -> its options' own keys in the order shown (labelled A, B, C... on screen); None: as written
    option_orders: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TestAttempt(Base):
    __tablename__ = "test_attempts"
    # Holds every column the dashboard's funnel and a learner's progress read, so neither reads the table.
    __table_args__ = (Index("ix_test_attempts_learner_lesson_score", "learner_id", "lesson_slug", "created_at",
                            "score", "total"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    option_orders: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)  # as shown: see TestDraw
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    answers: Mapped[list["TestAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="TestAnswer.position"
    )


class TestAnswer(Base):
    __tablename__ = "test_answers"
    __table_args__ = (Index("ix_test_answers_question_choice", "question_id", "choice", "correct"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("test_attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    difficulty: Mapped[str] = mapped_column(String(10))
    choice: Mapped[str | None] = mapped_column(String(1))  # the option's own key, whatever letter it was shown as
    correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[TestAttempt] = relationship(back_populates="answers")


class LessonOpen(Base):
    """The first time a learner opened a lesson page: the top of the dashboard's funnel."""

    __tablename__ = "lesson_opens"
    __table_args__ = (Index("ix_lesson_opens_lesson", "lesson_slug", "opened_at"),)

    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk(), primary_key=True)
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HintReveal(Base):
    """The first time a learner revealed a practice question's hint."""

    __tablename__ = "hint_reveals"
    __table_args__ = (Index("ix_hint_reveals_question", "lesson_slug", "question_id"),)

    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk(), primary_key=True)
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    revealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewItem(Base):
    """A flashcard or a question in a learner's spaced review, with its FSRS scheduling state."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_learner_due", "learner_id", "due_at"),)

    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk(), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "card:slug:id" or "question:slug:id"
    kind: Mapped[str] = mapped_column(String(10))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    state: Mapped[dict[str, object]] = mapped_column(JSON)  # fsrs.Card.to_dict()
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
