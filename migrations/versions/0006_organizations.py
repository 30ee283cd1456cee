"""Organizations (members, roles, each member's opt-in to share training) and library administration.

Library rows gain `archived_at` (out of search, still readable for history) and `edited_at`
(an administrator changed it: the library loader no longer overwrites it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:58:53.289082
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organizations',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    op.create_table('organization_members',
    sa.Column('organization_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.String(length=8), server_default='member', nullable=False),
    sa.Column('shares_training', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'coach', 'member')", name=op.f('ck_organization_members_role')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'user_id', name=op.f('pk_organization_members'))
    )
    op.create_index('ix_organization_members_user', 'organization_members', ['user_id', 'organization_id'], unique=False)
    op.add_column('exercises', sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('exercises', sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f('ck_exercises_library_only_admin_fields'), 'exercises', 'owner_id IS NULL OR (archived_at IS NULL AND edited_at IS NULL)'
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_exercises_library_only_admin_fields'), 'exercises', type_='check')
    op.drop_column('exercises', 'edited_at')
    op.drop_column('exercises', 'archived_at')
    op.drop_index('ix_organization_members_user', table_name='organization_members')
    op.drop_table('organization_members')
    op.drop_table('organizations')
