"""Every ORM model, imported in one place so Alembic and the app see the same metadata."""

from app.db import Base
from app.identity import Learner, LoginSession
from app.learning.models import (
    HintReveal,
    LessonOpen,
    LessonState,
    PracticeAnswer,
    ReviewItem,
    TestAnswer,
    TestAttempt,
    TestDraw,
)
from app.runs.models import RunRecord

__all__ = [
    "Base", "HintReveal", "Learner", "LessonOpen", "LessonState", "LoginSession", "PracticeAnswer", "ReviewItem",
    "RunRecord", "TestAnswer", "TestAttempt", "TestDraw",
]
