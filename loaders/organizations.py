"""Organizations and their memberships."""

from db.models import Organization, OrganizationMember
from loaders.base import RowByIdLoader, RowsByParentLoader


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
