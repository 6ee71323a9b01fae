"""`tfpatterns serve` on a database it cannot use: one sentence on stderr and a non-zero status, no traceback,
and no server started."""

from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the server must not start on a database it cannot use")

    monkeypatch.setattr("uvicorn.run", run)


def serve_on(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("TFP_DATABASE_URL", url)
    status = main(["serve"])
    return status, capsys.readouterr().err


def test_a_database_path_under_a_file_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]):
    (tmp_path / "not-a-folder").write_text("")
    status, err = serve_on(f"sqlite:///{tmp_path / 'not-a-folder' / 'db.sqlite3'}", monkeypatch, capsys)
    assert status != 0
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: Cannot open the database ") and "check TFP_DATABASE_URL" in last


def test_a_read_only_database_is_one_sentence(tmp_path: Path, migrated_template: Path,
                                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "db.sqlite3"
    path.write_bytes(migrated_template.read_bytes())
    status, err = serve_on(f"sqlite:///file:{path}?mode=ro&uri=true", monkeypatch, capsys)
    assert status != 0
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"error: The database {path} is read-only: make its file and folder writable by this user, "
        "or point TFP_DATABASE_URL at one that is.")


def test_an_unreachable_postgresql_is_one_sentence(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("psycopg")
    status, err = serve_on("postgresql+psycopg://tfp:secret@127.0.0.1:1/tfp?connect_timeout=3", monkeypatch, capsys)
    assert status != 0
    assert "Traceback" not in err and "secret" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: Cannot open the database postgresql+psycopg://tfp:***@127.0.0.1:1/tfp")
