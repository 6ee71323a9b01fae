"""The learner row behind a cookie: created on the first thing worth saving."""

import uuid

from sqlalchemy.orm import Session

from app.accounts.models import Learner
from app.timeutil import utcnow


def ensure_learner(*, db: Session, learner_id: uuid.UUID) -> Learner:
    """The learner with this id, created if this is their first saved action."""
    learner = db.get(Learner, learner_id)
    now = utcnow()
    if learner is None:
        learner = Learner(id=learner_id, created_at=now, last_seen_at=now)
        db.add(learner)
        db.flush()
    else:
        learner.last_seen_at = now
    return learner
