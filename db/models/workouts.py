"""Workout sessions, the exercises planned for them, and the sets logged in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from db.models.programs import _Prescription, prescription_checks
from domain.enums import SetType, WorkoutStatus
from domain.training import COMPLETION_POINTS_SQL, SET_POINTS_SQL, SET_VOLUME_SQL


class WorkoutSession(Base):
    __tablename__ = "workout_sessions"
    __table_args__ = (
        one_of("status", WorkoutStatus),
        CheckConstraint("ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at", name="ended_after_started"),
        CheckConstraint("perceived_exertion IS NULL OR perceived_exertion BETWEEN 1 AND 10", name="exertion_range"),
        Index("ix_workout_sessions_user_sort", "user_id", text("started_at DESC"), text("id DESC")),
        Index("ix_workout_sessions_program_day_id", "program_day_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    program_day_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_days.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="in_progress")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)
    perceived_exertion: Mapped[int | None] = mapped_column(SmallInteger)
    # Points for finishing the workout (domain/training.py documents the formula).
    completion_points: Mapped[int] = mapped_column(Integer, Computed(COMPLETION_POINTS_SQL, persisted=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class PlannedExercise(_Prescription, Base):
    """A session's copy of its program day's prescription, frozen when the workout starts."""

    __tablename__ = "planned_exercises"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_planned_exercises_position", deferrable=True, initially="DEFERRED"),
        Index("ix_planned_exercises_exercise_id", "exercise_id"),
        *prescription_checks(),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workout_sessions.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False)


class SetLog(Base):
    __tablename__ = "set_logs"
    __table_args__ = (
        one_of("set_type", SetType),
        UniqueConstraint("session_id", "position", name="uq_set_logs_position", deferrable=True, initially="DEFERRED"),
        UniqueConstraint("user_id", "client_id", name="uq_set_logs_client_id"),
        CheckConstraint("position >= 0", name="position_nonnegative"),
        CheckConstraint("reps IS NULL OR reps BETWEEN 0 AND 10000", name="reps_range"),
        CheckConstraint("weight_kg IS NULL OR weight_kg BETWEEN 0 AND 2000", name="weight_range"),
        CheckConstraint("duration_seconds IS NULL OR duration_seconds BETWEEN 0 AND 86400", name="duration_range"),
        CheckConstraint("distance_m IS NULL OR distance_m BETWEEN 0 AND 1000000", name="distance_range"),
        CheckConstraint("rpe IS NULL OR rpe BETWEEN 1 AND 10", name="rpe_range"),
        CheckConstraint("rir IS NULL OR rir BETWEEN 0 AND 10", name="rir_range"),
        CheckConstraint("rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600", name="rest_range"),
        CheckConstraint(
            "reps IS NOT NULL OR duration_seconds IS NOT NULL OR distance_m IS NOT NULL",
            name="has_measurement",
        ),
        Index("ix_set_logs_user_exercise", "user_id", "exercise_id", "completed_at"),
        Index("ix_set_logs_exercise_id", "exercise_id"),
        Index("ix_set_logs_user_time", "user_id", "completed_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workout_sessions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    set_type: Mapped[str] = mapped_column(String(8), nullable=False, server_default="working")
    reps: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    rpe: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    rir: Mapped[int | None] = mapped_column(SmallInteger)
    rest_seconds: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # Derived by PostgreSQL, so every reader (stats, goals, backfill) sees one formula.
    points: Mapped[int] = mapped_column(Integer, Computed(SET_POINTS_SQL, persisted=True))
    volume_kg: Mapped[Decimal] = mapped_column(Numeric(14, 3), Computed(SET_VOLUME_SQL, persisted=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
