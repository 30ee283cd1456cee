"""The MongoDB features RepGraph relies on, exactly, against the server in use (SecantusDB, or MONGO_URL's).

SecantusDB releases are betas: a version bump that breaks one of these fails here, by name,
before it shows up as a confusing failure in a conversation story.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from documents.store import INDEXES, DocumentStore


@pytest.fixture
async def store(mongo_url):
    store = DocumentStore(mongo_url)
    await store.ensure_indexes()
    yield store
    await store.drop()
    await store.close()


async def test_indexes_are_created_as_declared(store):
    for collection, models in INDEXES.items():
        names = {index["name"] for index in await (await store.db[collection].list_indexes()).to_list()}
        assert {m.document["name"] for m in models} <= names, (collection, names)


async def test_unique_and_partial_unique_indexes(store):
    conversation = uuid.uuid4()
    await store.messages.insert_one({"_id": uuid.uuid4(), "conversationId": conversation, "seq": 1, "authorKey": "a", "clientId": "k"})
    with pytest.raises(DuplicateKeyError):  # (conversationId, seq) unique
        await store.messages.insert_one({"_id": uuid.uuid4(), "conversationId": conversation, "seq": 1, "authorKey": "b"})
    with pytest.raises(DuplicateKeyError):  # (authorKey, clientId) unique where clientId is a string
        await store.messages.insert_one({"_id": uuid.uuid4(), "conversationId": conversation, "seq": 2, "authorKey": "a", "clientId": "k"})
    for seq in (3, 4):  # ... and messages without a clientId (null) never collide
        await store.messages.insert_one({"_id": uuid.uuid4(), "conversationId": conversation, "seq": seq, "authorKey": "a", "clientId": None})
    assert await store.messages.count_documents({"conversationId": conversation}) == 3


async def test_uuids_and_millisecond_aware_datetimes_round_trip(store):
    key, at = uuid.uuid4(), datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
    await store.conversations.insert_one({"_id": key, "participants": [key], "lastActivityAt": at})
    found = await store.conversations.find_one({"participants": key})
    assert found["_id"] == key and found["lastActivityAt"] == at and found["lastActivityAt"].tzinfo is not None


async def test_lease_and_counters_in_one_atomic_update(store):
    key, now = uuid.uuid4(), datetime.now(UTC).replace(microsecond=0)
    await store.conversations.insert_one({"_id": key, "seq": 0, "writeLease": None, "unread": {}, "lastActivityAt": now})
    lease = {"$or": [{"writeLease": None}, {"writeLease": {"$lt": now}}]}
    taken = await store.conversations.find_one_and_update(
        {"_id": key, **lease}, {"$set": {"writeLease": now + timedelta(seconds=5)}, "$inc": {"seq": 1}}, return_document=ReturnDocument.AFTER)
    assert taken["seq"] == 1
    assert await store.conversations.find_one({"_id": key}, {"seq": 1}) == {"_id": key, "seq": 1}  # a projection
    # Held: a second writer matches nothing until it is released (or expires).
    assert await store.conversations.find_one_and_update({"_id": key, **lease}, {"$inc": {"seq": 1}}) is None
    user = str(uuid.uuid4())
    await store.conversations.update_one(
        {"_id": key, "writeLease": now + timedelta(seconds=5)},
        {"$set": {"writeLease": None}, "$inc": {f"unread.{user}": 2, "messageCount": 1}, "$max": {"lastActivityAt": now - timedelta(days=1)}})
    after = await store.conversations.find_one({"_id": key})
    assert (after["writeLease"], after["unread"], after["messageCount"], after["lastActivityAt"]) == (None, {user: 2}, 1, now)
    assert await store.conversations.count_documents({"_id": key, f"unread.{user}": {"$gt": 0}}, limit=1) == 1


async def test_keyset_pages_and_the_inbox_aggregate(store):
    user, other = uuid.uuid4(), uuid.uuid4()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    messages = []
    for i in range(3):
        message = {"_id": uuid.uuid4(), "conversationId": i, "seq": 1}
        messages.append(message)
        await store.messages.insert_one(message)
        await store.conversations.insert_one({"_id": uuid.uuid4(), "participants": [user], "kind": "direct", "lastActivityAt": base + timedelta(hours=i),
                                              "lastMessageId": message["_id"]})
    await store.conversations.insert_one({"_id": uuid.uuid4(), "participants": [user], "kind": "coaching", "coachId": user, "athleteId": other,
                                          "lastActivityAt": base + timedelta(days=1), "lastMessageId": None})
    match = {"participants": user, "$nor": [{"kind": "coaching", "coachId": user, "athleteId": {"$nin": []}}]}
    pipeline = [{"$match": match}, {"$sort": {"lastActivityAt": -1, "_id": -1}}, {"$limit": 2},
                {"$lookup": {"from": "messages", "localField": "lastMessageId", "foreignField": "_id", "as": "lastMessage"}}]
    page = await (await store.conversations.aggregate(pipeline)).to_list()
    assert [d["lastMessage"][0]["_id"] for d in page] == [messages[2]["_id"], messages[1]["_id"]]
    at, key = page[-1]["lastActivityAt"], page[-1]["_id"]
    rest = await store.conversations.find({**match, "$or": [{"lastActivityAt": {"$lt": at}}, {"lastActivityAt": at, "_id": {"$lt": key}}]}).to_list()
    assert [d["lastMessageId"] for d in rest] == [messages[0]["_id"]]
    for seq in range(2, 8):
        await store.messages.insert_one({"_id": uuid.uuid4(), "conversationId": "c", "seq": seq})
    newest = await store.messages.find({"conversationId": "c", "seq": {"$lt": 6}}).sort("seq", -1).limit(3).to_list()
    assert [d["seq"] for d in newest] == [5, 4, 3]
    assert await store.conversations.count_documents(match) == 3


async def test_a_conversation_with_a_page_of_its_messages_in_one_aggregate(store):
    """`$lookup` with both local/foreign fields and a pipeline (sort, limit per conversation)."""
    ids = [uuid.uuid4(), uuid.uuid4()]
    for conversation in ids:
        await store.conversations.insert_one({"_id": conversation})
        await store.messages.insert_many([{"_id": uuid.uuid4(), "conversationId": conversation, "seq": seq} for seq in range(1, 8)])
    stages = [{"$match": {"seq": {"$lt": 6}}}, {"$sort": {"seq": -1}}, {"$limit": 3}]
    pipeline = [{"$match": {"_id": {"$in": ids}}},
                {"$lookup": {"from": "messages", "localField": "_id", "foreignField": "conversationId", "pipeline": stages, "as": "page"}}]
    found = {d["_id"]: d["page"] for d in await (await store.conversations.aggregate(pipeline)).to_list()}
    assert {k: [(m["conversationId"], m["seq"]) for m in page] for k, page in found.items()} == {
        k: [(k, 5), (k, 4), (k, 3)] for k in ids}


async def test_marking_many_published_and_replacing_by_upsert(store):
    ids = [uuid.uuid4() for _ in range(3)]
    await store.events.insert_many([{"_id": i, "conversationId": 1, "seq": n, "published": False, "occurredAt": datetime.now(UTC)} for n, i in enumerate(ids)])
    await store.events.update_many({"_id": {"$in": ids[:2]}}, {"$set": {"published": True}})
    assert [d["_id"] for d in await store.events.find({"published": False}).to_list()] == ids[2:]
    for hash in ("one", "two"):
        await store.service_keys.replace_one({"name": "bot"}, {"name": "bot", "hash": hash}, upsert=True)
    assert [d["hash"] for d in await store.service_keys.find({"name": "bot"}).to_list()] == ["two"]
