"""shuffled tests: the order in which each drawn question's options were shown

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('test_draws') as batch:
        batch.add_column(sa.Column('option_orders', sa.JSON(), nullable=True))
    with op.batch_alter_table('test_attempts') as batch:
        batch.add_column(sa.Column('option_orders', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('test_attempts') as batch:
        batch.drop_column('option_orders')
    with op.batch_alter_table('test_draws') as batch:
        batch.drop_column('option_orders')
