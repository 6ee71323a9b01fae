"""The Alembic migrations build exactly the schema the models describe (nothing is ever create_all'd)."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.migrate import upgrade_to_head
from app.models import Base


def test_the_migrated_schema_matches_the_models(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'schema.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()
