"""The real lessons in content/: every one passes `tfpatterns check`, and each has what the spec asks."""

from pathlib import Path

import pytest

from app.cli import main
from app.content.library import load_library
from app.content.schema import DIFFICULTIES
from app.settings import PROJECT_ROOT

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


REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "reference-lesson.txt"
SHARED_RUN = 8  # words in a row shared with the reference page that count as copied prose


def prose_words(text: str) -> list[str]:
    import re

    without_code = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    return re.findall(r"[a-z0-9']+", without_code.lower())


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is not beside the project")
@pytest.mark.parametrize("slug", sorted(LIBRARY.lessons))
def test_no_lesson_copies_prose_from_the_reference_page(slug: str):
    reference = prose_words(REFERENCE.read_text())
    runs = {tuple(reference[i : i + SHARED_RUN]) for i in range(len(reference) - SHARED_RUN + 1)}
    words = prose_words(Path(LIBRARY.lessons[slug].path).resolve().read_text())  # paths are relative to cwd
    copied = {" ".join(words[i : i + SHARED_RUN]) for i in range(len(words) - SHARED_RUN + 1)
              if tuple(words[i : i + SHARED_RUN]) in runs}
    assert not copied, f"{slug} repeats the reference page word for word: {sorted(copied)[:3]}"
