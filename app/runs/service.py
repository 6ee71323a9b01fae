"""Keeping a record of runs."""

import uuid

from sqlalchemy.orm import Session

from app.learning.learners import ensure_learner
from app.runner.protocol import RunResult
from app.runs.models import RunRecord


def record_run(*, db: Session, learner_id: uuid.UUID, lesson_slug: str | None, result: RunResult) -> None:
    """Store who ran what and how it ended (never the code or its output)."""
    ensure_learner(db=db, learner_id=learner_id)
    db.add(RunRecord(
        learner_id=learner_id, lesson_slug=lesson_slug, mode=result.mode, status=result.status,
        error_type=result.error.type if result.error else None, duration_ms=result.duration_ms,
    ))
