"""Conversation events on the live layer: published after each write, streamed with resume from MongoDB.

The log in MongoDB (`conversation_events`) is the source of truth: a write appends its event there,
then publishes it through the broker (Redis or in-process) to the conversation's channel and, for
a new message, to each participant's inbox channel. A subscriber subscribes first, then replays
from the log what came after `after`, then takes live events; a live event further on than the
next number (one that was never published, its writer having died) sends it back to the log first.
So neither a lost publish nor a reconnect leaves a gap, and ids already delivered are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections.abc import AsyncIterator
from typing import Any

from documents import conversations as store_ops
from documents.store import DocumentStore, background
from live.broker import OVERFLOW, RESYNC
from live.hub import follow
from live import events
from live.events import Event
from live.hub import SlowConsumer

EVENT_ID_KIND = "msgevt"  # conversation event ids are numbers of the conversation's own log
NO_USER = uuid.UUID(int=0)  # the actor of events no user made (the assistant's messages)


def to_event(channel: str, logged: dict[str, Any]) -> Event:
    data = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in logged["data"].items()}
    data["conversation_id"] = str(logged["conversationId"])
    return Event(logged["seq"], channel, logged["type"], logged.get("userId") or NO_USER, data, logged["occurredAt"])


def channels_of(logged: dict[str, Any]) -> list[str]:
    return [store_ops.conversation_channel(logged["conversationId"]),
            *(store_ops.inbox_channel(user_id) for user_id in logged.get("recipients") or ())]


MARK_EVERY = 0.2  # seconds: published events are marked in MongoDB together, well within the sweep's 2 s


async def publish_logged(store: DocumentStore, live: Any, logged: list[dict[str, Any]], message: dict[str, Any] | None = None) -> None:
    """Publish logged events to their channels (at least once). A MessageSent published by its writer
    carries its `message`, as written, so subscribers need not read it back (replayed and swept
    events do not). The caller marks them published (`marks(store).add`, or the sweep at once)."""
    if message is not None:
        (item,) = logged
        logged = [{**item, "data": {**item["data"], "message": store_ops.message_to_json(message)}}]
    messages = [(channel, to_event(channel, item).to_json()) for item in logged for channel in channels_of(item)]
    await live.broker.publish_many(messages)


class PublishedMarks:
    """Events its writers published, marked published in one update every MARK_EVERY instead of one
    write per event. Until the mark lands (or if it never does: the process died) the sweep may
    publish an event again, which subscribers drop as already seen."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.pending: list[uuid.UUID] = []
        self.flushing: asyncio.Task | None = None

    def add(self, event_ids: list[uuid.UUID]) -> None:
        self.pending.extend(event_ids)
        if self.flushing is None:
            self.flushing = asyncio.create_task(self._flush(), name="conversation-events-marks")
            self.store.tasks.append(self.flushing)

    async def _flush(self) -> None:
        background.set(True)  # (this task's own context: the request's is untouched)
        try:
            await asyncio.sleep(MARK_EVERY)
        finally:  # (events published from now on start the next batch)
            ids, self.pending, self.flushing = self.pending, [], None
            with contextlib.suppress(ValueError):
                self.store.tasks.remove(asyncio.current_task())
        # A mark that is not written leaves the events to the sweep: published twice, dropped once.
        with contextlib.suppress(Exception):
            await store_ops.mark_published(self.store, ids)


_marks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def marks(store: DocumentStore) -> PublishedMarks:
    """The store's batch of marks to write (one per store, i.e. per process)."""
    if store not in _marks:
        _marks[store] = PublishedMarks(store)
    return _marks[store]


def encode_event_id(seq: int) -> str:
    return events.encode_event_id(seq, EVENT_ID_KIND)


def decode_event_id(value: str) -> int:
    """The sequence number inside a conversation event id; ValueError when it is not one."""
    return events.decode_event_id(value, EVENT_ID_KIND)


async def conversation_stream(store: DocumentStore, live: Any, conversation_id: uuid.UUID, after: int | None) -> AsyncIterator[Event]:
    channel = store_ops.conversation_channel(conversation_id)

    async def replay(since: int) -> AsyncIterator[Event]:
        while True:
            batch = await store_ops.events_after(store, conversation_id, since)
            for logged in batch:
                yield to_event(channel, logged)
            if len(batch) < store_ops.REPLAY_BATCH:
                return
            since = batch[-1]["seq"]

    sub = await live.broker.subscribe(channel)
    try:
        last = after if after is not None else await store_ops.last_seq(store, conversation_id)
        async for event in follow(sub, last, replay, replay_first=after is not None, dense=True):
            yield event
    finally:
        await live.broker.unsubscribe(sub)


async def inbox_stream(live: Any, user_id: uuid.UUID) -> AsyncIterator[Event]:
    """New messages in any of the user's conversations, as they are published."""
    channel = store_ops.inbox_channel(user_id)
    sub = await live.broker.subscribe(channel)
    try:
        while True:
            item = await sub.get()
            if item is OVERFLOW:
                raise SlowConsumer(channel)
            if item is not RESYNC:
                yield item
    finally:
        await live.broker.unsubscribe(sub)
