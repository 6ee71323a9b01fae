"""Annotated dependencies used by routes: the database session, the learner, the lesson library."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.content.library import Library
from app.content.schema import Lesson
from app.db import request_session
from app.errors import LessonHasProblems, NotFound


async def get_db(request: Request) -> AsyncIterator[Session]:
    async for session in request_session(request.app.state.session_factory):
        yield session


# The dependencies below do no I/O, so they are async: FastAPI would run a sync one in the
# threadpool, and each hop costs more than the work.
async def get_learner_id(request: Request) -> uuid.UUID:
    learner_id: uuid.UUID = request.state.learner_id
    return learner_id


def viewer_is_author(request: Request) -> bool:
    """Authors see drafts and lesson problems. On an author's own server (`serve --reload`) everyone is one."""
    return bool(request.app.state.settings.authoring)


async def get_library(request: Request) -> Library:
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
