"""Accounts: sign up, log in and out, change password, roles, and folding anonymous progress into an account."""

import re
import uuid

from pwdlib import PasswordHash
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Base
from app.errors import Conflict, InvalidInput, NotFound, RateLimited
from app.identity import ROLES, Learner, close_other_sessions, close_session, open_session
from app.timeutil import as_utc, utcnow
from app.web.ratelimit import Limits

# Surrounding spaces are forgiven (stripped); control characters never reach the database. Spelled without
# `\s`, whose meaning differs between Python and the JSON Schema (ECMAScript) readers of the OpenAPI schema.
_SPACE = r"[ \t\n\r]"
_PART = r"[^@ \t\n\r\x00-\x1f\x7f-\x9f]+"
EMAIL_PATTERN = rf"^{_SPACE}*{_PART}@{_PART}\.{_PART}{_SPACE}*$"
EMAIL_RE = re.compile(EMAIL_PATTERN)
MAX_EMAIL = 254
MIN_PASSWORD = 8
MAX_PASSWORD_CHARS = 1024
WRONG_LOGIN = "That email and password do not match an account. Check both and try again."
EMAIL_TAKEN = "An account with this email already exists. Log in instead."

_hasher = PasswordHash.recommended()  # argon2id
# Verified against when the email is unknown, so that case costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")


class LoginFailed(Exception):
    """Unknown email or wrong password: the same message for both."""


def normalize_email(email: str) -> str:
    if len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        raise InvalidInput("Enter an email address such as ada@example.org.")
    return email.strip(" \t\n\r").lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"That password is too long; use at most {MAX_PASSWORD_CHARS} characters.")


def account_by_email(db: Session, email: str) -> Learner | None:
    return db.scalars(select(Learner).where(Learner.email == email)).first()


def sign_up(*, db: Session, anonymous_id: uuid.UUID, email: str, password: str) -> tuple[Learner, str]:
    """A new account that keeps every answer this browser gave anonymously; (account, session token).

    The account gets an id of its own: the anonymous cookie, and any copy of it, never reaches it.
    """
    email = normalize_email(email)
    check_password(password)
    if account_by_email(db, email) is not None:
        raise Conflict(EMAIL_TAKEN)
    now = utcnow()
    account = Learner(id=uuid.uuid4(), email=email, password_hash=_hasher.hash(password), signed_up_at=now,
                      created_at=now, last_seen_at=now)
    try:
        with db.begin_nested():
            db.add(account)
            db.flush()
    except IntegrityError as error:  # a parallel sign-up with the same email won
        raise Conflict(EMAIL_TAKEN) from error
    merge_anonymous(db=db, anonymous_id=anonymous_id, account=account)
    return account, open_session(db=db, account=account)


def authenticate(*, db: Session, email: str, password: str) -> Learner:
    """The account for these credentials; LoginFailed (same message, same time) otherwise."""
    try:
        email = normalize_email(email)
    except InvalidInput:
        email = ""
    account = account_by_email(db, email) if email else None
    hashed = account.password_hash if account is not None and account.password_hash else _DUMMY_HASH
    valid, rehashed = _hasher.verify_and_update(password[:MAX_PASSWORD_CHARS], hashed)
    if account is None or not valid:
        raise LoginFailed(WRONG_LOGIN)
    if rehashed is not None:  # the hasher's parameters were raised since this hash was made
        account.password_hash = rehashed
    account.last_seen_at = utcnow()
    return account


def learner_tables() -> list:  # type: ignore[type-arg]
    """Every table that stores something per learner (a `learner_id` column), found from the models."""
    return [table for table in Base.metadata.sorted_tables if "learner_id" in table.c]


def merge_anonymous(*, db: Session, anonymous_id: uuid.UUID, account: Learner) -> None:
    """Move an anonymous learner's progress into `account` (logging in on a browser used anonymously)."""
    if anonymous_id == account.id:
        return
    anonymous = db.get(Learner, anonymous_id)
    if anonymous is None or anonymous.has_account:
        return
    db.flush()
    for table in learner_tables():
        keys = [column for column in table.primary_key.columns if column.name != "learner_id"]
        if table.c.learner_id.primary_key and keys:
            # One row per learner and key (e.g. lesson state): the account's own row wins.
            other = table.alias("other")
            clash = exists().where(other.c.learner_id == account.id,
                                   *(other.c[key.name] == table.c[key.name] for key in keys))
            db.execute(delete(table).where(table.c.learner_id == anonymous_id, clash))
        db.execute(update(table).where(table.c.learner_id == anonymous_id).values(learner_id=account.id))
    keep_one_first_try(db=db, learner_id=account.id)
    # The account's age counts from when this person was first seen.
    account.created_at = min(as_utc(account.created_at), as_utc(anonymous.created_at))
    db.delete(anonymous)


