"""Live workouts over real websockets, real Redis and two real server processes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis.asyncio as aioredis

from live.broker import COMMAND_CONNECTIONS
from domain.security import issue_token, read_token
from live.events import encode_event_id
from tests.stories import LOG_SET, exercise_id, start_workout
from tests.wsclient import LEGACY_WS, TRANSPORT_WS, WsClient

WORKOUT_EVENTS = """
subscription Events($sessionId: ID!, $after: String) {
  workoutEvents(sessionId: $sessionId, after: $after) {
    __typename
    ... on LiveEvent { eventId occurredAt }
    ... on SetLogged { setLog { id reps weight exercise { nameEn } } }
    ... on SetDeleted { setLogId }
    ... on WorkoutStatusChanged { change status }
  }
}
"""
FROM_START = encode_event_id(0)


async def http_log_set(base_url: str, token: str, session_id: str, exercise: str, reps: int, set_type: str = "WORKING") -> dict:
    """A warm-up (`set_type="WARMUP"`) sets no records, so it is announced alone."""
    variables = {"input": {"sessionId": session_id, "exerciseId": exercise, "reps": reps, "weight": 50, "setType": set_type}}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": LOG_SET, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["logSet"]["setLog"]


async def follow(base_url: str, token: str, session_id: str, protocol: str = TRANSPORT_WS, after: str | None = FROM_START) -> WsClient:
    """Subscribe to a workout; from the start, the STARTED event proves the subscription is live."""
    ws = await WsClient.open(base_url, protocol, token)
    await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id, "after": after})
    if after == FROM_START:
        first = (await ws.next_payload())["data"]["workoutEvents"]
        assert first["__typename"] == "WorkoutStatusChanged" and first["change"] == "STARTED"
    return ws


# What the training rules announce besides the sets (records, achievements); tests of set
# delivery look past them.
RULE_EVENTS = {"PersonalRecordSet", "AchievementUnlocked"}


async def events(ws: WsClient, count: int, timeout: float = 15, skip: set[str] = RULE_EVENTS) -> list[dict]:
    received = []
    while len(received) < count:
        payload = await ws.next_payload(timeout)
        assert "errors" not in payload, payload
        event = payload["data"]["workoutEvents"]
        if event["__typename"] not in skip:
            received.append(event)
    return received


async def assert_quiet(ws: WsClient, timeout: float = 0.5, skip: set[str] = RULE_EVENTS) -> None:
    """Nothing but the rules' own events arrives within `timeout` (no set event twice)."""
    while True:
        try:
            payload = await ws.next_payload(timeout)
        except asyncio.TimeoutError:
            return
        assert payload["data"]["workoutEvents"]["__typename"] in skip, payload


@pytest.fixture
async def workout(client, register):
    athlete = await register()
    session = await start_workout(client, athlete.token, name="Live")
    squat = await exercise_id(client, "Barbell Squat")
    return athlete, session["id"], squat


async def test_both_protocols_receive_a_set_logged_over_http(app_servers, workout):
    athlete, session_id, squat = workout
    server = app_servers[0]
    modern = await follow(server.url, athlete.token, session_id, TRANSPORT_WS)
    legacy = await follow(server.url, athlete.token, session_id, LEGACY_WS)
    logged = await http_log_set(server.url, athlete.token, session_id, squat, 5)
    for ws in (modern, legacy):
        (event,) = await events(ws, 1)
        assert event["__typename"] == "SetLogged"
        assert event["setLog"] == {"id": logged["id"], "reps": 5, "weight": 50.0, "exercise": {"nameEn": "Barbell Squat"}}
        await ws.close()


async def test_a_mutation_on_one_process_reaches_a_subscriber_on_the_other(app_servers, workout):
    athlete, session_id, squat = workout
    first, second = app_servers
    ws = await follow(second.url, athlete.token, session_id)
    logged = [await http_log_set(first.url, athlete.token, session_id, squat, reps) for reps in (1, 2, 3)]
    received = await events(ws, 3)
    assert [e["setLog"]["id"] for e in received] == [s["id"] for s in logged]
    await ws.close()


async def test_resume_after_returns_exactly_the_missed_events(app_servers, workout):
    athlete, session_id, squat = workout
    server = app_servers[0]
    ws = await follow(server.url, athlete.token, session_id)
    await http_log_set(server.url, athlete.token, session_id, squat, 1)
    (seen,) = await events(ws, 1)
    await ws.close()
    missed = [await http_log_set(server.url, athlete.token, session_id, squat, reps) for reps in (2, 3, 4)]

    resumed = await follow(app_servers[1].url, athlete.token, session_id, after=seen["eventId"])
    replayed = await events(resumed, 3)
    assert [e["setLog"]["id"] for e in replayed] == [s["id"] for s in missed]
    live = await http_log_set(server.url, athlete.token, session_id, squat, 5)
    (next_event,) = await events(resumed, 1)
    assert next_event["setLog"]["id"] == live["id"]
    await assert_quiet(resumed)  # nothing twice
    await resumed.close()


