"""`Live`: the broker, the relay and the streams subscribers read, for one process."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from live.broker import OVERFLOW, RESYNC, MemoryBroker, RedisBroker
from live.events import Event
from live.outbox import REPLAY_BATCH, events_after, last_event_id
from live.relay import OutboxRelay

log = logging.getLogger(__name__)


class SlowConsumer(Exception):
    """The subscriber's queue overflowed; its stream is closed."""


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
            if after is not None:
                async for event in self.replay(channel, after):
                    last = event.id
                    yield event
            while True:
                item = await sub.get()
                if item is OVERFLOW:
                    raise SlowConsumer(channel)
                if item is RESYNC:
                    async for event in self.replay(channel, last):
                        last = event.id
                        yield event
                    continue
                if item.id > last:
                    last = item.id
                    yield item
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
