"""The learner cookie: a signed learner id, plus a session token once the browser is signed in.

Every browser gets a random learner id on its first response, so progress can be kept before anyone
signs up. Signing up or logging in re-issues the cookie with a session token; the `LearnerId`
dependency checks that token against the open sessions, so logging out or changing the password
ends a session on the server, whatever copies of the cookie exist.
"""

import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LEARNER_COOKIE = "tfp_learner"
COOKIE_MAX_AGE = 60 * 60 * 24 * 400


@dataclass(frozen=True)
class Identity:
    learner_id: uuid.UUID
    session_token: str | None = None  # None: anonymous
    # An anonymous cookie from before sessions existed: its id may since have become an account's,
    # so it is trusted only after a check (deps.get_learner_id) and then re-issued.
    legacy: bool = False


class IdentityCookie:
    def __init__(self, secret_key: str, *, secure: bool) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt="learner")
        self.secure = secure

    def read(self, value: str | None) -> Identity | None:
        if not value:
            return None
        try:
            payload = self.serializer.loads(value)
            if isinstance(payload, str):
                return Identity(uuid.UUID(payload), legacy=True)
            if isinstance(payload, dict):
                token = payload.get("s")
                return Identity(uuid.UUID(payload["l"]), str(token) if token else None)
        except (BadSignature, ValueError, TypeError, KeyError):
            return None
        return None  # a signed-in cookie of the old format: its session cannot be checked, so it is over

    def header(self, identity: Identity) -> str:
        payload = {"l": str(identity.learner_id)}
        if identity.session_token is not None:
            payload["s"] = identity.session_token
        parts = [f"{LEARNER_COOKIE}={self.serializer.dumps(payload)}", "Path=/", f"Max-Age={COOKIE_MAX_AGE}",
                 "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


class LearnerCookieMiddleware:
    """Puts the cookie's identity on `scope["state"]`; sets the cookie when it is new or a route changed it.

    A route (log in, log out, sign up) changes who the browser is by setting `request.state.set_identity`.
    """

    def __init__(self, app: ASGIApp, *, cookie: IdentityCookie) -> None:
        self.app = app
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        identity = self.cookie.read(HTTPConnection(scope).cookies.get(LEARNER_COOKIE))
        state = scope.setdefault("state", {})
        if identity is None:
            identity = Identity(uuid.uuid4())
            state["set_identity"] = identity
        state["identity"] = identity
        state["learner_id"] = identity.learner_id

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("set_identity") is not None:
                MutableHeaders(scope=message).append("set-cookie", self.cookie.header(state["set_identity"]))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
