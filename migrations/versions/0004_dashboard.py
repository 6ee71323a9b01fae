"""dashboard: lesson opens, hint reveals, first tries, and the indexes the admin dashboard's queries use

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'lesson_opens',
        sa.Column('learner_id', sa.Uuid(), nullable=False),
        sa.Column('lesson_slug', sa.String(length=120), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id', 'lesson_slug'),
    )
    op.create_index('ix_lesson_opens_lesson', 'lesson_opens', ['lesson_slug', 'opened_at'])

    op.create_table(
        'hint_reveals',
        sa.Column('learner_id', sa.Uuid(), nullable=False),
        sa.Column('lesson_slug', sa.String(length=120), nullable=False),
        sa.Column('question_id', sa.String(length=120), nullable=False),
        sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('learner_id', 'lesson_slug', 'question_id'),
    )
    op.create_index('ix_hint_reveals_question', 'hint_reveals', ['lesson_slug', 'question_id'])

    with op.batch_alter_table('practice_answers') as batch:
        batch.add_column(sa.Column('first_try', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_index('ix_practice_answers_question_id')
    answers = sa.table('practice_answers', sa.column('id', sa.Integer), sa.column('learner_id', sa.Uuid),
                       sa.column('lesson_slug', sa.String), sa.column('question_id', sa.String),
                       sa.column('first_try', sa.Boolean))
    firsts = (sa.select(sa.func.min(answers.c.id))
              .group_by(answers.c.learner_id, answers.c.lesson_slug, answers.c.question_id))
    op.execute(answers.update().where(answers.c.id.in_(firsts.scalar_subquery())).values(first_try=sa.true()))
    op.create_index('ix_practice_answers_first_question', 'practice_answers',
                    ['first_try', 'lesson_slug', 'question_id', 'choice', 'correct', 'learner_id'])
    op.create_index('ix_practice_answers_first_learner', 'practice_answers',
                    ['first_try', 'learner_id', 'lesson_slug', 'question_id', 'correct', 'created_at'])

    op.drop_index('ix_test_answers_question_id', table_name='test_answers')
    op.create_index('ix_test_answers_question_choice', 'test_answers', ['question_id', 'choice', 'correct'])
    op.drop_index('ix_test_attempts_learner_lesson', table_name='test_attempts')
    op.create_index('ix_test_attempts_learner_lesson_score', 'test_attempts',
                    ['learner_id', 'lesson_slug', 'created_at', 'score', 'total'])

    op.drop_index('ix_runs_lesson_created', table_name='runs')
    op.drop_index('ix_runs_created_at', table_name='runs')
    op.create_index('ix_runs_lesson_status', 'runs', ['lesson_slug', 'status', 'mode', 'error_type', 'created_at'])
    op.create_index('ix_runs_created_duration', 'runs', ['created_at', 'duration_ms'])


def downgrade() -> None:
    op.drop_index('ix_runs_created_duration', table_name='runs')
    op.drop_index('ix_runs_lesson_status', table_name='runs')
    op.create_index('ix_runs_created_at', 'runs', ['created_at'])
    op.create_index('ix_runs_lesson_created', 'runs', ['lesson_slug', 'created_at'])

    op.drop_index('ix_test_attempts_learner_lesson_score', table_name='test_attempts')
    op.create_index('ix_test_attempts_learner_lesson', 'test_attempts', ['learner_id', 'lesson_slug'])
    op.drop_index('ix_test_answers_question_choice', table_name='test_answers')
    op.create_index('ix_test_answers_question_id', 'test_answers', ['question_id'])

    op.drop_index('ix_practice_answers_first_learner', table_name='practice_answers')
    op.drop_index('ix_practice_answers_first_question', table_name='practice_answers')
    with op.batch_alter_table('practice_answers') as batch:
        batch.create_index('ix_practice_answers_question_id', ['question_id'])
        batch.drop_column('first_try')

    op.drop_index('ix_hint_reveals_question', table_name='hint_reveals')
    op.drop_table('hint_reveals')
    op.drop_index('ix_lesson_opens_lesson', table_name='lesson_opens')
    op.drop_table('lesson_opens')
