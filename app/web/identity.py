"""Who is asking: a signed cookie with a learner id, plus the account's session version once signed in.

Every browser gets a random learner id on its first response, so progress can be kept before anyone
signs up. Signing up or logging in re-issues the cookie with the account's session version; the
`LearnerId` dependency checks that version against the database, so a password change signs out
every other browser.
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
    session_version: int | None = None  # None: anonymous


class IdentityCookie:
    def __init__(self, secret_key: str, *, secure: bool) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt="learner")
        self.secure = secure

    def read(self, value: str | None) -> Identity | None:
        if not value:
            return None
        try:
            payload = self.serializer.loads(value)
            if isinstance(payload, str):  # anonymous
                return Identity(uuid.UUID(payload))
            learner, version = payload
            return Identity(uuid.UUID(learner), int(version))
        except (BadSignature, ValueError, TypeError):
            return None

    def header(self, identity: Identity) -> str:
        payload = str(identity.learner_id) if identity.session_version is None else [
            str(identity.learner_id), identity.session_version]
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
        state["learner_id"] = identity.learner_id
        state["session_version"] = identity.session_version

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("set_identity") is not None:
                MutableHeaders(scope=message).append("set-cookie", self.cookie.header(state["set_identity"]))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
