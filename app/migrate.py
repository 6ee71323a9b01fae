"""Bring a database to the newest schema with Alembic (the only way the schema changes)."""

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.settings import PROJECT_ROOT


class DatabaseUnusable(Exception):
    """The database cannot be opened, migrated or written to; the message is one sentence saying what to do."""


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def describe(where: str, failure: str, reason: str = "") -> str:
    """One sentence for an operator: what is wrong with the database at `where` and what to do."""
    if failure == "read-only":
        return (f"The database {where} is read-only: make its file and folder writable by this user, "
                "or point TFP_DATABASE_URL at one that is.")
    if failure == "full":
        return f"The disk that holds the database {where} is full: free some space, then start again."
    if failure == "busy":
        return f"The database {where} stayed locked by another process: stop that process, then start again."
    detail = f" ({reason})" if reason else ""
    return (f"Cannot open the database {where}{detail}: check TFP_DATABASE_URL, that its folder exists and is "
            "writable, and that its server is running.")


def upgrade_to_head(database_url: str) -> None:
    """Apply every migration not yet applied to `database_url`, then check that it can be written to.

    Raises DatabaseUnusable, with a sentence, when it cannot be opened, migrated or written to.
    """
    from app.db import database_state, failure_of, make_engine, sqlite_path

    path = sqlite_path(database_url)
    where = str(path) if path is not None else make_url(database_url).render_as_string(hide_password=True)
    try:
        engine = make_engine(database_url)
    except OSError as error:
        raise DatabaseUnusable(describe(where, "error", f"{error.strerror}: {error.filename}")) from error
    try:
        with engine.begin() as connection:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        state = database_state(engine)
    except (SQLAlchemyError, OSError) as error:
        orig = getattr(error, "orig", None) or error
        reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        raise DatabaseUnusable(describe(where, failure_of(error) or "error", reason)) from error
    finally:
        engine.dispose()
    if state != "ok":
        raise DatabaseUnusable(describe(where, state))
