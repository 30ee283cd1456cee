"""Health and coaching (seed 004): a health profile (height, daily nutrition targets), daily body
metrics (one per user and day), meals, progress photos (files in GridFS, metadata here) and
coaching sessions with action items; the seed's check constraints on vital signs, 1-10 scales and
nutrients.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 20:01:47.084253
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

GOAL_KINDS = ('points', 'workouts', 'streak', 'exercise_weight', 'volume', 'duration', 'body_weight', 'body_fat')


def upgrade() -> None:
    op.create_table('body_metrics',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('body_fat_pct', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('muscle_mass_kg', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('waist_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('chest_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('arms_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('thighs_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('hips_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('neck_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('resting_heart_rate', sa.SmallInteger(), nullable=True),
    sa.Column('bp_systolic', sa.SmallInteger(), nullable=True),
    sa.Column('bp_diastolic', sa.SmallInteger(), nullable=True),
    sa.Column('energy', sa.SmallInteger(), nullable=True),
    sa.Column('mood', sa.SmallInteger(), nullable=True),
    sa.Column('sleep_quality', sa.SmallInteger(), nullable=True),
    sa.Column('stress', sa.SmallInteger(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(bp_systolic IS NULL) = (bp_diastolic IS NULL) AND (bp_systolic IS NULL OR bp_systolic > bp_diastolic)', name=op.f('ck_body_metrics_blood_pressure_pair')),
    sa.CheckConstraint('(waist_cm IS NULL OR waist_cm BETWEEN 20 AND 300) AND (chest_cm IS NULL OR chest_cm BETWEEN 20 AND 300) AND (arms_cm IS NULL OR arms_cm BETWEEN 5 AND 150) AND (thighs_cm IS NULL OR thighs_cm BETWEEN 10 AND 200) AND (hips_cm IS NULL OR hips_cm BETWEEN 20 AND 300) AND (neck_cm IS NULL OR neck_cm BETWEEN 10 AND 100)', name=op.f('ck_body_metrics_measurements_range')),
    sa.CheckConstraint('body_fat_pct IS NULL OR body_fat_pct BETWEEN 2 AND 70', name=op.f('ck_body_metrics_body_fat_range')),
    sa.CheckConstraint('bp_diastolic IS NULL OR bp_diastolic BETWEEN 40 AND 150', name=op.f('ck_body_metrics_diastolic_range')),
    sa.CheckConstraint('bp_systolic IS NULL OR bp_systolic BETWEEN 70 AND 250', name=op.f('ck_body_metrics_systolic_range')),
    sa.CheckConstraint('energy IS NULL OR energy BETWEEN 1 AND 10', name=op.f('ck_body_metrics_energy_scale')),
    sa.CheckConstraint('mood IS NULL OR mood BETWEEN 1 AND 10', name=op.f('ck_body_metrics_mood_scale')),
    sa.CheckConstraint('muscle_mass_kg IS NULL OR muscle_mass_kg BETWEEN 5 AND 200', name=op.f('ck_body_metrics_muscle_mass_range')),
    sa.CheckConstraint('resting_heart_rate IS NULL OR resting_heart_rate BETWEEN 30 AND 220', name=op.f('ck_body_metrics_heart_rate_range')),
    sa.CheckConstraint('sleep_quality IS NULL OR sleep_quality BETWEEN 1 AND 10', name=op.f('ck_body_metrics_sleep_quality_scale')),
    sa.CheckConstraint('stress IS NULL OR stress BETWEEN 1 AND 10', name=op.f('ck_body_metrics_stress_scale')),
    sa.CheckConstraint('weight_kg IS NULL OR weight_kg BETWEEN 20 AND 400', name=op.f('ck_body_metrics_weight_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_body_metrics_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_metrics')),
    sa.UniqueConstraint('user_id', 'recorded_on', name='uq_body_metrics_user_day')
    )
    op.create_index('ix_body_metrics_user_sort', 'body_metrics', ['user_id', 'recorded_on', 'id'], unique=False)
    op.create_table('coaching_sessions',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('coach_id', sa.UUID(), nullable=False),
    sa.Column('session_on', sa.Date(), nullable=False),
    sa.Column('duration_minutes', sa.SmallInteger(), nullable=True),
    sa.Column('topics', postgresql.ARRAY(sa.String(length=120)), server_default='{}', nullable=False),
    sa.Column('discussion_notes', sa.Text(), nullable=True),
    sa.Column('coach_feedback', sa.Text(), nullable=True),
    sa.Column('next_session_on', sa.Date(), nullable=True),
    sa.Column('completed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('completion_notes', sa.Text(), nullable=True),
    sa.Column('athlete_rating', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('athlete_rating IS NULL OR athlete_rating BETWEEN 1 AND 10', name=op.f('ck_coaching_sessions_athlete_rating_scale')),
    sa.CheckConstraint('coach_id <> user_id', name=op.f('ck_coaching_sessions_not_self')),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes BETWEEN 1 AND 600', name=op.f('ck_coaching_sessions_duration_range')),
    sa.CheckConstraint('next_session_on IS NULL OR next_session_on >= session_on', name=op.f('ck_coaching_sessions_next_after_session')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coaching_sessions_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coaching_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_sessions'))
    )
    op.create_index('ix_coaching_sessions_coach_id', 'coaching_sessions', ['coach_id'], unique=False)
    op.create_index('ix_coaching_sessions_user_sort', 'coaching_sessions', ['user_id', 'session_on', 'id'], unique=False)
    op.create_table('health_profiles',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('height_cm', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('calories_target', sa.Integer(), nullable=True),
    sa.Column('protein_target_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('carbs_target_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('fat_target_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('water_target_ml', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(calories_target IS NULL OR calories_target >= 0) AND (protein_target_g IS NULL OR protein_target_g >= 0) AND (carbs_target_g IS NULL OR carbs_target_g >= 0) AND (fat_target_g IS NULL OR fat_target_g >= 0) AND (water_target_ml IS NULL OR water_target_ml >= 0)', name=op.f('ck_health_profiles_targets_nonnegative')),
    sa.CheckConstraint('height_cm IS NULL OR height_cm BETWEEN 50 AND 280', name=op.f('ck_health_profiles_height_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_health_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_health_profiles'))
    )
    op.create_table('meal_logs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('eaten_on', sa.Date(), nullable=False),
    sa.Column('eaten_at', sa.Time(), nullable=False),
    sa.Column('meal_type', sa.String(length=16), nullable=False),
    sa.Column('calories', sa.Integer(), nullable=True),
    sa.Column('protein_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('carbs_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('fat_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('fiber_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('sugar_g', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('sodium_mg', sa.Integer(), nullable=True),
    sa.Column('water_ml', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('foods', postgresql.ARRAY(sa.String(length=120)), server_default='{}', nullable=False),
    sa.Column('adherence', sa.String(length=10), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('hunger_before', sa.SmallInteger(), nullable=True),
    sa.Column('hunger_after', sa.SmallInteger(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("adherence IS NULL OR adherence IN ('on_plan', 'partial', 'off_plan')", name=op.f('ck_meal_logs_adherence')),
    sa.CheckConstraint("meal_type IN ('breakfast', 'lunch', 'dinner', 'snack', 'pre_workout', 'post_workout', 'other')", name=op.f('ck_meal_logs_meal_type')),
    sa.CheckConstraint('(calories IS NULL OR calories >= 0) AND (protein_g IS NULL OR protein_g >= 0) AND (carbs_g IS NULL OR carbs_g >= 0) AND (fat_g IS NULL OR fat_g >= 0) AND (fiber_g IS NULL OR fiber_g >= 0) AND (sugar_g IS NULL OR sugar_g >= 0) AND (sodium_mg IS NULL OR sodium_mg >= 0) AND (water_ml IS NULL OR water_ml >= 0)', name=op.f('ck_meal_logs_nutrients_nonnegative')),
    sa.CheckConstraint('calories IS NULL OR calories <= 20000', name=op.f('ck_meal_logs_calories_range')),
    sa.CheckConstraint('hunger_after IS NULL OR hunger_after BETWEEN 1 AND 10', name=op.f('ck_meal_logs_hunger_after_scale')),
    sa.CheckConstraint('hunger_before IS NULL OR hunger_before BETWEEN 1 AND 10', name=op.f('ck_meal_logs_hunger_before_scale')),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 10', name=op.f('ck_meal_logs_satisfaction_scale')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meal_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_logs'))
    )
    op.create_index('ix_meal_logs_user_sort', 'meal_logs', ['user_id', 'eaten_on', 'eaten_at', 'id'], unique=False)
    op.create_table('progress_photos',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('body_fat_pct', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('shared_with_coach', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('file_id', sa.String(length=24), nullable=False),
    sa.Column('thumbnail_id', sa.String(length=24), nullable=False),
    sa.Column('content_type', sa.String(length=16), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_progress_photos_content_type')),
    sa.CheckConstraint("kind IN ('front', 'side', 'back', 'flex', 'comparison', 'other')", name=op.f('ck_progress_photos_kind')),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 10485760', name=op.f('ck_progress_photos_size_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_progress_photos_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_photos')),
    sa.UniqueConstraint('file_id', name='uq_progress_photos_file_id')
    )
    op.create_index('ix_progress_photos_user_sort', 'progress_photos', ['user_id', 'taken_on', 'id'], unique=False)
    op.create_table('coaching_action_items',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('position BETWEEN 0 AND 49', name=op.f('ck_coaching_action_items_position_range')),
    sa.ForeignKeyConstraint(['session_id'], ['coaching_sessions.id'], name=op.f('fk_coaching_action_items_session_id_coaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coaching_action_items_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_action_items')),
    sa.UniqueConstraint('session_id', 'position', name='uq_coaching_action_items_slot')
    )
    op.create_index('ix_coaching_action_items_user_due', 'coaching_action_items', ['user_id', 'due_on'], unique=False, postgresql_where=sa.text('NOT done'))
    # Goals on the body: their kinds, and the baseline they start from.
    op.add_column('goals', sa.Column('baseline_value', sa.Numeric(precision=12, scale=3), nullable=True))
    op.drop_constraint(op.f('ck_goals_kind'), 'goals', type_='check')
    op.create_check_constraint(op.f('ck_goals_kind'), 'goals', f"kind IN {GOAL_KINDS}")
    op.create_check_constraint(op.f('ck_goals_baseline_iff_body'), 'goals',
                               "(kind IN ('body_weight', 'body_fat')) = (baseline_value IS NOT NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM goals WHERE kind IN ('body_weight', 'body_fat')")
    op.drop_constraint(op.f('ck_goals_baseline_iff_body'), 'goals', type_='check')
    op.drop_constraint(op.f('ck_goals_kind'), 'goals', type_='check')
    op.create_check_constraint(op.f('ck_goals_kind'), 'goals', f"kind IN {GOAL_KINDS[:6]}")
    op.drop_column('goals', 'baseline_value')
    op.drop_index('ix_coaching_action_items_user_due', table_name='coaching_action_items', postgresql_where=sa.text('NOT done'))
    op.drop_table('coaching_action_items')
    op.drop_index('ix_progress_photos_user_sort', table_name='progress_photos')
    op.drop_table('progress_photos')
    op.drop_index('ix_meal_logs_user_sort', table_name='meal_logs')
    op.drop_table('meal_logs')
    op.drop_table('health_profiles')
    op.drop_index('ix_coaching_sessions_user_sort', table_name='coaching_sessions')
    op.drop_index('ix_coaching_sessions_coach_id', table_name='coaching_sessions')
    op.drop_table('coaching_sessions')
    op.drop_index('ix_body_metrics_user_sort', table_name='body_metrics')
    op.drop_table('body_metrics')
