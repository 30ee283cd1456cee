"""Organizations and their memberships."""

from sqlalchemy import select, tuple_

from db.models import Organization, OrganizationMember
from loaders.base import BaseLoader, RowByIdLoader, RowsByParentLoader


class OrganizationByIdLoader(RowByIdLoader):
    model = Organization


class OrganizationMembersByOrganizationIdLoader(RowsByParentLoader):
    """An organization's members, earliest first."""

    model = OrganizationMember
    parent_column = "organization_id"
    order_by = ("joined_at", "user_id")


class OrganizationMembershipsByUserIdLoader(RowsByParentLoader):
    """The organizations a user belongs to (their membership rows), earliest first."""

    model = OrganizationMember
    parent_column = "user_id"
    order_by = ("joined_at", "organization_id")


class OrganizationMemberByKeyLoader(BaseLoader):
    """One membership per (organization id, user id) pair, or None."""

    async def batch_load_fn(self, keys):
        pair = tuple_(OrganizationMember.organization_id, OrganizationMember.user_id)
        rows = await self.fetch(select(OrganizationMember).where(pair.in_(list(keys))))
        found = {(row.organization_id, row.user_id): row for (row,) in rows}
        return [found.get(tuple(key)) for key in keys]
