"""Exercises: the global library (owner null) and users' custom exercises."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, created_at, one_of, updated_at, uuid_pk
from domain.enums import Category, Equipment, Force, Level, Mechanic, MovementPattern, Tracking


class Exercise(Base):
    __tablename__ = "exercises"
    __table_args__ = (
        one_of("category", Category),
        one_of("movement_pattern", MovementPattern),
        one_of("force", Force, nullable=True),
        one_of("mechanic", Mechanic, nullable=True),
        one_of("level", Level),
        one_of("equipment", Equipment, nullable=True),
        one_of("tracking", Tracking),
        CheckConstraint("cardinality(primary_muscles) >= 1", name="has_primary_muscle"),
        CheckConstraint("owner_id IS NULL OR (archived_at IS NULL AND edited_at IS NULL)", name="library_only_admin_fields"),
        CheckConstraint("(owner_id IS NULL) = (source_key IS NOT NULL)", name="library_or_custom"),
        Index("uq_exercises_source_key", "source_key", unique=True),
        Index("uq_exercises_owner_name", "owner_id", func.lower(text("name")), unique=True),
        Index("ix_exercises_owner_sort", "owner_id", "name", "id"),
        Index("ix_exercises_primary_muscles", "primary_muscles", postgresql_using="gin"),
        Index("ix_exercises_secondary_muscles", "secondary_muscles", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source_key: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_he: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(24), nullable=False)
    movement_pattern: Mapped[str] = mapped_column(String(8), nullable=False, server_default="other")
    force: Mapped[str | None] = mapped_column(String(8))
    mechanic: Mapped[str | None] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(12), nullable=False, server_default="beginner")
    equipment: Mapped[str | None] = mapped_column(String(16))
    primary_muscles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), nullable=False)
    secondary_muscles: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), nullable=False, server_default="{}"
    )
    muscle_contributions: Mapped[dict[str, float]] = mapped_column(
        JSONB, nullable=False, server_default="{}"
    )
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False, server_default="{}")
    tracking: Mapped[str] = mapped_column(String(20), nullable=False, server_default="weight_reps")
    # Library rows only. Archived: gone from search and browse, still readable by id (history).
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when an administrator changes a library row; the library loader then leaves it alone (db/seed.py).
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
