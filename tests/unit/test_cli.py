"""`tfpatterns check`: silent and zero on good lessons; `path:line: message` and non-zero on bad."""

from pathlib import Path

import pytest

from app.cli import main
from tests.helpers import fixture_text, line_of, write_lesson


def test_check_passes_a_valid_lesson(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    write_lesson(tmp_path, "good.md", fixture_text())
    assert main(["check", "--no-run", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_check_fails_with_path_and_line_on_a_broken_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = fixture_text().replace("- [ ] option a of p-three", "- [x] option a of p-three")
    path = write_lesson(tmp_path, "broken.md", text)
    assert main(["check", "--no-run", str(path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    line = line_of(text, "option a of p-three")
    assert out == [f"{path}:{line}: question 'p-three' has 2 options marked [x]; exactly one must be correct"]


def test_check_reports_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", "--no-run", str(tmp_path / "nope.md")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_check_fails_when_there_is_nothing_to_check(tmp_path: Path):
    assert main(["check", "--no-run", str(tmp_path)]) == 1
