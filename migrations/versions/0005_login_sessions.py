"""login sessions: one row per signed-in browser, so logging out and password changes end sessions

Replaces the per-account session version, which could not sign out one copied cookie.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('learner_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_login_sessions_learner_id', 'login_sessions', ['learner_id'])
    with op.batch_alter_table('learners') as batch:
        batch.drop_column('session_version')


def downgrade() -> None:
    with op.batch_alter_table('learners') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    op.drop_index('ix_login_sessions_learner_id', table_name='login_sessions')
    op.drop_table('login_sessions')
