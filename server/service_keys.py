"""`make service-key NAME=…` and `make revoke-service-key NAME=…`: the assistant service's keys."""

from __future__ import annotations

import asyncio

from documents import service_keys
from documents.store import DocumentStore
from server.settings import Settings


async def _with_store(settings: Settings, action):
    store = DocumentStore(settings.mongo_url, timeout_ms=max(settings.mongo_timeout_ms, 5000))
    try:
        await store.ensure_indexes()
        return await action(store)
    finally:
        await store.close()


def create_key(settings: Settings, name: str) -> str:
    """A new key for `name` (an earlier key of that name stops working); shown once, stored hashed."""
    return asyncio.run(_with_store(settings, lambda store: service_keys.create(store, name)))


def revoke_key(settings: Settings, name: str) -> bool:
    return asyncio.run(_with_store(settings, lambda store: service_keys.revoke(store, name)))
