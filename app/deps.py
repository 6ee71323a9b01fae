"""Annotated dependencies used by routes: the database session, the learner, the lesson library."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.content.library import Library
from app.content.schema import Lesson
from app.db import request_session
from app.errors import NotFound


async def get_db(request: Request) -> AsyncIterator[Session]:
    async for session in request_session(request.app.state.session_factory):
        yield session


# The dependencies below do no I/O, so they are async: FastAPI would run a sync one in the
# threadpool, and each hop costs more than the work.
async def get_learner_id(request: Request) -> uuid.UUID:
    learner_id: uuid.UUID = request.state.learner_id
    return learner_id


async def get_library(request: Request) -> Library:
    library: Library = request.app.state.content.library
    return library


async def get_lesson(slug: str, library: Annotated[Library, Depends(get_library)]) -> Lesson:
    lesson = library.get(slug)
    if lesson is None:
        raise NotFound(f"There is no lesson '{slug}'. The catalog at / lists every lesson.")
    return lesson


# scope="function": commit before the response is sent, so a failed commit is an error
# response, never a success the database did not keep.
DbSession = Annotated[Session, Depends(get_db, scope="function")]
LearnerId = Annotated[uuid.UUID, Depends(get_learner_id)]
CurrentLibrary = Annotated[Library, Depends(get_library)]
CurrentLesson = Annotated[Lesson, Depends(get_lesson)]
