"""learners and learning progress

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learners',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learners_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('lesson_states',
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=120), nullable=False),
    sa.Column('reset_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'lesson_slug')
    )
    op.create_table('practice_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=120), nullable=False),
    sa.Column('question_id', sa.String(length=120), nullable=False),
    sa.Column('choice', sa.String(length=1), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('practice_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_answers_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_practice_answers_learner_lesson', ['learner_id', 'lesson_slug', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_answers_question_id'), ['question_id'], unique=False)

    op.create_table('test_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=120), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('test_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_attempts_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_test_attempts_learner_lesson', ['learner_id', 'lesson_slug'], unique=False)

    op.create_table('test_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=120), nullable=False),
    sa.Column('question_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('test_draws', schema=None) as batch_op:
        batch_op.create_index('ix_test_draws_learner_lesson', ['learner_id', 'lesson_slug', 'id'], unique=False)

    op.create_table('test_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=120), nullable=False),
    sa.Column('difficulty', sa.String(length=10), nullable=False),
    sa.Column('choice', sa.String(length=1), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['test_attempts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('test_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_answers_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_answers_question_id'), ['question_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('test_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_answers_question_id'))
        batch_op.drop_index(batch_op.f('ix_test_answers_attempt_id'))

    op.drop_table('test_answers')
    with op.batch_alter_table('test_draws', schema=None) as batch_op:
        batch_op.drop_index('ix_test_draws_learner_lesson')

    op.drop_table('test_draws')
    with op.batch_alter_table('test_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_test_attempts_learner_lesson')
        batch_op.drop_index(batch_op.f('ix_test_attempts_created_at'))

    op.drop_table('test_attempts')
    with op.batch_alter_table('practice_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_answers_question_id'))
        batch_op.drop_index('ix_practice_answers_learner_lesson')
        batch_op.drop_index(batch_op.f('ix_practice_answers_created_at'))

    op.drop_table('practice_answers')
    op.drop_table('lesson_states')
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learners_last_seen_at'))

    op.drop_table('learners')
