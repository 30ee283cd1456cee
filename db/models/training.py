"""Per-user training totals kept in step with every write, and goals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from domain.enums import GoalKind, GoalStatus, GoalTimeframe


class UserProgress(Base):
    """Running totals the achievement rules read; `make backfill` recomputes them from the sets."""

    __tablename__ = "user_progress"
    __table_args__ = (
        CheckConstraint("points >= 0 AND workouts >= 0 AND sets >= 0 AND records >= 0 AND active_goals >= 0", name="nonnegative"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    workouts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    sets: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    volume_kg: Mapped[Decimal] = mapped_column(Numeric(16, 3), nullable=False, server_default="0")
    records: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    programs_completed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # The run of consecutive local days ending on `last_active_day`; "current" is read against today.
    streak_run: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    longest_streak: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_active_day: Mapped[date | None] = mapped_column(Date)
    active_goals: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Skill ladder steps mastered now, and the highest level reached by advancing (domain/skills.py).
    skills_mastered: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    skill_level: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    updated_at: Mapped[datetime] = updated_at()


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (
        one_of("kind", GoalKind),
        one_of("status", GoalStatus),
        one_of("timeframe", GoalTimeframe, nullable=True),
        CheckConstraint("target_value > 0", name="target_positive"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint("(kind = 'exercise_weight') = (exercise_id IS NOT NULL)", name="exercise_iff_weight"),
        CheckConstraint("(kind IN ('body_weight', 'body_fat')) = (baseline_value IS NOT NULL)", name="baseline_iff_body"),
        Index("ix_goals_user_sort", "user_id", "created_at", "id"),
        Index("ix_goals_user_active", "user_id", postgresql_where=text("status = 'active'")),
        Index("ix_goals_exercise_id", "exercise_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    target_value: Mapped[Decimal] = mapped_column(Numeric(12, 3), nullable=False)
    # Body goals only: the latest weight (kg) or body fat (%) when the goal was set (domain/goals.py).
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    exercise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    timeframe: Mapped[str | None] = mapped_column(String(8))
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="active")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
