"""MongoDB going away mid-run: conversations answer SERVICE_UNAVAILABLE in time, PostgreSQL keeps serving, and it recovers."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time

import pytest

from documents.embedded import EmbeddedMongo
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