def keep_one_first_try(*, db: Session, learner_id: uuid.UUID) -> None:
    """After a merge, a question answered both anonymously and on the account has two "first tries":
    only the earlier one stays first, so question statistics count each learner once."""
    from app.learning.models import PracticeAnswer

    answers = PracticeAnswer.__table__
    earlier = answers.alias("earlier")
    db.execute(update(answers).where(
        answers.c.learner_id == learner_id, answers.c.first_try.is_(True),
        exists().where(earlier.c.learner_id == learner_id, earlier.c.lesson_slug == answers.c.lesson_slug,
                       earlier.c.question_id == answers.c.question_id, earlier.c.first_try.is_(True),
                       earlier.c.id < answers.c.id),
    ).values(first_try=False))


def check_login_allowed(*, limits: Limits, address: str, email: str) -> None:
    """RateLimited if this address, or this address for this account, failed to log in too often."""
    checks = ((limits.login_address, address, "from this address"),
              (limits.login_pair, _pair(address, email), "for this account from this address"))
    for limiter, key, where in checks:
        wait = limiter.blocked_for(key)
        if wait is not None:
            raise RateLimited(f"Too many failed logins {where}. Wait {wait} seconds, then try again.", wait)


def login_delay(*, limits: Limits, email: str, slowdown_s: float) -> float:
    """Seconds to hold every attempt on an account that failed logins from many places (0 normally)."""
    return 0.0 if limits.login_account.blocked_for(_account_key(email)) is None else slowdown_s


def log_in(*, db: Session, limits: Limits, address: str, email: str, password: str,
           anonymous_id: uuid.UUID) -> tuple[Learner, str]:
    """The account for these credentials, with this browser's anonymous progress folded in, and a new
    session token; LoginFailed (counted against the rate limits) otherwise."""
    try:
        account = authenticate(db=db, email=email, password=password)
    except LoginFailed:
        limits.login_address.hit(address)
        limits.login_pair.hit(_pair(address, email))
        limits.login_account.hit(_account_key(email))
        raise
    merge_anonymous(db=db, anonymous_id=anonymous_id, account=account)
    return account, open_session(db=db, account=account)


def log_out(*, db: Session, session_token: str | None) -> None:
    """End this browser's session on the server, so no copy of its cookie stays signed in."""
    if session_token is not None:
        close_session(db=db, token=session_token)


def _pair(address: str, email: str) -> str:
    return f"{address}|{email.strip().lower()}"


def _account_key(email: str) -> str:
    return email.strip().lower()


def change_password(*, db: Session, account: Learner, current: str, new: str, session_token: str | None) -> Learner:
    """Set a new password; every other browser signed in to this account is signed out."""
    if not account.password_hash or not _hasher.verify(current[:MAX_PASSWORD_CHARS], account.password_hash):
        raise InvalidInput("Your current password is not right.")
    check_password(new)
    account.password_hash = _hasher.hash(new)
    close_other_sessions(db=db, learner_id=account.id, keep=session_token)
    return account


def set_role(*, db: Session, learner_id: uuid.UUID, role: str) -> Learner:
    if role not in ROLES:
        raise InvalidInput(f"A role is one of: {', '.join(ROLES)}.")
    account = db.get(Learner, learner_id)
    if account is None or not account.has_account:
        raise NotFound("There is no account with that id.")
    if account.role == "admin" and role != "admin":
        admins = db.scalar(select(func.count()).select_from(Learner).where(Learner.role == "admin")) or 0
        if admins <= 1:
            raise InvalidInput("This is the only admin; make someone else an admin first.")
    account.role = role
    return account


def create_or_promote_admin(*, db: Session, email: str, password: str | None) -> tuple[Learner, bool]:
    """(account, created): a new admin with this password, or an existing account promoted to admin."""
    email = normalize_email(email)
    account = account_by_email(db, email)
    if account is not None:
        account.role = "admin"
        if password:
            check_password(password)
            account.password_hash = _hasher.hash(password)
            close_other_sessions(db=db, learner_id=account.id, keep=None)
        return account, False
    if not password:
        raise InvalidInput("A new admin needs a password: set TFP_ADMIN_PASSWORD or type one at the prompt.")
    account, _ = sign_up(db=db, anonymous_id=uuid.uuid4(), email=email, password=password)
    close_other_sessions(db=db, learner_id=account.id, keep=None)  # nobody is signed in by this command
    account.role = "admin"
    return account, True
