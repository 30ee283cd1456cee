"""Personal records, the achievement catalogue and the awards of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, uuid_pk
from domain.enums import RecordKind


class PersonalRecord(Base):
    """The current best of one kind for one user and exercise; `previous_value` keeps the one it beat."""

    __tablename__ = "personal_records"
    __table_args__ = (
        one_of("kind", RecordKind),
        UniqueConstraint("user_id", "exercise_id", "kind", name="uq_personal_records_kind"),
        CheckConstraint("value >= 0", name="value_nonnegative"),
        Index("ix_personal_records_user_sort", "user_id", "achieved_at", "id"),
        Index("ix_personal_records_exercise_id", "exercise_id"),
        Index("ix_personal_records_set_log_id", "set_log_id"),
        Index("ix_personal_records_session_id", "session_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    previous_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    set_log_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("set_logs.id", ondelete="SET NULL"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workout_sessions.id", ondelete="SET NULL"))
    achieved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    created_at: Mapped[datetime] = created_at()


class Achievement(Base):
    __tablename__ = "achievements"
    __table_args__ = (CheckConstraint("points_reward >= 0", name="points_nonnegative"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(48), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_he: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    description_he: Mapped[str] = mapped_column(Text, nullable=False)
    icon: Mapped[str] = mapped_column(String(48), nullable=False, server_default="trophy")
    badge_color: Mapped[str] = mapped_column(String(16), nullable=False, server_default="blue")
    points_reward: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    rule: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default="{}")
    created_at: Mapped[datetime] = created_at()


class UserAchievement(Base):
    __tablename__ = "user_achievements"
    __table_args__ = (
        UniqueConstraint("user_id", "achievement_id", name="uq_user_achievements_once"),
        Index("ix_user_achievements_user_sort", "user_id", "unlocked_at", "id"),
        Index("ix_user_achievements_achievement_id", "achievement_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    achievement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workout_sessions.id", ondelete="SET NULL"))
    unlocked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
