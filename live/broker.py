"""Brokers: deliver published messages to this process's subscribers.

`MemoryBroker` serves a single process. `RedisBroker` holds one Redis pub/sub
connection per process and one Redis subscription per channel, however many
local subscribers a channel has, and fans messages out in process. Each local
subscriber has a bounded queue: one that falls behind is cut off, so a slow
consumer costs bounded memory and never delays the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import defaultdict

from db.outages import REDIS, outages
from live.events import Event

log = logging.getLogger(__name__)

# Markers a subscriber may receive besides events.
RESYNC = "resync"  # the broker may have missed messages: replay from the outbox
OVERFLOW = "overflow"  # the subscriber fell too far behind and is cut off
CONTROL_CHANNEL = "repgraph:control"
# Connections of a process's command client (publishing, and the app's caches and counters):
# a fixed pool, so Redis connections never grow with the number of clients.
COMMAND_CONNECTIONS = 8


class Subscriber:
    def __init__(self, channel: str, maxsize: int) -> None:
        self.channel = channel
        self.queue: asyncio.Queue = asyncio.Queue(maxsize)
        self.closed = False

    def offer(self, item: Event | str) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.closed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)

    async def get(self) -> Event | str:
        return await self.queue.get()


class FanOut:
    """Local subscribers by channel."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self.channels: dict[str, set[Subscriber]] = defaultdict(set)
        self.delivered = 0

    def add(self, channel: str) -> tuple[Subscriber, bool]:
        """The new subscriber, and whether it is the channel's first."""
        sub = Subscriber(channel, self.queue_size)
        first = channel not in self.channels
        self.channels[channel].add(sub)
        return sub, first

    def remove(self, sub: Subscriber) -> bool:
        """True when the channel has no subscribers left."""
        subs = self.channels.get(sub.channel)
        if subs is None:
            return False
        subs.discard(sub)
        if not subs:
            del self.channels[sub.channel]
            return True
        return False

    def deliver(self, event: Event) -> None:
        for sub in list(self.channels.get(event.channel, ())):
            sub.offer(event)
            self.delivered += 1

    def resync_all(self) -> None:
        for subs in self.channels.values():
            for sub in subs:
                sub.offer(RESYNC)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self.channels.values())


class MemoryBroker:
    """In-process delivery, for a single server process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.fanout = FanOut(queue_size)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        for _, message in messages:
            self.fanout.deliver(Event.from_json(message))

    async def subscribe(self, channel: str) -> Subscriber:
        return self.fanout.add(channel)[0]

    async def unsubscribe(self, sub: Subscriber) -> None:
        self.fanout.remove(sub)


class RedisBroker:
    """Redis pub/sub, multiplexed: one connection and one SUBSCRIBE per channel per process."""

    def __init__(self, url: str, queue_size: int = 1000, reconnect_delay: float = 0.2) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # Publishing and subscribing use separate clients: a subscription holds its connection
        # for good, and a broken one must never starve the relay's publishes.
        name = f"repgraph-{os.getpid()}"
        # A blocking pool: under a burst, commands wait for a connection instead of failing.
        # One retry on a fresh connection: after a Redis restart every pooled connection is
        # stale, and without it each would fail one command after Redis is back.
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=COMMAND_CONNECTIONS, timeout=5, socket_connect_timeout=2, socket_timeout=5, client_name=name,
            retry=Retry(NoBackoff(), 1),
        )
        self.redis = redis.Redis(connection_pool=pool)
        self._subscriber_client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=None, client_name=name)
        self.fanout = FanOut(queue_size)
        self.reconnect_delay = reconnect_delay
        self._pubsub = None
        self._confirmed: dict[str, asyncio.Event] = {}
        self._reader: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self._lock = asyncio.Lock()
        self._resync: set[str] = set()
        self._ever_connected = False

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._run(), name="redis-broker-reader")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self.redis.aclose(close_connection_pool=True)
        await self._subscriber_client.aclose()

    async def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish in order, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for channel, message in messages:
                pipe.publish(channel, message)
            await pipe.execute()

    async def subscribe(self, channel: str) -> Subscriber:
        """Returns once Redis has confirmed the channel's subscription (so no later publish is missed)."""
        sub, first = self.fanout.add(channel)
        if first:
            self._confirmed[channel] = asyncio.Event()
            await self._send("subscribe", channel)
        confirmed = self._confirmed.get(channel)
        if confirmed is not None:
            await confirmed.wait()
        return sub

    async def unsubscribe(self, sub: Subscriber) -> None:
        if self.fanout.remove(sub):
            self._confirmed.pop(sub.channel, None)
            await self._send("unsubscribe", sub.channel)

    async def _send(self, command: str, channel: str) -> None:
        await self._connected.wait()
        try:
            async with self._lock:
                await getattr(self._pubsub, command)(channel)
        except Exception as exc:  # the reader notices the broken connection and re-subscribes
            if not outages.report(exc):
                log.warning("redis %s %s failed; will retry on reconnect", command, channel)

    async def _run(self) -> None:
        while True:
            try:
                await self._connect()
                async for message in self._pubsub.listen():
                    kind = message["type"]
                    if kind == "message":
                        self.fanout.deliver(Event.from_json(message["data"]))
                    elif kind == "subscribe":
                        self._on_confirmed(message["channel"].decode())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not outages.report(exc):  # an outage is logged once, not every reconnect attempt
                    log.warning("redis subscription lost (%s); reconnecting", exc)
            self._connected.clear()
            if self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.aclose()
            await asyncio.sleep(self.reconnect_delay)

    def _on_confirmed(self, channel: str) -> None:
        if channel in self._confirmed:
            self._confirmed[channel].set()
        if channel in self._resync:
            # Messages published while the subscription was down went nowhere:
            # this channel's subscribers replay them from the outbox.
            self._resync.discard(channel)
            for sub in list(self.fanout.channels.get(channel, ())):
                sub.offer(RESYNC)

    async def _connect(self) -> None:
        self._pubsub = self._subscriber_client.pubsub()
        channels = list(self.fanout.channels)
        for channel in channels:
            self._confirmed.setdefault(channel, asyncio.Event())
        self._resync = set(channels) if self._ever_connected else set()
        # The control channel keeps the connection subscribed (and listening) when idle.
        await self._pubsub.subscribe(CONTROL_CHANNEL, *channels)
        self._ever_connected = True
        self._connected.set()
        outages.recovered(REDIS)
