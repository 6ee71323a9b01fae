"""Annotated dependencies used by routes: the database session, the learner, the lesson library."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.accounts.models import ROLES, Learner
from app.content.library import Library
from app.content.schema import Lesson
from app.db import request_session
from app.errors import LessonHasProblems, NotFound, NotSignedIn
from app.web.identity import Identity


async def get_db(request: Request) -> AsyncIterator[Session]:
    async for session in request_session(request.app.state.session_factory):
        yield session


# The dependencies below are async: FastAPI would run a sync one in the threadpool, and each hop costs
# more than their work. Only a signed-in cookie costs I/O (one lookup, in the threadpool).
@dataclass(frozen=True)
class Account:
    """The signed-in account behind this request (a plain value: safe outside any database session)."""

    id: uuid.UUID
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_author(self) -> bool:
        return self.role in ("author", "admin")


def _load_account(factory: sessionmaker[Session], learner_id: uuid.UUID, version: int) -> Account | None:
    with factory() as db:
        learner = db.get(Learner, learner_id)
        if learner is None or learner.email is None or learner.session_version != version:
            return None
        return Account(learner.id, learner.email, learner.role)


async def get_learner_id(request: Request) -> uuid.UUID:
    """This browser's learner id; for a signed-in cookie, only while its session is still valid."""
    learner_id: uuid.UUID = request.state.learner_id
    version: int | None = request.state.session_version
    if hasattr(request.state, "account"):  # already resolved for this request
        return learner_id
    account = None
    if version is not None:
        account = await run_in_threadpool(_load_account, request.app.state.session_factory, learner_id, version)
        if account is None:  # password changed elsewhere, or the account is gone: sign this browser out
            learner_id = uuid.uuid4()
            request.state.learner_id = learner_id
            request.state.session_version = None
            request.state.set_identity = Identity(learner_id)
    request.state.account = account
    return learner_id


async def get_account(request: Request, learner_id: Annotated[uuid.UUID, Depends(get_learner_id)]) -> Account | None:
    account: Account | None = request.state.account
    return account


def require_role(*roles: str) -> Callable[..., Awaitable[Account]]:
    """A dependency: the account, if it has one of `roles`; else 401 (log in) or 403."""

    async def check(request: Request, account: Annotated[Account | None, Depends(get_account)]) -> Account:
        if account is None:
            raise NotSignedIn("Log in with an account that may open this page.")
        if account.role not in roles:
            raise HTTPException(403, "Your account may not open this page; ask an admin for access.")
        return account

    return check


def viewer_is_author(request: Request) -> bool:
    """Authors and admins see drafts and lesson problems. On an author's own server (`serve --reload`)
    everyone is one. Needs `get_learner_id` to have run (every route that uses the library does)."""
    account: Account | None = getattr(request.state, "account", None)
    return bool(request.app.state.settings.authoring) or (account is not None and account.is_author)


async def get_library(request: Request, _: Annotated[uuid.UUID, Depends(get_learner_id)]) -> Library:
    """The lessons this viewer may see: drafts only for authors."""
    store = request.app.state.content
    library: Library = store.library if viewer_is_author(request) else store.published
    return library


async def get_lesson(request: Request, slug: str, library: Annotated[Library, Depends(get_library)]) -> Lesson:
    lesson = library.get(slug)
    if lesson is None:
        broken = request.app.state.content.snapshot.broken.get(slug)
        if broken and viewer_is_author(request):
            raise LessonHasProblems(slug, broken)
        raise NotFound(f"There is no lesson '{slug}'. The catalog at / lists every lesson.")
    return lesson


# scope="function": commit before the response is sent, so a failed commit is an error
# response, never a success the database did not keep.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
LearnerId = Annotated[uuid.UUID, Depends(get_learner_id)]
CurrentLibrary = Annotated[Library, Depends(get_library)]
CurrentLesson = Annotated[Lesson, Depends(get_lesson)]
CurrentAccount = Annotated[Account | None, Depends(get_account)]
AdminAccount = Annotated[Account, Depends(require_role("admin"))]
AuthorAccount = Annotated[Account, Depends(require_role("author", "admin"))]
SignedIn = Annotated[Account, Depends(require_role(*ROLES))]
