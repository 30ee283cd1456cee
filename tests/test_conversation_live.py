"""Conversations live: events in order over websockets, resuming from MongoDB's log, the inbox."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from documents import conversations as store_ops
from documents.store import DocumentStore
from resolvers.conversation_events import encode_event_id
from resolvers.ids import parse_global_id
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.conversations import DELETE, EDIT, END_COACHING, MARK_READ, Chat, coach_of
from tests.servers import serve_in_thread
from tests.wsclient import TRANSPORT_WS, WsClient

EVENTS = """subscription($c: ID!, $after: String) { conversationEvents(conversationId: $c, after: $after) {
  __typename ... on ConversationLiveEvent { eventId conversation { id } }
  ... on MessageSent { message { id content author { username } } } ... on MessageEdited { message { id content } }
  ... on MessageDeleted { messageId } ... on ConversationRead { reader { username } } } }"""
INBOX_EVENTS = "subscription { inboxEvents { eventId conversation { id title } message { content } } }"


@pytest.fixture
def served(settings, mongo_url):
    """The app under uvicorn (real sockets) on a MongoDB database of this test's own."""
    app = create_app(replace(settings, mongo_url=mongo_url))
    with serve_in_thread(app) as url:
        yield app, url


@pytest.fixture
async def chat(served):
    app, url = served
    async with httpx.AsyncClient(base_url=url, timeout=20) as http:
        yield Chat(app, GraphQLClient(http))


async def next_events(ws: WsClient, count: int) -> list[dict]:
    found = []
    while len(found) < count:
        payload = await ws.next_payload(timeout=10)
        assert not payload.get("errors"), payload
        found.append(payload["data"]["conversationEvents"] if "conversationEvents" in payload["data"] else payload["data"]["inboxEvents"])
    return found


async def assert_quiet(ws: WsClient, seconds: float = 0.5) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await ws.next_payload(timeout=seconds)


async def test_a_conversation_live_and_resumed(served, chat, client, register):
    _, url = served
    coach, athlete = await register(role="COACH"), await register()
    relationship = await coach_of(client, coach, athlete)
    conversation = (await chat.start(athlete.token, "COACHING", [coach.id]))["conversation"]["id"]
    watcher = await WsClient.open(url, TRANSPORT_WS, coach.token)
    await watcher.subscribe(EVENTS, {"c": conversation})
    await asyncio.sleep(0.3)  # subscribed before the first write

    sent = (await chat.send(athlete.token, conversation, "Sets done"))["message"]
    await chat.client.data(EDIT, {"i": {"messageId": sent["id"], "content": "All sets done"}}, athlete.token)
    second = (await chat.send(athlete.token, conversation, "oops"))["message"]
    await chat.client.data(DELETE, {"i": {"messageId": second["id"]}}, athlete.token)
    await chat.client.data(MARK_READ, {"c": conversation}, coach.token)
    live = await next_events(watcher, 5)
    assert [e["__typename"] for e in live] == ["MessageSent", "MessageEdited", "MessageSent", "MessageDeleted", "ConversationRead"]
    assert live[0]["message"]["id"] == sent["id"] and live[0]["message"]["author"] == {"username": athlete.username}
    assert live[1]["message"] == {"id": sent["id"], "content": "All sets done"}
    assert live[3]["messageId"] == second["id"] and live[4]["reader"]["username"] == coach.username
    assert all(e["conversation"]["id"] == conversation for e in live)

    # Resuming after the second event replays the rest from MongoDB, then goes on live.
    resumed = await WsClient.open(url, TRANSPORT_WS, athlete.token)
    await resumed.subscribe(EVENTS, {"c": conversation, "after": live[1]["eventId"]})
    assert [e["eventId"] for e in await next_events(resumed, 3)] == [e["eventId"] for e in live[2:]]
    third = (await chat.send(coach.token, conversation, "Good"))["message"]
    for ws in (watcher, resumed):
        (event,) = await next_events(ws, 1)
        assert event["message"]["id"] == third["id"]
    await resumed.close()

    # Once the coaching ends, the coach's open stream ends with NOT_FOUND at the next event.
    await client.data(END_COACHING, {"i": relationship}, athlete.token)
    await chat.client.data(MARK_READ, {"c": conversation}, athlete.token)  # the athlete keeps reading it
    ended = await watcher.next_payload(timeout=10)
    assert ended.get("errors") and ended["errors"][0]["extensions"]["code"] == "NOT_FOUND", ended
    assert athlete.username not in str(ended)
    await watcher.close()


