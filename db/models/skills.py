"""The bodyweight skill ladder (catalogue data) and each athlete's standing on it.

The catalogue tables are loaded from db/data/skill_ladder.json on every start; rows with
`edited_at` set were changed in the database and the loader leaves them alone. The
athlete's tables hold only what is theirs: the level per category (none stored = 0), a
prescription they or their coach set (none = the starting one, derived from the default)
and mastery, which the training rules derive from their sets (resolvers/skills.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, updated_at, uuid_pk

_SETS_CHECK = "jsonb_typeof({c}) = 'array' AND jsonb_array_length({c}) BETWEEN 1 AND 20"
_TEMPO_CHECK = "{c} IS NULL OR {c} ~ '^(hold|([0-9]{{1,2}}|X)(-([0-9]{{1,2}}|X)){{3}})$'"


class SkillLevel(Base):
    __tablename__ = "skill_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 5", name="level_range"),)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    name_he: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    description_he: Mapped[str] = mapped_column(Text, nullable=False)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SkillCategory(Base):
    __tablename__ = "skill_categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    name_he: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    description_he: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SkillExercise(Base):
    """One step of the ladder: an exercise on a category's level, with its default prescription."""

    __tablename__ = "skill_exercises"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_skill_exercises_source_key"),
        # An exercise sits on one step only, so a set of it counts toward exactly one mastery.
        UniqueConstraint("exercise_id", name="uq_skill_exercises_exercise_id"),
        UniqueConstraint("category", "level", "position", name="uq_skill_exercises_slot"),
        CheckConstraint("position BETWEEN 0 AND 2", name="position_range"),
        CheckConstraint(_SETS_CHECK.format(c="default_sets"), name="default_sets_shape"),
        CheckConstraint(_TEMPO_CHECK.format(c="default_tempo"), name="default_tempo_format"),
        CheckConstraint("default_rest_seconds IS NULL OR default_rest_seconds BETWEEN 0 AND 3600", name="default_rest_range"),
        Index("ix_skill_exercises_level", "level"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    source_key: Mapped[str] = mapped_column(String(60), nullable=False)
    category: Mapped[str] = mapped_column(ForeignKey("skill_categories.code", ondelete="RESTRICT"), nullable=False)
    level: Mapped[int] = mapped_column(ForeignKey("skill_levels.level", ondelete="RESTRICT"), nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False)
    default_sets: Mapped[list] = mapped_column(JSONB, nullable=False)
    default_tempo: Mapped[str | None] = mapped_column(String(16))
    default_rest_seconds: Mapped[int | None] = mapped_column(Integer)
    equipment: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False, server_default="{}")
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class UserSkillLevel(Base):
    __tablename__ = "user_skill_levels"
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 5", name="level_range"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(ForeignKey("skill_categories.code", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    updated_at: Mapped[datetime] = updated_at()


class UserSkillProgress(Base):
    __tablename__ = "user_skill_progress"
    __table_args__ = (
        CheckConstraint(f"current_sets IS NULL OR ({_SETS_CHECK.format(c='current_sets')})", name="current_sets_shape"),
        CheckConstraint(_TEMPO_CHECK.format(c="current_tempo"), name="current_tempo_format"),
        CheckConstraint("current_rest_seconds IS NULL OR current_rest_seconds BETWEEN 0 AND 3600", name="current_rest_range"),
        CheckConstraint("mastered_session_id IS NULL OR mastered_at IS NOT NULL", name="mastered_in_session"),
        Index("ix_user_skill_progress_skill_exercise_id", "skill_exercise_id"),
        Index("ix_user_skill_progress_mastered_session_id", "mastered_session_id"),
        Index("ix_user_skill_progress_prescribed_by", "prescribed_by"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill_exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("skill_exercises.id", ondelete="CASCADE"), primary_key=True)
    # Null: the starting prescription (domain/skills.py), derived from the default.
    current_sets: Mapped[list | None] = mapped_column(JSONB)
    current_tempo: Mapped[str | None] = mapped_column(String(16))
    current_rest_seconds: Mapped[int | None] = mapped_column(Integer)
    prescribed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mastered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mastered_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workout_sessions.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = updated_at()


class PlannedSkillExercise(Base):
    """A session started from the skill plan: each step with the prescription the athlete had then."""

    __tablename__ = "planned_skill_exercises"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_planned_skill_exercises_position"),
        CheckConstraint(_SETS_CHECK.format(c="sets"), name="sets_shape"),
        CheckConstraint("rest_seconds IS NULL OR rest_seconds BETWEEN 0 AND 3600", name="rest_range"),
        Index("ix_planned_skill_exercises_skill_exercise_id", "skill_exercise_id"),
        Index("ix_planned_skill_exercises_exercise_id", "exercise_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workout_sessions.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    skill_exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("skill_exercises.id", ondelete="RESTRICT"), nullable=False)
    exercise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False)
    sets: Mapped[list] = mapped_column(JSONB, nullable=False)
    tempo: Mapped[str | None] = mapped_column(String(16))
    rest_seconds: Mapped[int | None] = mapped_column(Integer)
