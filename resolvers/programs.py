"""Creating and changing training programs, their days and planned exercises."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select, update

from db.models import Exercise, Program, ProgramDay, ProgramExercise
from domain.units import to_kg
from resolvers import validation
from resolvers.access import acting_for, can_read, writable
from resolvers.context import Context
from resolvers.errors import BadUserInput, NotFound
from resolvers.validation import UNSET


@dataclass
class PrescriptionInput:
    exercise_id: uuid.UUID
    sets: int = 3
    reps_min: int | None = None
    reps_max: int | None = None
    target_weight: float | None = None
    weight_unit: str = "kg"
    target_rpe: float | None = None
    rest_seconds: int | None = None
    tempo: str | None = None
    superset_group: str | None = None
    notes: str | None = None


@dataclass
class DayInput:
    name: str
    weekday: int | None = None
    notes: str | None = None
    exercises: list[PrescriptionInput] | None = None


def prescription_values(p: PrescriptionInput, prefix: str = "") -> dict:
    validation.in_range(p.sets, f"{prefix}sets", 1, 50)
    validation.in_range(p.reps_min, f"{prefix}repsMin", 0, 1000)
    validation.in_range(p.reps_max, f"{prefix}repsMax", 0, 1000)
    if p.reps_min is not None and p.reps_max is not None and p.reps_min > p.reps_max:
        raise BadUserInput("'repsMin' must not exceed 'repsMax'", field=f"{prefix}repsMin")
    weight = to_kg(p.target_weight, p.weight_unit)
    validation.in_range(weight, f"{prefix}targetWeight", 0, 2000)
    validation.in_range(p.target_rpe, f"{prefix}targetRpe", 1, 10)
    validation.in_range(p.rest_seconds, f"{prefix}restSeconds", 0, 3600)
    return dict(
        exercise_id=p.exercise_id,
        sets=p.sets,
        reps_min=p.reps_min,
        reps_max=p.reps_max,
        target_weight_kg=Decimal(str(round(weight, 3))) if weight is not None else None,
        target_rpe=p.target_rpe,
        rest_seconds=p.rest_seconds,
        tempo=validation.text(p.tempo, f"{prefix}tempo", max_length=16),
        superset_group=validation.text(p.superset_group, f"{prefix}supersetGroup", max_length=8),
        notes=validation.text(p.notes, f"{prefix}notes", max_length=2000),
    )


async def visible_exercise(ctx: Context, session, exercise_id: uuid.UUID, field: str) -> Exercise:
    exercise = await session.get(Exercise, exercise_id)
    if not await can_read(ctx, exercise):
        raise NotFound("Exercise", field=field)
    return exercise


def _program_fields(name, description, structure, frequency) -> dict:
    values = {}
    if name is not UNSET:
        values["name"] = validation.text(name, "name", max_length=120, required=True)
    if description is not UNSET:
        values["description"] = validation.text(description, "description", max_length=5000)
    if structure is not UNSET and structure is not None:
        values["structure"] = structure
    if frequency is not UNSET:
        values["frequency"] = validation.in_range(frequency, "frequency", 1, 14)
    return values


async def create_program(
    ctx: Context, *, name, description=None, structure=None, frequency=None, is_template=False, days: list[DayInput] | None = None,
    for_user_id: uuid.UUID | None = None,
) -> Program:
    """A new program for the viewer, or, for a coach, for one of their athletes (the athlete owns it)."""
    viewer = await ctx.require_viewer()
    owner = await acting_for(ctx, viewer.id, for_user_id, "forUserId")
    values = _program_fields(name, description, structure, frequency)
    async with ctx.sessionmaker.begin() as session:
        program = Program(owner_id=owner, is_template=bool(is_template), **values)
        session.add(program)
        await session.flush()
        for i, day in enumerate(days or ()):
            await _add_day(ctx, session, program, day, position=i, prefix=f"days.{i}.")
    return program


async def update_program(ctx: Context, program_id: uuid.UUID, *, name=UNSET, description=UNSET, structure=UNSET, frequency=UNSET, is_template=UNSET) -> Program:
    await ctx.require_viewer()
    values = _program_fields(name, description, structure, frequency)
    if is_template is not UNSET and is_template is not None:
        values["is_template"] = is_template
    async with ctx.sessionmaker.begin() as session:
        program = await writable(ctx, await session.get(Program, program_id, with_for_update=True), "Program")
        for key, value in values.items():
            setattr(program, key, value)
        await session.flush()
        await session.refresh(program)
    return program


async def delete_program(ctx: Context, program_id: uuid.UUID) -> None:
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        program = await writable(ctx, await session.get(Program, program_id), "Program")
        await session.execute(delete(Program).where(Program.id == program.id))


async def add_program_day(ctx: Context, program_id: uuid.UUID, day: DayInput, position: int | None) -> ProgramDay:
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        program = await writable(ctx, await session.get(Program, program_id, with_for_update=True), "Program")
        count = await session.scalar(select(func.count()).where(ProgramDay.program_id == program.id))
        return await _add_day(ctx, session, program, day, position=_slot(position, count), prefix="")


async def add_program_exercise(ctx: Context, day_id: uuid.UUID, p: PrescriptionInput, position: int | None) -> ProgramExercise:
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        day = await writable(ctx, await session.get(ProgramDay, day_id, with_for_update=True), "ProgramDay")
        count = await session.scalar(select(func.count()).where(ProgramExercise.program_day_id == day.id))
        return await _add_exercise(ctx, session, day, p, _slot(position, count), prefix="")


def _slot(position: int | None, count: int) -> int:
    if position is None:
        return count
    return validation.in_range(position, "position", 0, count)


async def _shift(session, model, parent_column, parent_id, position: int) -> None:
    """Open a gap at `position` (the unique (parent, position) constraints are checked at commit)."""
    await session.execute(
        update(model)
        .where(getattr(model, parent_column) == parent_id, model.position >= position)
        .values(position=model.position + 1)
    )


async def _add_day(ctx: Context, session, program: Program, day: DayInput, *, position: int, prefix: str) -> ProgramDay:
    await _shift(session, ProgramDay, "program_id", program.id, position)
    row = ProgramDay(
        program_id=program.id,
        owner_id=program.owner_id,
        name=validation.text(day.name, f"{prefix}name", max_length=120, required=True),
        weekday=validation.in_range(day.weekday, f"{prefix}weekday", 0, 6),
        notes=validation.text(day.notes, f"{prefix}notes", max_length=2000),
        position=position,
    )
    session.add(row)
    await session.flush()
    for i, exercise in enumerate(day.exercises or ()):
        await _add_exercise(ctx, session, row, exercise, i, prefix=f"{prefix}exercises.{i}.")
    return row


async def _add_exercise(ctx: Context, session, day: ProgramDay, p: PrescriptionInput, position: int, prefix: str) -> ProgramExercise:
    values = prescription_values(p, prefix)
    await visible_exercise(ctx, session, p.exercise_id, f"{prefix}exerciseId")
    await _shift(session, ProgramExercise, "program_day_id", day.id, position)
    row = ProgramExercise(program_day_id=day.id, owner_id=day.owner_id, position=position, **values)
    session.add(row)
    await session.flush()
    return row
