"""Refuse cross-site form posts: unsafe methods must come from this site (Sec-Fetch-Site, then Origin).

Browsers send `Sec-Fetch-Site` on every request; older ones send `Origin` on cross-origin posts. A request
with neither (curl, scripts, the test client) is not a browser acting on a visitor's behalf and is let
through. SameSite=Lax cookies already stop most cross-site posts; this closes the rest (same-site
sub-domains, old browsers).
"""

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.errors import error_response

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MESSAGE = ("This form was sent from another website, so it was refused to protect your account. "
           "Open TF Patterns directly and try again.")


class CrossSiteRequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or self.same_site(scope):
            await self.app(scope, receive, send)
            return
        response = error_response(Request(scope), 403, MESSAGE)
        await response(scope, receive, send)

    @staticmethod
    def same_site(scope: Scope) -> bool:
        headers = Headers(scope=scope)
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site in ("same-origin", "none")
        origin = headers.get("origin")
        if origin is None:
            return True
        if origin == "null":
            return False
        host = headers.get("host", "")
        scheme = scope.get("scheme", "http")
        forwarded = headers.get("x-forwarded-proto")
        schemes = {scheme, forwarded} if forwarded else {scheme}
        return any(origin == f"{s}://{host}" for s in schemes)
