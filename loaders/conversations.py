"""Conversations and messages from MongoDB, batched like the PostgreSQL loaders.

They take the sessionmaker like every loader (the registry builds them alike) and the request's
document store as their argument: `loaders.get(ConversationByIdLoader, store)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from documents import conversations as store_ops
from documents.store import DocumentStore


class DocumentByIdLoader(DataLoader):
    find: Any

    def __init__(self, sessionmaker, store: DocumentStore) -> None:
        super().__init__()
        self.store = store

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[dict[str, Any] | None]:
        found = {doc["_id"]: doc for doc in await type(self).find(self.store, list(keys))}
        return [found.get(key) for key in keys]


class ConversationByIdLoader(DocumentByIdLoader):
    find = staticmethod(store_ops.conversations_by_ids)


class MessageByIdLoader(DocumentByIdLoader):
    find = staticmethod(store_ops.messages_by_ids)
