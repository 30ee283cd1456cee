"""The MongoDB client, its collections and indexes, and what counts as MongoDB being unavailable.

Every operation is bounded (`timeout_ms`, pymongo's client-side operation timeout, and the same
bound on finding a server), so a MongoDB that is down answers an error within that bound instead
of hanging a request; PostgreSQL fields of the same request are unaffected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, monitoring
from pymongo.errors import ConnectionFailure, PyMongoError

log = logging.getLogger(__name__)

# Every document written carries the version of its shape; readers upgrade older ones.
SCHEMA_VERSION = 1
DEFAULT_DATABASE = "repgraph"

CONVERSATIONS = "conversations"
MESSAGES = "messages"
EVENTS = "conversation_events"
SERVICE_KEYS = "service_keys"

INDEXES: dict[str, list[IndexModel]] = {
    CONVERSATIONS: [
        # The inbox: a participant's conversations by last activity (the seed's user + last activity).
        IndexModel([("participants", ASCENDING), ("lastActivityAt", DESCENDING), ("_id", DESCENDING)], name="inbox"),
        # One coaching conversation per coach and athlete (the seed's user + session lookup).
        IndexModel([("coachId", ASCENDING), ("athleteId", ASCENDING)], name="coaching_pair", unique=True,
                   partialFilterExpression={"kind": "coaching"}),
    ],
    MESSAGES: [
        # A conversation's messages, newest first, keyset-paginated by sequence number.
        IndexModel([("conversationId", ASCENDING), ("seq", DESCENDING)], name="by_conversation", unique=True),
        # sendMessage's idempotency key: one message per author and clientId.
        IndexModel([("authorKey", ASCENDING), ("clientId", ASCENDING)], name="client_id", unique=True,
                   partialFilterExpression={"clientId": {"$type": "string"}}),
        # The seed's "by message time".
        IndexModel([("sentAt", DESCENDING)], name="by_time"),
    ],
    EVENTS: [
        # The durable log `conversationEvents(after)` replays from.
        IndexModel([("conversationId", ASCENDING), ("seq", ASCENDING)], name="by_conversation", unique=True),
        # What the sweep publishes that the writer could not.
        IndexModel([("published", ASCENDING), ("occurredAt", ASCENDING)], name="unpublished",
                   partialFilterExpression={"published": False}),
    ],
    SERVICE_KEYS: [
        IndexModel([("name", ASCENDING)], name="name", unique=True),
        IndexModel([("hash", ASCENDING)], name="hash", unique=True),
    ],
}


# Set in the process's own background work (the events sweep, publish marks): not a request's cost.
background: ContextVar[bool] = ContextVar("mongo_background", default=False)


class CommandCounter(monitoring.CommandListener):
    """MongoDB commands requests send, by (command, collection): tests count queries with it."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.on_reply: Callable[[float], None] | None = None  # told when each command MongoDB answered began

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if background.get() or name in ("hello", "isMaster", "ping", "endSessions", "saslStart", "saslContinue", "buildInfo"):
            return
        self.counts[(name, event.command.get(name) if isinstance(event.command.get(name), str) else None)] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self.on_reply is not None:
            self.on_reply(time.monotonic() - event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()


def is_unavailable(exc: BaseException | None) -> bool:
    """MongoDB could not be reached or did not answer in time (not a refused or invalid operation)."""
    return isinstance(exc, ConnectionFailure) or (isinstance(exc, PyMongoError) and exc.timeout)


class DocumentStore:
    """The database of one MONGO_URL; one per process, shared by every request."""

    def __init__(self, url: str, *, timeout_ms: int = 1000, database: str | None = None) -> None:
        self.counter = CommandCounter()
        self.client: AsyncMongoClient = AsyncMongoClient(
            url,
            uuidRepresentation="standard",
            tz_aware=True,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            timeoutMS=timeout_ms,
            event_listeners=[self.counter],
            appname="repgraph",
        )
        self.db = self.client[database] if database else self.client.get_default_database(DEFAULT_DATABASE)
        self.conversations = self.db[CONVERSATIONS]
        self.messages = self.db[MESSAGES]
        self.events = self.db[EVENTS]
        self.service_keys = self.db[SERVICE_KEYS]
        self.indexed = False
        # How long a conversation's writer may hold it: longer than the turn's own operations can take.
        self.lease = max(timedelta(seconds=5), timedelta(milliseconds=4 * timeout_ms))
        self.tasks: list[asyncio.Task] = []  # background work to cancel on close
        self.closing = False

    async def ensure_indexes(self) -> None:
        for name, models in INDEXES.items():
            await self.db[name].create_indexes(models)
        self.indexed = True

    async def start(self, retry_every: float = 2.0) -> None:
        """Create the indexes now, or (MongoDB unreachable at start-up) keep trying in the background:
        the PostgreSQL side serves meanwhile."""
        try:
            await self.ensure_indexes()
        except PyMongoError as exc:
            log.warning("MongoDB unavailable at start-up (%s): conversations answer SERVICE_UNAVAILABLE until it is back", type(exc).__name__)
            self.tasks.append(asyncio.create_task(self._retry_indexes(retry_every), name="mongo-indexes"))

    async def _retry_indexes(self, every: float) -> None:
        while not self.indexed and not self.closing:
            await asyncio.sleep(every)
            with contextlib.suppress(PyMongoError):
                await self.ensure_indexes()
                log.info("MongoDB reachable again: indexes in place")

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        self.closing = True  # (pymongo may turn a cancellation inside an operation into its own error)
        for task in list(self.tasks):  # (a task may leave the list as it ends)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.client.close()

    async def drop(self) -> None:
        """Drop the whole database (tests' per-test databases)."""
        await self.client.drop_database(self.db.name)


def document(**fields: Any) -> dict[str, Any]:
    """A new document of the current shape."""
    return {"schemaVersion": SCHEMA_VERSION, **fields}
