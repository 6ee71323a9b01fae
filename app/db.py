"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from starlette.concurrency import run_in_threadpool


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and pragmas set per connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    @event.listens_for(factory, "before_flush")
    def _remember_writes(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
        session.info["wrote"] = True

    return factory


def _wrote(session: Session) -> bool:
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted)


def _finish(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def request_session(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    """One session per request, committed before the response goes out.

    Creating a session does no I/O, so this runs on the event loop; only a commit (or a
    rollback after an error) goes to the threadpool. A read-only session is closed on the
    loop: that is a rollback of a read transaction, microseconds on SQLite. Each threadpool
    hop costs about as much as rendering a lesson page, so page views avoid two of them.
    """
    session = factory()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_finish, session, commit=False)
        raise
    if _wrote(session):
        await run_in_threadpool(_finish, session, commit=True)
    else:
        session.close()