async def test_strangers_and_anonymous_connections_are_refused(app_servers, workout, register):
    athlete, session_id, _ = workout
    stranger = await register()
    ws = await WsClient.open(app_servers[0].url, TRANSPORT_WS, stranger.token)
    await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id})
    payload = await ws.next_payload()
    assert payload["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    await ws.close()

    for init in ({}, {"Authorization": "Bearer not-a-token"}):
        with pytest.raises(Exception) as refused:
            await WsClient.open(app_servers[0].url, TRANSPORT_WS, init=init)
        assert getattr(getattr(refused.value, "rcvd", None), "code", None) == 4403, refused.value
        with pytest.raises(ConnectionError) as legacy:
            await WsClient.open(app_servers[0].url, LEGACY_WS, init=init)
        assert legacy.value.args[0]["type"] == "connection_error"


async def test_a_refused_connection_says_whether_its_token_expired_or_is_invalid(app_servers, register, settings):
    """graphql-ws clients read the close reason to refresh an expired token instead of retrying it."""
    athlete = await register()
    user_id, session_id = read_token(settings.secret_key, athlete.token)
    expired = issue_token(settings.secret_key, user_id, session_id, ttl_seconds=-60)
    forged = issue_token("another-secret-of-at-least-32-bytes", user_id, session_id, ttl_seconds=600)
    for token, reason in ((expired, "TOKEN_EXPIRED"), (forged, "TOKEN_INVALID"), (None, "UNAUTHENTICATED")):
        with pytest.raises(Exception) as refused:
            await WsClient.open(app_servers[0].url, TRANSPORT_WS, token)
        closed = getattr(refused.value, "rcvd", None)
        assert (getattr(closed, "code", None), getattr(closed, "reason", None)) == (4403, reason), refused.value
        with pytest.raises(ConnectionError) as legacy:
            await WsClient.open(app_servers[0].url, LEGACY_WS, token)
        assert legacy.value.args[0]["payload"]["reason"] == reason


async def test_every_committed_set_arrives_in_order_across_a_redis_restart(start_app_servers, redis_server, fresh_database):
    # A database of its own: every relay on a database publishes its outbox, so all of them
    # must share the Redis that is restarted here (REDIS_URL may name another one).
    database = await asyncio.to_thread(fresh_database)
    servers = await asyncio.to_thread(start_app_servers, redis_server.url, 2, database)
    try:
        async with httpx.AsyncClient(base_url=servers[0].url, timeout=30) as http:
            async def gql(query: str, variables: dict | None = None, token: str | None = None) -> dict:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                body = (await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
                assert "errors" not in body, body
                return body["data"]

            token = (await gql("mutation { register(input: {email: \"r@example.com\", username: \"restart\", password: \"restart-pass\"}) { token } }"))["register"]["token"]
            session_id = (await gql("mutation { startWorkout(input: {}) { session { id } } }", token=token))["startWorkout"]["session"]["id"]
            squat = (await gql('{ exercises(filter: {search: "Barbell Squat"}, first: 1) { edges { node { id } } } }'))["exercises"]["edges"][0]["node"]["id"]
        subscribers = [await follow(s.url, token, session_id, protocol) for s in servers for protocol in (TRANSPORT_WS, LEGACY_WS)]
        logged: list[str] = []
        for reps in range(1, 31):
            if reps == 10:
                await asyncio.to_thread(redis_server.stop)  # sets 10-19 are logged while Redis is down
            if reps == 20:
                await asyncio.to_thread(redis_server.start)
            logged.append((await http_log_set(servers[reps % 2].url, token, session_id, squat, reps))["id"])
        for ws in subscribers:
            received = await events(ws, len(logged), timeout=20)
            assert [e["setLog"]["id"] for e in received] == logged
            await assert_quiet(ws, timeout=0.3)
            await ws.close()
    finally:
        for server in servers:
            server.stop()


async def test_a_thousand_subscribers_share_one_redis_subscription(app_servers, workout, redis_url):
    athlete, session_id, squat = workout
    server = app_servers[0]
    redis = aioredis.Redis.from_url(redis_url)
    name = f"repgraph-{server.proc.pid}"

    async def connections() -> tuple[int, int]:
        clients = [c for c in await redis.client_list() if c.get("name") == name]
        return len(clients), sum(1 for c in clients if int(c.get("sub", 0)) > 0)

    # Subscribers arrive 50 at a time: a burst of 1,000 handshakes at once only measures how
    # fast one process on a busy machine accepts sockets, which is not what this test is about.
    arrivals = asyncio.Semaphore(50)

    async def arrive() -> WsClient:
        async with arrivals:
            return await follow(server.url, athlete.token, session_id)

    before = await connections()
    subscribers = await asyncio.gather(*(arrive() for _ in range(1000)))
    # One pub/sub connection for the process, however many websocket subscribers, and a
    # fixed pool for commands (sign-in checks, rate limits, publishing).
    total, subscribing = await connections()
    assert subscribing == 1 and total <= 1 + COMMAND_CONNECTIONS, (before, total, subscribing)
    await redis.aclose()
    logged = await http_log_set(server.url, athlete.token, session_id, squat, 8)
    received = await asyncio.gather(*(events(ws, 1, timeout=30) for ws in subscribers))
    assert all(r[0]["setLog"]["id"] == logged["id"] for r in received)
    await asyncio.gather(*(ws.close() for ws in subscribers))


ACTIVITY = """
subscription Feed($after: String) {
  activityFeed(after: $after) {
    __typename
    ... on WorkoutStatusChanged { eventId change status session { id name } }
  }
}
"""


async def test_activity_feed_follows_all_of_the_viewers_workouts(app_servers, client, register):
    athlete = await register()
    ws = await WsClient.open(app_servers[1].url, TRANSPORT_WS, athlete.token)
    await ws.subscribe(ACTIVITY, {"after": FROM_START})
    first = await start_workout(client, athlete.token, name="Morning")
    (started,) = [(await ws.next_payload())["data"]["activityFeed"]]
    assert (started["change"], started["session"]["id"]) == ("STARTED", first["id"])
    second = await start_workout(client, athlete.token, name="Evening")
    async with httpx.AsyncClient(base_url=app_servers[0].url) as http:
        finish = "mutation($id: ID!) { finishWorkout(input: {sessionId: $id}) { session { id } } }"
        await http.post("/graphql", json={"query": finish, "variables": {"id": first["id"]}}, headers={"Authorization": f"Bearer {athlete.token}"})
    feed = [(await ws.next_payload())["data"]["activityFeed"] for _ in range(2)]
    assert [(e["change"], e["session"]["name"]) for e in feed] == [("STARTED", "Evening"), ("FINISHED", "Morning")]
    assert second["id"] == feed[0]["session"]["id"]
    await ws.close()
    # Another user's feed stays silent.
    other = await register()
    quiet = await WsClient.open(app_servers[0].url, TRANSPORT_WS, other.token)
    await quiet.subscribe(ACTIVITY, {"after": FROM_START})
    with pytest.raises(asyncio.TimeoutError):
        await quiet.next_payload(timeout=0.5)
    await quiet.close()


async def test_the_upgrade_request_header_authenticates_too(app_servers, workout):
    athlete, session_id, squat = workout
    from websockets.asyncio.client import connect

    url = app_servers[0].url.replace("http://", "ws://") + "/graphql"
    conn = await connect(url, subprotocols=[TRANSPORT_WS], additional_headers={"Authorization": f"Bearer {athlete.token}"})
    ws = WsClient(conn, TRANSPORT_WS)
    await ws.send({"type": "connection_init", "payload": {}})
    assert (await ws.receive_skipping_keepalive())["type"] == "connection_ack"
    await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id, "after": FROM_START})
    assert (await ws.next_payload())["data"]["workoutEvents"]["change"] == "STARTED"
    await ws.close()


