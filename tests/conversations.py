"""Steps of conversation stories, through the public GraphQL API (shared by the conversation tests)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
from asgi_lifespan import LifespanManager

from server.app import create_app
from tests.conftest import GraphQLClient

MESSAGE_FIELDS = "id sequence role content language deleted sentAt editedAt clientId author { id username } replyTo { id }"
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) {
  created conversation { id kind title participants { id username } messageCount } } }"""
SEND = f"""mutation($i: SendMessageInput!) {{ sendMessage(input: $i) {{
  created message {{ {MESSAGE_FIELDS} }} conversation {{ id messageCount unreadCount lastActivityAt }} }} }}"""
EDIT = f"mutation($i: EditMessageInput!) {{ editMessage(input: $i) {{ message {{ {MESSAGE_FIELDS} }} }} }}"
DELETE = f"mutation($i: DeleteMessageInput!) {{ deleteMessage(input: $i) {{ message {{ {MESSAGE_FIELDS} }} }} }}"
MARK_READ = "mutation($c: ID!) { markConversationRead(input: {conversationId: $c}) { conversation { id unreadCount } } }"
CONVERSATION = f"""query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {{ node(id: $id) {{ ... on Conversation {{
  id kind title messageCount unreadCount createdAt lastActivityAt participants {{ id username }}
  lastMessage {{ id content }}
  messages(first: $first, after: $after, last: $last, before: $before) {{
    totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ {MESSAGE_FIELDS} }} }} }} }} }} }}"""
INBOX = """query($first: Int, $after: String, $filter: ConversationFilter) { viewer { conversations(first: $first, after: $after, filter: $filter) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id kind title unreadCount messageCount participants { username } lastMessage { content author { username } } } } } } }"""
INVITE = "mutation($a: String!) { inviteAthlete(input: {athlete: $a}) { relationship { id } } }"
ACCEPT = "mutation($i: ID!) { respondToCoaching(input: {invitationId: $i, accept: true}) { relationship { status } } }"
END_COACHING = "mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }"


@contextlib.asynccontextmanager
async def app_on(settings, mongo_url: str) -> AsyncIterator:
    """The app on a MongoDB database of its own (the session's PostgreSQL and Redis)."""
    app = create_app(replace(settings, mongo_url=mongo_url))
    async with LifespanManager(app):
        yield app


@dataclass
class Chat:
    app: object
    client: GraphQLClient

    async def start(self, token: str, kind: str, participants: list[str] = (), title: str | None = None) -> dict:
        payload = (await self.client.data(START, {"i": {"kind": kind, "participantIds": list(participants), "title": title}}, token))
        return payload["startConversation"]

    async def send(self, token: str, conversation: str, content: str, **more) -> dict:
        return (await self.client.data(SEND, {"i": {"conversationId": conversation, "content": content, **more}}, token))["sendMessage"]

    async def conversation(self, token: str, conversation: str, **page) -> dict:
        return (await self.client.data(CONVERSATION, {"id": conversation, **page}, token))["node"]


@contextlib.asynccontextmanager
async def chat_on(settings, mongo_url: str) -> AsyncIterator[Chat]:
    async with app_on(settings, mongo_url) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield Chat(app, GraphQLClient(http))


async def coach_of(client, coach, athlete) -> str:
    invited = (await client.data(INVITE, {"a": athlete.username}, coach.token))["inviteAthlete"]["relationship"]["id"]
    await client.data(ACCEPT, {"i": invited}, athlete.token)
    return invited
