"""Conversations (MongoDB) through the graph: coach and athlete, organization members, the rules and bad input."""

from __future__ import annotations

import pytest

from documents.store import SCHEMA_VERSION
from tests.conversations import CONVERSATION, DELETE, EDIT, END_COACHING, INBOX, MARK_READ, SEND, chat_on, coach_of

ORG = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }"
ADD = "mutation($o: ID!, $u: String!) { addOrganizationMember(input: {organizationId: $o, username: $u}) { member { userId } } }"


@pytest.fixture
async def chat(settings, mongo_url):
    """The app on a MongoDB database of this test's own."""
    async with chat_on(settings, mongo_url) as chat:
        yield chat


async def test_coach_and_athlete_talk_in_hebrew_and_english(chat, client, register):
    coach, athlete = await register(role="COACH"), await register()
    await coach_of(client, coach, athlete)
    started = await chat.start(athlete.token, "COACHING", [coach.id], "Block 1")
    conversation = started["conversation"]
    assert started["created"] and conversation["kind"] == "COACHING" and conversation["title"] == "Block 1"
    assert {p["username"] for p in conversation["participants"]} == {coach.username, athlete.username}
    # The pair has one coaching conversation: the coach starting it again gets the same one.
    again = await chat.start(coach.token, "COACHING", [athlete.id])
    assert not again["created"] and again["conversation"]["id"] == conversation["id"]

    hebrew = await chat.send(athlete.token, conversation["id"], "עשיתי היום סקוואט 100 קילו")
    english = await chat.send(coach.token, conversation["id"], "Great work!\nKeep the depth.", replyToId=hebrew["message"]["id"])
    mixed = await chat.send(athlete.token, conversation["id"], "תודה coach")
    assert [m["message"]["language"] for m in (hebrew, english, mixed)] == ["HE", "EN", "MIXED"]
    assert [m["message"]["role"] for m in (hebrew, english, mixed)] == ["USER", "COACH", "USER"]
    assert english["message"]["author"]["username"] == coach.username and english["message"]["replyTo"]["id"] == hebrew["message"]["id"]
    assert mixed["conversation"]["messageCount"] == 3

    # The coach has two unread (the athlete's), the athlete one (the coach's).
    seen = await chat.conversation(coach.token, conversation["id"])
    assert (seen["unreadCount"], seen["messageCount"], seen["lastMessage"]["content"]) == (2, 3, "תודה coach")
    assert [e["node"]["content"] for e in seen["messages"]["edges"]] == ["תודה coach", "Great work!\nKeep the depth.", "עשיתי היום סקוואט 100 קילו"]
    assert (await chat.conversation(athlete.token, conversation["id"]))["unreadCount"] == 1
    read = await chat.client.data(MARK_READ, {"c": conversation["id"]}, coach.token)
    assert read["markConversationRead"]["conversation"]["unreadCount"] == 0
    assert (await chat.conversation(athlete.token, conversation["id"]))["unreadCount"] == 1  # each reader their own

    # The author edits and deletes; a deleted message keeps its place, not its words.
    edited = (await chat.client.data(EDIT, {"i": {"messageId": english["message"]["id"], "content": "Great work! Depth was good."}}, coach.token))
    assert edited["editMessage"]["message"]["content"] == "Great work! Depth was good." and edited["editMessage"]["message"]["editedAt"]
    deleted = (await chat.client.data(DELETE, {"i": {"messageId": hebrew["message"]["id"]}}, athlete.token))["deleteMessage"]["message"]
    assert deleted["deleted"] and deleted["content"] is None
    listed = (await chat.conversation(coach.token, conversation["id"]))["messages"]["edges"]
    assert [(e["node"]["deleted"], e["node"]["content"]) for e in listed] == [
        (False, "תודה coach"), (False, "Great work! Depth was good."), (True, None)]
    # Only the author changes a message; a deleted one stays deleted.
    assert (await chat.client.error(EDIT, {"i": {"messageId": mixed["message"]["id"], "content": "x"}}, coach.token))["extensions"]["code"] == "NOT_FOUND"
    refused = await chat.client.error(EDIT, {"i": {"messageId": hebrew["message"]["id"], "content": "back"}}, athlete.token)
    assert (refused["extensions"]["code"], refused["extensions"]["field"]) == ("BAD_USER_INPUT", "messageId")

    inbox = (await chat.client.data(INBOX, {}, coach.token))["viewer"]["conversations"]
    assert inbox["totalCount"] == 1
    (edge,) = inbox["edges"]
    assert edge["node"]["lastMessage"] == {"content": "תודה coach", "author": {"username": athlete.username}}

    # Stored one document per message, each document with the shape's version.
    store = chat.app.state.documents
    assert await store.messages.count_documents({}) == 3
    for collection in (store.conversations, store.messages, store.events):
        assert {d.get("schemaVersion") for d in await collection.find().to_list()} == {SCHEMA_VERSION}, collection.name


