"""Who a request is: the learner row every package refers to, roles, and signed-in sessions.

It sits below every domain package (learning, accounts, admin, runs) and the web dependencies, so that
all of them can name a learner without importing one another.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, Uuid, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base
from app.timeutil import as_utc, utcnow

ROLES = ("learner", "author", "admin")
# A session unused this long is over; its browser is anonymous again.
SESSION_IDLE = timedelta(days=30)
# last_seen_at is written at most this often per session, so a signed-in page view rarely writes.
SESSION_TOUCH = timedelta(hours=1)


class Learner(Base):
    """Anyone with a learner cookie who has saved anything; anonymous until they sign up."""

    __tablename__ = "learners"
    __table_args__ = (UniqueConstraint("email", name="uq_learners_email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str | None] = mapped_column(String(254))  # stored lower-case
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner", server_default="learner")
    signed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def has_account(self) -> bool:
        return self.email is not None


class LoginSession(Base):
    """One signed-in browser. The cookie carries a random token; only its hash is stored, so a copy of
    the database cannot be turned into cookies. Deleting the row signs that browser out."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Account:
    """The signed-in account behind a request (a plain value: safe outside any database session)."""

    id: uuid.UUID
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_author(self) -> bool:
        return self.role in ("author", "admin")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def open_session(*, db: Session, account: Learner) -> str:
    """Sign a browser in to `account`: the token its cookie will carry."""
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_hash=hash_token(token), learner_id=account.id))
    return token


def close_session(*, db: Session, token: str) -> None:
    """Sign out the browser holding `token`; its cookie no longer reaches the account."""
    db.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def close_other_sessions(*, db: Session, learner_id: uuid.UUID, keep: str | None) -> None:
    """Sign out every browser of this account but the one holding `keep` (after a password change)."""
    query = delete(LoginSession).where(LoginSession.learner_id == learner_id)
    if keep is not None:
        query = query.where(LoginSession.token_hash != hash_token(keep))
    db.execute(query)


def session_account(*, db: Session, learner_id: uuid.UUID, token: str) -> Account | None:
    """The account a signed-in cookie names, while its session is open and was used recently."""
    now = utcnow()
    row = db.execute(
        select(LoginSession, Learner).join(Learner, Learner.id == LoginSession.learner_id)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.learner_id == learner_id)
    ).first()
    if row is None:
        return None
    session, learner = row
    last_seen = as_utc(session.last_seen_at)
    if learner.email is None or now - last_seen > SESSION_IDLE:
        return None
    if now - last_seen > SESSION_TOUCH:
        session.last_seen_at = now
        learner.last_seen_at = now
    return Account(learner.id, learner.email, learner.role)

