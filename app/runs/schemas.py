from pydantic import Field, field_validator

from app.runner.protocol import CompareRequest, RunRequest


def _is_text(code: str) -> str:
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"the code holds a character that is not text ({error.reason} at position "
                         f"{error.start}); remove it and run again") from error
    return code


class RunIn(RunRequest):
    lesson: str | None = Field(default=None, max_length=120, description="The lesson the code came from, if any.")

    _text = field_validator("code")(_is_text)


class CompareIn(CompareRequest):
    lesson: str | None = Field(default=None, max_length=120)

    _text = field_validator("code")(_is_text)
