"""Subscriptions over plain HTTP (multipart and server-sent events), on a real uvicorn server.

The same subscriptions as the websockets, through the same resolvers: the tests check that
authorization, resume (`after`) and the events themselves are the websocket's, and that
ordinary requests whose Accept merely mentions a streaming type still get JSON.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from live.events import encode_event_id
from tests.stories import LOG_SET

MULTIPART = "multipart/mixed;boundary=\"graphql\";subscriptionSpec=1.0,application/json"
URQL_SUBSCRIPTION = "text/event-stream, multipart/mixed"
URQL_QUERY = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"

EVENTS = """
subscription Events($sessionId: ID!, $after: String) {
  workoutEvents(sessionId: $sessionId, after: $after) {
    __typename
    ... on LiveEvent { eventId }
    ... on SetLogged { setLog { id reps } }
    ... on WorkoutStatusChanged { change }
  }
}
"""
START = "mutation { startWorkout(input: {name: \"HTTP live\"}) { session { id } } }"
SQUAT = "{ exercises(filter: {search: \"Barbell Squat\"}, first: 1) { edges { node { id } } } }"
REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { token } }"


class Http:
    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http, self.token = http, token

    def headers(self, accept: str = "application/json") -> dict:
        headers = {"Accept": accept}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def data(self, query: str, variables: dict | None = None) -> dict:
        body = (await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers())).json()
        assert "errors" not in body, body
        return body["data"]


async def multipart_parts(response: httpx.Response):
    """Each JSON part of a multipart/mixed subscription response, heartbeats (`{}`) left out."""
    buffer = ""
    async for chunk in response.aiter_text():
        buffer += chunk
        while "\r\n--graphql" in buffer:
            part, buffer = buffer.split("\r\n--graphql", 1)
            _, _, body = part.partition("\r\n\r\n")
            if body.strip():
                parsed = json.loads(body)
                if parsed:
                    yield parsed


async def sse_events(response: httpx.Response):
    """(event, data) of each server-sent event."""
    async for block in _blocks(response):
        fields = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "") for line in block.split("\n") if line and not line.startswith(":"))
        if "event" in fields:
            yield fields["event"], json.loads(fields["data"]) if fields.get("data") else None


async def _blocks(response: httpx.Response):
    buffer = ""
    async for chunk in response.aiter_text():
        buffer += chunk
        while "\n\n" in buffer:  # LF framing, as urql splits it
            block, buffer = buffer.split("\n\n", 1)
            yield block


@pytest.fixture
async def athlete(live_server):
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        anonymous = Http(http)
        token = (await anonymous.data(REGISTER, {"i": {"email": f"{id(http)}h@example.com", "username": f"h{id(http)}", "password": "correct horse battery"}}))["register"]["token"]
        me = Http(http, token)
        session_id = (await me.data(START))["startWorkout"]["session"]["id"]
        squat = (await me.data(SQUAT))["exercises"]["edges"][0]["node"]["id"]
        yield me, session_id, squat


async def log(me: Http, session_id: str, squat: str, reps: int) -> str:
    data = await me.data(LOG_SET, {"input": {"sessionId": session_id, "exerciseId": squat, "reps": reps, "weight": 60, "setType": "WARMUP"}})
    return data["logSet"]["setLog"]["id"]


async def test_multipart_subscription_streams_events_and_resumes_after(athlete):
    me, session_id, squat = athlete
    variables = {"sessionId": session_id, "after": encode_event_id(0)}
    seen = []
    async with me.http.stream("POST", "/graphql", json={"query": EVENTS, "variables": variables}, headers=me.headers(MULTIPART)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = multipart_parts(response)
        started = (await anext(parts))["payload"]["data"]["workoutEvents"]
        assert started["__typename"] == "WorkoutStatusChanged" and started["change"] == "STARTED"
        logged = [await log(me, session_id, squat, reps) for reps in (3, 4)]
        while len(seen) < 2:
            event = (await asyncio.wait_for(anext(parts), 15))["payload"]["data"]["workoutEvents"]
            if event["__typename"] == "SetLogged":
                seen.append(event)
        assert [e["setLog"]["id"] for e in seen] == logged
        assert [e["setLog"]["reps"] for e in seen] == [3, 4]

    # Resume from the first set: exactly the second one is replayed, then live ones follow.
    variables["after"] = seen[0]["eventId"]
    async with me.http.stream("POST", "/graphql", json={"query": EVENTS, "variables": variables}, headers=me.headers(MULTIPART)) as response:
        parts = multipart_parts(response)
        replayed = (await asyncio.wait_for(anext(parts), 15))["payload"]["data"]["workoutEvents"]
        assert replayed["eventId"] == seen[1]["eventId"]
        live = await log(me, session_id, squat, 5)
        nxt = (await asyncio.wait_for(anext(parts), 15))["payload"]["data"]["workoutEvents"]
        assert nxt["setLog"]["id"] == live


async def test_multipart_subscription_answers_strangers_and_anonymous_like_the_websocket(athlete, live_server):
    me, session_id, _ = athlete
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        stranger_token = (await Http(http).data(REGISTER, {"i": {"email": "s{}@example.com".format(id(me)), "username": f"s{id(me)}", "password": "correct horse battery"}}))["register"]["token"]
        for token, code in ((stranger_token, "NOT_FOUND"), (None, "UNAUTHENTICATED"), ("garbage", "UNAUTHENTICATED")):
            async with http.stream("POST", "/graphql", json={"query": EVENTS, "variables": {"sessionId": session_id}}, headers=Http(http, token).headers(MULTIPART)) as response:
                first = await asyncio.wait_for(anext(multipart_parts(response)), 15)
            errors = first["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == code, (token, first)


async def test_event_stream_serves_urql_subscriptions_and_leaves_its_queries_json(athlete):
    me, session_id, squat = athlete
    query = await me.http.post("/graphql", json={"query": SQUAT}, headers=me.headers(URQL_QUERY))
    assert query.headers["content-type"].startswith("application/graphql-response+json")
    assert query.json()["data"]["exercises"]["edges"][0]["node"]["id"] == squat

    variables = {"sessionId": session_id}
    async with me.http.stream("POST", "/graphql", json={"query": EVENTS, "variables": variables}, headers=me.headers(URQL_SUBSCRIPTION)) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = sse_events(response)
        await asyncio.sleep(0.3)  # subscribed live (no `after`): the set is logged once the stream is open
        logged = await log(me, session_id, squat, 7)
        while True:
            kind, data = await asyncio.wait_for(anext(stream), 15)
            assert kind == "next"
            event = data["data"]["workoutEvents"]
            if event["__typename"] == "SetLogged":
                break
        assert event["setLog"] == {"id": logged, "reps": 7}


async def test_an_operation_name_that_is_not_a_string_is_the_clients_400_on_every_transport(athlete):
    me, session_id, _ = athlete
    for accept, query in ((URQL_SUBSCRIPTION, EVENTS), (MULTIPART, EVENTS), ("application/json", SQUAT)):
        body = {"query": query, "variables": {"sessionId": session_id} if query is EVENTS else {}, "operationName": 5}
        response = await me.http.post("/graphql", json=body, headers=me.headers(accept))
        assert response.status_code == 400, (accept, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", (accept, response.text)


async def test_streams_over_http_obey_the_subscription_limits(athlete, live_server, settings):
    me, session_id, _ = athlete
    nested = "id"
    for _ in range(6):
        nested = f"session {{ sets {{ edges {{ node {{ {nested} }} }} }} }}"
    deep = f"subscription($s: ID!) {{ workoutEvents(sessionId: $s) {{ ... on SetLogged {{ setLog {{ {nested} }} }} }} }}"
    async with me.http.stream("POST", "/graphql", json={"query": deep, "variables": {"s": session_id}}, headers=me.headers(MULTIPART)) as response:
        body = (await response.aread()).decode()
    assert '"QUERY_TOO_DEEP"' in body, body
