import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.timeutil import utcnow


class RunRecord(Base):
    """One run of learner code: who, which lesson (when known), which mode, how it ended."""

    __tablename__ = "runs"
    __table_args__ = (
        # The admin dashboard's runs page reads these two indexes only (no table rows).
        Index("ix_runs_lesson_status", "lesson_slug", "status", "mode", "error_type", "created_at"),
        Index("ix_runs_created_duration", "created_at", "duration_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str | None] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    error_type: Mapped[str | None] = mapped_column(String(120))
    duration_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
