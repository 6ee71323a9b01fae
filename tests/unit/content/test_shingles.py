"""Copied prose is found from fingerprints alone, without the page it was copied from."""

from pathlib import Path

from tests.content.shingles import copied_runs, fingerprints, read_fingerprints

COPIED = "Graph execution records every operation once and replays the recorded plan on later calls."


def test_a_copied_sentence_is_found_from_the_fingerprints_of_its_page(tmp_path: Path):
    page = tmp_path / "reference-shingles.txt"
    page.write_text("".join(f"{f}\n" for f in fingerprints(f"Some other words first. {COPIED} And more after.")))
    lesson = f"## Introduction\n\nOur own words here. {COPIED.upper()}\n\n```python\nprint(1)\n```\n"
    assert copied_runs(lesson, read_fingerprints(page))[0] == "graph execution records every operation once and replays"


def test_prose_in_other_words_is_not_flagged(tmp_path: Path):
    known = fingerprints(f"Some other words first. {COPIED}")
    assert copied_runs("Graph execution records each operation a single time and then replays it.", known) == []


def test_runs_shorter_than_eight_words_do_not_count():
    known = fingerprints(COPIED)
    assert copied_runs("Graph execution records every operation once and", known) == []


def test_code_is_not_prose():
    known = fingerprints(COPIED)
    assert copied_runs(f"```python\n# {COPIED}\n```\n", known) == []
