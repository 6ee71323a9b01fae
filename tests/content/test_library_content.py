"""The real lessons in content/: every one passes `tfpatterns check`, and each has what the spec asks."""

import re
from pathlib import Path

import pytest

from app.cli import main
from app.content.library import load_library
from app.content.schema import DIFFICULTIES
from app.settings import PROJECT_ROOT
from tests.content.shingles import copied_runs, read_fingerprints

CONTENT = PROJECT_ROOT / "content"
LIBRARY = load_library([CONTENT])


def test_every_lesson_in_content_passes_the_structural_check(capsys: pytest.CaptureFixture[str]):
    # scripts/test also runs the full `tfpatterns check content/`, which executes every program
    assert main(["check", "--no-run", str(CONTENT)]) == 0, capsys.readouterr().out


def test_content_has_lessons():
    assert LIBRARY.lessons, "content/ should hold at least one valid lesson"


@pytest.mark.parametrize("slug", sorted(LIBRARY.lessons))
def test_each_test_bank_can_fill_a_test_with_every_difficulty(slug: str):
    bank = LIBRARY.lessons[slug].test_bank
    assert len(bank) >= 10
    assert {q.difficulty for q in bank} == set(DIFFICULTIES)


def test_the_first_lesson_asks_to_predict_a_print_inside_a_tf_function():
    lesson = LIBRARY.lessons["eager-vs-graph"]
    questions = [*lesson.practice, *lesson.test_bank]
    assert any("@tf.function" in q.prompt and "print(" in q.prompt for q in questions)


REFERENCE = read_fingerprints()  # the reference page's shingles; see tests/content/shingles.py


def test_the_reference_fingerprints_are_there_to_compare_against():
    assert len(REFERENCE) > 1000 and all(re.fullmatch(r"[0-9a-f]{16}", f) for f in REFERENCE)


@pytest.mark.parametrize("slug", sorted(LIBRARY.lessons))
def test_no_lesson_copies_prose_from_the_reference_page(slug: str):
    text = Path(LIBRARY.lessons[slug].path).resolve().read_text()  # paths are relative to cwd
    copied = copied_runs(text, REFERENCE)
    assert not copied, f"{slug} repeats the reference page word for word: {copied[:3]}"
