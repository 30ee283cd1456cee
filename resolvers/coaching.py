"""Coaching: a coach invites an athlete, who accepts or declines; either side can end it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from db.engine import read_sessionmaker
from db.models import CoachingRelationship, User
from resolvers.context import Context
from resolvers.errors import ApiError, BadUserInput, NotFound

OPEN = ("pending", "accepted")


class Forbidden(ApiError):
    code = "FORBIDDEN"


class Conflict(ApiError):
    code = "CONFLICT"


async def invite(ctx: Context, athlete_login: str) -> CoachingRelationship:
    viewer = await ctx.require_viewer()
    if viewer.role not in ("coach", "admin"):
        raise Forbidden("Only coaches can invite athletes")
    key = athlete_login.strip().lower()
    async with ctx.sessionmaker.begin() as session:
        athlete = (
            await session.execute(select(User).where(or_(func.lower(User.email) == key, func.lower(User.username) == key)))
        ).scalar_one_or_none()
        if athlete is None or not athlete.is_active:
            raise NotFound("User", field="athlete")
        if athlete.id == viewer.id:
            raise BadUserInput("You cannot coach yourself", field="athlete")
        row = CoachingRelationship(coach_id=viewer.id, athlete_id=athlete.id)
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict("You already coach or have invited this athlete") from exc
        await session.refresh(row)
    return row


async def respond(ctx: Context, relationship_id: uuid.UUID, accept: bool) -> CoachingRelationship:
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        row = await session.get(CoachingRelationship, relationship_id, with_for_update=True)
        if row is None or row.athlete_id != viewer.id or row.status != "pending":
            raise NotFound("CoachingInvitation", field="invitationId")
        row.status = "accepted" if accept else "declined"
        row.responded_at = datetime.now(UTC)
    ctx.committed()
    return row


async def end(ctx: Context, relationship_id: uuid.UUID) -> CoachingRelationship:
    """Either side ends it (an athlete revoking their coach, or a coach letting go); access stops at once."""
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        row = await session.get(CoachingRelationship, relationship_id, with_for_update=True)
        if row is None or viewer.id not in (row.coach_id, row.athlete_id) or row.status not in OPEN:
            raise NotFound("CoachingRelationship", field="relationshipId")
        row.status = "ended"
        row.ended_at = datetime.now(UTC)
    ctx.committed()
    return row


async def open_relationships(ctx: Context) -> list[CoachingRelationship]:
    viewer = await ctx.require_viewer()
    stmt = (
        select(CoachingRelationship)
        .where(
            or_(CoachingRelationship.coach_id == viewer.id, CoachingRelationship.athlete_id == viewer.id),
            CoachingRelationship.status.in_(OPEN),
        )
        .order_by(CoachingRelationship.created_at)
    )
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        return list((await session.execute(stmt)).scalars())


async def usernames(ctx: Context, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        return dict((await session.execute(select(User.id, User.username).where(User.id.in_(ids)))).all())
