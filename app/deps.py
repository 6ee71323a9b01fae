"""Annotated dependencies used by routes: the database session, who is asking, the lesson library, and the
app's shared parts (settings, content, templates, runner, rate limits). Only this module reads
`request.app.state`; tests replace any of these through `app.dependency_overrides`."""

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.content.library import Library
from app.content.schema import Lesson
from app.content.store import ContentStore
from app.db import request_session
from app.errors import LessonHasProblems, NotFound, NotSignedIn
from app.identity import ROLES, Account, Learner, session_account
from app.runner.client import Runner
from app.settings import Settings
from app.web.cookie import Identity
from app.web.ratelimit import Limits

logger = logging.getLogger(__name__)


async def get_db(request: Request) -> AsyncIterator[Session]:
    reading = request.method in ("GET", "HEAD")  # what a page view writes is bookkeeping only
    async for session in request_session(request.app.state.session_factory, best_effort=reading):
        yield session


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_content(request: Request) -> ContentStore:
    store: ContentStore = request.app.state.content
    return store


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def get_runner(request: Request) -> Runner | None:
    runner: Runner | None = request.app.state.runner
    return runner


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


# The dependencies below are async: FastAPI would run a sync one in the threadpool, and each hop costs
# more than their work. Only a signed-in (or legacy) cookie costs I/O: one lookup, in the threadpool.
def _load_account(factory: sessionmaker[Session], identity: Identity) -> Account | None:
    assert identity.session_token is not None
    with factory() as db:
        account = session_account(db=db, learner_id=identity.learner_id, token=identity.session_token)
        if db.dirty:
            try:
                db.commit()
            except SQLAlchemyError:  # only "last seen" was being written: the session is still valid
                logger.warning("could not record that a session was used", exc_info=True)
        return account


def _is_account(factory: sessionmaker[Session], learner_id: uuid.UUID) -> bool:
    with factory() as db:
        learner = db.get(Learner, learner_id)
        return learner is not None and learner.has_account


def _start_anonymous(request: Request) -> None:
    learner_id = uuid.uuid4()
    request.state.learner_id = learner_id
    request.state.identity = request.state.set_identity = Identity(learner_id)


async def get_learner_id(request: Request) -> uuid.UUID:
    """This browser's learner id; a signed-in cookie counts only while its session is open."""
    if hasattr(request.state, "account"):  # already resolved for this request
        learner_id: uuid.UUID = request.state.learner_id
        return learner_id
    identity: Identity = request.state.identity
    factory = request.app.state.session_factory
    account = None
    if identity.session_token is not None:
        account = await run_in_threadpool(_load_account, factory, identity)
        if account is None:  # logged out, password changed elsewhere, or the account is gone
            _start_anonymous(request)
    elif identity.legacy:
        # Before sessions, signing up kept the anonymous id, so an old anonymous cookie may name an account.
        if await run_in_threadpool(_is_account, factory, identity.learner_id):
            _start_anonymous(request)
        else:
            request.state.identity = request.state.set_identity = Identity(identity.learner_id)
    request.state.account = account
    learner_id = request.state.learner_id
    return learner_id


async def get_client_address(request: Request) -> str:
    """The caller's address, as rate limits count it (behind a proxy, uvicorn's --proxy-headers sets it)."""
    return request.client.host if request.client else "unknown"


async def get_identity(request: Request, _: Annotated[uuid.UUID, Depends(get_learner_id)]) -> Identity:
    """The cookie's identity after its session was checked (anonymous if the session is over)."""
    identity: Identity = request.state.identity
    return identity


async def get_account(request: Request, _: Annotated[uuid.UUID, Depends(get_learner_id)]) -> Account | None:
    account: Account | None = request.state.account
    return account


def require_role(*roles: str) -> Callable[..., Awaitable[Account]]:
    """A dependency: the account, if it has one of `roles`; else 401 (log in) or 403."""

    async def check(account: Annotated[Account | None, Depends(get_account)]) -> Account:
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


async def get_is_author(request: Request, _: Annotated[uuid.UUID, Depends(get_learner_id)]) -> bool:
    return viewer_is_author(request)


async def get_library(store: Annotated[ContentStore, Depends(get_content)],
                      is_author: Annotated[bool, Depends(get_is_author)]) -> Library:
    """The lessons this viewer may see: drafts only for authors."""
    return store.library if is_author else store.published


async def get_whole_library(store: Annotated[ContentStore, Depends(get_content)]) -> Library:
    """Every lesson, drafts included, whoever asks: for recording what a request named."""
    return store.library


async def get_lesson(slug: str, library: Annotated[Library, Depends(get_library)],
                     store: Annotated[ContentStore, Depends(get_content)],
                     is_author: Annotated[bool, Depends(get_is_author)]) -> Lesson:
    lesson = library.get(slug)
    if lesson is None:
        broken = store.snapshot.broken.get(slug)
        if broken and is_author:
            raise LessonHasProblems(slug, broken)
        raise NotFound(f"There is no lesson '{slug}'. The catalog at / lists every lesson.")
    return lesson


# scope="function": commit before the response is sent, so a failed commit is an error
# response, never a success the database did not keep.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
DbEngine = Annotated[Engine, Depends(get_engine)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Content = Annotated[ContentStore, Depends(get_content)]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
CurrentRunner = Annotated[Runner | None, Depends(get_runner)]
RateLimits = Annotated[Limits, Depends(get_limits)]
LearnerId = Annotated[uuid.UUID, Depends(get_learner_id)]
IsAuthor = Annotated[bool, Depends(get_is_author)]
CurrentLibrary = Annotated[Library, Depends(get_library)]
WholeLibrary = Annotated[Library, Depends(get_whole_library)]
CurrentLesson = Annotated[Lesson, Depends(get_lesson)]
ClientAddress = Annotated[str, Depends(get_client_address)]
CurrentIdentity = Annotated[Identity, Depends(get_identity)]
CurrentAccount = Annotated[Account | None, Depends(get_account)]
AdminAccount = Annotated[Account, Depends(require_role("admin"))]
AuthorAccount = Annotated[Account, Depends(require_role("author", "admin"))]
SignedIn = Annotated[Account, Depends(require_role(*ROLES))]
