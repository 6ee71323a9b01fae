"""Domain errors raised by services; the web layer maps them to HTTP statuses."""


class NotFound(Exception):
    """Something the request named does not exist (404)."""


class InvalidInput(Exception):
    """The request is well-formed but its values are wrong (422)."""


class LessonHasProblems(Exception):
    """An author asked for a lesson whose file has problems and no good version to show (422)."""

    def __init__(self, slug: str, problems: tuple[object, ...]) -> None:
        super().__init__(f"The lesson '{slug}' has {len(problems)} problem(s) to fix before it can be shown.")
        self.slug = slug
        self.problems = problems


class NotSignedIn(Exception):
    """The page needs an account and this browser is not signed in (pages: to /login; API: 401)."""


class Conflict(Exception):
    """The request clashes with what exists, such as an email already signed up (409)."""


class RateLimited(Exception):
    """Too many requests of this kind from this learner or address (429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(Exception):
    """A part the request needs is down or busy (503 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(Exception):
    """Something the request carries is over a size limit (413)."""
