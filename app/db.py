"""Engine and session factory; SQLite gets WAL, foreign keys, a busy timeout and immediate write transactions.

On SQLite, SQLAlchemy rather than pysqlite decides when a transaction begins: reads run outside any
transaction (each statement sees the newest commit, and readers never wait for a writer), and the first
write of a session (INSERT, UPDATE, DELETE or SAVEPOINT) first runs `BEGIN IMMEDIATE`, which takes the
write lock and, when another connection holds it, waits `busy_timeout` for it. The default, a deferred
transaction upgraded from read to write, fails at once with "database is locked" when another connection
committed in between, without waiting at all.
"""

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from starlette.concurrency import run_in_threadpool

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
WRITE_ATTEMPTS = 3  # BEGIN IMMEDIATE tries, each waiting up to BUSY_TIMEOUT_MS for the lock
MIN_FREE_BYTES = 1 << 20  # below this, a SQLite database's filesystem counts as full
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")

Failure = Literal["busy", "full", "read-only", "error"]


class Base(DeclarativeBase):
    pass


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (also `file:...?mode=ro` URIs); None for other databases and :memory:."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and pragmas set per connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    if path is not None and not parsed.database.startswith("file:"):  # type: ignore[union-attr]
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # pysqlite must not emit BEGIN itself: _begin_for_writes does
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    turnstile = WriterTurnstile()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_for_writes(_conn, cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        dbapi_connection = cursor.connection
        if not dbapi_connection.in_transaction and statement.lstrip()[:9].upper().startswith(_WRITES):
            _warn_on_event_loop()
            turnstile.enter(dbapi_connection)
            try:
                begin_immediate(dbapi_connection)
            except BaseException:
                turnstile.leave(dbapi_connection)
                raise

    # The turnstile is passed on when the write transaction ends, however it ends.
    dialect: Any = engine.dialect
    for name in ("do_commit", "do_rollback"):
        original = getattr(dialect, name)

        def finished(dbapi_connection, _original=original):  # type: ignore[no-untyped-def]
            try:
                _original(dbapi_connection)
            finally:
                turnstile.leave(dbapi_connection)

        setattr(dialect, name, finished)
    for pool_event in ("close", "invalidate", "soft_invalidate", "close_detached"):
        event.listen(engine.pool, pool_event, lambda dbapi_connection, *_: turnstile.leave(dbapi_connection))
    return engine


class WriterTurnstile:
    """Writers of this process take SQLite's write lock one after another, woken as soon as it is free.

    Without it, writers that find the lock taken sleep in SQLite's busy handler, in steps of up to 100 ms,
    and whoever polls at the right moment wins: under load a few writers wait many times, and answers'
    p95 grows tenfold. Writers in other processes still meet SQLite's own lock and busy timeout.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: object | None = None

    def enter(self, dbapi_connection: object) -> None:
        if self.lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000 * WRITE_ATTEMPTS):
            self.holder = dbapi_connection
        else:  # a holder that never finished: leave it to SQLite's lock, which reports busy
            logger.warning("a writer held the database for over %d ms", BUSY_TIMEOUT_MS * WRITE_ATTEMPTS)

    def leave(self, connection: object) -> None:
        """`connection`: the DBAPI connection, or the pool's proxy of it (what dialects are given)."""
        dbapi_connection = getattr(connection, "dbapi_connection", connection)
        if self.holder is not None and self.holder is dbapi_connection:
            self.holder = None
            self.lock.release()


def _warn_on_event_loop() -> None:
    """Writes belong in the threadpool: a write waiting for the lock on the app's event loop would stop the
    commit it waits for (commits of lock holders run on the loop, see request_session). Only a warning:
    other code may run a loop in this thread for its own reasons (Playwright's sync API does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    logger.warning("a database write started in a thread that runs an event loop; if this is the web app's "
                   "loop, run the write with run_in_threadpool", stack_info=True)


def begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """Take SQLite's write lock, trying WRITE_ATTEMPTS times; the last "database is locked" is raised."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if attempt == WRITE_ATTEMPTS or failure_of(error) != "busy":
                raise
            logger.warning("the database stayed locked (attempt %d of %d); trying again", attempt, WRITE_ATTEMPTS)
            time.sleep(0.05 * attempt)


_SQLITE_FAILURES: dict[str, Failure] = {
    "SQLITE_BUSY": "busy", "SQLITE_LOCKED": "busy", "SQLITE_FULL": "full", "SQLITE_READONLY": "read-only",
    "SQLITE_IOERR": "error", "SQLITE_CANTOPEN": "error", "SQLITE_CORRUPT": "error", "SQLITE_NOTADB": "error",
    "SQLITE_PERM": "read-only",
}
_POSTGRES_FAILURES: dict[str, Failure] = {  # SQLSTATE classes and codes
    "40001": "busy", "40P01": "busy", "55P03": "busy", "53100": "full", "25006": "read-only", "53": "error",
    "08": "error", "57P": "error",
}


def failure_of(error: BaseException) -> Failure | None:
    """Why the database refused: busy (locked after retries), full, read-only or error (I/O, unreachable);
    None when the error is not the database's state (a bug, a constraint)."""
    orig = getattr(error, "orig", None) or error
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((kind for prefix, kind in _SQLITE_FAILURES.items() if name.startswith(prefix)), None)
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        return next((kind for prefix, kind in _POSTGRES_FAILURES.items() if state.startswith(prefix)), None)
    if type(orig).__name__ == "OperationalError":  # a driver that cannot reach its server names no state
        return "error"
    return None


def database_state(engine: Engine) -> Failure | Literal["ok"]:
    """Can the app write to its database right now? Cheap enough for every /healthz: nothing is written.

    On SQLite a real write is tried and rolled back (catches a read-only file or folder), and the free
    space of the file's filesystem is read, as a rolled-back write never reaches the disk and so cannot
    notice that it is full. PostgreSQL is asked whether it is read-only; it cannot tell in advance whether
    its disk is full.
    """
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                return _sqlite_state(connection, sqlite_path(str(engine.url)))
            read_only = connection.execute(text(
                "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")).scalar()
            return "read-only" if read_only else "ok"
    except Exception as error:
        kind = failure_of(error) or "error"
        logger.info("database check: %s (%s)", kind, error)
        return kind


def _sqlite_state(connection: Connection, path: Path | None) -> Failure | Literal["ok"]:
    dbapi_connection: Any = connection.connection.dbapi_connection
    version = dbapi_connection.execute("PRAGMA user_version").fetchone()[0]
    dbapi_connection.execute("PRAGMA busy_timeout=200")
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
        try:
            dbapi_connection.execute(f"PRAGMA user_version={int(version)}")  # the same value: a write, undone
        finally:
            dbapi_connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if failure_of(error) != "busy":  # busy: someone else is writing, so writes work
            raise
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if path is not None:
        stats = os.statvfs(path.parent)
        free = (stats.f_bfree if os.geteuid() == 0 else stats.f_bavail) * stats.f_frsize
        if free < MIN_FREE_BYTES:
            return "full"
    return "ok"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)

    @event.listens_for(factory, "before_flush")
    def _remember_writes(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
        session.info["wrote"] = True

    # Bulk statements (`db.execute(delete(...))`) bypass the flush: they write all the same.
    @event.listens_for(factory, "do_orm_execute")
    def _remember_bulk_writes(state) -> None:  # type: ignore[no-untyped-def]
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["wrote"] = True

    return factory


def _wrote(session: Session) -> bool:
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


def _holds_sqlite_write_lock(session: Session) -> bool:
    if not session.in_transaction():
        return False
    dbapi_connection = session.connection().connection.dbapi_connection
    return isinstance(dbapi_connection, sqlite3.Connection) and dbapi_connection.in_transaction


def _finish(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def request_session(factory: sessionmaker[Session], *, best_effort: bool = False) -> AsyncIterator[Session]:
    """One session per request, committed before the response goes out.

    `best_effort` (page views): what the request wrote is only bookkeeping (a lesson opened, a learner seen),
    so a database that cannot save it (full, read-only, locked) does not stop the page being served.

    Creating a session does no I/O, so this runs on the event loop. A read-only session is closed on the
    loop: that is the end of a read, microseconds on SQLite. A session that already holds SQLite's write
    lock (its route wrote) is committed or rolled back on the loop too: that cannot wait for anyone, and
    waiting for a free threadpool thread while holding the lock would make every other writer wait as
    well (under load, the threads are the very requests waiting for the lock). Any other commit, which may
    have to wait for the lock or the network, goes to the threadpool, where BEGIN, the writes and COMMIT
    run in one step.
    """
    session = factory()
    try:
        yield session
    except BaseException:
        if _holds_sqlite_write_lock(session):
            _finish(session, commit=False)
        else:
            await run_in_threadpool(_finish, session, commit=False)
        raise
    if not _wrote(session):
        session.close()
        return
    try:
        if _holds_sqlite_write_lock(session):
            _finish(session, commit=True)
        else:
            await run_in_threadpool(_finish, session, commit=True)
    except DBAPIError as error:
        if not best_effort or failure_of(error) is None:
            raise
        logger.warning("a page view's bookkeeping was not saved (%s); the page is served all the same",
                       failure_of(error))
