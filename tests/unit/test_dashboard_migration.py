"""Migration 0004 (dashboard) goes up, down to 0003 and up again on SQLite, and marks existing first tries."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from app.db import make_engine
from app.migrate import alembic_config, upgrade_to_head


def test_the_dashboard_migration_goes_down_to_0003_and_up_again(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    upgrade_to_head(url)
    config = alembic_config(url)
    command.downgrade(config, "0003")
    engine = make_engine(url)
    try:
        schema = inspect(engine)
        assert not {"lesson_opens", "hint_reveals"} & set(schema.get_table_names())
        assert "first_try" not in {column["name"] for column in schema.get_columns("practice_answers")}
        learner = uuid.uuid4().hex
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO learners (id, created_at, last_seen_at, role, session_version) "
                                    "VALUES (:id, :at, :at, 'learner', 0)"), {"id": learner, "at": start})
            for minute, question, choice in ((1, "p-one", "C"), (2, "p-one", "A"), (3, "p-two", "B")):
                connection.execute(text(
                    "INSERT INTO practice_answers (learner_id, lesson_slug, question_id, choice, correct, created_at) "
                    "VALUES (:learner, 'lesson', :question, :choice, :choice = 'A', :at)"),
                    {"learner": learner, "question": question, "choice": choice,
                     "at": start + timedelta(minutes=minute)})
        command.upgrade(config, "head")
        engine.dispose()
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT question_id, choice, first_try FROM practice_answers ORDER BY id"))
            assert [tuple(row) for row in rows] == [("p-one", "C", 1), ("p-one", "A", 0), ("p-two", "B", 1)]
        schema = inspect(engine)
        assert {"lesson_opens", "hint_reveals"} <= set(schema.get_table_names())
        assert "ix_practice_answers_first_question" in {i["name"] for i in schema.get_indexes("practice_answers")}
    finally:
        engine.dispose()
