"""The learner row behind a cookie: created on the first thing worth saving."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import Learner
from app.timeutil import utcnow


def ensure_learner(*, db: Session, learner_id: uuid.UUID) -> Learner:
    """The learner with this id, created if this is their first saved action."""
    learner = db.get(Learner, learner_id)
    now = utcnow()
    if learner is not None:
        learner.last_seen_at = now
        return learner
    try:
        # A savepoint, so that losing a race with a parallel first request of the same
        # browser (a double submit) costs only this insert, not the whole transaction.
        with db.begin_nested():
            learner = Learner(id=learner_id, created_at=now, last_seen_at=now)
            db.add(learner)
    except IntegrityError:
        learner = db.get(Learner, learner_id, populate_existing=True)
        if learner is None:
            raise
    return learner
