"""Organizations (a gym or a team): members with a role, each member opting in to share their training."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from domain.enums import OrganizationRole


class Organization(Base):
    """A gym or a team. It always keeps at least one owner (resolvers/organizations.py)."""

    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class OrganizationMember(Base):
    """A user in an organization. Its owners and coaches read the member's training only while `shares_training`."""

    __tablename__ = "organization_members"
    __table_args__ = (
        one_of("role", OrganizationRole),
        # The access rule starts from the viewer's memberships (resolvers/access.py).
        Index("ix_organization_members_user", "user_id", "organization_id"),
    )

    # The composite primary key is the unique (organization, user) pair.
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), nullable=False, server_default="member")
    shares_training: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    joined_at: Mapped[datetime] = created_at()
