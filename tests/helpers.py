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


def right_letters(lesson_slug: str, questions: list[dict], content: Path | None = None) -> dict[str, str]:
    """For questions as an API or page showed them (options shuffled), the letter the right option was shown
    under, found by its text."""
    from app.content.library import load_library
    from tests.conftest import FIXTURE_CONTENT

    lesson = load_library([content or FIXTURE_CONTENT]).lessons[lesson_slug]
    bank = {q.id: q for q in lesson.test_bank}
    letters = {}
    for shown in questions:
        question = bank[shown["id"]]
        right = next(c.text for c in question.choices if c.key == question.correct_choice)
        letters[shown["id"]] = next(c["key"] for c in shown["choices"] if c["text"] == right)
    return letters


def read_test_form(html: str) -> tuple[str, list[dict]]:
    """A test page's draw id, and its questions as shown: [{"id", "choices": [{"key", "text"}]}]."""
    import re
    from html import unescape

    draw = re.search(r'name="draw" value="(\d+)"', html)
    assert draw is not None, "the page has no test form"
    questions: dict[str, dict] = {}
    for qid, key, text in re.findall(
            r'name="q-([^"]+)" value="([A-Z])".*?<span class="visually-hidden">[A-Z]\. </span>(.*?)</span>\s*</label>',
            html, re.S):
        plain = unescape(re.sub(r"<[^>]+>", "", text)).strip()
        questions.setdefault(qid, {"id": qid, "choices": []})["choices"].append({"key": key, "text": plain})
    return draw.group(1), list(questions.values())
