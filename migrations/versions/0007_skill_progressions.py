"""Bodyweight skill progressions: the ladder (levels, categories, steps with default prescriptions),
each athlete's level per category, prescriptions and masteries, sessions planned from the ladder,
and the skill totals the achievement rules read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:18:41.932947
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('skill_categories',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_he', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_he', sa.Text(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_skill_categories'))
    )
    op.create_table('skill_levels',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_he', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_he', sa.Text(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('level BETWEEN 0 AND 5', name=op.f('ck_skill_levels_level_range')),
    sa.PrimaryKeyConstraint('level', name=op.f('pk_skill_levels'))
    )
    op.create_table('user_skill_levels',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 5', name=op.f('ck_user_skill_levels_level_range')),
    sa.ForeignKeyConstraint(['category'], ['skill_categories.code'], name=op.f('fk_user_skill_levels_category_skill_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_skill_levels_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category', name=op.f('pk_user_skill_levels'))
    )
    op.create_table('skill_exercises',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('source_key', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('default_sets', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('default_tempo', sa.String(length=16), nullable=True),
    sa.Column('default_rest_seconds', sa.Integer(), nullable=True),
    sa.Column('equipment', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("default_tempo IS NULL OR default_tempo ~ '^(hold|([0-9]{1,2}|X)(-([0-9]{1,2}|X)){3})$'", name=op.f('ck_skill_exercises_default_tempo_format')),
    sa.CheckConstraint("jsonb_typeof(default_sets) = 'array' AND jsonb_array_length(default_sets) BETWEEN 1 AND 20", name=op.f('ck_skill_exercises_default_sets_shape')),
    sa.CheckConstraint('default_rest_seconds IS NULL OR default_rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_skill_exercises_default_rest_range')),
    sa.CheckConstraint('position BETWEEN 0 AND 2', name=op.f('ck_skill_exercises_position_range')),
    sa.ForeignKeyConstraint(['category'], ['skill_categories.code'], name=op.f('fk_skill_exercises_category_skill_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_skill_exercises_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['level'], ['skill_levels.level'], name=op.f('fk_skill_exercises_level_skill_levels'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_exercises')),
    sa.UniqueConstraint('category', 'level', 'position', name='uq_skill_exercises_slot'),
    sa.UniqueConstraint('exercise_id', name='uq_skill_exercises_exercise_id'),
    sa.UniqueConstraint('source_key', name='uq_skill_exercises_source_key')
    )
    op.create_index('ix_skill_exercises_level', 'skill_exercises', ['level'], unique=False)
    op.create_table('planned_skill_exercises',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('skill_exercise_id', sa.UUID(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('sets', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('tempo', sa.String(length=16), nullable=True),
    sa.Column('rest_seconds', sa.Integer(), nullable=True),
    sa.CheckConstraint("jsonb_typeof(sets) = 'array' AND jsonb_array_length(sets) BETWEEN 1 AND 20", name=op.f('ck_planned_skill_exercises_sets_shape')),
    sa.CheckConstraint('rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_planned_skill_exercises_rest_range')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_planned_skill_exercises_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['workout_sessions.id'], name=op.f('fk_planned_skill_exercises_session_id_workout_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_exercise_id'], ['skill_exercises.id'], name=op.f('fk_planned_skill_exercises_skill_exercise_id_skill_exercises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_skill_exercises')),
    sa.UniqueConstraint('session_id', 'position', name='uq_planned_skill_exercises_position')
    )
    op.create_index('ix_planned_skill_exercises_exercise_id', 'planned_skill_exercises', ['exercise_id'], unique=False)
    op.create_index('ix_planned_skill_exercises_skill_exercise_id', 'planned_skill_exercises', ['skill_exercise_id'], unique=False)
    op.create_table('user_skill_progress',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('skill_exercise_id', sa.UUID(), nullable=False),
    sa.Column('current_sets', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('current_tempo', sa.String(length=16), nullable=True),
    sa.Column('current_rest_seconds', sa.Integer(), nullable=True),
    sa.Column('prescribed_by', sa.UUID(), nullable=True),
    sa.Column('mastered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mastered_session_id', sa.UUID(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("current_sets IS NULL OR (jsonb_typeof(current_sets) = 'array' AND jsonb_array_length(current_sets) BETWEEN 1 AND 20)", name=op.f('ck_user_skill_progress_current_sets_shape')),
    sa.CheckConstraint("current_tempo IS NULL OR current_tempo ~ '^(hold|([0-9]{1,2}|X)(-([0-9]{1,2}|X)){3})$'", name=op.f('ck_user_skill_progress_current_tempo_format')),
    sa.CheckConstraint('current_rest_seconds IS NULL OR current_rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_user_skill_progress_current_rest_range')),
    sa.CheckConstraint('mastered_session_id IS NULL OR mastered_at IS NOT NULL', name=op.f('ck_user_skill_progress_mastered_in_session')),
    sa.ForeignKeyConstraint(['mastered_session_id'], ['workout_sessions.id'], name=op.f('fk_user_skill_progress_mastered_session_id_workout_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prescribed_by'], ['users.id'], name=op.f('fk_user_skill_progress_prescribed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_exercise_id'], ['skill_exercises.id'], name=op.f('fk_user_skill_progress_skill_exercise_id_skill_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_skill_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'skill_exercise_id', name=op.f('pk_user_skill_progress'))
    )
    op.create_index('ix_user_skill_progress_mastered_session_id', 'user_skill_progress', ['mastered_session_id'], unique=False)
    op.create_index('ix_user_skill_progress_prescribed_by', 'user_skill_progress', ['prescribed_by'], unique=False)
    op.create_index('ix_user_skill_progress_skill_exercise_id', 'user_skill_progress', ['skill_exercise_id'], unique=False)
    op.add_column('user_progress', sa.Column('skills_mastered', sa.Integer(), server_default='0', nullable=False))
    op.add_column('user_progress', sa.Column('skill_level', sa.SmallInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('user_progress', 'skill_level')
    op.drop_column('user_progress', 'skills_mastered')
    op.drop_index('ix_user_skill_progress_skill_exercise_id', table_name='user_skill_progress')
    op.drop_index('ix_user_skill_progress_prescribed_by', table_name='user_skill_progress')
    op.drop_index('ix_user_skill_progress_mastered_session_id', table_name='user_skill_progress')
    op.drop_table('user_skill_progress')
    op.drop_index('ix_planned_skill_exercises_skill_exercise_id', table_name='planned_skill_exercises')
    op.drop_index('ix_planned_skill_exercises_exercise_id', table_name='planned_skill_exercises')
    op.drop_table('planned_skill_exercises')
    op.drop_index('ix_skill_exercises_level', table_name='skill_exercises')
    op.drop_table('skill_exercises')
    op.drop_table('user_skill_levels')
    op.drop_table('skill_levels')
    op.drop_table('skill_categories')
