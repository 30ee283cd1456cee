"""The coaching assistant: signs in with a service key, writes ASSISTANT messages and the conversation's context."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from documents import service_keys
from tests.conversations import CONVERSATION, SEND, chat_on
from tests.servers import ROOT
from tests.stories import exercise_id, log_set, start_workout

POST = """mutation($i: PostAssistantMessageInput!) { postAssistantMessage(input: $i) { created
  message { id role author { id } content language assistant { tool intent confidence setLog { id reps } } } } }"""
CONTEXT = """mutation($i: UpdateConversationContextInput!) { updateConversationContext(input: $i) { conversation { id } } }"""
READ_CONTEXT = """query($id: ID!) { node(id: $id) { ... on Conversation {
  context { currentWorkout { id name } goals { id } recentExercises { id } state { lastTopic needsFollowup pendingActions } updatedAt }
  messages(first: 5) { edges { node { role author { id } content assistant { intent setLog { id reps } } } } } } } }"""
GOAL = 'mutation { createGoal(input: {kind: WORKOUTS, title: "Train", target: 3, timeframe: WEEKLY}) { goal { id } } }'


async def cli(command: str, name: str, settings) -> tuple[int, str, str]:
    """`python -m server <command> <name>` (what `make service-key NAME=…` runs), as its own process."""
    env = {**os.environ, "MONGO_URL": settings.mongo_url}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", command, name, cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def chat(settings, mongo_url):
    async with chat_on(settings, mongo_url) as chat:
        yield chat


async def test_the_assistant_writes_with_its_key_and_users_never_can(chat, client, register, settings):
    user, stranger = await register(), await register()
    conversation = (await chat.start(user.token, "ASSISTANT", title="Today"))["conversation"]["id"]
    asked = (await chat.send(user.token, conversation, "רשום לי סקוואט 5 חזרות 100 קילו"))["message"]["id"]
    squat = await exercise_id(client, "Barbell Squat")
    session = await start_workout(client, user.token, name="Legs")
    logged = (await log_set(client, user.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100))["setLog"]["id"]
    key = await service_keys.create(chat.app.state.documents, "coach-bot")
    post = {"conversationId": conversation, "content": "רשמתי: סקוואט 5×100", "replyToId": asked, "clientId": "turn-1",
            "tool": "log_set", "intent": "log_exercise", "confidence": 0.93, "setLogId": logged}

    # Users never write as the assistant, signed in or not.
    assert (await chat.client.error(POST, {"i": post}, user.token))["extensions"]["code"] == "FORBIDDEN"
    assert (await chat.client.error(POST, {"i": post}))["extensions"]["code"] == "UNAUTHENTICATED"
    # The assistant's bad input: a set of someone else's, a confidence out of range.
    others = await start_workout(client, stranger.token, name="Mine")
    foreign = (await log_set(client, stranger.token, sessionId=others["id"], exerciseId=squat, reps=1, weight=20))["setLog"]["id"]
    for change, code, field in (({"setLogId": foreign}, "NOT_FOUND", "setLogId"), ({"confidence": 1.5}, "BAD_USER_INPUT", "confidence")):
        error = await chat.client.error(POST, {"i": {**post, **change}}, key)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)

    posted = (await chat.client.data(POST, {"i": post}, key))["postAssistantMessage"]
    message = posted["message"]
    assert posted["created"] and message["role"] == "ASSISTANT" and message["author"] is None and message["language"] == "HE"
    assert message["assistant"]["tool"] == "log_set" and message["assistant"]["confidence"] == 0.93
    assert message["assistant"]["setLog"] is None  # the service reads no one's training data
    again = (await chat.client.data(POST, {"i": post}, key))["postAssistantMessage"]
    assert not again["created"] and again["message"]["id"] == message["id"]

    goal = (await client.data(GOAL, token=user.token))["createGoal"]["goal"]["id"]
    context = {"conversationId": conversation, "currentWorkoutId": session["id"], "goalIds": [goal], "recentExerciseIds": [squat],
               "lastTopic": "squat volume", "needsFollowup": True, "pendingActions": ["ask about sleep"]}
    assert (await chat.client.error(CONTEXT, {"i": context}, user.token))["extensions"]["code"] == "FORBIDDEN"
    await chat.client.data(CONTEXT, {"i": context}, key)

    seen = (await chat.client.data(READ_CONTEXT, {"id": conversation}, user.token))["node"]
    assert seen["context"]["currentWorkout"] == {"id": session["id"], "name": "Legs"}
    assert seen["context"]["goals"] == [{"id": goal}] and seen["context"]["recentExercises"] == [{"id": squat}]
    assert seen["context"]["state"] == {"lastTopic": "squat volume", "needsFollowup": True, "pendingActions": ["ask about sleep"]}
    (reply, question) = [e["node"] for e in seen["messages"]["edges"]]
    assert reply["role"] == "ASSISTANT" and reply["assistant"] == {"intent": "log_exercise", "setLog": {"id": logged, "reps": 5}}
    assert question["role"] == "USER" and question["author"]["id"] == user.id

    # The service sees ASSISTANT conversations only; a stranger sees none of this one.
    coaching_like = (await chat.start(stranger.token, "ASSISTANT"))["conversation"]["id"]
    assert (await chat.client.error(SEND, {"i": {"conversationId": conversation, "content": "hi"}}, stranger.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await chat.client.data(CONVERSATION, {"id": coaching_like}, key))["node"]["kind"] == "ASSISTANT"

    # Revoked: the key stops at once.
    assert await service_keys.revoke(chat.app.state.documents, "coach-bot")
    assert (await chat.client.error(POST, {"i": {**post, "clientId": "turn-2"}}, key))["extensions"]["code"] == "UNAUTHENTICATED"


async def test_make_service_key_prints_a_key_stored_hashed_and_revocable(app, client, settings):
    code, out, err = await cli("service-key", "cli-bot", settings)
    assert code == 0, err
    key = out.strip().splitlines()[-1]
    assert key.startswith("rgsk_") and len(key) > 40
    store = app.state.documents
    stored = await store.service_keys.find_one({"name": "cli-bot"})
    assert stored["hash"] == service_keys.digest(key) and key not in str(stored)
    assert (await client.data("{ viewer { id } }", token=key)) == {"viewer": None}  # a valid key is no user
    code, _, err = await cli("revoke-service-key", "cli-bot", settings)
    assert code == 0, err
    assert (await store.service_keys.find_one({"name": "cli-bot"}))["revokedAt"] is not None
    assert not await service_keys.revoke(store, "cli-bot")  # (the command then exits with an error)
