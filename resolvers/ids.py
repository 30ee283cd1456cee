"""Opaque global IDs (Relay): base64 of "TypeName:uuid"."""

from __future__ import annotations

import uuid

from strawberry.relay import GlobalID

from resolvers.errors import BadUserInput


def parse_global_id(value: str, field: str = "id") -> tuple[str, uuid.UUID]:
    try:
        gid = GlobalID.from_id(value)
        return gid.type_name, uuid.UUID(gid.node_id)
    except Exception as exc:  # GlobalID raises several kinds on garbage
        raise BadUserInput(f"'{field}' is not a valid ID", field=field) from exc


# Types whose key is a pair of UUIDs, "<first>:<second>" inside the global ID.
PAIR_KEYED = {"OrganizationMember"}  # (organization id, user id)


def member_key(organization_id: uuid.UUID, user_id: uuid.UUID) -> str:
    return f"{organization_id}:{user_id}"


def parse_node_id(value: str, field: str = "id") -> tuple[str, uuid.UUID | tuple[uuid.UUID, uuid.UUID]]:
    """Like parse_global_id, for any Node: a pair-keyed type's key is its (UUID, UUID) pair."""
    try:
        gid = GlobalID.from_id(value)
        if gid.type_name in PAIR_KEYED:
            first, second = gid.node_id.split(":")
            return gid.type_name, (uuid.UUID(first), uuid.UUID(second))
    except Exception as exc:
        raise BadUserInput(f"'{field}' is not a valid ID", field=field) from exc
    return parse_global_id(value, field)


def decode_id(value: str, type_name: str, field: str) -> uuid.UUID:
    """The UUID inside a global ID that must name a `type_name` object."""
    kind, key = parse_global_id(value, field)
    if kind != type_name:
        raise BadUserInput(f"'{field}' must be the ID of {_a(type_name)}, got {_a(kind)}", field=field)
    return key


def encode_id(type_name: str, key: uuid.UUID) -> str:
    return str(GlobalID(type_name, str(key)))


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'AEIOU' else 'a'} {noun}"