async def test_protocol_close_codes_and_keepalive(app_servers, workout):
    athlete, session_id, _ = workout
    ws = await WsClient.open(app_servers[0].url, TRANSPORT_WS, athlete.token)
    await ws.send({"type": "connection_init", "payload": {}})
    with pytest.raises(Exception) as too_many:
        await ws.receive_skipping_keepalive()
    assert too_many.value.rcvd.code == 4429

    ws = await WsClient.open(app_servers[0].url, TRANSPORT_WS, athlete.token)
    await ws.send({"type": "no-such-message"})
    with pytest.raises(Exception) as bad:
        await ws.receive_skipping_keepalive()
    assert bad.value.rcvd.code == 4400

    # graphql-transport-ws: the server answers pings; graphql-ws: the server sends "ka"
    # every WS_KEEPALIVE_SECONDS (1 s for the servers under test).
    modern = await WsClient.open(app_servers[0].url, TRANSPORT_WS, athlete.token)
    await modern.send({"type": "ping"})
    assert (await modern.receive(timeout=5))["type"] == "pong"
    legacy = await WsClient.open(app_servers[0].url, LEGACY_WS, athlete.token)
    assert (await legacy.receive(timeout=5))["type"] == "ka"
    await modern.close()
    await legacy.close()


async def test_a_vanished_client_releases_its_subscription(app_servers, workout, redis_url):
    athlete, session_id, squat = workout
    server = app_servers[0]
    ws = await follow(server.url, athlete.token, session_id)
    channel = "workout:" + __import__("base64").b64decode(session_id).decode().split(":")[1]
    redis = aioredis.Redis.from_url(redis_url)
    assert dict(await redis.pubsub_numsub(channel))[channel.encode()] == 1
    ws.conn.transport.abort()  # no close frame: the client just disappears
    for _ in range(100):
        if dict(await redis.pubsub_numsub(channel))[channel.encode()] == 0:
            break
        await asyncio.sleep(0.05)
    assert dict(await redis.pubsub_numsub(channel))[channel.encode()] == 0
    await redis.aclose()
    # The server is unharmed and keeps serving others.
    other = await follow(server.url, athlete.token, session_id)
    logged = await http_log_set(server.url, athlete.token, session_id, squat, 3)
    assert (await events(other, 1))[0]["setLog"]["id"] == logged["id"]
    await other.close()
