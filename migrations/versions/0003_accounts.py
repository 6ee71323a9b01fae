"""accounts: email, password, role and session version on learners

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('learners') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('role', sa.String(length=16), server_default='learner', nullable=False))
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint('uq_learners_email', ['email'])


def downgrade() -> None:
    with op.batch_alter_table('learners') as batch:
        batch.drop_constraint('uq_learners_email', type_='unique')
        batch.drop_column('signed_up_at')
        batch.drop_column('session_version')
        batch.drop_column('role')
        batch.drop_column('password_hash')
        batch.drop_column('email')
