from pydantic import Field

from app.runner.protocol import CompareRequest, RunRequest


class RunIn(RunRequest):
    lesson: str | None = Field(default=None, max_length=120, description="The lesson the code came from, if any.")


class CompareIn(CompareRequest):
    lesson: str | None = Field(default=None, max_length=120)
