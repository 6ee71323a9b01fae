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


def test_create_admin_creates_then_promotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]):
    from app.accounts import service
    from app.db import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    monkeypatch.setenv("TFP_DATABASE_URL", url)
    monkeypatch.setenv("TFP_ADMIN_PASSWORD", "a long admin password")
    assert main(["create-admin", "Root@Example.org"]) == 0
    assert "Created admin root@example.org." in capsys.readouterr().out
    assert main(["create-admin", "root@example.org"]) == 0
    assert "Promoted admin root@example.org." in capsys.readouterr().out
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        account = service.authenticate(db=db, email="root@example.org", password="a long admin password")
        assert account.role == "admin"
    engine.dispose()


def test_create_admin_without_a_password_or_terminal_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("TFP_DATABASE_URL", f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    monkeypatch.delenv("TFP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["create-admin", "root@example.org"]) == 2
    assert "set TFP_ADMIN_PASSWORD" in capsys.readouterr().err
