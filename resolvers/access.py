"""Who may see what: the one authorization rule every read and write goes through.

Every stored object has an owner (a user id, or none for the global exercise
library). A viewer sees an object when it is global, theirs, or belongs to an
athlete they coach (an accepted coaching relationship); everything else answers
NOT_FOUND, exactly like an object that does not exist. Writes are the owner's only;
the one thing a coach may write for an athlete is a new program (resolvers/programs).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select

from db import models
from db.engine import read_sessionmaker
from resolvers.context import Context
from resolvers.errors import NotFound

# Which column holds each kind's owner; None marks public catalogue data.
OWNER_COLUMN: dict[type, str | None] = {
    models.User: "id",
    models.Exercise: "owner_id",  # null for the global library
    models.Program: "owner_id",
    models.ProgramDay: "owner_id",
    models.ProgramExercise: "owner_id",
    models.WorkoutSession: "user_id",
    models.SetLog: "user_id",
    models.PersonalRecord: "user_id",
    models.UserAchievement: "user_id",
    models.Goal: "user_id",
    models.Achievement: None,
}


def owner_of(obj: Any) -> uuid.UUID | None:
    """The owning user's id; a kind missing from OWNER_COLUMN is a programming error (fail closed)."""
    column = OWNER_COLUMN[type(obj)]
    return getattr(obj, column) if column else None


async def coached_athletes(ctx: Context) -> frozenset[uuid.UUID]:
    """The athletes the viewer coaches (accepted), loaded once per request however many objects ask."""
    if ctx.viewer_id is None:
        return frozenset()
    pending = ctx.extra.get("coached_athletes")
    if pending is None:
        pending = ctx.extra["coached_athletes"] = asyncio.ensure_future(_coached(ctx))
    return await pending


async def _coached(ctx: Context) -> frozenset[uuid.UUID]:
    stmt = select(models.CoachingRelationship.athlete_id).where(
        models.CoachingRelationship.coach_id == ctx.viewer_id, models.CoachingRelationship.status == "accepted"
    )
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        return frozenset((await session.execute(stmt)).scalars())


async def can_read(ctx: Context, obj: Any) -> bool:
    if obj is None:
        return False
    owner = owner_of(obj)
    if owner is None:
        return True
    if ctx.viewer_id is None:
        return False
    if owner != ctx.viewer_id and owner not in await coached_athletes(ctx):
        return False
    return (await ctx.viewer()) is not None


async def can_write(ctx: Context, obj: Any) -> bool:
    if obj is None:
        return False
    owner = owner_of(obj)
    return owner is not None and owner == ctx.viewer_id and (await ctx.viewer()) is not None


async def readable(ctx: Context, obj: Any, what: str) -> Any:
    """`obj` if the viewer may read it, else NOT_FOUND."""
    if not await can_read(ctx, obj):
        raise NotFound(what)
    return obj


async def writable(ctx: Context, obj: Any, what: str) -> Any:
    if not await can_write(ctx, obj):
        raise NotFound(what)
    return obj
