"""Field types shared by the request models of several packages."""

from typing import Annotated

from pydantic import AfterValidator


def text_only(value: str) -> str:
    """Refuse strings that cannot be stored or run as text: JSON may carry lone surrogates (\\ud800)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"it holds a character that is not text ({error.reason} at position {error.start}); "
                         "remove it and send again") from error
    return value


Text = Annotated[str, AfterValidator(text_only)]
