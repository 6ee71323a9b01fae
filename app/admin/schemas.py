"""Wire shapes of the admin API (fixed by the spec)."""

from pydantic import BaseModel, Field


class LessonFigures(BaseModel):
    slug: str
    learners: int = Field(description="Learners who opened the lesson or answered any of its questions.")
    practice_completed: int = Field(description="Learners who answered all five practice questions.")
    tests_taken: int = Field(description="Learners who took the lesson's test at least once.")
    avg_test_score: float | None = Field(description="Mean score of every test attempt, 0 to 1; null with none.")


class Overview(BaseModel):
    learners: int = Field(description="Learners who saved anything: an answer, a test, a run or an opened lesson.")
    active_7d: int = Field(description="Of those, the ones seen in the last 7 days.")
    answers: int = Field(description="Practice answers and test answers, all time.")
    runs: int = Field(description="Runs of code, all time.")
    lessons: list[LessonFigures]
