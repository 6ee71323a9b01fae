"""The learner cookie: a signed random id given on the first response of any page or API call."""

import uuid

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LEARNER_COOKIE = "tfp_learner"
COOKIE_MAX_AGE = 60 * 60 * 24 * 400


class LearnerCookieMiddleware:
    """Puts `scope["state"]["learner_id"]` on every request and sets the cookie when it is new."""

    def __init__(self, app: ASGIApp, *, secret_key: str, secure: bool) -> None:
        self.app = app
        self.serializer = URLSafeSerializer(secret_key, salt="learner")
        self.secure = secure

    def read(self, value: str | None) -> uuid.UUID | None:
        if not value:
            return None
        try:
            return uuid.UUID(self.serializer.loads(value))
        except (BadSignature, ValueError, TypeError):
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        learner_id = self.read(connection.cookies.get(LEARNER_COOKIE))
        is_new = learner_id is None
        if learner_id is None:
            learner_id = uuid.uuid4()
        scope.setdefault("state", {})["learner_id"] = learner_id
        if not is_new or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        cookie = self.cookie_header(learner_id)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def cookie_header(self, learner_id: uuid.UUID) -> str:
        value = self.serializer.dumps(str(learner_id))
        parts = [f"{LEARNER_COOKIE}={value}", "Path=/", f"Max-Age={COOKIE_MAX_AGE}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
