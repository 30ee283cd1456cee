"""Training programs, their days and the exercises planned on each day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from compiler.declare import Many, One, columns, declare, weight_field
from domain.units import kg_to
from loaders.exercises import ExerciseByIdLoader
from loaders.programs import (
    ProgramByIdLoader,
    ProgramDayByIdLoader,
    ProgramDaysByProgramIdLoader,
    ProgramExercisesByProgramDayIdLoader,
)
from schema.common import Info, load_visible
from schema.enums import ProgramStructure, WeightUnit
from schema.exercises import Exercise


@strawberry.interface(description="Sets, reps, load and rest prescribed for one exercise.")
class Prescription:
    row: strawberry.Private[Any]

    @strawberry.field(description="Order within its day or session, from 0.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="Number of sets.")
    def sets(self) -> int:
        return self.row.sets

    @strawberry.field(description="Lower end of the rep range.")
    def reps_min(self) -> int | None:
        return self.row.reps_min

    @strawberry.field(description="Upper end of the rep range.")
    def reps_max(self) -> int | None:
        return self.row.reps_max

    @strawberry.field(description="Target load per set.")
    def target_weight(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return kg_to(self.row.target_weight_kg, unit.value)

    @strawberry.field(description="Target rate of perceived exertion (1-10).")
    def target_rpe(self) -> float | None:
        return float(self.row.target_rpe) if self.row.target_rpe is not None else None

    @strawberry.field(description="Rest between sets, in seconds.")
    def rest_seconds(self) -> int | None:
        return self.row.rest_seconds

    @strawberry.field(description='Lifting tempo, e.g. "3-1-1-0".')
    def tempo(self) -> str | None:
        return self.row.tempo

    @strawberry.field(description="Exercises sharing a group label are done as a superset.")
    def superset_group(self) -> str | None:
        return self.row.superset_group

    @strawberry.field(description="Free-form coaching notes.")
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field(description="The exercise prescribed.")
    async def exercise(self, info: Info) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, self.row.exercise_id)
        return Exercise.from_row(row) if row else None


@strawberry.type(description="A training program: a plan of days, each with its exercises.")
class Program(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    name: str = strawberry.field(description="The program's name.")
    description: str | None = strawberry.field(description="What the program is for.")
    structure: ProgramStructure = strawberry.field(description="Weekly or cyclic.")
    frequency: int | None = strawberry.field(description="Training days per week (or per cycle).")
    is_template: bool = strawberry.field(description="A template is meant to be copied, not followed as is.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: Any) -> Program:
        return cls(
            id=str(row.id),
            row=row,
            name=row.name,
            description=row.description,
            structure=ProgramStructure(row.structure),
            frequency=row.frequency,
            is_template=row.is_template,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The program's days, in order.")
    async def days(self, info: Info) -> list[ProgramDay]:
        rows = await info.context.loaders.get(ProgramDaysByProgramIdLoader).load(self.row.id)
        return [ProgramDay.from_row(r) for r in rows]


@strawberry.type(description='One day of a program, e.g. "Push Day".')
class ProgramDay(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    name: str = strawberry.field(description="The day's name.")
    position: int = strawberry.field(description="Order within the program, from 0.")
    weekday: int | None = strawberry.field(description="For weekly programs: 0 = Monday … 6 = Sunday.")
    notes: str | None = strawberry.field(description="Free-form notes.")

    @classmethod
    def from_row(cls, row: Any) -> ProgramDay:
        return cls(id=str(row.id), row=row, name=row.name, position=row.position, weekday=row.weekday, notes=row.notes)

    @strawberry.field(description="The program this day belongs to.")
    async def program(self, info: Info) -> Program | None:
        row = await load_visible(info, ProgramByIdLoader, self.row.program_id)
        return Program.from_row(row) if row else None

    @strawberry.field(description="The exercises planned for this day, in order.")
    async def exercises(self, info: Info) -> list[ProgramExercise]:
        rows = await info.context.loaders.get(ProgramExercisesByProgramDayIdLoader).load(self.row.id)
        return [ProgramExercise.from_row(r) for r in rows]


@strawberry.type(description="An exercise planned on a program day, with its prescription.")
class ProgramExercise(Prescription, relay.Node):
    id: relay.NodeID[str]

    @classmethod
    def from_row(cls, row: Any) -> ProgramExercise:
        return cls(id=str(row.id), row=row)

    @strawberry.field(description="The day this exercise is planned on.")
    async def program_day(self, info: Info) -> ProgramDay | None:
        row = await load_visible(info, ProgramDayByIdLoader, self.row.program_day_id)
        return ProgramDay.from_row(row) if row else None


# --- compiled reads (compiler/): each field's SQL -------------------------------------------

PRESCRIPTION_SQL = {
    **columns("position", "sets", "reps_min", "reps_max", "target_rpe", "rest_seconds", "tempo", "superset_group", "notes"),
    "targetWeight": weight_field("target_weight_kg"),
    "exercise": One("Exercise", "exercise_id"),
}

declare(Program, table="programs", owner="owner_id", fields={
    **columns("name", "description", "structure", "frequency", "is_template", "created_at", "updated_at"),
    "days": Many("ProgramDay", "program_id"),
})
declare(ProgramDay, table="program_days", owner="owner_id", fields={
    **columns("name", "position", "weekday", "notes"),
    "program": One("Program", "program_id"),
    "exercises": Many("ProgramExercise", "program_day_id"),
})
declare(ProgramExercise, table="program_exercises", owner="owner_id", fields={
    **PRESCRIPTION_SQL,
    "programDay": One("ProgramDay", "program_day_id"),
})
