"""`Live`: the broker, the relay and the streams subscribers read, for one process."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from live.broker import OVERFLOW, RESYNC, MemoryBroker, RedisBroker
from live.events import Event
from live.outbox import REPLAY_BATCH, events_after, last_event_id
from live.relay import OutboxRelay

log = logging.getLogger(__name__)


class SlowConsumer(Exception):
    """The subscriber's queue overflowed; its stream is closed."""


async def follow(sub, last: int, replay: Callable[[int], AsyncIterator[Event]], *, replay_first: bool, dense: bool = False) -> AsyncIterator[Event]:
    """A subscription's events after `last`: first (with `replay_first`) what the durable log holds,
    then live ones, dropping ids already delivered; a resync replays from the log. In a `dense` log
    (every number used, in order) a live event further on than the next number replays the log
    first, so an event whose publish was lost is not skipped."""
    if replay_first:
        async for event in replay(last):
            last = event.id
            yield event
    while True:
        item = await sub.get()
        if item is OVERFLOW:
            raise SlowConsumer(sub.channel)
        if item is RESYNC or (dense and item.id > last + 1):
            async for event in replay(last):
                last = event.id
                yield event
            continue
        if item.id > last:
            last = item.id
            yield item


class Live:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], redis_url: str | None = None, *, queue_size: int = 1000) -> None:
        self.sessionmaker = sessionmaker
        self.broker = RedisBroker(redis_url, queue_size) if redis_url else MemoryBroker(queue_size)
        self.relay = OutboxRelay(sessionmaker, self.broker)
        self.streams_by_user: Counter = Counter()  # open live subscriptions per viewer, in this process
        self.broadcasts = None  # schema.broadcast.Broadcasts, attached by the app: identical subscriptions share one render

    async def last_event_id(self, channel: str) -> int:
        return await last_event_id(self.sessionmaker, channel)

    async def start(self) -> None:
        await self.broker.start()
        await self.relay.start()

    async def stop(self) -> None:
        if self.broadcasts is not None:
            await self.broadcasts.close()
        await self.relay.stop()
        await self.broker.stop()

    def kick(self) -> None:
        self.relay.kick()

    async def stream(self, channel: str, after: int | None = None) -> AsyncIterator[Event]:
        """Events of `channel` in order: those after `after` (if given) from the outbox, then live ones.

        Subscribing before reading the outbox, and dropping ids already delivered,
        leaves no gap and no duplicate between the replayed and the live part.
        """
        sub = await self.broker.subscribe(channel)
        try:
            last = after if after is not None else await last_event_id(self.sessionmaker, channel)
            async for event in follow(sub, last, lambda since: self.replay(channel, since), replay_first=after is not None):
                yield event
        finally:
            await self.broker.unsubscribe(sub)

    async def replay(self, channel: str, after: int) -> AsyncIterator[Event]:
        while True:
            batch = await events_after(self.sessionmaker, channel, after)
            for event in batch:
                yield event
            if len(batch) < REPLAY_BATCH:
                return
            after = batch[-1].id
