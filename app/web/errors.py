"""Every error answered in the caller's language: JSON `{"detail"}` for the API, a page for people."""

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import InvalidInput, LessonHasProblems, NotFound, NotSignedIn

logger = logging.getLogger(__name__)

TITLES = {
    400: "That request was not understood",
    401: "Please log in",
    403: "You cannot open this page",
    404: "We could not find that page",
    405: "That action is not available here",
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
        message = item.get("msg", "is not valid")
        if item.get("type") == "missing" and not location:
            parts.append("The request needs a JSON body.")
        elif item.get("type") == "json_invalid":
            parts.append("The request body is not valid JSON.")
        else:
            parts.append(f"{location}: {message}." if location else f"{message}.")
    return " ".join(parts) or "The request is not valid."


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

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address. The catalog at / lists every lesson."
        return error_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Something went wrong on our side. Your progress is safe; try again.")

