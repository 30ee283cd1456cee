"""Initial schema: users, the exercise library, programs, workouts, set logs, records and achievements.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:28:58.271704
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('achievements',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_he', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_he', sa.Text(), nullable=False),
    sa.Column('icon', sa.String(length=48), server_default='trophy', nullable=False),
    sa.Column('badge_color', sa.String(length=16), server_default='blue', nullable=False),
    sa.Column('points_reward', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rule', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('points_reward >= 0', name=op.f('ck_achievements_points_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievements')),
    sa.UniqueConstraint('code', name=op.f('uq_achievements_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=2), server_default='en', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('unit_system', sa.String(length=8), server_default='metric', nullable=False),
    sa.Column('role', sa.String(length=8), server_default='athlete', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("language IN ('en', 'he')", name=op.f('ck_users_language')),
    sa.CheckConstraint("role IN ('athlete', 'coach', 'admin')", name=op.f('ck_users_role')),
    sa.CheckConstraint("unit_system IN ('metric', 'imperial')", name=op.f('ck_users_unit_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_index('uq_users_username_lower', 'users', [sa.literal_column('lower(username)')], unique=True)
    op.create_table('exercises',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('source_key', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_he', sa.String(length=120), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('movement_pattern', sa.String(length=8), server_default='other', nullable=False),
    sa.Column('force', sa.String(length=8), nullable=True),
    sa.Column('mechanic', sa.String(length=10), nullable=True),
    sa.Column('level', sa.String(length=12), server_default='beginner', nullable=False),
    sa.Column('equipment', sa.String(length=16), nullable=True),
    sa.Column('primary_muscles', postgresql.ARRAY(sa.String(length=16)), nullable=False),
    sa.Column('secondary_muscles', postgresql.ARRAY(sa.String(length=16)), server_default='{}', nullable=False),
    sa.Column('muscle_contributions', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('tracking', sa.String(length=20), server_default='weight_reps', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('strength', 'cardio', 'stretching', 'plyometrics', 'powerlifting', 'olympic_weightlifting', 'strongman', 'calisthenics')", name=op.f('ck_exercises_category')),
    sa.CheckConstraint("equipment IS NULL OR equipment IN ('barbell', 'dumbbell', 'body_only', 'cable', 'machine', 'kettlebells', 'bands', 'medicine_ball', 'exercise_ball', 'foam_roll', 'ez_curl_bar', 'other')", name=op.f('ck_exercises_equipment')),
    sa.CheckConstraint("force IS NULL OR force IN ('push', 'pull', 'static')", name=op.f('ck_exercises_force')),
    sa.CheckConstraint("level IN ('beginner', 'intermediate', 'expert')", name=op.f('ck_exercises_level')),
    sa.CheckConstraint("mechanic IS NULL OR mechanic IN ('compound', 'isolation')", name=op.f('ck_exercises_mechanic')),
    sa.CheckConstraint("movement_pattern IN ('push', 'pull', 'squat', 'hinge', 'core', 'carry', 'other')", name=op.f('ck_exercises_movement_pattern')),
    sa.CheckConstraint("tracking IN ('weight_reps', 'reps', 'duration', 'distance', 'distance_duration')", name=op.f('ck_exercises_tracking')),
    sa.CheckConstraint('(owner_id IS NULL) = (source_key IS NOT NULL)', name=op.f('ck_exercises_library_or_custom')),
    sa.CheckConstraint('cardinality(primary_muscles) >= 1', name=op.f('ck_exercises_has_primary_muscle')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_exercises_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises'))
    )
    op.create_index('ix_exercises_owner_sort', 'exercises', ['owner_id', 'name', 'id'], unique=False)
    op.create_index('ix_exercises_primary_muscles', 'exercises', ['primary_muscles'], unique=False, postgresql_using='gin')
    op.create_index('ix_exercises_secondary_muscles', 'exercises', ['secondary_muscles'], unique=False, postgresql_using='gin')
    op.create_index('uq_exercises_owner_name', 'exercises', ['owner_id', sa.literal_column('lower(name)')], unique=True)
    op.create_index('uq_exercises_source_key', 'exercises', ['source_key'], unique=True)
    op.create_table('programs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('structure', sa.String(length=8), server_default='weekly', nullable=False),
    sa.Column('frequency', sa.SmallInteger(), nullable=True),
    sa.Column('is_template', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("structure IN ('weekly', 'cyclic')", name=op.f('ck_programs_structure')),
    sa.CheckConstraint('frequency IS NULL OR frequency BETWEEN 1 AND 14', name=op.f('ck_programs_frequency_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_programs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs'))
    )
    op.create_index('ix_programs_owner_sort', 'programs', ['owner_id', 'created_at', 'id'], unique=False)
    op.create_table('program_days',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('program_id', sa.UUID(), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_program_days_position_nonnegative')),
    sa.CheckConstraint('weekday IS NULL OR weekday BETWEEN 0 AND 6', name=op.f('ck_program_days_weekday_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_program_days_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_days_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_days')),
    sa.UniqueConstraint('program_id', 'position', name='uq_program_days_position', deferrable=True, initially='DEFERRED')
    )
    op.create_index('ix_program_days_owner_id', 'program_days', ['owner_id'], unique=False)
    op.create_table('program_exercises',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('program_day_id', sa.UUID(), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sets', sa.SmallInteger(), server_default='3', nullable=False),
    sa.Column('reps_min', sa.SmallInteger(), nullable=True),
    sa.Column('reps_max', sa.SmallInteger(), nullable=True),
    sa.Column('target_weight_kg', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('target_rpe', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('rest_seconds', sa.Integer(), nullable=True),
    sa.Column('tempo', sa.String(length=16), nullable=True),
    sa.Column('superset_group', sa.String(length=8), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('position >= 0', name=op.f('ck_program_exercises_position_nonnegative')),
    sa.CheckConstraint('reps_max IS NULL OR reps_max BETWEEN 0 AND 1000', name=op.f('ck_program_exercises_reps_max_range')),
    sa.CheckConstraint('reps_min IS NULL OR reps_max IS NULL OR reps_min <= reps_max', name=op.f('ck_program_exercises_rep_range_order')),
    sa.CheckConstraint('reps_min IS NULL OR reps_min BETWEEN 0 AND 1000', name=op.f('ck_program_exercises_reps_min_range')),
    sa.CheckConstraint('rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_program_exercises_rest_range')),
    sa.CheckConstraint('sets BETWEEN 1 AND 50', name=op.f('ck_program_exercises_sets_range')),
    sa.CheckConstraint('target_rpe IS NULL OR target_rpe BETWEEN 1 AND 10', name=op.f('ck_program_exercises_target_rpe_range')),
    sa.CheckConstraint('target_weight_kg IS NULL OR target_weight_kg >= 0', name=op.f('ck_program_exercises_target_weight_nonnegative')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_program_exercises_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_program_exercises_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_day_id'], ['program_days.id'], name=op.f('fk_program_exercises_program_day_id_program_days'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_exercises')),
    sa.UniqueConstraint('program_day_id', 'position', name='uq_program_exercises_position', deferrable=True, initially='DEFERRED')
    )
    op.create_index('ix_program_exercises_exercise_id', 'program_exercises', ['exercise_id'], unique=False)
    op.create_index('ix_program_exercises_owner_id', 'program_exercises', ['owner_id'], unique=False)
    op.create_table('workout_sessions',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('program_day_id', sa.UUID(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='in_progress', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('perceived_exertion', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'skipped', 'abandoned')", name=op.f('ck_workout_sessions_status')),
    sa.CheckConstraint('ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at', name=op.f('ck_workout_sessions_ended_after_started')),
    sa.CheckConstraint('perceived_exertion IS NULL OR perceived_exertion BETWEEN 1 AND 10', name=op.f('ck_workout_sessions_exertion_range')),
    sa.ForeignKeyConstraint(['program_day_id'], ['program_days.id'], name=op.f('fk_workout_sessions_program_day_id_program_days'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workout_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workout_sessions'))
    )
    op.create_index('ix_workout_sessions_program_day_id', 'workout_sessions', ['program_day_id'], unique=False)
    op.create_index('ix_workout_sessions_user_sort', 'workout_sessions', ['user_id', sa.literal_column('started_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_table('planned_exercises',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sets', sa.SmallInteger(), server_default='3', nullable=False),
    sa.Column('reps_min', sa.SmallInteger(), nullable=True),
    sa.Column('reps_max', sa.SmallInteger(), nullable=True),
    sa.Column('target_weight_kg', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('target_rpe', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('rest_seconds', sa.Integer(), nullable=True),
    sa.Column('tempo', sa.String(length=16), nullable=True),
    sa.Column('superset_group', sa.String(length=8), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('position >= 0', name=op.f('ck_planned_exercises_position_nonnegative')),
    sa.CheckConstraint('reps_max IS NULL OR reps_max BETWEEN 0 AND 1000', name=op.f('ck_planned_exercises_reps_max_range')),
    sa.CheckConstraint('reps_min IS NULL OR reps_max IS NULL OR reps_min <= reps_max', name=op.f('ck_planned_exercises_rep_range_order')),
    sa.CheckConstraint('reps_min IS NULL OR reps_min BETWEEN 0 AND 1000', name=op.f('ck_planned_exercises_reps_min_range')),
    sa.CheckConstraint('rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_planned_exercises_rest_range')),
    sa.CheckConstraint('sets BETWEEN 1 AND 50', name=op.f('ck_planned_exercises_sets_range')),
    sa.CheckConstraint('target_rpe IS NULL OR target_rpe BETWEEN 1 AND 10', name=op.f('ck_planned_exercises_target_rpe_range')),
    sa.CheckConstraint('target_weight_kg IS NULL OR target_weight_kg >= 0', name=op.f('ck_planned_exercises_target_weight_nonnegative')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_planned_exercises_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['workout_sessions.id'], name=op.f('fk_planned_exercises_session_id_workout_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_exercises')),
    sa.UniqueConstraint('session_id', 'position', name='uq_planned_exercises_position', deferrable=True, initially='DEFERRED')
    )
    op.create_index('ix_planned_exercises_exercise_id', 'planned_exercises', ['exercise_id'], unique=False)
    op.create_table('set_logs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('set_type', sa.String(length=8), server_default='working', nullable=False),
    sa.Column('reps', sa.Integer(), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('distance_m', sa.Numeric(precision=9, scale=2), nullable=True),
    sa.Column('rpe', sa.Numeric(precision=3, scale=1), nullable=True),
    sa.Column('rir', sa.SmallInteger(), nullable=True),
    sa.Column('rest_seconds', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("set_type IN ('warmup', 'working', 'drop', 'failure')", name=op.f('ck_set_logs_set_type')),
    sa.CheckConstraint('distance_m IS NULL OR distance_m BETWEEN 0 AND 1000000', name=op.f('ck_set_logs_distance_range')),
    sa.CheckConstraint('duration_seconds IS NULL OR duration_seconds BETWEEN 0 AND 86400', name=op.f('ck_set_logs_duration_range')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_set_logs_position_nonnegative')),
    sa.CheckConstraint('reps IS NOT NULL OR duration_seconds IS NOT NULL OR distance_m IS NOT NULL', name=op.f('ck_set_logs_has_measurement')),
    sa.CheckConstraint('reps IS NULL OR reps BETWEEN 0 AND 10000', name=op.f('ck_set_logs_reps_range')),
    sa.CheckConstraint('rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600', name=op.f('ck_set_logs_rest_range')),
    sa.CheckConstraint('rir IS NULL OR rir BETWEEN 0 AND 10', name=op.f('ck_set_logs_rir_range')),
    sa.CheckConstraint('rpe IS NULL OR rpe BETWEEN 1 AND 10', name=op.f('ck_set_logs_rpe_range')),
    sa.CheckConstraint('weight_kg IS NULL OR weight_kg BETWEEN 0 AND 2000', name=op.f('ck_set_logs_weight_range')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_set_logs_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['workout_sessions.id'], name=op.f('fk_set_logs_session_id_workout_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_set_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_set_logs')),
    sa.UniqueConstraint('session_id', 'position', name='uq_set_logs_position', deferrable=True, initially='DEFERRED'),
    sa.UniqueConstraint('user_id', 'client_id', name='uq_set_logs_client_id')
    )
    op.create_index('ix_set_logs_exercise_id', 'set_logs', ['exercise_id'], unique=False)
    op.create_index('ix_set_logs_user_exercise', 'set_logs', ['user_id', 'exercise_id', 'completed_at'], unique=False)
    op.create_table('user_achievements',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('achievement_id', sa.UUID(), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=True),
    sa.Column('unlocked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_user_achievements_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['workout_sessions.id'], name=op.f('fk_user_achievements_session_id_workout_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_achievements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_achievements')),
    sa.UniqueConstraint('user_id', 'achievement_id', name='uq_user_achievements_once')
    )
    op.create_index('ix_user_achievements_achievement_id', 'user_achievements', ['achievement_id'], unique=False)
    op.create_index('ix_user_achievements_user_sort', 'user_achievements', ['user_id', 'unlocked_at', 'id'], unique=False)
    op.create_table('personal_records',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('exercise_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('previous_value', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('set_log_id', sa.UUID(), nullable=True),
    sa.Column('session_id', sa.UUID(), nullable=True),
    sa.Column('achieved_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('heaviest_weight', 'estimated_one_rep_max', 'best_set_volume', 'most_reps', 'rep_max_1', 'rep_max_3', 'rep_max_5', 'rep_max_10', 'longest_duration', 'longest_distance', 'best_session_volume')", name=op.f('ck_personal_records_kind')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_personal_records_value_nonnegative')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_personal_records_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['workout_sessions.id'], name=op.f('fk_personal_records_session_id_workout_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_log_id'], ['set_logs.id'], name=op.f('fk_personal_records_set_log_id_set_logs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personal_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_records')),
    sa.UniqueConstraint('user_id', 'exercise_id', 'kind', name='uq_personal_records_kind')
    )
    op.create_index('ix_personal_records_exercise_id', 'personal_records', ['exercise_id'], unique=False)
    op.create_index('ix_personal_records_session_id', 'personal_records', ['session_id'], unique=False)
    op.create_index('ix_personal_records_set_log_id', 'personal_records', ['set_log_id'], unique=False)
    op.create_index('ix_personal_records_user_sort', 'personal_records', ['user_id', 'achieved_at', 'id'], unique=False)



def downgrade() -> None:

    op.drop_index('ix_personal_records_user_sort', table_name='personal_records')
    op.drop_index('ix_personal_records_set_log_id', table_name='personal_records')
    op.drop_index('ix_personal_records_session_id', table_name='personal_records')
    op.drop_index('ix_personal_records_exercise_id', table_name='personal_records')
    op.drop_table('personal_records')
    op.drop_index('ix_user_achievements_user_sort', table_name='user_achievements')
    op.drop_index('ix_user_achievements_achievement_id', table_name='user_achievements')
    op.drop_table('user_achievements')
    op.drop_index('ix_set_logs_user_exercise', table_name='set_logs')
    op.drop_index('ix_set_logs_exercise_id', table_name='set_logs')
    op.drop_table('set_logs')
    op.drop_index('ix_planned_exercises_exercise_id', table_name='planned_exercises')
    op.drop_table('planned_exercises')
    op.drop_index('ix_workout_sessions_user_sort', table_name='workout_sessions')
    op.drop_index('ix_workout_sessions_program_day_id', table_name='workout_sessions')
    op.drop_table('workout_sessions')
    op.drop_index('ix_program_exercises_owner_id', table_name='program_exercises')
    op.drop_index('ix_program_exercises_exercise_id', table_name='program_exercises')
    op.drop_table('program_exercises')
    op.drop_index('ix_program_days_owner_id', table_name='program_days')
    op.drop_table('program_days')
    op.drop_index('ix_programs_owner_sort', table_name='programs')
    op.drop_table('programs')
    op.drop_index('uq_exercises_source_key', table_name='exercises')
    op.drop_index('uq_exercises_owner_name', table_name='exercises')
    op.drop_index('ix_exercises_secondary_muscles', table_name='exercises', postgresql_using='gin')
    op.drop_index('ix_exercises_primary_muscles', table_name='exercises', postgresql_using='gin')
    op.drop_index('ix_exercises_owner_sort', table_name='exercises')
    op.drop_table('exercises')
    op.drop_index('uq_users_username_lower', table_name='users')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_table('achievements')

