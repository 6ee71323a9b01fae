"""Every error answered in the caller's language: JSON `{"detail"}` for the API, a page for people."""

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.db import failure_of
from app.errors import (
    Conflict,
    InvalidInput,
    LessonHasProblems,
    NotFound,
    NotSignedIn,
    RateLimited,
    TooLarge,
    Unavailable,
)

logger = logging.getLogger(__name__)

TITLES = {
    400: "That request was not understood",
    401: "Please log in",
    403: "You cannot open this page",
    404: "We could not find that page",
    405: "That action is not available here",
    409: "That already exists",
    413: "That was too much to send",
    422: "Something in that request was not right",
    429: "Slow down a little",
    500: "Something went wrong on our side",
    503: "This part is unavailable right now",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/healthz" or "application/json" in request.headers.get("accept", "")


def error_response(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "errors/error.html",
        {"status": status, "title": TITLES.get(status, "Something went wrong"), "detail": detail},
        status_code=status, headers=headers,
    )


def describe_validation(error: RequestValidationError) -> str:
    """Pydantic's error list as one sentence per problem, naming the field."""
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        message = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        if item.get("type") == "missing" and not location:
            parts.append("The request needs a JSON body.")
        elif item.get("type") == "json_invalid":
            parts.append("The request body is not valid JSON.")
        else:
            message = message if message.endswith((".", "?", "!")) else f"{message}."
            parts.append(f"{location}: {message}" if location else message)
    return " ".join(parts) or "The request is not valid."


RETRY_BUSY_S = 2
RETRY_UNWRITABLE_S = 30


def not_saved(method: str, failure: str) -> tuple[str, int]:
    """What to tell someone whose request the database refused, and when to try again (seconds)."""
    busy = failure == "busy"
    if method in ("GET", "HEAD"):
        if busy:
            return "The server is busy, so this page could not be opened. Try again in a moment.", RETRY_BUSY_S
        return ("This page could not be opened: the server cannot use its database right now. Try again shortly.",
                RETRY_UNWRITABLE_S)
    if busy:
        return "Your answer was not saved; the server is busy. Try again in a moment.", RETRY_BUSY_S
    return "Your answer was not saved. Try again shortly.", RETRY_UNWRITABLE_S


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        route_methods = getattr(route, "methods", None)
        if match != Match.NONE and route_methods:
            methods |= set(route_methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)

    @app.exception_handler(LessonHasProblems)
    async def lesson_has_problems(request: Request, exc: LessonHasProblems) -> Response:
        problems = [str(problem) for problem in exc.problems]
        if wants_json(request):
            return JSONResponse({"detail": str(exc), "problems": problems}, status_code=422)
        return request.app.state.templates.TemplateResponse(
            request, "lessons/problems.html", {"slug": exc.slug, "detail": str(exc), "problems": problems},
            status_code=422,
        )

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> Response:
        return error_response(request, 422, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        return error_response(request, 409, str(exc))

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> Response:
        return error_response(request, 413, str(exc))

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        return error_response(request, 429, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> Response:
        return error_response(request, 503, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        status, headers = exc.status_code, getattr(exc, "headers", None)
        if status == 404 and detail == "Not Found":
            detail = "There is nothing at this address. The catalog at / lists every lesson."
        elif status == 400 and detail == "There was an error parsing the body":  # FastAPI's, for bytes not text
            status, detail = 422, "The request body is not valid JSON text; send UTF-8 encoded JSON."
        elif status == 405:
            methods = allowed_methods(request)
            headers = {"Allow": ", ".join(methods)}
            detail = f"This address does not take {request.method}; it takes {', '.join(methods)}."
        return error_response(request, status, detail, headers=headers)

    @app.exception_handler(DBAPIError)
    async def database_refused(request: Request, exc: DBAPIError) -> Response:
        failure = failure_of(exc)
        if failure is None:
            return await unexpected(request, exc)
        logger.error("database %s on %s %s: %s", failure, request.method, request.url.path, exc.orig)
        detail, retry_after = not_saved(request.method, failure)
        return error_response(request, 503, detail, headers={"Retry-After": str(retry_after)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        # It cannot know whether what was sent got saved, so it must not say it was.
        return error_response(request, 500, "Something went wrong on our side, and what you just did may not "
                              "have been saved. Try again in a moment.")

