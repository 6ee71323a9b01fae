"""Stored progress. Lessons and questions are referred to by their stable ids from content/."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Uuid
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
    __table_args__ = (Index("ix_practice_answers_learner_lesson", "learner_id", "lesson_slug", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    question_id: Mapped[str] = mapped_column(String(SLUG_LENGTH), index=True)
    choice: Mapped[str] = mapped_column(String(1))
    correct: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TestDraw(Base):
    """The questions last handed to a learner for a lesson's test, so grading knows the full set."""

    __tablename__ = "test_draws"
    __table_args__ = (Index("ix_test_draws_learner_lesson", "learner_id", "lesson_slug", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TestAttempt(Base):
    __tablename__ = "test_attempts"
    __table_args__ = (Index("ix_test_attempts_learner_lesson", "learner_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, learner_fk())
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    score: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    answers: Mapped[list["TestAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="TestAnswer.position"
    )


class TestAnswer(Base):
    __tablename__ = "test_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("test_attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(SLUG_LENGTH), index=True)
    difficulty: Mapped[str] = mapped_column(String(10))
    choice: Mapped[str | None] = mapped_column(String(1))
    correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[TestAttempt] = relationship(back_populates="answers")
