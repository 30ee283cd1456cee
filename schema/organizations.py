"""Organizations (a gym or a team), their members, and the mutations that manage them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from loaders.organizations import (
    OrganizationByIdLoader,
    OrganizationMembersByOrganizationIdLoader,
    OrganizationMembershipsByUserIdLoader,
)
from loaders.users import UserByIdLoader
from resolvers import organizations
from resolvers.ids import decode_id, encode_id, member_key
from schema.common import Info, load_visible
from schema.enums import OrganizationRole

if TYPE_CHECKING:
    from schema.users import User


@strawberry.type(description="A user's membership of an organization; its id names the (organization, user) pair.")
class OrganizationMember(relay.Node):
    row: strawberry.Private[Any]
    account: strawberry.Private[Any]
    role: OrganizationRole = strawberry.field(description="The member's role in the organization.")
    shares_training: bool = strawberry.field(
        description="True while the member lets the organization's owners and coaches read their training (their own choice, off when they join)."
    )
    joined_at: datetime = strawberry.field(description="When they joined.")

    @classmethod
    async def build_many(cls, info: Info, rows: list[Any]) -> list[OrganizationMember]:
        accounts = await info.context.loaders.get(UserByIdLoader).load_many([row.user_id for row in rows])
        return [cls.of(row, account) for row, account in zip(rows, accounts) if account is not None]

    @classmethod
    def of(cls, row: Any, account: Any) -> OrganizationMember:
        return cls(row=row, account=account, role=OrganizationRole(row.role), shares_training=row.shares_training, joined_at=row.joined_at)

    @classmethod
    def resolve_id(cls, root: OrganizationMember, *, info: Info) -> str:
        return member_key(root.row.organization_id, root.row.user_id)

    @strawberry.field(description="The member's username (seen by every member).")
    def username(self) -> str:
        return self.account.username

    @strawberry.field(description="The member's shown name (seen by every member).")
    def display_name(self) -> str:
        return self.account.display_name

    @strawberry.field(description="The member's user ID: pass it to `removeOrganizationMember`.")
    def user_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("User", self.row.user_id))

    @strawberry.field(description="True for the viewer's own membership.")
    def is_viewer(self, info: Info) -> bool:
        return self.row.user_id == info.context.viewer_id

    @strawberry.field(
        description="The member with their training data, when the viewer may read it (themself; the organization's owners "
        "and coaches while the member shares their training; an accepted coach); null otherwise."
    )
    async def user(self, info: Info) -> Annotated[User, strawberry.lazy("schema.users")] | None:
        from schema.users import User

        row = await load_visible(info, UserByIdLoader, self.row.user_id)
        return User.from_row(row) if row else None


@strawberry.type(
    description="A gym or a team. Its owners and coaches read the training of the members who opted in (`sharesTraining`). "
    "Only its members see it."
)
class Organization(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    name: str = strawberry.field(description="The organization's name.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_row(cls, row: Any) -> Organization:
        return cls(id=str(row.id), row=row, name=row.name, created_at=row.created_at)

    @strawberry.field(description="Everyone in it with their role, earliest first.")
    async def members(self, info: Info) -> list[OrganizationMember]:
        rows = await info.context.loaders.get(OrganizationMembersByOrganizationIdLoader).load(self.row.id)
        return await OrganizationMember.build_many(info, rows)

    @strawberry.field(description="The viewer's own membership: their role and whether they share their training.")
    async def viewer_membership(self, info: Info) -> OrganizationMember | None:
        ctx = info.context
        if ctx.viewer_id is None:
            return None
        mine = [m for m in await ctx.loaders.get(OrganizationMembershipsByUserIdLoader).load(ctx.viewer_id) if m.organization_id == self.row.id]
        members = await OrganizationMember.build_many(info, mine)
        return members[0] if members else None


async def organizations_of(info: Info, user_id) -> list[Organization]:
    """The organizations `user_id` belongs to, earliest joined first."""
    loaders = info.context.loaders
    memberships = await loaders.get(OrganizationMembershipsByUserIdLoader).load(user_id)
    rows = await loaders.get(OrganizationByIdLoader).load_many([m.organization_id for m in memberships])
    return [Organization.from_row(row) for row in rows if row is not None]


async def _visible(info: Info, organization_id) -> Organization | None:
    row = await load_visible(info, OrganizationByIdLoader, organization_id)
    return Organization.from_row(row) if row else None


@strawberry.input(description="A new organization; you become its owner.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="Its name, up to 120 characters.")


@strawberry.input(description="A user to add to an organization, or a member whose role changes.")
class AddOrganizationMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization (you must be one of its owners).")
    username: str = strawberry.field(description="The user's username.")
    role: OrganizationRole = strawberry.field(
        default=OrganizationRole.MEMBER, description="Their role; COACH needs a coach's account."
    )


@strawberry.input(description="A member to remove; your own user ID leaves the organization.")
class RemoveOrganizationMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    user_id: strawberry.ID = strawberry.field(description="The member's user ID (owners remove anyone; anyone removes themself).")


@strawberry.input(description="Your choice to share your training with an organization's owners and coaches.")
class SetOrganizationSharingInput:
    organization_id: strawberry.ID = strawberry.field(description="An organization you belong to.")
    shares_training: bool = strawberry.field(
        description="True: its owners and coaches read your programs, workouts, sets, records, achievements, goals and stats. "
        "False: they stop with their next request."
    )


@strawberry.type(description="The organization created.")
class OrganizationPayload:
    organization: Organization = strawberry.field(description="The organization.")


@strawberry.type(description="A membership as it is now.")
class OrganizationMemberPayload:
    organization: Organization = strawberry.field(description="The organization.")
    member: OrganizationMember = strawberry.field(description="The membership added or changed.")


@strawberry.type(description="Who was removed.")
class RemoveOrganizationMemberPayload:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    removed_user_id: strawberry.ID = strawberry.field(description="The user no longer in it.")
    organization: Organization | None = strawberry.field(description="The organization as it is now; null when you left it.")


@strawberry.type(description="Organization mutations (merged into the root Mutation).")
class OrganizationMutations:
    @strawberry.mutation(description="Create an organization (a gym or a team); you become its owner.")
    async def create_organization(self, info: Info, input: CreateOrganizationInput) -> OrganizationPayload:
        row = await organizations.create(info.context, input.name)
        return OrganizationPayload(organization=Organization.from_row(row))

    @strawberry.mutation(
        description="Add a user to an organization with a role, or change a member's role (owners only; FORBIDDEN for other members). "
        "They share no training until they opt in with `setOrganizationSharing`."
    )
    async def add_organization_member(self, info: Info, input: AddOrganizationMemberInput) -> OrganizationMemberPayload:
        organization, member = await organizations.add_member(
            info.context, decode_id(input.organization_id, "Organization", "organizationId"), input.username, input.role.value
        )
        (built,) = await OrganizationMember.build_many(info, [member])
        return OrganizationMemberPayload(organization=Organization.from_row(organization), member=built)

    @strawberry.mutation(
        description="Remove a member (owners), or leave (your own user ID). The last owner cannot leave (BAD_USER_INPUT)."
    )
    async def remove_organization_member(self, info: Info, input: RemoveOrganizationMemberInput) -> RemoveOrganizationMemberPayload:
        organization_id = decode_id(input.organization_id, "Organization", "organizationId")
        await organizations.remove_member(info.context, organization_id, decode_id(input.user_id, "User", "userId"))
        return RemoveOrganizationMemberPayload(
            organization_id=input.organization_id, removed_user_id=input.user_id, organization=await _visible(info, organization_id)
        )

    @strawberry.mutation(
        description="Share your training with an organization's owners and coaches, or stop sharing it (at once)."
    )
    async def set_organization_sharing(self, info: Info, input: SetOrganizationSharingInput) -> OrganizationMemberPayload:
        organization, member = await organizations.set_sharing(
            info.context, decode_id(input.organization_id, "Organization", "organizationId"), input.shares_training
        )
        (built,) = await OrganizationMember.build_many(info, [member])
        return OrganizationMemberPayload(organization=Organization.from_row(organization), member=built)
