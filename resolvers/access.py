"""Who may see what: the one authorization rule every read and write goes through.

Every stored object has an owner (a user id, or none for the global exercise
library). A viewer sees an object when it is global or theirs; everything else
answers NOT_FOUND, exactly like an object that does not exist. Coaching grants
(a later capability) extend `can_read` and nothing else.
"""

from __future__ import annotations

import uuid
from typing import Any

from db import models
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
    models.Achievement: None,
}


def owner_of(obj: Any) -> uuid.UUID | None:
    """The owning user's id; a kind missing from OWNER_COLUMN is a programming error (fail closed)."""
    column = OWNER_COLUMN[type(obj)]
    return getattr(obj, column) if column else None


async def can_read(ctx: Context, obj: Any) -> bool:
    if obj is None:
        return False
    owner = owner_of(obj)
    if owner is None:
        return True
    return ctx.viewer_id is not None and owner == ctx.viewer_id and (await ctx.viewer()) is not None


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
