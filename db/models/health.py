"""Health and coaching (seed 004): daily body metrics, meals, progress photos, coaching sessions.

Everything is stored in SI units (kilograms, centimetres, millilitres, grams). The check
constraints are the seed's: plausible vital signs, 1-10 wellness scales, no negative
nutrients. A progress photo's files live in MongoDB GridFS; its row here holds their ids.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, Time, UniqueConstraint
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from domain.enums import MealAdherence, MealType, PhotoKind


def scale(column: str) -> CheckConstraint:
    """A 1-10 rating (the seed's wellness and feedback scales)."""
    return CheckConstraint(f"{column} IS NULL OR {column} BETWEEN 1 AND 10", name=f"{column}_scale")


def nonnegative(*columns: str, name: str) -> CheckConstraint:
    return CheckConstraint(" AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in columns), name=name)


class HealthProfile(Base):
    """What the body metrics and nutrition need from a user: height (for BMI) and daily targets."""

    __tablename__ = "health_profiles"
    __table_args__ = (
        CheckConstraint("height_cm IS NULL OR height_cm BETWEEN 50 AND 280", name="height_range"),
        nonnegative("calories_target", "protein_target_g", "carbs_target_g", "fat_target_g", "water_target_ml", name="targets_nonnegative"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    calories_target: Mapped[int | None] = mapped_column(Integer)
    protein_target_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    carbs_target_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    fat_target_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    water_target_ml: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = updated_at()


class BodyMetric(Base):
    """One day's body metrics of a user (one row per user and local date)."""

    __tablename__ = "body_metrics"
    __table_args__ = (
        UniqueConstraint("user_id", "recorded_on", name="uq_body_metrics_user_day"),
        CheckConstraint("weight_kg IS NULL OR weight_kg BETWEEN 20 AND 400", name="weight_range"),
        CheckConstraint("body_fat_pct IS NULL OR body_fat_pct BETWEEN 2 AND 70", name="body_fat_range"),
        CheckConstraint("muscle_mass_kg IS NULL OR muscle_mass_kg BETWEEN 5 AND 200", name="muscle_mass_range"),
        CheckConstraint("resting_heart_rate IS NULL OR resting_heart_rate BETWEEN 30 AND 220", name="heart_rate_range"),
        CheckConstraint("bp_systolic IS NULL OR bp_systolic BETWEEN 70 AND 250", name="systolic_range"),
        CheckConstraint("bp_diastolic IS NULL OR bp_diastolic BETWEEN 40 AND 150", name="diastolic_range"),
        CheckConstraint("(bp_systolic IS NULL) = (bp_diastolic IS NULL) AND (bp_systolic IS NULL OR bp_systolic > bp_diastolic)",
                        name="blood_pressure_pair"),
        CheckConstraint(
            "(waist_cm IS NULL OR waist_cm BETWEEN 20 AND 300) AND (chest_cm IS NULL OR chest_cm BETWEEN 20 AND 300)"
            " AND (arms_cm IS NULL OR arms_cm BETWEEN 5 AND 150) AND (thighs_cm IS NULL OR thighs_cm BETWEEN 10 AND 200)"
            " AND (hips_cm IS NULL OR hips_cm BETWEEN 20 AND 300) AND (neck_cm IS NULL OR neck_cm BETWEEN 10 AND 100)",
            name="measurements_range",
        ),
        scale("energy"), scale("mood"), scale("sleep_quality"), scale("stress"),
        Index("ix_body_metrics_user_sort", "user_id", "recorded_on", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    recorded_on: Mapped[date] = mapped_column(Date, nullable=False)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    body_fat_pct: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    muscle_mass_kg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    waist_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    chest_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    arms_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    thighs_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    hips_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    neck_cm: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    resting_heart_rate: Mapped[int | None] = mapped_column(SmallInteger)
    bp_systolic: Mapped[int | None] = mapped_column(SmallInteger)
    bp_diastolic: Mapped[int | None] = mapped_column(SmallInteger)
    energy: Mapped[int | None] = mapped_column(SmallInteger)
    mood: Mapped[int | None] = mapped_column(SmallInteger)
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)
    stress: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MealLog(Base):
    """A meal, at a local date and time (the user's time zone)."""

    __tablename__ = "meal_logs"
    __table_args__ = (
        one_of("meal_type", MealType),
        one_of("adherence", MealAdherence, nullable=True),
        nonnegative("calories", "protein_g", "carbs_g", "fat_g", "fiber_g", "sugar_g", "sodium_mg", "water_ml", name="nutrients_nonnegative"),
        CheckConstraint("calories IS NULL OR calories <= 20000", name="calories_range"),
        scale("satisfaction"), scale("hunger_before"), scale("hunger_after"),
        Index("ix_meal_logs_user_sort", "user_id", "eaten_on", "eaten_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    eaten_on: Mapped[date] = mapped_column(Date, nullable=False)
    eaten_at: Mapped[time] = mapped_column(Time, nullable=False)
    meal_type: Mapped[str] = mapped_column(String(16), nullable=False)
    calories: Mapped[int | None] = mapped_column(Integer)
    protein_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    carbs_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    fat_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    fiber_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    sugar_g: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    sodium_mg: Mapped[int | None] = mapped_column(Integer)
    water_ml: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(500))
    foods: Mapped[list[str]] = mapped_column(ARRAY(String(120)), nullable=False, server_default="{}")
    adherence: Mapped[str | None] = mapped_column(String(10))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    hunger_before: Mapped[int | None] = mapped_column(SmallInteger)
    hunger_after: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ProgressPhoto(Base):
    """A progress photo's metadata; the image and its thumbnail are GridFS files (ids below)."""

    __tablename__ = "progress_photos"
    __table_args__ = (
        one_of("kind", PhotoKind),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
        CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="size_range"),
        UniqueConstraint("file_id", name="uq_progress_photos_file_id"),
        Index("ix_progress_photos_user_sort", "user_id", "taken_on", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    taken_on: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    body_fat_pct: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    notes: Mapped[str | None] = mapped_column(Text)
    shared_with_coach: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    file_id: Mapped[str] = mapped_column(String(24), nullable=False)
    thumbnail_id: Mapped[str] = mapped_column(String(24), nullable=False)
    content_type: Mapped[str] = mapped_column(String(16), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at()


class CoachingSession(Base):
    """A session between an athlete (the owner) and their coach; the coach writes it, the athlete rates it."""

    __tablename__ = "coaching_sessions"
    __table_args__ = (
        CheckConstraint("duration_minutes IS NULL OR duration_minutes BETWEEN 1 AND 600", name="duration_range"),
        CheckConstraint("next_session_on IS NULL OR next_session_on >= session_on", name="next_after_session"),
        CheckConstraint("coach_id <> user_id", name="not_self"),
        scale("athlete_rating"),
        Index("ix_coaching_sessions_user_sort", "user_id", "session_on", "id"),
        Index("ix_coaching_sessions_coach_id", "coach_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    session_on: Mapped[date] = mapped_column(Date, nullable=False)
    duration_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(120)), nullable=False, server_default="{}")
    discussion_notes: Mapped[str | None] = mapped_column(Text)
    coach_feedback: Mapped[str | None] = mapped_column(Text)
    next_session_on: Mapped[date | None] = mapped_column(Date)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    completion_notes: Mapped[str | None] = mapped_column(Text)
    athlete_rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class CoachingActionItem(Base):
    """An action item of a coaching session: the coach sets it, the athlete ticks it."""

    __tablename__ = "coaching_action_items"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_coaching_action_items_slot"),
        CheckConstraint("position BETWEEN 0 AND 49", name="position_range"),
        Index("ix_coaching_action_items_user_due", "user_id", "due_on", postgresql_where=sql("NOT done")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=sql("false"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
