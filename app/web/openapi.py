"""The OpenAPI schema says what the server really answers: every error is `{"detail": "<sentence>"}`.

Routes declare the errors that are theirs (`responses=errors(404, 409)`); the errors that middleware or
shared machinery can give any operation (cross-site refusal, body too large, invalid input, a database
or runner that is down) are added here once, so the schema cannot forget them.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

DESCRIPTIONS = {
    401: "Not signed in, or the email and password do not match.",
    403: "Refused: a form sent from another site, or an account without the needed role.",
    404: "No such lesson, question or page.",
    409: "Clashes with what exists (an email already signed up).",
    413: "The request body is larger than the server accepts (256 KB).",
    422: "The request is well-formed but a value is not valid; the sentence names it.",
    429: "Rate limited; wait the seconds in Retry-After.",
    503: "The database or the code runner cannot serve this now; try again after Retry-After seconds.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}
UNSAFE = {"post", "put", "patch", "delete"}


class ErrorOut(BaseModel):
    detail: str = Field(description="A sentence that says what went wrong and what to do next.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these statuses answer `{"detail": "<sentence>"}`."""
    return {status: {"model": ErrorOut, "description": DESCRIPTIONS[status]} for status in statuses}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _shared_errors(method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [503]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        statuses.append(404)
    if method in UNSAFE:
        statuses += [403, 413]
    return statuses


def describe(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI schema with every error status each operation can give, and no FastAPI error list."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ErrorOut.model_json_schema()
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in declared | set(_shared_errors(method, operation)):
                responses[str(status)] = _error_response(status)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
