"""What conversation reads cost: a page of messages, and the inbox, in queries counted on both stores."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import event

from tests.conftest import StatementCounter
from tests.conversations import chat_on, coach_of

PAGE = """query($id: ID!, $first: Int!) { node(id: $id) { ... on Conversation {
  messages(first: $first) { edges { node { id content role language sentAt author { id username displayName } } } } } } }"""
NEXT = """query($id: ID!, $after: String) { node(id: $id) { ...Page } }
fragment Page on Conversation { messages(first: 50, after: $after) { pageInfo { endCursor hasNextPage } edges { node { content } } } }"""
ORG = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }"
ADD = "mutation($o: ID!, $u: String!) { addOrganizationMember(input: {organizationId: $o, username: $u}) { member { userId } } }"
INBOX = """query($first: Int!) { viewer { conversations(first: $first) { edges { node {
  id kind unreadCount messageCount participants { username } lastMessage { content author { username } }
  messages(first: 2) { edges { node { content author { username } } } } } } } } }"""


@pytest.fixture
async def chat(settings, mongo_url):
    async with chat_on(settings, mongo_url) as chat:
        yield chat


def by_collection(counts: Counter) -> dict[str, int]:
    return {f"{command}:{collection}": n for (command, collection), n in counts.items()}


async def measured(chat, document: str, variables: dict, token: str) -> tuple[dict, dict[str, int], list[str]]:
    """The answer, MongoDB commands by command:collection and PostgreSQL statements, of one request."""
    mongo = chat.app.state.documents.counter
    sql = StatementCounter()
    event.listen(chat.app.state.engine.sync_engine, "before_cursor_execute", sql)
    try:
        mongo.reset()
        data = await chat.client.data(document, variables, token)
        return data, by_collection(mongo.counts), list(sql.statements)
    finally:
        event.remove(chat.app.state.engine.sync_engine, "before_cursor_execute", sql)


async def test_a_page_of_50_messages_with_authors_is_one_query_on_each_store(chat, client, register):
    coach, athlete = await register(role="COACH"), await register()
    await coach_of(client, coach, athlete)
    conversation = (await chat.start(athlete.token, "COACHING", [coach.id]))["conversation"]["id"]
    for i in range(55):
        await chat.send(athlete.token if i % 2 else coach.token, conversation, f"message {i}")
    for viewer, size in ((athlete, 5), (athlete, 50), (coach, 50)):
        data, mongo, sql = await measured(chat, PAGE, {"id": conversation, "first": size}, viewer.token)
        edges = data["node"]["messages"]["edges"]
        assert len(edges) == size and {e["node"]["author"]["username"] for e in edges} == {coach.username, athlete.username}
        assert [e["node"]["content"] for e in edges[:2]] == ["message 54", "message 53"]
        # The conversation and its page of messages: one aggregate ($lookup), whatever the page size.
        assert mongo == {"aggregate:conversations": 1}, mongo
        # Every author and the viewer (participants all), with whether the viewer coaches them (the
        # coach reads while the coaching lasts), in one statement.
        assert len(sql) == 1 and "FROM users" in sql[0] and "coaching_relationships" in sql[0], sql
    # The next page, from the first one's cursor (asked through a named fragment): the same one query.
    first = (await chat.client.data(NEXT, {"id": conversation, "after": None}, athlete.token))["node"]["messages"]
    data, mongo, sql = await measured(chat, NEXT, {"id": conversation, "after": first["pageInfo"]["endCursor"]}, athlete.token)
    rest = data["node"]["messages"]
    assert [e["node"]["content"] for e in rest["edges"]] == [f"message {i}" for i in range(4, -1, -1)]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert mongo == {"aggregate:conversations": 1} and len(sql) == 1, (mongo, sql)


async def test_the_inbox_page_of_20_is_one_query_on_each_store(chat, client, register):
    viewer, members = await register(), [await register() for _ in range(4)]
    org = (await client.data(ORG, {"n": "Club"}, viewer.token))["createOrganization"]["organization"]["id"]
    for member in members:
        await client.data(ADD, {"o": org, "u": member.username}, viewer.token)
    for i in range(22):
        other = members[i % len(members)]
        conversation = (await chat.start(viewer.token, "DIRECT", [other.id], title=f"c{i}"))["conversation"]["id"]
        await chat.send(other.token, conversation, f"last in {i}")
    await chat.client.data(INBOX, {"first": 1}, viewer.token)  # the viewer's sign-in checked once, as any session's is
    data, mongo, sql = await measured(chat, INBOX, {"first": 20}, viewer.token)
    edges = data["viewer"]["conversations"]["edges"]
    assert len(edges) == 20 and edges[0]["node"]["lastMessage"] == {"content": "last in 21", "author": {"username": members[1].username}}
    assert {p["username"] for e in edges for p in e["node"]["participants"]} == {viewer.username, *(m.username for m in members)}
    assert edges[0]["node"]["messages"]["edges"] == [{"node": {"content": "last in 21", "author": {"username": members[1].username}}}]
    # The conversations with their last messages and a page of each one's messages: one aggregate
    # ($lookup), no count (totalCount not asked).
    assert mongo == {"aggregate:conversations": 1}, mongo
    # The viewer's own row (the `viewer` root field's, which every viewer query pays), then one
    # statement for the page: every participant and author, with whom of them the viewer coaches.
    assert len(sql) == 2 and all("FROM users" in s for s in sql), sql
    assert "coaching_relationships" not in sql[0] and "coaching_relationships" in sql[1], sql


async def test_a_former_coachs_inbox_page_is_still_full_and_leaves_the_ended_coaching_out(chat, client, register):
    coach, kept, former = await register(role="COACH"), await register(), await register()
    await coach_of(client, coach, kept)
    ended = await coach_of(client, coach, former)
    with_kept = (await chat.start(coach.token, "COACHING", [kept.id]))["conversation"]["id"]
    await chat.send(kept.token, with_kept, "older")
    with_former = (await chat.start(coach.token, "COACHING", [former.id]))["conversation"]["id"]
    await chat.send(former.token, with_former, "newest")
    await client.data("mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }", {"i": ended}, former.token)
    page = """query { viewer { conversations(first: 1) { pageInfo { hasNextPage } edges { node { id lastMessage { content } } } } } }"""
    data, mongo, sql = await measured(chat, page, {}, coach.token)
    connection = data["viewer"]["conversations"]
    # The newest conversation is the ended coaching's: read again without it, the page still holds one.
    assert [e["node"] for e in connection["edges"]] == [{"id": with_kept, "lastMessage": {"content": "older"}}]
    assert connection["pageInfo"]["hasNextPage"] is False
    assert mongo == {"aggregate:conversations": 2}, mongo


SEND_ONLY = """mutation($i: SendMessageInput!) { sendMessage(input: $i) { created message { id sequence content } } }"""


async def test_sending_is_four_mongodb_commands_and_refused_sends_leave_no_hole(chat, register):
    user, other = await register(), await register()
    conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
    foreign = (await chat.send(other.token, (await chat.start(other.token, "ASSISTANT"))["conversation"]["id"], "theirs"))["message"]["id"]
    data, mongo, _ = await measured(chat, SEND_ONLY, {"i": {"conversationId": conversation, "content": "first", "clientId": "k1"}}, user.token)
    assert data["sendMessage"]["message"]["sequence"] == 1
    # The conversation read with the turn (its number, its lease), the message, its logged event, and
    # the release with the counters; no clientId lookup beforehand (the insert's unique index finds a repeat).
    assert mongo == {"findAndModify:conversations": 1, "insert:messages": 1, "insert:conversation_events": 1, "update:conversations": 1}, mongo
    # Sends refused while the turn is held give their numbers back.
    refused = [({"content": "other text", "clientId": "k1"}, "BAD_USER_INPUT"), ({"content": "x", "replyToId": foreign}, "NOT_FOUND"),
               ({"content": ""}, "BAD_USER_INPUT")]
    for more, code in refused:
        error = await chat.client.error(SEND_ONLY, {"i": {"conversationId": conversation, **more}}, user.token)
        assert error["extensions"]["code"] == code, error
    repeat = (await chat.client.data(SEND_ONLY, {"i": {"conversationId": conversation, "content": "first", "clientId": "k1"}}, user.token))
    assert repeat["sendMessage"]["created"] is False and repeat["sendMessage"]["message"]["sequence"] == 1
    second = (await chat.send(user.token, conversation, "second"))["message"]
    assert second["sequence"] == 2
    assert (await chat.conversation(user.token, conversation))["messageCount"] == 2
    # A stranger takes no turn at all.
    error = await chat.client.error(SEND_ONLY, {"i": {"conversationId": conversation, "content": "hi"}}, other.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await chat.send(user.token, conversation, "third"))["message"]["sequence"] == 3


async def test_published_events_are_marked_together_soon_after(chat, register):
    user = await register()
    conversation = (await chat.start(user.token, "ASSISTANT"))["conversation"]["id"]
    for i in range(5):
        await chat.send(user.token, conversation, f"m{i}")
    events = chat.app.state.documents.events
    # Marked by the process's own batch (one update for the lot) within a second, before the sweep (2 s) would
    # publish them again.
    for _ in range(20):
        if await events.count_documents({"published": False}) == 0:
            break
        await asyncio.sleep(0.05)
    assert await events.count_documents({"published": True}) == 5
    assert await events.count_documents({"published": False}) == 0
