"""The fields of a new exercise, shared by users' own exercises and the global library's."""

from __future__ import annotations

import strawberry

from schema.enums import Category, Equipment, Force, Level, Mechanic, MovementPattern, Muscle, Tracking


@strawberry.input(description="A muscle's share of the work, 0.05-1.")
class MuscleContributionInput:
    muscle: Muscle = strawberry.field(description="One of the exercise's muscles.")
    share: float = strawberry.field(description="Its share of the work, 0.05-1.")


@strawberry.input(description="A custom exercise, visible only to you.")
class CreateExerciseInput:
    name: str = strawberry.field(description="English (or your own) name; unique among your exercises.")
    name_he: str | None = strawberry.field(default=None, description="Hebrew name.")
    category: Category = strawberry.field(default=Category.STRENGTH, description="Kind of training.")
    movement_pattern: MovementPattern = strawberry.field(default=MovementPattern.OTHER, description="Movement trained.")
    tracking: Tracking = strawberry.field(default=Tracking.WEIGHT_REPS, description="What a set records.")
    primary_muscles: list[Muscle] = strawberry.field(description="At least one.")
    secondary_muscles: list[Muscle] = strawberry.field(default_factory=list, description="Assisting muscles.")
    muscle_contributions: list[MuscleContributionInput] | None = strawberry.field(
        default=None, description="Override the default shares (primary 1.0, secondary 0.5)."
    )
    equipment: Equipment | None = strawberry.field(default=None, description="Equipment.")
    force: Force | None = strawberry.field(default=None, description="Push, pull or static.")
    mechanic: Mechanic | None = strawberry.field(default=None, description="Compound or isolation.")
    level: Level = strawberry.field(default=Level.BEGINNER, description="Experience it calls for.")
    tags: list[str] = strawberry.field(default_factory=list, description="Up to 20 labels.")


def new_exercise_fields(input: CreateExerciseInput) -> dict:
    """A new exercise's input as the stored values the resolvers take."""
    return dict(
        name=input.name,
        name_he=input.name_he,
        category=input.category.value,
        movement_pattern=input.movement_pattern.value,
        tracking=input.tracking.value,
        primary_muscles=[m.value for m in input.primary_muscles],
        secondary_muscles=[m.value for m in input.secondary_muscles],
        contributions={c.muscle.value: c.share for c in input.muscle_contributions} if input.muscle_contributions else None,
        equipment=input.equipment.value if input.equipment else None,
        force=input.force.value if input.force else None,
        mechanic=input.mechanic.value if input.mechanic else None,
        level=input.level.value,
        tags=input.tags,
    )
