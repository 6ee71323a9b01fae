"""Wire shapes of the accounts API (fixed by the spec)."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from app.accounts.service import (
    EMAIL_PATTERN,
    MAX_EMAIL,
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD,
    check_password,
    normalize_email,
)
from app.errors import InvalidInput
from app.wire import Text, text_only


def _email(value: str) -> str:
    try:
        return normalize_email(text_only(value))
    except InvalidInput as error:
        raise ValueError(str(error)) from error


def _password(value: str) -> str:
    try:
        check_password(text_only(value))
    except InvalidInput as error:
        raise ValueError(str(error)) from error
    return value


# The schema documents what is accepted; the validators say what to fix in the service's own sentences.
NewEmail = Annotated[str, AfterValidator(_email), Field(json_schema_extra={"pattern": EMAIL_PATTERN},
                                                         max_length=MAX_EMAIL,
                                                         description="An email address, such as ada@example.org.")]
NewPassword = Annotated[str, AfterValidator(_password), Field(
    json_schema_extra={"minLength": MIN_PASSWORD}, max_length=MAX_PASSWORD_CHARS,
    description=f"At least {MIN_PASSWORD} characters.")]


class SignUpIn(BaseModel):
    email: NewEmail
    password: NewPassword


class LoginIn(BaseModel):
    email: Text = Field(max_length=320)
    password: Text = Field(max_length=MAX_PASSWORD_CHARS)


class AccountOut(BaseModel):
    email: str
    role: str


class LoggedOut(BaseModel):
    signed_in: bool = False
