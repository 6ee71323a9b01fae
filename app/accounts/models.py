import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.timeutil import utcnow

ROLES = ("learner", "author", "admin")


class Learner(Base):
    """Anyone with a learner cookie who has saved anything; anonymous until they sign up.

    Signing up fills in the email and password of the same row, so anonymous progress is kept as is.
    """

    __tablename__ = "learners"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner", server_default="learner")
    # Part of every signed-in cookie; bumped on a password change, which signs out every other browser.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    signed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def has_account(self) -> bool:
        return self.email is not None
