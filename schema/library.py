"""Administrators' mutations on the global exercise library (resolvers/library.py)."""

from __future__ import annotations

import strawberry

from resolvers import library
from resolvers.ids import decode_id
from resolvers.validation import UNSET as UNSENT
from schema.common import Info
from schema.enums import Category, Equipment, Force, Level, Mechanic, MovementPattern, Muscle, Tracking
from schema.exercise_inputs import CreateExerciseInput, MuscleContributionInput, new_exercise_fields
from schema.exercises import Exercise

UNSET = strawberry.UNSET


@strawberry.input(description="A new exercise for the global library, listed for everyone (administrators only).")
class CreateLibraryExerciseInput(CreateExerciseInput):
    name: str = strawberry.field(description="English name; unique (any case) among the library's listed exercises.")


@strawberry.input(
    description="Changes to a library exercise (administrators only); omitted fields stay as they are. "
    "Changed exercises keep their changes when the server reloads the library's data file."
)
class UpdateLibraryExerciseInput:
    exercise_id: strawberry.ID = strawberry.field(description="A library exercise (not a user's own).")
    name: str | None = strawberry.field(default=UNSET, description="New English name.")
    name_he: str | None = strawberry.field(default=UNSET, description="New Hebrew name (null clears it).")
    category: Category | None = strawberry.field(default=UNSET, description="New category.")
    movement_pattern: MovementPattern | None = strawberry.field(default=UNSET, description="New movement pattern.")
    tracking: Tracking | None = strawberry.field(
        default=UNSET, description="What a set records; refused once sets are logged with the exercise."
    )
    primary_muscles: list[Muscle] | None = strawberry.field(default=UNSET, description="New primary muscles (at least one).")
    secondary_muscles: list[Muscle] | None = strawberry.field(default=UNSET, description="New assisting muscles.")
    muscle_contributions: list[MuscleContributionInput] | None = strawberry.field(
        default=UNSET,
        description="New shares; null resets them to the defaults. When omitted, changed muscles take the defaults and unchanged ones keep theirs.",
    )
    equipment: Equipment | None = strawberry.field(default=UNSET, description="New equipment (null clears it).")
    force: Force | None = strawberry.field(default=UNSET, description="New force (null clears it).")
    mechanic: Mechanic | None = strawberry.field(default=UNSET, description="New mechanic (null clears it).")
    level: Level | None = strawberry.field(default=UNSET, description="New level.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="New labels (up to 20).")


@strawberry.input(description="A library exercise to archive or restore (administrators only).")
class ArchiveLibraryExerciseInput:
    exercise_id: strawberry.ID = strawberry.field(description="A library exercise.")
    archived: bool = strawberry.field(
        default=True, description="True archives it (gone from search, still readable by id); false restores it."
    )


@strawberry.type(description="The library exercise as it is now.")
class LibraryExercisePayload:
    exercise: Exercise = strawberry.field(description="The exercise.")


def _value(enum_value):
    """An input enum (or UNSET / null) → its stored value."""
    if enum_value is UNSET:
        return UNSENT
    return enum_value.value if enum_value is not None else None


def _muscles(values):
    if values is UNSET:
        return UNSENT
    return [m.value for m in values] if values is not None else None


def _contributions(values):
    if values is UNSET:
        return UNSENT
    return {c.muscle.value: c.share for c in values} if values else None


@strawberry.type(description="The administrators' library mutations (merged into the root Mutation).")
class LibraryMutations:
    @strawberry.mutation(description="Add an exercise to the global library (administrators only; FORBIDDEN otherwise).")
    async def create_library_exercise(self, info: Info, input: CreateLibraryExerciseInput) -> LibraryExercisePayload:
        row = await library.create_library_exercise(info.context, **new_exercise_fields(input))
        return LibraryExercisePayload(exercise=Exercise.from_row(row))

    @strawberry.mutation(description="Change a library exercise (administrators only; FORBIDDEN otherwise).")
    async def update_library_exercise(self, info: Info, input: UpdateLibraryExerciseInput) -> LibraryExercisePayload:
        row = await library.update_library_exercise(
            info.context,
            decode_id(input.exercise_id, "Exercise", "exerciseId"),
            name=UNSENT if input.name is UNSET else input.name,
            name_he=UNSENT if input.name_he is UNSET else input.name_he,
            category=_value(input.category),
            movement_pattern=_value(input.movement_pattern),
            tracking=_value(input.tracking),
            primary_muscles=_muscles(input.primary_muscles),
            secondary_muscles=_muscles(input.secondary_muscles),
            contributions=_contributions(input.muscle_contributions),
            equipment=_value(input.equipment),
            force=_value(input.force),
            mechanic=_value(input.mechanic),
            level=_value(input.level),
            tags=UNSENT if input.tags is UNSET else input.tags,
        )
        return LibraryExercisePayload(exercise=Exercise.from_row(row))

    @strawberry.mutation(
        description="Archive a library exercise (gone from search and browse; sets, records and programs that use it keep it), "
        "or restore it with `archived: false` (administrators only; FORBIDDEN otherwise)."
    )
    async def archive_library_exercise(self, info: Info, input: ArchiveLibraryExerciseInput) -> LibraryExercisePayload:
        row = await library.archive_library_exercise(info.context, decode_id(input.exercise_id, "Exercise", "exerciseId"), input.archived)
        return LibraryExercisePayload(exercise=Exercise.from_row(row))
