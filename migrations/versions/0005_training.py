"""Training intelligence: per-user totals, goals, and points and volume derived on every set.

Existing data gets its totals, records and achievements from `make backfill`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:36:12.741647
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_progress',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('points', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('workouts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sets', sa.Integer(), server_default='0', nullable=False),
    sa.Column('volume_kg', sa.Numeric(precision=16, scale=3), server_default='0', nullable=False),
    sa.Column('records', sa.Integer(), server_default='0', nullable=False),
    sa.Column('programs_completed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('streak_run', sa.Integer(), server_default='0', nullable=False),
    sa.Column('longest_streak', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_active_day', sa.Date(), nullable=True),
    sa.Column('active_goals', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('points >= 0 AND workouts >= 0 AND sets >= 0 AND records >= 0 AND active_goals >= 0', name=op.f('ck_user_progress_nonnegative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_progress'))
    )
    op.create_table('goals',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('target_value', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=True),
    sa.Column('timeframe', sa.String(length=8), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='active', nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind = 'exercise_weight') = (exercise_id IS NOT NULL)", name=op.f('ck_goals_exercise_iff_weight')),
    sa.CheckConstraint("kind IN ('points', 'workouts', 'streak', 'exercise_weight', 'volume', 'duration')", name=op.f('ck_goals_kind')),
    sa.CheckConstraint("status IN ('active', 'completed', 'abandoned')", name=op.f('ck_goals_status')),
    sa.CheckConstraint("timeframe IS NULL OR timeframe IN ('daily', 'weekly', 'monthly')", name=op.f('ck_goals_timeframe')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_goals_ends_after_start')),
    sa.CheckConstraint('target_value > 0', name=op.f('ck_goals_target_positive')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_goals_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_goals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    op.create_index('ix_goals_exercise_id', 'goals', ['exercise_id'], unique=False)
    op.create_index('ix_goals_user_active', 'goals', ['user_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_goals_user_sort', 'goals', ['user_id', 'created_at', 'id'], unique=False)
    op.add_column('set_logs', sa.Column('points', sa.Integer(), sa.Computed("CASE WHEN set_type = 'warmup' THEN 0 WHEN weight_kg > 0 AND reps > 0 THEN 1 + floor(weight_kg * reps / 100)::integer WHEN reps > 0 THEN 1 + reps / 10 WHEN duration_seconds > 0 THEN 1 + duration_seconds / 60 WHEN distance_m > 0 THEN 1 + floor(distance_m / 500)::integer ELSE 0 END", persisted=True), nullable=False))
    op.add_column('set_logs', sa.Column('volume_kg', sa.Numeric(precision=14, scale=3), sa.Computed("CASE WHEN set_type <> 'warmup' AND weight_kg > 0 AND reps > 0 THEN weight_kg * reps ELSE 0 END", persisted=True), nullable=False))
    op.create_index('ix_set_logs_user_time', 'set_logs', ['user_id', 'completed_at'], unique=False)
    op.add_column('workout_sessions', sa.Column('completion_points', sa.Integer(), sa.Computed("CASE WHEN status = 'completed' THEN 10 ELSE 0 END", persisted=True), nullable=False))


def downgrade() -> None:
    op.drop_column('workout_sessions', 'completion_points')
    op.drop_index('ix_set_logs_user_time', table_name='set_logs')
    op.drop_column('set_logs', 'volume_kg')
    op.drop_column('set_logs', 'points')
    op.drop_index('ix_goals_user_sort', table_name='goals')
    op.drop_index('ix_goals_user_active', table_name='goals', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_goals_exercise_id', table_name='goals')
    op.drop_table('goals')
    op.drop_table('user_progress')
