"""What an author's browser polls in `serve --reload` mode to refresh a page the moment a lesson is saved."""

from fastapi import APIRouter, Request

from app.deps import viewer_is_author
from app.errors import NotFound

router = APIRouter()


@router.get("/authoring/version")
async def content_version(request: Request) -> dict[str, int]:
    if not viewer_is_author(request) or not request.app.state.settings.authoring:
        raise NotFound("Live reload is on only when the server runs with `tfpatterns serve --reload`.")
    return {"version": request.app.state.content.version}
