"""Coaching relationships: a coach invites an athlete, who accepts or declines; either side can end it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 05:43:04.229508
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coaching_relationships',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('coach_id', sa.UUID(), nullable=False),
    sa.Column('athlete_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'ended')", name=op.f('ck_coaching_relationships_status')),
    sa.CheckConstraint('coach_id <> athlete_id', name=op.f('ck_coaching_relationships_not_self')),
    sa.ForeignKeyConstraint(['athlete_id'], ['users.id'], name=op.f('fk_coaching_relationships_athlete_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coaching_relationships_coach_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_relationships'))
    )
    op.create_index('ix_coaching_athlete', 'coaching_relationships', ['athlete_id'], unique=False)
    op.create_index('uq_coaching_open_pair', 'coaching_relationships', ['coach_id', 'athlete_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'accepted')"))


def downgrade() -> None:
    op.drop_index('uq_coaching_open_pair', table_name='coaching_relationships', postgresql_where=sa.text("status IN ('pending', 'accepted')"))
    op.drop_index('ix_coaching_athlete', table_name='coaching_relationships')
    op.drop_table('coaching_relationships')
