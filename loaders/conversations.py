"""Conversations and messages from MongoDB, batched like the PostgreSQL loaders, and their participants.

The document loaders take the sessionmaker like every loader (the registry builds them alike) and
the request's document store as their argument: `loaders.get(ConversationByIdLoader, store)`.
`ParticipantByIdLoader` reads participants from PostgreSQL together with whether the viewer
coaches each of them, so a conversation's access check (a coaching conversation's coach reads it
while the coaching lasts) costs no statement beyond the one that loads its people.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from db.models import CoachingRelationship, User
from documents import conversations as store_ops
from documents.store import DocumentStore
from loaders.base import BaseLoader


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


class ConversationWithPageLoader(DocumentByIdLoader):
    """Conversations with the page of messages the query asks of them (`page`: limit, cursor,
    backward) in `messagePage`: the conversation and its page in one MongoDB query."""

    def __init__(self, sessionmaker, store: DocumentStore, page: tuple[int, int | None, bool]) -> None:
        super().__init__(sessionmaker, store)
        self.page = page

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[dict[str, Any] | None]:
        found = {doc["_id"]: doc for doc in await store_ops.conversations_with_page(self.store, list(keys), *self.page)}
        return [found.get(key) for key in keys]


class ParticipantByIdLoader(BaseLoader):
    """(user row or None, whether `viewer_id` coaches them, accepted) per user id: one statement."""

    def __init__(self, sessionmaker, viewer_id: uuid.UUID) -> None:
        super().__init__(sessionmaker)
        self.viewer_id = viewer_id

    _statement: Select | None = None

    @classmethod
    def statement(cls) -> Select:
        """Built once (`id = ANY(:keys)`, the viewer a parameter): it runs for the sender of every message
        and for every conversation event a subscriber is sent."""
        if cls._statement is None:
            coaching = CoachingRelationship
            coached = select(coaching.id).where(
                coaching.coach_id == bindparam("viewer_id", type_=UUID(as_uuid=True)), coaching.athlete_id == User.id,
                coaching.status == "accepted",
            ).exists()
            cls._statement = select(User, coached.label("coached")).where(User.id == any_(bindparam("keys", type_=ARRAY(UUID(as_uuid=True)))))
        return cls._statement

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[tuple[Any, bool]]:
        async with self.sessionmaker() as session:
            rows = (await session.execute(self.statement(), {"keys": list(keys), "viewer_id": self.viewer_id})).all()
        found = {user.id: (user, bool(flag)) for user, flag in rows}
        return [found.get(key, (None, False)) for key in keys]
