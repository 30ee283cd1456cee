"""Sign-ins (one per device), their rotating refresh tokens, sign-in throttling, coaching relationships."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, uuid_pk
from domain.enums import CoachingStatus


class UserSession(Base):
    """A sign-in on one device. Access tokens name it (`sid`); revoking it ends them at once."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_active", "user_id", postgresql_where=text("revoked_at IS NULL")),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    device: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=text("now()"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """One refresh token of a session (stored as its SHA-256). Used once: using it again revokes the session."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("user_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = created_at()
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInThrottle(Base):
    """Failed sign-ins per sign-in name, known or not (so lockouts reveal nothing about accounts)."""

    __tablename__ = "sign_in_throttles"

    identifier: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=text("now()"))


class CoachingRelationship(Base):
    """A coach and an athlete: invited, then accepted or declined; either side can end it."""

    __tablename__ = "coaching_relationships"
    __table_args__ = (
        one_of("status", CoachingStatus),
        CheckConstraint("coach_id <> athlete_id", name="not_self"),
        Index(
            "uq_coaching_open_pair", "coach_id", "athlete_id", unique=True,
            postgresql_where=text("status IN ('pending', 'accepted')"),
        ),
        Index("ix_coaching_athlete", "athlete_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    coach_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    athlete_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    created_at: Mapped[datetime] = created_at()
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
