"""Who may see what: the one authorization rule every read and write goes through.

Every stored object has an owner (a user id, or none for the global exercise
library). A viewer sees an object when it is global, theirs, or belongs to a user
whose training they may read: an athlete they coach (an accepted coaching
relationship), or a member of an organization where the viewer is owner or coach
who has opted in to share their training. Everything else answers NOT_FOUND, exactly
like an object that does not exist. Writes are the owner's only; the one thing a
coach may write for an athlete is a new program (resolvers/programs), and that
comes from accepted coaching alone, never from an organization (and so do the coaching
sessions a coach writes for the athlete, resolvers/health). A progress photo its user has not
shared with their coach is the user's alone. An organization is
seen by its members only (and so are its memberships); a sign-in by its user only; a coaching
relationship by its coach and athlete. Administrators read nothing more than anyone else.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, literal, select, true
from sqlalchemy.orm import aliased

from db import models
from db.engine import read_sessionmaker
from loaders.organizations import OrganizationMembershipsByUserIdLoader
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
    models.SkillExercise: None,  # the skill ladder is public
    models.UserSkillProgress: "user_id",
    models.HealthProfile: "user_id",
    models.BodyMetric: "user_id",
    models.MealLog: "user_id",
    models.ProgressPhoto: "user_id",  # and, unless shared with the coach, the user's alone (can_read)
    models.CoachingSession: "user_id",  # the athlete's; written by their coach (resolvers/health.py)
    models.CoachingActionItem: "user_id",
}


def owner_of(obj: Any) -> uuid.UUID | None:
    """The owning user's id; a kind missing from OWNER_COLUMN is a programming error (fail closed)."""
    column = OWNER_COLUMN[type(obj)]
    return getattr(obj, column) if column else None


@dataclass(frozen=True)
class Grants:
    """Whose training the viewer may read, and why."""

    coached: frozenset[uuid.UUID] = frozenset()  # accepted coaching: read, and create programs for them
    readable: frozenset[uuid.UUID] = frozenset()  # coached ∪ opted-in members of organizations the viewer owns or coaches


NO_GRANTS = Grants()

# The roles in an organization that read its opted-in members' training.
READING_ROLES = ("owner", "coach")


async def grants(ctx: Context) -> Grants:
    """The viewer's grants, loaded once per request (one statement) however many objects ask.

    Computed afresh for each request and each live event (and after a write), so an ended
    coaching relationship, an opt-out or a member leaving stops access with the next one.
    """
    if ctx.viewer_id is None:
        return NO_GRANTS
    pending = ctx.extra.get("access_grants")
    if pending is None:
        pending = ctx.extra["access_grants"] = asyncio.ensure_future(_grants(ctx))
    return await pending


async def coached_athletes(ctx: Context) -> frozenset[uuid.UUID]:
    """The athletes the viewer coaches (accepted): the only users they may create programs for."""
    return (await grants(ctx)).coached


async def acting_for(ctx: Context, viewer_id: uuid.UUID, for_user_id: uuid.UUID | None, field: str) -> uuid.UUID:
    """Whose training a write is for: the viewer's own, or (`for_user_id`) an athlete the viewer coaches;
    anyone else answers NOT_FOUND on `field`."""
    if for_user_id is None or for_user_id == viewer_id:
        return viewer_id
    if for_user_id not in await coached_athletes(ctx):
        raise NotFound("User", field=field)
    return for_user_id


async def readable_users(ctx: Context) -> frozenset[uuid.UUID]:
    """Users other than the viewer whose training data the viewer may read."""
    return (await grants(ctx)).readable


def grants_statement(viewer_id: uuid.UUID):
    """(user id, by coaching?) for every user whose training `viewer_id` may read: one UNION."""
    coaching = models.CoachingRelationship
    coached = select(coaching.athlete_id.label("user_id"), true().label("coached")).where(
        coaching.coach_id == viewer_id, coaching.status == "accepted"
    )
    mine, theirs = aliased(models.OrganizationMember), aliased(models.OrganizationMember)
    shared = (
        select(theirs.user_id, false())
        .select_from(mine)
        .join(theirs, theirs.organization_id == mine.organization_id)
        .where(
            mine.user_id == viewer_id,
            mine.role.in_(READING_ROLES),
            theirs.shares_training.is_(True),
            theirs.user_id != literal(viewer_id),
        )
    )
    return coached.union(shared)


async def _grants(ctx: Context) -> Grants:
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        rows = (await session.execute(grants_statement(ctx.viewer_id))).all()
    return Grants(
        coached=frozenset(user_id for user_id, by_coaching in rows if by_coaching),
        readable=frozenset(user_id for user_id, _ in rows),
    )


async def viewer_organization_ids(ctx: Context) -> frozenset[uuid.UUID]:
    """The organizations the viewer belongs to (any role): the ones they may see."""
    if ctx.viewer_id is None:
        return frozenset()
    memberships = await ctx.loaders.get(OrganizationMembershipsByUserIdLoader).load(ctx.viewer_id)
    return frozenset(m.organization_id for m in memberships)


async def can_read(ctx: Context, obj: Any) -> bool:
    if obj is None:
        return False
    if isinstance(obj, models.Organization):
        return obj.id in await viewer_organization_ids(ctx) and await ctx.signed_in()
    if isinstance(obj, models.OrganizationMember):  # seen by the organization's members, like the organization
        return obj.organization_id in await viewer_organization_ids(ctx) and await ctx.signed_in()
    if isinstance(obj, models.UserSession):  # a sign-in is its user's alone: no coach reads it
        return obj.user_id == ctx.viewer_id and await ctx.signed_in()
    if isinstance(obj, models.CoachingRelationship):  # seen by its two sides
        return ctx.viewer_id in (obj.coach_id, obj.athlete_id) and await ctx.signed_in()
    owner = owner_of(obj)
    if owner is None:
        return True
    if ctx.viewer_id is None:
        return False
    if owner != ctx.viewer_id and owner not in await readable_users(ctx):
        return False
    if isinstance(obj, models.ProgressPhoto) and owner != ctx.viewer_id and not obj.shared_with_coach:
        return False  # a private photo: not even the coach
    return await ctx.signed_in()


async def can_write(ctx: Context, obj: Any) -> bool:
    if obj is None:
        return False
    owner = owner_of(obj)
    return owner is not None and owner == ctx.viewer_id and await ctx.signed_in()


async def readable(ctx: Context, obj: Any, what: str) -> Any:
    """`obj` if the viewer may read it, else NOT_FOUND."""
    if not await can_read(ctx, obj):
        raise NotFound(what)
    return obj


async def writable(ctx: Context, obj: Any, what: str) -> Any:
    if not await can_write(ctx, obj):
        raise NotFound(what)
    return obj
