"""spaced review: each learner's flashcards and missed questions with their FSRS state

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'review_items',
        sa.Column('learner_id', sa.Uuid(), nullable=False),
        sa.Column('item_id', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('lesson_slug', sa.String(length=120), nullable=False),
        sa.Column('state', sa.JSON(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id', 'item_id'),
    )
    op.create_index('ix_review_items_learner_due', 'review_items', ['learner_id', 'due_at'])


def downgrade() -> None:
    op.drop_index('ix_review_items_learner_due', table_name='review_items')
    op.drop_table('review_items')
