"""Sessions on SQLite: writes take the lock up front and wait for it; reads never do; savepoints nest."""

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app import db as app_db
from app.db import make_engine, make_session_factory
from app.models import Learner


@pytest.fixture
def sqlite_file(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(migrated_template.read_bytes())
    return path


@pytest.fixture
def factory(sqlite_file: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{sqlite_file}")
    yield make_session_factory(engine)
    engine.dispose()


def learners(factory: sessionmaker[Session]) -> int:
    with factory() as db:
        return int(db.scalar(select(func.count()).select_from(Learner)) or 0)


def add_learner(factory: sessionmaker[Session]) -> None:
    with factory() as db:
        db.add(Learner(id=uuid.uuid4()))
        db.commit()


def test_a_write_after_a_read_waits_for_another_writer_instead_of_failing(factory: sessionmaker[Session]):
    # The shape of a first answer that lost a race: a savepoint, a read in it, then writes.
    other_done = threading.Event()
    errors: list[BaseException] = []

    def other_request() -> None:
        try:
            add_learner(factory)
        except BaseException as error:
            errors.append(error)
        other_done.set()

    with factory() as db:
        with db.begin_nested():
            db.scalar(select(func.count()).select_from(Learner))
            thread = threading.Thread(target=other_request)
            thread.start()
            other_done.wait(0.5)  # the other request commits now, or waits for this one's lock
            db.add(Learner(id=uuid.uuid4()))
        db.commit()
    thread.join(10)
    assert errors == []
    assert learners(factory) == 2


def test_a_released_savepoint_is_undone_with_its_transaction(factory: sessionmaker[Session]):
    with factory() as db:
        with db.begin_nested():
            db.add(Learner(id=uuid.uuid4()))
        db.rollback()
    assert learners(factory) == 0


def test_reads_go_on_while_another_connection_holds_the_write_lock(factory: sessionmaker[Session],
                                                                  sqlite_file: Path):
    add_learner(factory)
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert learners(factory) == 1
        assert time.monotonic() - started < 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_gives_up_with_a_busy_failure_when_the_lock_never_comes(
        sqlite_file: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("app.db.BUSY_TIMEOUT_MS", 50)
    engine = make_engine(f"sqlite:///{sqlite_file}")
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with make_session_factory(engine)() as db, pytest.raises(OperationalError) as caught:
            db.add(Learner(id=uuid.uuid4()))
            db.commit()
        assert app_db.failure_of(caught.value) == "busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


@pytest.mark.parametrize(("message", "failure"), [
    ("database is locked", "busy"), ("database or disk is full", "full"),
    ("attempt to write a readonly database", "read-only"), ("disk I/O error", "error"),
])
def test_sqlite_errors_are_sorted_by_what_the_database_can_still_do(message: str, failure: str):
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = {"busy": "SQLITE_BUSY", "full": "SQLITE_FULL", "read-only": "SQLITE_READONLY",
                              "error": "SQLITE_IOERR_WRITE"}[failure]
    assert app_db.failure_of(error) == failure


def test_an_error_that_is_not_the_databases_state_is_not_sorted():
    error = sqlite3.OperationalError("no such table: practice_answers")
    error.sqlite_errorname = "SQLITE_ERROR"
    assert app_db.failure_of(error) is None
    assert app_db.failure_of(ValueError("a bug")) is None


def turnstile_free(factory: sessionmaker[Session]) -> bool:
    """Whether the next writer of this process may start at once (the turnstile was passed on)."""
    done = threading.Event()

    def write() -> None:
        add_learner(factory)
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(2)


@pytest.mark.parametrize("ending", ["commit", "rollback", "close", "error"])
def test_every_way_a_write_transaction_ends_lets_the_next_writer_in(factory: sessionmaker[Session], ending: str):
    learner_id = uuid.uuid4()
    db = factory()
    db.add(Learner(id=learner_id))
    db.flush()  # holds the write lock now
    if ending == "commit":
        db.commit()
    elif ending == "rollback":
        db.rollback()
    elif ending == "close":
        db.close()
    else:
        db.execute(insert(Learner).values(id=uuid.uuid4()))
        with pytest.raises(IntegrityError):
            db.execute(insert(Learner).values(id=learner_id))
        db.rollback()
    db.close()
    assert turnstile_free(factory)


def test_writers_of_one_process_wait_their_turn_instead_of_sleeping(factory: sessionmaker[Session]):
    holder = factory()
    holder.add(Learner(id=uuid.uuid4()))
    holder.flush()
    finished: list[float] = []

    def write() -> None:
        add_learner(factory)
        finished.append(time.monotonic())

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert finished == []  # all four wait for the holder
    released = time.monotonic()
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(5)
    assert len(finished) == 4 and max(finished) - released < 0.5  # woken at once, not after busy sleeps
    assert learners(factory) == 5


def test_a_write_started_on_the_event_loop_is_logged(factory: sessionmaker[Session],
                                                    caplog: pytest.LogCaptureFixture):
    import asyncio

    async def write_on_the_loop() -> None:
        add_learner(factory)

    # In a thread of its own: the browser tests may leave a loop running in this one.
    thread = threading.Thread(target=asyncio.run, args=(write_on_the_loop(),))
    thread.start()
    thread.join(10)
    assert "event loop" in caplog.text
    assert turnstile_free(factory)