async def test_bad_input_is_refused_and_writes_nothing(chat, client, register):
    coach, athlete, stranger = await register(role="COACH"), await register(), await register()
    await coach_of(client, coach, athlete)
    conversation = (await chat.start(athlete.token, "COACHING", [coach.id]))["conversation"]["id"]
    first = await chat.send(athlete.token, conversation, "Squats done", clientId="phone-1")
    assert first["created"]
    # The same clientId and text again (a retry): the first message, nothing new.
    retry = await chat.send(athlete.token, conversation, "Squats done", clientId="phone-1")
    assert not retry["created"] and retry["message"]["id"] == first["message"]["id"]

    other = (await chat.start(athlete.token, "ASSISTANT"))["conversation"]["id"]
    foreign = (await chat.send(athlete.token, other, "elsewhere"))["message"]["id"]
    cases = [
        ({"content": "   "}, "BAD_USER_INPUT", "content"),
        ({"content": "x" * 4001}, "BAD_USER_INPUT", "content"),
        ({"content": "bell\x07"}, "BAD_USER_INPUT", "content"),
        ({"content": "esc \x1b[31m red"}, "BAD_USER_INPUT", "content"),
        ({"content": "Something else", "clientId": "phone-1"}, "BAD_USER_INPUT", "clientId"),
        ({"content": "hi", "replyToId": foreign}, "NOT_FOUND", "replyToId"),
        ({"content": "hi", "conversationId": athlete.id}, "BAD_USER_INPUT", "conversationId"),
    ]
    for extra, code, field in cases:
        error = await chat.client.error(SEND, {"i": {"conversationId": conversation, **extra}}, athlete.token)
        assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), (extra, error)
    # A stranger's send, and one to a conversation that does not exist, answer alike.
    for token, target in ((stranger.token, conversation), (athlete.token, foreign.replace(foreign[-4:], "AAAA"))):
        error = await chat.client.error(SEND, {"i": {"conversationId": target, "content": "hello"}}, token)
        assert error["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT")
    error = await chat.client.error(SEND, {"i": {"conversationId": conversation, "content": "hello"}}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    # Exactly 4,000 characters, tabs and line breaks are fine.
    assert (await chat.send(athlete.token, conversation, "\t" + "y" * 3998 + "\n"))["created"]

    seen = await chat.conversation(athlete.token, conversation)
    assert seen["messageCount"] == 2 and [len(e["node"]["content"]) for e in seen["messages"]["edges"]] == [4000, len("Squats done")]


async def test_only_participants_and_ending_coaching_ends_the_coachs_access(chat, client, register):
    coach, athlete, stranger = await register(role="COACH"), await register(), await register()
    relationship = await coach_of(client, coach, athlete)
    conversation = (await chat.start(coach.token, "COACHING", [athlete.id]))["conversation"]["id"]
    message = (await chat.send(coach.token, conversation, "Deload this week"))["message"]["id"]
    for document, variables in ((CONVERSATION, {"id": conversation}), (CONVERSATION, {"id": message}), (MARK_READ, {"c": conversation})):
        error = await chat.client.error(document, variables, stranger.token)
        assert error["extensions"]["code"] == "NOT_FOUND", error
        assert "Deload" not in str(error)
    assert (await chat.client.data(INBOX, {}, stranger.token))["viewer"]["conversations"]["totalCount"] == 0
    # Nobody starts a coaching conversation with someone they do not coach (or are not coached by).
    error = await chat.client.error(
        "mutation($u: ID!) { startConversation(input: {kind: COACHING, participantIds: [$u]}) { created } }", {"u": athlete.id}, stranger.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("NOT_FOUND", "participantIds")

    await client.data(END_COACHING, {"i": relationship}, athlete.token)
    assert (await chat.client.error(CONVERSATION, {"id": conversation}, coach.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await chat.client.data(INBOX, {}, coach.token))["viewer"]["conversations"]["edges"] == []
    # The athlete keeps the history, read-only.
    kept = await chat.conversation(athlete.token, conversation)
    assert [e["node"]["content"] for e in kept["messages"]["edges"]] == ["Deload this week"]
    error = await chat.client.error(SEND, {"i": {"conversationId": conversation, "content": "still there?"}}, athlete.token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await chat.conversation(athlete.token, conversation))["messageCount"] == 1


async def test_direct_conversations_are_between_members_of_one_organization(chat, client, register):
    owner, member, outsider = await register(), await register(), await register()
    org = (await client.data(ORG, {"n": "Gym"}, owner.token))["createOrganization"]["organization"]["id"]
    await client.data(ADD, {"o": org, "u": member.username}, owner.token)
    started = await chat.start(member.token, "DIRECT", [owner.id], "Opening hours")
    assert started["created"] and started["conversation"]["kind"] == "DIRECT"
    await chat.send(member.token, started["conversation"]["id"], "Open on Friday?")
    assert (await chat.conversation(owner.token, started["conversation"]["id"]))["unreadCount"] == 1
    for participants in ([outsider.id], [owner.id, outsider.id]):
        error = await chat.client.error(
            "mutation($p: [ID!]!) { startConversation(input: {kind: DIRECT, participantIds: $p}) { created } }", {"p": participants}, member.token)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("NOT_FOUND", "participantIds")
    error = await chat.client.error("mutation { startConversation(input: {kind: DIRECT}) { created } }", {}, member.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_messages_and_inbox_page_both_ways(chat, register):
    user, = [await register()]
    conversation = (await chat.start(user.token, "ASSISTANT", title="Log"))["conversation"]["id"]
    for i in range(7):
        await chat.send(user.token, conversation, f"m{i}")
    page = (await chat.conversation(user.token, conversation, first=3))["messages"]
    assert [e["node"]["content"] for e in page["edges"]] == ["m6", "m5", "m4"] and page["pageInfo"]["hasNextPage"]
    assert page["totalCount"] == 7
    rest = (await chat.conversation(user.token, conversation, first=10, after=page["pageInfo"]["endCursor"]))["messages"]
    assert [e["node"]["content"] for e in rest["edges"]] == ["m3", "m2", "m1", "m0"] and not rest["pageInfo"]["hasNextPage"]
    assert rest["pageInfo"]["hasPreviousPage"]
    oldest = (await chat.conversation(user.token, conversation, last=2))["messages"]
    assert [e["node"]["content"] for e in oldest["edges"]] == ["m1", "m0"] and oldest["pageInfo"]["hasPreviousPage"]
    newer = (await chat.conversation(user.token, conversation, last=2, before=oldest["pageInfo"]["startCursor"]))["messages"]
    assert [e["node"]["content"] for e in newer["edges"]] == ["m3", "m2"]
    sequences = [e["node"]["sequence"] for e in rest["edges"]]
    assert sequences == sorted(sequences, reverse=True)

    # The inbox: latest activity first, by kind, unread only.
    others = [(await chat.start(user.token, "ASSISTANT", title=f"c{i}"))["conversation"]["id"] for i in range(3)]
    await chat.send(user.token, others[0], "bump")  # the oldest of the three becomes the latest
    first = (await chat.client.data(INBOX, {"first": 2}, user.token))["viewer"]["conversations"]
    assert [e["node"]["title"] for e in first["edges"]] == ["c0", "c2"] and first["totalCount"] == 4
    second = (await chat.client.data(INBOX, {"first": 5, "after": first["pageInfo"]["endCursor"]}, user.token))["viewer"]["conversations"]
    assert [e["node"]["title"] for e in second["edges"]] == ["c1", "Log"] and not second["pageInfo"]["hasNextPage"]
    assigned = (await chat.client.data(INBOX, {"filter": {"kind": "COACHING"}}, user.token))["viewer"]["conversations"]
    assert assigned["totalCount"] == 0
    # Your own messages are never unread to you.
    unread = (await chat.client.data(INBOX, {"filter": {"unreadOnly": True}}, user.token))["viewer"]["conversations"]
    assert unread["edges"] == []
    error = await chat.client.error(CONVERSATION, {"id": conversation, "first": 101}, user.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
