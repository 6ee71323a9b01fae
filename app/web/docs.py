"""What browsers ask for beside our pages: the API docs (Swagger UI from static/vendor, so they
work without internet and under our CSP) and /favicon.ico."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "docs/swagger.html", {"openapi_url": request.app.openapi_url, "title": request.app.title}
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)
