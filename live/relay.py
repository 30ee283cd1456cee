"""The outbox relay: publishes committed events to the broker, in order, at least once.

Every server process runs one. A transaction-scoped advisory lock lets one relay
drain at a time (so a channel's events are published in id order); rows are
marked published in the same transaction, after the broker took them. If the
broker is down nothing is marked and the rows wait: a committed change is never
lost, only delayed. A crash between publish and commit republishes a batch;
subscribers drop ids they already delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.outages import POSTGRES, REDIS, outages
from live.events import Event

log = logging.getLogger(__name__)
RELAY_LOCK = 0x5265_7047  # pg advisory lock key ("RepG")


class OutboxRelay:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], broker, *, poll_interval: float = 0.5, batch: int = 500) -> None:
        self.sessionmaker = sessionmaker
        self.broker = broker
        self.poll_interval = poll_interval
        self.batch = batch
        self.published = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def kick(self) -> None:
        """A transaction with events just committed: drain now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands
            # as the wake-up does, and stop() then waits a whole poll interval.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            published, began = self.published, time.monotonic()
            try:
                while (count := await self.drain()) == self.batch:
                    pass
                if count < 0:  # another process is draining; look again shortly
                    await asyncio.sleep(0.005)
                    self._wake.set()
                backoff = 0.1
                outages.recovered(POSTGRES, began)
                if self.published > published:  # the broker (Redis, when configured) took events
                    outages.recovered(REDIS, began)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not outages.report(exc):  # an outage is logged once, not every retry
                    log.warning("outbox relay: publish failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                self._wake.set()

    async def drain(self) -> int:
        """Publish one batch; the number published, or -1 when another relay holds the lock."""
        async with self.sessionmaker.begin() as session:
            rows = (await session.execute(DRAIN, {"lock": RELAY_LOCK, "batch": self.batch})).all()
            if not rows[0].locked:
                return -1
            events = [Event.from_row(row) for row in rows if row.id is not None]
            if events:
                # Marked published in this transaction: if the broker refuses them, it rolls back.
                await self.broker.publish_many([(event.channel, event.to_json()) for event in events])
        self.published += len(events)
        return len(events)


# One round trip: the relay lock, the oldest unpublished rows, marked published (always one
# row back, telling whether the lock was taken).
DRAIN = text(
    """
    WITH lock AS (SELECT pg_try_advisory_xact_lock(:lock) AS locked),
    batch AS (
        SELECT id FROM outbox_events
        WHERE published_at IS NULL AND (SELECT locked FROM lock)
        ORDER BY id LIMIT :batch FOR UPDATE
    ),
    marked AS (
        UPDATE outbox_events AS o SET published_at = now() FROM batch WHERE o.id = batch.id
        RETURNING o.id, o.channel, o.type, o.user_id, o.data, o.occurred_at
    )
    SELECT lock.locked, marked.* FROM lock LEFT JOIN marked ON true ORDER BY marked.id
    """
)
