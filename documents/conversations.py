"""Conversations, messages and their event log in MongoDB.

One document per conversation (who takes part, counters, the assistant's context) and one per
message: a busy conversation grows by small documents instead of pushing one document towards
MongoDB's 16 MB limit, and a page of messages is an index range. Every change (a message sent,
edited or deleted, a conversation read) takes the next number of the conversation's sequence
and is appended to `conversation_events`, the durable log live subscribers resume from.

Writers of one conversation take turns (a short lease on the conversation document, taken with
the sequence number in one atomic update), so events enter the log in sequence order and a
reader always sees a gap-free prefix: "everything after N" is a complete answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import json_util
from bson.binary import UuidRepresentation
from bson.json_util import CANONICAL_JSON_OPTIONS
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from documents.store import DocumentStore, document

ABANDONED = datetime(1970, 1, 1, tzinfo=UTC)  # the lease of a turn left for the next writer to finish
LEASE_ATTEMPTS = 200
REPLAY_BATCH = 500

# Event types (the GraphQL union members they become).
MESSAGE_SENT = "MessageSent"
MESSAGE_EDITED = "MessageEdited"
MESSAGE_DELETED = "MessageDeleted"
CONVERSATION_READ = "ConversationRead"


def now() -> datetime:
    """The current time at MongoDB's precision (milliseconds), so cursors round-trip exactly."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def conversation_channel(conversation_id: uuid.UUID) -> str:
    return f"conversation:{conversation_id}"


def inbox_channel(user_id: uuid.UUID) -> str:
    return f"inbox:{user_id}"


# Messages as carried in published events: extended JSON keeps their UUIDs and times exact.
MESSAGE_JSON = CANONICAL_JSON_OPTIONS.with_options(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True, tzinfo=UTC)


def message_to_json(message: dict[str, Any]) -> str:
    return json_util.dumps(message, json_options=MESSAGE_JSON)


def message_from_json(text: str) -> dict[str, Any]:
    return json_util.loads(text, json_options=MESSAGE_JSON)


# --- reads ---------------------------------------------------------------------------------


