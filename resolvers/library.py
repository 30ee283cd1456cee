"""Administrators manage the global exercise library: create, change, archive (and restore).

Only accounts with the ADMIN role (made with `python -m server make-admin`, never through the
API) may; everyone else gets FORBIDDEN. Being an administrator grants no reads: the access
rule (resolvers/access.py) treats an administrator like anyone else.

Library exercises are archived, never deleted: sets, records, goals and other users' programs
reference them (set_logs with ON DELETE RESTRICT), and history must stay readable. An archived
exercise leaves search and browse (`exercises`) but is still readable by id, and what already
refers to it keeps working.

Rows that came from db/data/exercises.json are upserted by the library loader on every start
(db/seed.py); an administrator's change marks the row (`edited_at`) and the loader leaves marked
rows alone, so edits survive restarts. Exercises administrators create get a `source_key` of
`admin:<id>`, which the data file never uses.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import exists, func, select

from db.models import Exercise, SetLog, User
from resolvers.context import Context
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.exercises import exercise_values
from resolvers.validation import UNSET

# The columns `exercise_values` takes (the row's attributes of the same names).
FIELDS = (
    "name", "name_he", "category", "movement_pattern", "tracking", "primary_muscles",
    "secondary_muscles", "equipment", "force", "mechanic", "level", "tags",
)


# Fields that may be left out of an update but never cleared, by their input names.
REQUIRED = {
    "name": "name",
    "category": "category",
    "movement_pattern": "movementPattern",
    "tracking": "tracking",
    "level": "level",
    "primary_muscles": "primaryMuscles",
    "secondary_muscles": "secondaryMuscles",
    "tags": "tags",
}


async def require_admin(ctx: Context) -> User:
    viewer = await ctx.require_viewer()
    if viewer.role != "admin":
        raise Forbidden("Only administrators manage the exercise library")
    return viewer


async def _name_taken(session, name: str, other_than: uuid.UUID | None) -> bool:
    """True when another listed (not archived) library exercise has this name, any case."""
    condition = [Exercise.owner_id.is_(None), Exercise.archived_at.is_(None), func.lower(Exercise.name) == name.lower()]
    if other_than is not None:
        condition.append(Exercise.id != other_than)
    return await session.scalar(select(exists().where(*condition)))


async def _library_row(session, exercise_id: uuid.UUID) -> Exercise:
    row = await session.get(Exercise, exercise_id, with_for_update=True)
    if row is None or row.owner_id is not None:
        raise NotFound("Exercise", field="exerciseId")
    return row


async def create_library_exercise(ctx: Context, **fields) -> Exercise:
    """A new global exercise, listed for everyone (fields as `exercise_values` takes them)."""
    await require_admin(ctx)
    values = exercise_values(**fields)
    exercise_id = uuid.uuid4()
    async with ctx.sessionmaker.begin() as session:
        if await _name_taken(session, values["name"], None):
            raise BadUserInput("The library already has an exercise with that name", field="name")
        row = Exercise(id=exercise_id, owner_id=None, source_key=f"admin:{exercise_id}", **values)
        session.add(row)
        await session.flush()
        await session.refresh(row)
    ctx.committed()
    return row


async def update_library_exercise(ctx: Context, exercise_id: uuid.UUID, **changes) -> Exercise:
    """Change a library exercise; fields left UNSET keep their value. The library loader stops overwriting it."""
    await require_admin(ctx)
    for key, field in REQUIRED.items():
        if changes.get(key, UNSET) is None:
            raise BadUserInput(f"'{field}' cannot be cleared", field=field)
    contributions = changes.pop("contributions", UNSET)
    async with ctx.sessionmaker.begin() as session:
        row = await _library_row(session, exercise_id)
        current = {key: getattr(row, key) for key in FIELDS}
        merged = current | {key: value for key, value in changes.items() if value is not UNSET}
        if contributions is UNSET:
            muscles_changed = any(changes.get(k, UNSET) is not UNSET for k in ("primary_muscles", "secondary_muscles"))
            # New muscles take the default shares; otherwise the row's own shares stay.
            contributions = None if muscles_changed else dict(row.muscle_contributions)
        values = exercise_values(**merged, contributions=contributions)
        if values["tracking"] != row.tracking and await session.scalar(select(exists().where(SetLog.exercise_id == row.id))):
            raise BadUserInput("Sets are logged with this exercise: what a set records can no longer change", field="tracking")
        if row.archived_at is None and await _name_taken(session, values["name"], row.id):
            raise BadUserInput("The library already has an exercise with that name", field="name")
        for key, value in values.items():
            setattr(row, key, value)
        row.edited_at = datetime.now(UTC)
        await session.flush()
        await session.refresh(row)
    ctx.committed()
    return row


async def archive_library_exercise(ctx: Context, exercise_id: uuid.UUID, archived: bool) -> Exercise:
    """Archive (out of search, still readable by id) or restore a library exercise."""
    await require_admin(ctx)
    async with ctx.sessionmaker.begin() as session:
        row = await _library_row(session, exercise_id)
        if archived and row.archived_at is None:
            row.archived_at = datetime.now(UTC)
        elif not archived and row.archived_at is not None:
            if await _name_taken(session, row.name, row.id):
                raise BadUserInput("The library already lists an exercise with this name: rename one first", field="archived")
            row.archived_at = None
        await session.flush()
        await session.refresh(row)
    ctx.committed()
    return row