async def test_an_event_whose_writer_died_before_publishing_is_not_lost(served, chat, register, mongo_url):
    app, url = served
    user = await register()
    conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
    first = (await chat.send(user.token, conversation, "first"))["message"]
    watcher = await WsClient.open(url, TRANSPORT_WS, user.token)
    await watcher.subscribe(EVENTS, {"c": conversation})
    await asyncio.sleep(0.3)

    # What a writer leaves when its process dies after writing, before publishing: the message
    # and its logged event, unpublished (written with the same storage calls a send makes).
    store = DocumentStore(mongo_url)
    key = parse_global_id(conversation)[1]
    try:
        await store_ops.append_message(store, key, authorId=None, authorKey="crashed", role="system", content="written, never published",
                                       language="en", clientId=None, replyToId=None, assistant=None)
    finally:
        await store.close()
    # The sweep publishes it to the live subscriber; a resume replays it from the log.
    (event,) = await next_events(watcher, 1)
    assert event["message"]["content"] == "written, never published"
    resumed = await WsClient.open(url, TRANSPORT_WS, user.token)
    await resumed.subscribe(EVENTS, {"c": conversation, "after": encode_event_id(1)})  # after `first`
    (replayed,) = await next_events(resumed, 1)
    assert replayed["message"]["content"] == "written, never published" and replayed["eventId"] == event["eventId"]
    await watcher.close()
    await resumed.close()


async def test_the_inbox_hears_every_conversation(served, chat, client, register):
    _, url = served
    coach, athlete = await register(role="COACH"), await register()
    await coach_of(client, coach, athlete)
    coaching = (await chat.start(athlete.token, "COACHING", [coach.id], "Coaching"))["conversation"]["id"]
    mine = (await chat.start(coach.token, "ASSISTANT", title="Notes"))["conversation"]["id"]
    outsider = await register()
    theirs = (await chat.start(outsider.token, "ASSISTANT", title="Private"))["conversation"]["id"]
    inbox = await WsClient.open(url, TRANSPORT_WS, coach.token)
    await inbox.subscribe(INBOX_EVENTS)
    await asyncio.sleep(0.3)
    await chat.send(athlete.token, coaching, "from the athlete")
    await chat.send(outsider.token, theirs, "not for the coach")
    await chat.send(coach.token, mine, "a note")
    events = await next_events(inbox, 2)
    assert [(e["conversation"]["title"], e["message"]["content"]) for e in events] == [("Coaching", "from the athlete"), ("Notes", "a note")]
    await assert_quiet(inbox)
    await inbox.close()


async def test_conversation_streams_count_towards_the_per_user_limit(settings, mongo_url, register):
    app = create_app(replace(settings, mongo_url=mongo_url, ws_max_subscriptions_per_user=2))
    user = await register()
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=20) as http:
            chat = Chat(app, GraphQLClient(http))
            conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
            ws = await WsClient.open(url, TRANSPORT_WS, user.token)
            await ws.subscribe(EVENTS, {"c": conversation})
            await ws.subscribe(INBOX_EVENTS)
            await asyncio.sleep(0.3)
            await ws.subscribe(EVENTS, {"c": conversation})
            refused = await ws.next_payload(timeout=10)
            assert refused["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS", refused
            await chat.send(user.token, conversation, "still flowing")  # the two open ones still deliver
            got = []
            while len(got) < 2:
                frame = await ws.receive_skipping_keepalive(timeout=10)
                if frame["type"] == "next":
                    got.append(next(iter(frame["payload"]["data"])))
                else:  # the refused one is completed
                    assert frame == {"id": "3", "type": "complete"}, frame
            assert sorted(got) == ["conversationEvents", "inboxEvents"]
            await ws.close()
