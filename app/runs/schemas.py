from pydantic import Field

from app.runner.protocol import CompareRequest, RunRequest
from app.wire import Text


class RunIn(RunRequest):
    code: Text = Field(description="The learner's program, run as if saved to a file and run with python.")
    lesson: str | None = Field(default=None, max_length=120, description="The lesson the code came from, if any.")


class CompareIn(CompareRequest):
    code: Text = Field(description="The learner's program, run once in each mode.")
    lesson: str | None = Field(default=None, max_length=120)
