"""Organizations (a gym or a team): owners manage members; each member decides whether to share their training.

An organization's owners and coaches read the training of members who opted in
(`shares_training`; off when they join): the rule itself lives in resolvers/access.py.
Non-members get NOT_FOUND for everything about an organization; members who are not
owners get FORBIDDEN for the owners' mutations. Every membership change locks the
organization's row first, so concurrent changes cannot leave it without an owner.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.models import Organization, OrganizationMember, User
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import BadUserInput, Forbidden, NotFound

ROLES = ("owner", "coach", "member")


async def create(ctx: Context, name: str) -> Organization:
    """A new organization with the viewer as its owner."""
    viewer = await ctx.require_viewer()
    name = validation.text(name, "name", max_length=120, required=True)
    async with ctx.sessionmaker.begin() as session:
        organization = Organization(name=name)
        session.add(organization)
        await session.flush()
        session.add(OrganizationMember(organization_id=organization.id, user_id=viewer.id, role="owner"))
        await session.flush()
        await session.refresh(organization)
    ctx.committed()
    return organization


async def _locked(session, organization_id: uuid.UUID, viewer_id: uuid.UUID) -> tuple[Organization, OrganizationMember]:
    """The organization (row-locked) and the viewer's membership; NOT_FOUND unless the viewer is in it."""
    organization = await session.get(Organization, organization_id, with_for_update=True)
    mine = await session.get(OrganizationMember, (organization_id, viewer_id)) if organization else None
    if mine is None:
        raise NotFound("Organization", field="organizationId")
    return organization, mine


def _require_owner(membership: OrganizationMember) -> None:
    if membership.role != "owner":
        raise Forbidden("Only the organization's owners can do that")


async def _owner_count(session, organization_id: uuid.UUID) -> int:
    return await session.scalar(
        select(func.count()).where(OrganizationMember.organization_id == organization_id, OrganizationMember.role == "owner")
    )


async def add_member(ctx: Context, organization_id: uuid.UUID, username: str, role: str) -> tuple[Organization, OrganizationMember]:
    """Add a user (by username) with `role`, or change the role of a member already in it. Owners only."""
    viewer = await ctx.require_viewer()
    if role not in ROLES:
        raise BadUserInput(f"'role' must be one of {', '.join(ROLES)}", field="role")
    key = (username or "").strip().lower()
    async with ctx.sessionmaker.begin() as session:
        organization, mine = await _locked(session, organization_id, viewer.id)
        _require_owner(mine)
        user = (await session.execute(select(User).where(func.lower(User.username) == key))).scalar_one_or_none()
        if user is None or not user.is_active:
            raise NotFound("User", field="username")
        if role == "coach" and user.role != "coach":
            raise BadUserInput("Only a coach's account can have the COACH role in an organization", field="role")
        member = await session.get(OrganizationMember, (organization.id, user.id), with_for_update=True)
        if member is None:
            member = OrganizationMember(organization_id=organization.id, user_id=user.id, role=role)
            session.add(member)
        else:
            if member.role == "owner" and role != "owner" and await _owner_count(session, organization.id) == 1:
                raise BadUserInput("An organization needs an owner: make another member owner first", field="role")
            member.role = role
        try:
            await session.flush()
        except IntegrityError as exc:  # the user's account went away meanwhile
            raise NotFound("User", field="username") from exc
        await session.refresh(member)
    ctx.committed()
    return organization, member


async def remove_member(ctx: Context, organization_id: uuid.UUID, user_id: uuid.UUID) -> Organization:
    """Owners remove anyone; every member may remove themself (leave). The last owner cannot go."""
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        organization, mine = await _locked(session, organization_id, viewer.id)
        if user_id != viewer.id:
            _require_owner(mine)
        member = mine if user_id == viewer.id else await session.get(OrganizationMember, (organization.id, user_id))
        if member is None:
            raise NotFound("OrganizationMember", field="userId")
        if member.role == "owner" and await _owner_count(session, organization.id) == 1:
            raise BadUserInput(
                "The last owner cannot leave: make another member owner first (addOrganizationMember with role OWNER)",
                field="userId",
            )
        await session.delete(member)
    ctx.committed()
    return organization


async def set_sharing(ctx: Context, organization_id: uuid.UUID, shares_training: bool) -> tuple[Organization, OrganizationMember]:
    """The viewer's own opt-in (or out): whether the organization's owners and coaches read their training."""
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        organization, mine = await _locked(session, organization_id, viewer.id)
        mine.shares_training = shares_training
        await session.flush()
        await session.refresh(mine)
    ctx.committed()
    return organization, mine
