"""Domain errors raised by services; the web layer maps them to HTTP statuses."""


class NotFound(Exception):
    """Something the request named does not exist (404)."""


class InvalidInput(Exception):
    """The request is well-formed but its values are wrong (422)."""
