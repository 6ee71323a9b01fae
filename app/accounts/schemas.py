"""Wire shapes of the accounts API (fixed by the spec)."""

from pydantic import BaseModel, Field


class Credentials(BaseModel):
    email: str = Field(max_length=320, description="The account's email address.")
    password: str = Field(max_length=4096, description="At least 8 characters.")


class AccountOut(BaseModel):
    email: str
    role: str


class LoggedOut(BaseModel):
    signed_in: bool = False
