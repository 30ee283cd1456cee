"""The live layer's guarantees, driven directly through the app's own Live (real PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from live.events import workout_channel
from live.hub import SlowConsumer
from live.outbox import record


async def _commit_events(app, channel: str, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        async with app.state.sessionmaker.begin() as session:
            await record(session, [channel], "SetLogged", uuid.uuid4(), n=i)


async def test_a_slow_subscriber_is_cut_off_and_others_are_not(app, monkeypatch):
    live = app.state.live
    monkeypatch.setattr(live.broker.fanout, "queue_size", 3)
    channel = workout_channel(uuid.uuid4())
    slow = live.stream(channel)
    fast = live.stream(channel)
    slow_first = asyncio.ensure_future(slow.__anext__())
    fast_first = asyncio.ensure_future(fast.__anext__())
    await asyncio.sleep(0.2)  # both subscribed
    got = []
    for i in range(6):  # the fast one reads each event as it comes; the slow one never reads
        await _commit_events(app, channel, 1, start=i)
        live.kick()
        event = await asyncio.wait_for(fast_first if i == 0 else fast.__anext__(), 10)
        got.append(event.data["n"])
    assert got == list(range(6))
    with pytest.raises(SlowConsumer):
        await slow_first
        while True:
            await slow.__anext__()
    assert sum(len(s.queue._queue) for s in live.broker.fanout.channels.get(channel, ())) <= 3


async def test_events_are_published_only_after_commit(app):
    live = app.state.live
    channel = workout_channel(uuid.uuid4())
    stream = live.stream(channel)
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.2)
    async with app.state.sessionmaker() as session:
        await session.begin()
        await record(session, [channel], "SetLogged", uuid.uuid4(), n="rolled back")
        live.kick()
        await asyncio.sleep(0.3)
        assert not first.done()  # uncommitted: invisible to the relay
        await session.rollback()
    await _commit_events(app, channel, 1)
    live.kick()
    assert (await asyncio.wait_for(first, 5)).data["n"] == 0