async def conversations_by_ids(store: DocumentStore, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    return await store.conversations.find({"_id": {"$in": list(ids)}}).to_list()


async def messages_by_ids(store: DocumentStore, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    return await store.messages.find({"_id": {"$in": list(ids)}}).to_list()


def inbox_filter(user_id: uuid.UUID, kind: str | None, unread_only: bool, coached: Sequence[uuid.UUID] | None) -> dict[str, Any]:
    """The user's conversations, less the coaching ones of athletes they no longer coach (`coached`: those
    they do; None: not known yet, so none left out here and the caller checks the page)."""
    match: dict[str, Any] = {"participants": user_id}
    if coached is not None:
        match["$nor"] = [{"kind": "coaching", "coachId": user_id, "athleteId": {"$nin": list(coached)}}]
    if kind:
        match["kind"] = kind
    if unread_only:
        match[f"unread.{user_id}"] = {"$gt": 0}
    return match


async def inbox_page(
    store: DocumentStore, user_id: uuid.UUID, kind: str | None, unread_only: bool, coached: Sequence[uuid.UUID] | None, limit: int,
    after: tuple | None, messages: tuple[int, int | None, bool] | None = None,
) -> list[dict[str, Any]]:
    """A participant's conversations, latest activity first, each with its last message (and, given
    `messages`, that page of its messages in `messagePage`): one query."""
    match = inbox_filter(user_id, kind, unread_only, coached)
    if after is not None:
        at, key = after
        match["$or"] = [{"lastActivityAt": {"$lt": at}}, {"lastActivityAt": at, "_id": {"$lt": key}}]
    pipeline = [
        {"$match": match},
        {"$sort": {"lastActivityAt": -1, "_id": -1}},
        {"$limit": limit + 1},
        {"$lookup": {"from": store.messages.name, "localField": "lastMessageId", "foreignField": "_id", "as": "lastMessage"}},
    ]
    if messages is not None:
        pipeline.append(page_lookup(store, *messages))
    return await (await store.conversations.aggregate(pipeline)).to_list()


async def inbox_count(store: DocumentStore, user_id: uuid.UUID, kind: str | None, unread_only: bool, coached: Sequence[uuid.UUID]) -> int:
    return await store.conversations.count_documents(inbox_filter(user_id, kind, unread_only, coached))


def page_stages(limit: int, cursor: int | None, backward: bool) -> list[dict[str, Any]]:
    """Of one conversation's messages: `limit + 1`, newest first from `cursor` (oldest first when paging backward)."""
    match = {} if cursor is None else {"seq": {"$gt": cursor} if backward else {"$lt": cursor}}
    return [{"$match": match}, {"$sort": {"seq": 1 if backward else -1}}, {"$limit": limit + 1}]


async def messages_page(
    store: DocumentStore, conversation_id: uuid.UUID, limit: int, cursor: int | None, backward: bool
) -> list[dict[str, Any]]:
    """A page of the conversation's messages (`page_stages`), on its own."""
    pipeline = [{"$match": {"conversationId": conversation_id}}, *page_stages(limit, cursor, backward)]
    return await (await store.messages.aggregate(pipeline)).to_list()


async def conversations_with_page(
    store: DocumentStore, ids: Sequence[uuid.UUID], limit: int, cursor: int | None, backward: bool
) -> list[dict[str, Any]]:
    """The conversations, each with a page of its messages (`page_stages`) in `messagePage`: one query."""
    pipeline = [{"$match": {"_id": {"$in": list(ids)}}}, page_lookup(store, limit, cursor, backward)]
    return await (await store.conversations.aggregate(pipeline)).to_list()


def page_lookup(store: DocumentStore, limit: int, cursor: int | None, backward: bool) -> dict[str, Any]:
    """The stage joining each conversation's page of messages (`page_stages`) as `messagePage`."""
    return {"$lookup": {"from": store.messages.name, "localField": "_id", "foreignField": "conversationId",
                        "pipeline": page_stages(limit, cursor, backward), "as": "messagePage"}}


async def message_by_client_id(store: DocumentStore, author_key: str, client_id: str) -> dict[str, Any] | None:
    return await store.messages.find_one({"authorKey": author_key, "clientId": client_id})


async def events_after(store: DocumentStore, conversation_id: uuid.UUID, after: int) -> list[dict[str, Any]]:
    """Logged events of the conversation with a sequence number above `after`, oldest first (one batch)."""
    cursor = store.events.find({"conversationId": conversation_id, "seq": {"$gt": after}}).sort("seq", 1).limit(REPLAY_BATCH)
    return await cursor.to_list()


async def last_seq(store: DocumentStore, conversation_id: uuid.UUID) -> int:
    """The number of the conversation's last logged event (not the last one taken: a writer may hold
    a number it has not logged yet, or give it back)."""
    found = await store.events.find({"conversationId": conversation_id}, {"seq": 1}).sort("seq", -1).limit(1).to_list()
    return found[0]["seq"] if found else 0


# --- writes --------------------------------------------------------------------------------


async def create_conversation(store: DocumentStore, **fields: Any) -> dict[str, Any]:
    at = now()
    doc = document(
        _id=uuid.uuid4(), createdAt=at, lastActivityAt=at, seq=0, messageCount=0, lastMessageId=None, lastMessageSeq=0,
        unread={str(p): 0 for p in fields["participants"]}, readSeq={}, **fields,
    )
    await store.conversations.insert_one(doc)
    return doc


async def find_coaching(store: DocumentStore, coach_id: uuid.UUID, athlete_id: uuid.UUID) -> dict[str, Any] | None:
    return await store.conversations.find_one({"kind": "coaching", "coachId": coach_id, "athleteId": athlete_id})


def _event(conversation_id: uuid.UUID, seq: int, type: str, actor: uuid.UUID | None, recipients: Sequence[uuid.UUID],
           data: dict[str, Any]) -> dict[str, Any]:
    return document(_id=uuid.uuid4(), conversationId=conversation_id, seq=seq, type=type, userId=actor, data=data,
                    recipients=list(recipients), occurredAt=now(), published=False)


def _sent_counters(message: dict[str, Any], participants: Sequence[uuid.UUID]) -> dict[str, dict[str, Any]]:
    """What a sent message changes on its conversation."""
    author_id = message.get("authorId")
    return {
        "$inc": {"messageCount": 1, **{f"unread.{p}": 1 for p in participants if p != author_id}},
        "$max": {"lastActivityAt": message["sentAt"]},
        "$set": {"lastMessageId": message["_id"], "lastMessageSeq": message["seq"]},
    }


class Turn:
    """A writer's turn on one conversation: its sequence number, released (with the counters) at the end.

    While the lease is held nobody else takes a number, so a turn that wrote nothing (refused, or its
    insert failed) gives its number back and the log keeps no hole. Once a document was written the
    number stays used, whatever happens next."""

    def __init__(self, store: DocumentStore, conversation: dict[str, Any], lease: datetime) -> None:
        self.store = store
        self.conversation = conversation
        self.seq: int = conversation["seq"]
        self.lease = lease
        self.update: dict[str, dict[str, Any]] = {"$set": {"writeLease": None}}
        self.written = False

    def add(self, operator: str, **fields: Any) -> None:
        self.update.setdefault(operator, {}).update(fields)

    async def log(self, type: str, actor: uuid.UUID | None, recipients: Sequence[uuid.UUID] = (), **data: Any) -> dict[str, Any]:
        """Append this turn's event to the log (unpublished until the broker took it)."""
        event = _event(self.conversation["_id"], self.seq, type, actor, recipients, data)
        self.written = True  # (an insert that timed out may still have landed)
        await self.store.events.insert_one(event)
        return event

    async def release(self, failed: bool = False) -> None:
        """End the turn: with its counters, or giving its number back when it wrote nothing. After a
        `failed` write that may have landed (a timeout, MongoDB gone), what it wrote is unknown here:
        the turn is left for the next writer to finish at once (`recover_turn`)."""
        if failed and self.written:
            update = {"$set": {"writeLease": ABANDONED}}
        elif self.written:
            update = self.update
        else:
            update = {"$set": {"writeLease": None}, "$inc": {"seq": -1}}
        await self.store.conversations.update_one({"_id": self.conversation["_id"], "writeLease": self.lease}, update)


async def take_turn(store: DocumentStore, conversation_id: uuid.UUID, participant: uuid.UUID | None = None) -> Turn | None:
    """Wait for the conversation's writer lease and take the next sequence number; None if it is gone
    (or, given `participant`, if they take no part in it). The turn's conversation is read with it."""
    match: dict[str, Any] = {"_id": conversation_id} if participant is None else {"_id": conversation_id, "participants": participant}
    for attempt in range(LEASE_ATTEMPTS):
        at = now()
        lease = at + store.lease
        doc = await store.conversations.find_one_and_update(
            {**match, "$or": [{"writeLease": None}, {"writeLease": {"$lt": at}}]},
            {"$set": {"writeLease": lease}, "$inc": {"seq": 1}},
            return_document=ReturnDocument.BEFORE,
        )
        if doc is not None:
            if doc.get("writeLease") is not None:  # taken over from a turn that never ended
                try:
                    await recover_turn(store, doc)
                except BaseException:  # hand the unfinished turn on to the next writer, as it was
                    with contextlib.suppress(Exception):
                        await store.conversations.update_one({"_id": doc["_id"], "writeLease": lease},
                                                             {"$set": {"writeLease": doc["writeLease"]}, "$inc": {"seq": -1}})
                    raise
            return Turn(store, {**doc, "seq": doc["seq"] + 1, "writeLease": lease}, lease)
        if attempt == 0 and await store.conversations.count_documents(match, limit=1) == 0:
            return None
        await asyncio.sleep(min(0.002 * (attempt + 1), 0.05))
    raise TimeoutError(f"conversation {conversation_id} stayed locked")


async def add_message(turn: Turn, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write a message in this turn: the message, then its logged MessageSent event (returned with
    it, to publish); the counters go with the turn's release. DuplicateKeyError when its author
    already used its clientId (nothing written)."""
    sent_at = now()
    conversation_id, participants = turn.conversation["_id"], turn.conversation["participants"]
    message = document(_id=uuid.uuid4(), conversationId=conversation_id, seq=turn.seq, sentAt=sent_at, editedAt=None, deletedAt=None,
                       **fields)
    turn.written = True  # (an insert that timed out may still have landed)
    try:
        await turn.store.messages.insert_one(message)
    except DuplicateKeyError:
        turn.written = False  # refused: nothing was written
        raise
    for operator, changes in _sent_counters(message, participants).items():
        turn.add(operator, **changes)
    logged = await turn.log(MESSAGE_SENT, fields.get("authorId"), participants, message_id=message["_id"])
    return message, logged


async def sent_logged(store: DocumentStore, message: dict[str, Any]) -> bool:
    """Whether the message's MessageSent is in its conversation's log."""
    return await store.events.find_one({"conversationId": message["conversationId"], "seq": message["seq"],
                                        "data.message_id": message["_id"]}, {"_id": 1}) is not None


async def resend(turn: Turn, message: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored message that was never logged takes this turn's number and is logged (and counted) now."""
    turn.written = True
    moved = await turn.store.messages.find_one_and_update({"_id": message["_id"]}, {"$set": {"seq": turn.seq}},
                                                          return_document=ReturnDocument.AFTER)
    for operator, changes in _sent_counters(moved, turn.conversation["participants"]).items():
        turn.add(operator, **changes)
    logged = await turn.log(MESSAGE_SENT, moved.get("authorId"), turn.conversation["participants"], message_id=moved["_id"])
    return moved, logged


async def recover_turn(store: DocumentStore, conversation: dict[str, Any]) -> None:
    """Finish what the turn before this one left undone. That turn held its number past its lease and
    never ended: its writer died, or MongoDB went away under it, after it wrote its message (or its edit)
    but maybe before it logged the event or released the counters. What it wrote stays, so the log gets
    its event (unpublished: the sweep publishes it) and a sent message its counters, once. A number it
    never used stays a hole, which readers of the log step over."""
    conversation_id, seq = conversation["_id"], conversation["seq"]
    logged = await store.events.find_one({"conversationId": conversation_id, "seq": seq})
    message = None
    if logged is None:
        message = await store.messages.find_one({"conversationId": conversation_id, "$or": [{"seq": seq}, {"changeSeq": seq}]})
        if message is None:
            return
        if message["seq"] == seq:
            logged = _event(conversation_id, seq, MESSAGE_SENT, message.get("authorId"), conversation["participants"],
                            {"message_id": message["_id"]})
        else:
            changed = MESSAGE_DELETED if message.get("deletedAt") is not None else MESSAGE_EDITED
            logged = _event(conversation_id, seq, changed, message.get("authorId"), (), {"message_id": message["_id"]})
        with contextlib.suppress(DuplicateKeyError):  # (its writer was only slow, and logged it meanwhile)
            await store.events.insert_one(logged)
    if logged["type"] == CONVERSATION_READ:  # the reader's unread count, unless its own turn set it
        reader = logged["data"]["reader_id"]
        await store.conversations.update_one({"_id": conversation_id, f"readSeq.{reader}": {"$not": {"$gte": seq}}},
                                             {"$set": {f"unread.{reader}": 0, f"readSeq.{reader}": seq}})
    if logged["type"] != MESSAGE_SENT:
        return
    message = message or await store.messages.find_one({"_id": logged["data"]["message_id"]})
    if message is not None:  # counted unless its own turn counted it
        await store.conversations.update_one({"_id": conversation_id, "lastMessageSeq": {"$not": {"$gte": seq}}},
                                             _sent_counters(message, conversation["participants"]))


async def append_message(store: DocumentStore, conversation_id: uuid.UUID, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """`add_message` in the conversation's next turn, released at once; None when the conversation is gone."""
    turn = await take_turn(store, conversation_id)
    if turn is None:
        return None
    try:
        written = await add_message(turn, **fields)
    except BaseException:
        await turn.release(failed=True)
        raise
    await turn.release()
    return written


async def update_message(store: DocumentStore, message_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return await store.messages.find_one_and_update(
        {"_id": message_id}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def set_context(store: DocumentStore, conversation_id: uuid.UUID, context: dict[str, Any]) -> dict[str, Any] | None:
    return await store.conversations.find_one_and_update(
        {"_id": conversation_id}, {"$set": {"context": context}}, return_document=ReturnDocument.AFTER
    )


async def mark_published(store: DocumentStore, event_ids: Sequence[uuid.UUID]) -> None:
    await store.events.update_many({"_id": {"$in": list(event_ids)}}, {"$set": {"published": True}})


async def unpublished(store: DocumentStore, older_than: datetime, limit: int = 500) -> list[dict[str, Any]]:
    cursor = store.events.find({"published": False, "occurredAt": {"$lt": older_than}}).sort("occurredAt", 1).limit(limit)
    return await cursor.to_list()
