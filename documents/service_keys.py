"""Service keys: how the coaching assistant signs in.

A key is shown once, when made (`make service-key NAME=…`); only its SHA-256 is stored (the key
is 256 random bits, so a fast hash is enough: there is nothing to guess). Revoking a key stops it
at the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from documents.store import DocumentStore, document
from documents.conversations import now

PREFIX = "rgsk_"


def is_service_key(token: str) -> bool:
    return token.startswith(PREFIX)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(store: DocumentStore, name: str) -> str:
    """A new key for `name` (replacing an earlier one of that name); returns the key itself."""
    key = PREFIX + secrets.token_urlsafe(32)
    await store.service_keys.replace_one(
        {"name": name}, document(name=name, hash=digest(key), createdAt=now(), revokedAt=None), upsert=True
    )
    return key


async def revoke(store: DocumentStore, name: str) -> bool:
    result = await store.service_keys.update_one({"name": name, "revokedAt": None}, {"$set": {"revokedAt": now()}})
    return result.modified_count == 1


async def verify(store: DocumentStore, key: str) -> dict[str, Any] | None:
    """The key's record while it is valid, else None."""
    return await store.service_keys.find_one({"hash": digest(key), "revokedAt": None})
