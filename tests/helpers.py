"""Small helpers shared by tests: editing fixture lessons."""

from pathlib import Path

from tests.conftest import FIXTURE_LESSON


def fixture_text() -> str:
    return FIXTURE_LESSON.read_text()


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the `occurrence`-th line containing `needle`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def write_lesson(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path
