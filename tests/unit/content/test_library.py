"""Loading a folder of lessons: broken files are left out, never fatal; ids stay unique."""

from pathlib import Path

from app.content.library import load_library
from tests.helpers import fixture_text, line_of, write_lesson


def test_a_broken_lesson_is_left_out_and_the_others_load(tmp_path: Path):
    write_lesson(tmp_path, "good.md", fixture_text())
    broken = fixture_text().replace("slug: fixture-lesson", "slug: broken").replace("- [ ] option c of p-two", "")
    write_lesson(tmp_path, "broken.md", broken)
    library = load_library([tmp_path])
    assert list(library.lessons) == ["fixture-lesson"]
    assert any(p.path.endswith("broken.md") for p in library.problems)


def test_two_lessons_with_one_slug_keep_the_first(tmp_path: Path):
    write_lesson(tmp_path, "a.md", fixture_text())
    write_lesson(tmp_path, "b.md", fixture_text())
    library = load_library([tmp_path])
    assert len(library.lessons) == 1
    assert any("slug 'fixture-lesson' is already used by" in p.message for p in library.problems)


def test_question_ids_must_be_unique_across_lessons(tmp_path: Path):
    write_lesson(tmp_path, "a.md", fixture_text())
    second = fixture_text().replace("slug: fixture-lesson", "slug: second")
    write_lesson(tmp_path, "b.md", second)
    library = load_library([tmp_path])
    clash = next(p for p in library.problems if "question id 'p-one' is already used" in p.message)
    assert clash.path.endswith("b.md")
    assert clash.line == line_of(second, "### p-one")


def test_readme_and_underscore_files_are_not_lessons(tmp_path: Path):
    write_lesson(tmp_path, "README.md", "# Guide\n")
    write_lesson(tmp_path, "_draft.md", "not a lesson")
    library = load_library([tmp_path])
    assert library.lessons == {} and library.problems == []


def test_a_link_to_a_lesson_that_does_not_exist_is_reported(tmp_path: Path):
    text = fixture_text().replace("## Summary\n", "## Summary\n\nNext: [more](/lessons/no-such-lesson), "
                                  "[self](/lessons/fixture-lesson#examples).\n", 1)
    path = write_lesson(tmp_path, "a.md", text)
    library = load_library([tmp_path])
    assert [str(p) for p in library.problems] == [
        f"{path}:{line_of(text, 'Next: [more]')}: link to '/lessons/no-such-lesson': "
        "there is no lesson 'no-such-lesson'"
    ]
