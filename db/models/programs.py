"""Training programs → days → planned exercises."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from domain.enums import ProgramStructure


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        one_of("structure", ProgramStructure),
        CheckConstraint("frequency IS NULL OR frequency BETWEEN 1 AND 14", name="frequency_range"),
        Index("ix_programs_owner_sort", "owner_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    structure: Mapped[str] = mapped_column(String(8), nullable=False, server_default="weekly")
    frequency: Mapped[int | None] = mapped_column(SmallInteger)
    is_template: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ProgramDay(Base):
    __tablename__ = "program_days"
    __table_args__ = (
        UniqueConstraint("program_id", "position", name="uq_program_days_position", deferrable=True, initially="DEFERRED"),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("position >= 0", name="position_nonnegative"),
        Index("ix_program_days_owner_id", "owner_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), nullable=False)
    # The program's owner, copied so every row answers "whose is this?" without a join.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class _Prescription:
    """Columns shared by a program's planned exercise and a session's copy of it."""

    position: Mapped[int] = mapped_column(Integer, nullable=False)
    sets: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="3")
    reps_min: Mapped[int | None] = mapped_column(SmallInteger)
    reps_max: Mapped[int | None] = mapped_column(SmallInteger)
    target_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    target_rpe: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    rest_seconds: Mapped[int | None] = mapped_column(Integer)
    tempo: Mapped[str | None] = mapped_column(String(16))
    superset_group: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(Text)


def prescription_checks() -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint("position >= 0", name="position_nonnegative"),
        CheckConstraint("sets BETWEEN 1 AND 50", name="sets_range"),
        CheckConstraint("reps_min IS NULL OR reps_min BETWEEN 0 AND 1000", name="reps_min_range"),
        CheckConstraint("reps_max IS NULL OR reps_max BETWEEN 0 AND 1000", name="reps_max_range"),
        CheckConstraint("reps_min IS NULL OR reps_max IS NULL OR reps_min <= reps_max", name="rep_range_order"),
        CheckConstraint("target_weight_kg IS NULL OR target_weight_kg >= 0", name="target_weight_nonnegative"),
        CheckConstraint("target_rpe IS NULL OR target_rpe BETWEEN 1 AND 10", name="target_rpe_range"),
        CheckConstraint("rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600", name="rest_range"),
    )


class ProgramExercise(_Prescription, Base):
    __tablename__ = "program_exercises"
    __table_args__ = (
        UniqueConstraint("program_day_id", "position", name="uq_program_exercises_position", deferrable=True, initially="DEFERRED"),
        Index("ix_program_exercises_exercise_id", "exercise_id"),
        Index("ix_program_exercises_owner_id", "owner_id"),
        *prescription_checks(),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    program_day_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("program_days.id", ondelete="CASCADE"), nullable=False
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    exercise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[datetime] = created_at()
