"""The Alembic migrations build exactly the schema the models describe (nothing is ever create_all'd), on
every database the suite runs on: no difference is filtered out."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.models import Base


def test_the_migrated_schema_matches_the_models(database_url: str):
    engine = make_engine(database_url)  # migrated to head by the fixture
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()
