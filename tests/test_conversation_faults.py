"""MongoDB going away mid-run: conversations answer SERVICE_UNAVAILABLE in time, PostgreSQL keeps serving, and it recovers."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from datetime import timedelta

import pytest

from documents import conversations as store_ops
from documents.embedded import EmbeddedMongo
from documents.store import document
from resolvers.ids import decode_id
from tests.conversations import CONVERSATION, SEND, chat_on

HANG = 15.0  # seconds: a request that takes longer is stuck, whatever the machine's load
MIXED = "query { viewer { username workoutSessions { totalCount } conversations { totalCount } } }"
START_WORKOUT = 'mutation { startWorkout(input: {name: "Still on"}) { session { id } } }'


@pytest.fixture
def mongo_process():
    """A SecantusDB of this test's own, on disk so a restart finds its data again."""
    storage = tempfile.mkdtemp(prefix="repgraph-mongo-")
    server = EmbeddedMongo(storage).start()
    yield server
    server.stop()
    server.cleanup()
    shutil.rmtree(storage, ignore_errors=True)


async def test_mongodb_down_mid_run_then_back(settings, mongo_process, register):
    user = await register()
    async with chat_on(settings, mongo_process.url("faults")) as chat:
        conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
        await chat.send(user.token, conversation, "before the outage")
        assert (await chat.client.http.get("/readyz")).json()["checks"]["mongo"] == "ok"

        mongo_process.stop()
        # The answer within 2 s comes from MONGO_TIMEOUT_MS bounding every MongoDB operation (server
        # selection included); the clock here only catches a hang, not a slow machine.
        assert settings.mongo_timeout_ms <= 1000
        began = time.monotonic()
        body = await chat.client.execute(MIXED, token=user.token)
        assert time.monotonic() - began < HANG
        # The PostgreSQL fields answer; the conversation field alone fails, with a code.
        assert body["data"]["viewer"]["username"] == user.username and body["data"]["viewer"]["workoutSessions"]["totalCount"] == 0
        assert body["data"]["viewer"]["conversations"] is None
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["path"]) == ("SERVICE_UNAVAILABLE", ["viewer", "conversations"]), body
        for document, variables in ((SEND, {"i": {"conversationId": conversation, "content": "during"}}), (CONVERSATION, {"id": conversation})):
            began = time.monotonic()
            assert (await chat.client.error(document, variables, user.token))["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert time.monotonic() - began < HANG
        assert (await chat.client.data(START_WORKOUT, token=user.token))["startWorkout"]["session"]["id"]
        ready = await chat.client.http.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["postgres"] == "ok" and checks["mongo"].startswith("unreachable"), checks

        mongo_process.restart()
        for _ in range(100):  # bounded: the driver finds the server again within its next heartbeat or two
            if (await chat.client.http.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert (await chat.client.http.get("/readyz")).status_code == 200
        await chat.send(user.token, conversation, "after the outage")
        seen = await chat.conversation(user.token, conversation)
        assert [e["node"]["content"] for e in seen["messages"]["edges"]] == ["after the outage", "before the outage"]
        assert seen["messageCount"] == 2


async def test_the_app_starts_with_mongodb_down_and_serves_postgresql(settings, mongo_process, register):
    user = await register()
    url = mongo_process.url("late")
    mongo_process.kill()
    async with chat_on(settings, url) as chat:
        body = await chat.client.execute(MIXED, token=user.token)
        assert body["data"]["viewer"]["username"] == user.username
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        mongo_process.restart()
        for _ in range(100):
            if chat.app.state.documents.indexed:
                break
            await asyncio.sleep(0.2)
        assert chat.app.state.documents.indexed  # created once MongoDB came
        started = await chat.start(user.token, "ASSISTANT")
        assert started["created"]


async def test_without_mongodb_configured_conversations_say_so_and_the_rest_serves(settings, register):
    user = await register()
    async with chat_on(settings, None) as chat:
        body = await chat.client.execute(MIXED, token=user.token)
        assert body["data"]["viewer"]["username"] == user.username
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE" and "MONGO_URL" in error["message"]
        ready = await chat.client.http.get("/readyz")
        assert ready.status_code == 200 and "mongo" not in ready.json()["checks"]


async def test_a_turn_cut_short_is_finished_by_the_next_writer(settings, mongo_url, register):
    """A writer stored its message, or its edit, and then died (or lost MongoDB) before it logged the
    event and released the conversation. The next writer, once the lease has run out, logs what was
    stored and counts it, so no subscriber or counter misses it; a number taken and never used stays a hole."""
    user = await register()
    author = decode_id(user.id, "User", "id")
    async with chat_on(settings, mongo_url) as chat:
        conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
        first = (await chat.send(user.token, conversation, "first"))["message"]
        store = chat.app.state.documents
        store.lease = timedelta(milliseconds=200)
        key = decode_id(conversation, "Conversation", "id")

        # A send cut short: the turn and the message are stored, then nothing.
        cut = await store_ops.take_turn(store, key)
        await store.messages.insert_one(document(
            _id=uuid.uuid4(), conversationId=key, seq=cut.seq, sentAt=store_ops.now(), editedAt=None, deletedAt=None,
            authorId=author, authorKey=f"user:{author}", role="user", content="cut short", language="en", clientId="c-1",
            replyToId=None, assistant=None))
        await asyncio.sleep(0.3)  # its lease runs out
        # The client tries again with the same clientId: the message it stored, once.
        again = await chat.send(user.token, conversation, "cut short", clientId="c-1")
        assert again["created"] is False and again["message"]["sequence"] == cut.seq
        seen = await chat.conversation(user.token, conversation)
        assert seen["messageCount"] == 2 and seen["lastMessage"]["content"] == "cut short"
        assert [e["node"]["content"] for e in seen["messages"]["edges"]] == ["cut short", "first"]

        # An edit whose event could not be logged (MongoDB timed out): the turn is left to the next writer at once.
        edit = await store_ops.take_turn(store, key)
        await store_ops.update_message(store, decode_id(first["id"], "Message", "id"),
                                       {"content": "first, edited", "editedAt": store_ops.now(), "changeSeq": edit.seq})
        edit.written = True
        await edit.release(failed=True)
        # A number taken and never used (its writer died before writing).
        unused = await store_ops.take_turn(store, key)
        await asyncio.sleep(0.3)
        after = (await chat.send(user.token, conversation, "after"))["message"]
        assert after["sequence"] == unused.seq + 1

        logged = await store_ops.events_after(store, key, 0)
        assert [(e["seq"], e["type"]) for e in logged] == [
            (first["sequence"], "MessageSent"), (cut.seq, "MessageSent"), (edit.seq, "MessageEdited"), (after["sequence"], "MessageSent")]
        assert logged[1]["data"]["message_id"] == decode_id(again["message"]["id"], "Message", "id")
        seen = await chat.conversation(user.token, conversation)
        assert seen["messageCount"] == 3
        assert [e["node"]["content"] for e in seen["messages"]["edges"]] == ["after", "cut short", "first, edited"]

        # A send timed out and its message landed later, after the next writer had passed its number over:
        # the retry sends it now, at a number of its own, logged and counted.
        late = await store_ops.take_turn(store, key)
        late.written = True
        await late.release(failed=True)
        other = (await chat.send(user.token, conversation, "in between"))["message"]
        await store.messages.insert_one(document(
            _id=uuid.uuid4(), conversationId=key, seq=late.seq, sentAt=store_ops.now(), editedAt=None, deletedAt=None,
            authorId=author, authorKey=f"user:{author}", role="user", content="landed late", language="en", clientId="c-2",
            replyToId=None, assistant=None))
        retried = await chat.send(user.token, conversation, "landed late", clientId="c-2")
        assert retried["created"] is False and retried["message"]["sequence"] == other["sequence"] + 1
        again = await chat.send(user.token, conversation, "landed late", clientId="c-2")
        assert again["message"] == retried["message"]  # and once logged, a repeat is only an answer
        logged = await store_ops.events_after(store, key, after["sequence"])
        assert [(e["seq"], e["type"]) for e in logged] == [(other["sequence"], "MessageSent"), (retried["message"]["sequence"], "MessageSent")]
        seen = await chat.conversation(user.token, conversation)
        assert seen["messageCount"] == 5 and seen["lastMessage"]["content"] == "landed late"
