"""Identical live subscriptions share one render per event (schema/broadcast.py), over real sockets."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import uvicorn

from live.events import Event, workout_channel
from loaders import Loaders
from resolvers.context import Context
from resolvers.ids import decode_id
from schema import schema
from schema.broadcast import BACKLOG_LIMIT, Broadcasts, Group, Sink
from server.app import create_app
from tests.conftest import _free_port
from tests.stories import exercise_id, start_workout
from tests.test_live import events, follow, http_log_set
from tests.wsclient import LEGACY_WS, TRANSPORT_WS, WsClient

NAMES_ONLY = """
subscription Names($sessionId: ID!) {
  workoutEvents(sessionId: $sessionId) { __typename ... on SetLogged { setLog { reps } } }
}
"""


@pytest.fixture(scope="module")
def grouped_server(settings):
    """The app under uvicorn in a thread, with its state at hand to look into its groups."""
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def eventually(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_identical_subscriptions_share_one_render_and_leave_no_trace(grouped_server, client, register):
    app, url = grouped_server
    broadcasts = app.state.live.broadcasts
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    squat = await exercise_id(client, "Barbell Squat")
    channel = workout_channel(decode_id(session_id, "WorkoutSession", "sessionId"))
    same = [await follow(url, athlete.token, session_id, protocol) for protocol in (TRANSPORT_WS, TRANSPORT_WS, LEGACY_WS)]
    other = await WsClient.open(url, TRANSPORT_WS, athlete.token)
    await other.subscribe(NAMES_ONLY, {"sessionId": session_id})

    mine = lambda: [g for g in broadcasts.groups.values() if g.channel == channel]  # noqa: E731
    await eventually(lambda: sum(len(g.members) for g in mine()) == 4)
    groups = mine()
    assert sorted(len(g.members) for g in groups) == [1, 3]  # legacy and modern protocol share a group
    renders, delivered = broadcasts.renders, broadcasts.delivered

    logged = await http_log_set(url, athlete.token, session_id, squat, 7, set_type="WARMUP")
    for ws in same:
        (event,) = await events(ws, 1)
        assert event["__typename"] == "SetLogged" and event["setLog"]["id"] == logged["id"]
    (event,) = await events(other, 1)
    assert event == {"__typename": "SetLogged", "setLog": {"reps": 7}}
    assert broadcasts.renders - renders == 2  # one per group, not one per subscriber
    assert broadcasts.delivered - delivered == 4

    for ws in [*same, other]:
        await ws.close()
    await eventually(lambda: not [g for g in broadcasts.groups.values() if g.channel == channel])
    await eventually(lambda: channel not in app.state.live.broker.fanout.channels)


async def test_joining_a_busy_workout_misses_nothing_and_repeats_nothing(grouped_server, client, register):
    """Subscribers join (with and without `after`) while sets are being logged: each sees exactly what it should."""
    _, url = grouped_server
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    squat = await exercise_id(client, "Barbell Squat")
    writer = await follow(url, athlete.token, session_id)  # the reference: everything from the start

    logged: list[str] = []

    async def log_sets() -> None:
        for reps in range(1, 16):
            logged.append((await http_log_set(url, athlete.token, session_id, squat, reps))["id"])

    writing = asyncio.create_task(log_sets())
    joiners = []
    while not writing.done():
        joiners.append((len(logged), await follow(url, athlete.token, session_id, TRANSPORT_WS, after=None)))
        await asyncio.sleep(0.05)
    await writing
    reference = [e["eventId"] for e in await events(writer, len(logged))]
    for seen_before_join, ws in joiners:
        # Without `after` a subscriber gets what is committed after it joined: a suffix of the
        # reference stream, in order, without duplicates (how long a suffix depends on timing).
        received = []
        while True:
            try:
                received.extend(e["eventId"] for e in await events(ws, 1, timeout=1.5))
            except (TimeoutError, asyncio.TimeoutError):
                break
        assert received == reference[len(reference) - len(received):]
        assert len(received) <= len(logged) - seen_before_join
    # With `after`: exactly the events after the one given, whatever is happening meanwhile.
    middle = reference[6]
    resumed = await follow(url, athlete.token, session_id, LEGACY_WS, after=middle)
    assert [e["eventId"] for e in await events(resumed, len(reference) - 7)] == reference[7:]
    for ws in [writer, resumed, *(ws for _, ws in joiners)]:
        await ws.close()


def _context(app, viewer_id: uuid.UUID | None = None) -> Context:
    state = app.state
    return Context(settings=state.settings, sessionmaker=state.sessionmaker, loaders=Loaders(state.sessionmaker), live=state.live, viewer_id=viewer_id)


async def _members(app, channel: str, query: str, variables: dict, *sends, prefix: str = '{"id":"1","type":"next","payload":', viewer_id=None):
    """A registry of the app's own, one group on `channel`, and a member per send function."""
    broadcasts = Broadcasts(app.state.live, schema._schema)
    members = []
    for send in sends:
        sink = Sink(send_text=send, prefix=prefix, query=query, operation_name=None, variables=variables)
        group = await broadcasts.acquire(channel, sink, viewer_id, _context(app, viewer_id))
        members.append(group.join(sink, group.last))
    return broadcasts, group, members


async def test_a_member_that_cannot_keep_up_is_cut_off_alone(app, client, register):
    """One socket stops taking frames: its backlog is bounded, it is closed, the others get everything."""
    live = app.state.live
    athlete = await register()
    viewer = decode_id(athlete.id, "User", "id")
    channel = workout_channel(decode_id((await start_workout(client, athlete.token))["id"], "WorkoutSession", "sessionId"))
    query = "subscription($s: ID!) { workoutEvents(sessionId: $s) { __typename ... on WorkoutStatusChanged { change } } }"
    fast_frames: list[str] = []
    stuck = asyncio.Event()

    async def fast_send(frame: str) -> None:
        fast_frames.append(frame)

    async def stuck_send(frame: str) -> None:
        await stuck.wait()  # a client that never reads: the socket never becomes writable

    broadcasts, group, (fast, slow) = await _members(app, channel, query, {"s": "x"}, fast_send, stuck_send, viewer_id=viewer)
    assert len(broadcasts.groups) == 1

    total = BACKLOG_LIMIT + 20
    now = datetime.now(UTC)
    messages = [
        (channel, Event(group.last + i, channel, "WorkoutStatusChanged", viewer, {"change": "started", "status": "in_progress"}, now).to_json())
        for i in range(1, total + 1)
    ]
    await live.broker.publish_many(messages)
    await eventually(lambda: len(fast_frames) == total)
    assert slow.done.done() and slow.overflowed and not fast.done.done()
    assert len(slow.backlog) == 0  # its frames are dropped, not kept
    assert all('"change":"STARTED"' in f for f in fast_frames)
    assert broadcasts.delivered < 2 * total  # nothing more was handed to the closed member

    group.release(slow)
    group.release(fast)
    await eventually(lambda: channel not in live.broker.fanout.channels)
    assert not broadcasts.groups


async def test_a_vanished_client_ends_only_its_own_membership(app, client, register):
    live = app.state.live
    athlete = await register()
    session_id = decode_id((await start_workout(client, athlete.token))["id"], "WorkoutSession", "sessionId")
    channel = workout_channel(session_id)  # events are shown while the viewer may read the workout
    query = "subscription($s: ID!) { workoutEvents(sessionId: $s) { __typename } }"
    received: list[str] = []

    async def gone(frame: str) -> None:
        raise ConnectionResetError("client went away")

    async def fine(frame: str) -> None:
        received.append(frame)

    viewer = decode_id(athlete.id, "User", "id")
    broadcasts, group, (dead, alive) = await _members(
        app, channel, query, {"s": "x"}, gone, fine, prefix='{"type":"data","id":"7","payload":', viewer_id=viewer
    )
    now = datetime.now(UTC)
    ids = (group.last + 1, group.last + 2)  # after the workout's own STARTED event
    await live.broker.publish_many([(channel, Event(i, channel, "SetDeleted", viewer, {"set_log_id": str(uuid.uuid4())}, now).to_json()) for i in ids])
    await eventually(lambda: len(received) == 2)
    assert isinstance(dead.done.result(), ConnectionResetError) and not alive.done.done()
    assert received[0] == '{"type":"data","id":"7","payload":{"data":{"workoutEvents":{"__typename":"SetDeleted"}}}}'
    for member in (dead, alive):
        group.release(member)
    await broadcasts.close()


async def test_without_groups_every_subscription_runs_its_own_stream(settings, fresh_database, register, client):
    """LIVE_GROUPS=0 keeps Strawberry's per-operation path working (the benchmark's comparison)."""
    from dataclasses import replace

    app = create_app(replace(settings, live_groups=False))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        url = f"http://127.0.0.1:{port}"
        athlete = await register()
        session_id = (await start_workout(client, athlete.token))["id"]
        squat = await exercise_id(client, "Barbell Squat")
        ws = await follow(url, athlete.token, session_id)
        assert app.state.live.broadcasts is None
        logged = await http_log_set(url, athlete.token, session_id, squat, 3)
        (event,) = await events(ws, 1)
        assert event["setLog"]["id"] == logged["id"]
        await ws.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_a_group_that_fails_catches_up_from_the_outbox(app, client, register, monkeypatch):
    """A render that blows up (say the database dropped a connection) is retried from the outbox, nothing lost."""
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    squat = await exercise_id(client, "Barbell Squat")
    channel = workout_channel(decode_id(session_id, "WorkoutSession", "sessionId"))
    frames: list[str] = []

    async def send(frame: str) -> None:
        frames.append(frame)

    query = "subscription($s: ID!) { workoutEvents(sessionId: $s) { __typename ... on SetLogged { setLog { reps } } } }"
    viewer = decode_id(athlete.id, "User", "id")
    broadcasts, group, (member,) = await _members(app, channel, query, {"s": session_id}, send, viewer_id=viewer)

    real_render = Group.render
    failures = []

    async def flaky_render(self, event):
        if not failures:
            failures.append(event.id)
            raise ConnectionError("server closed the connection unexpectedly")
        return await real_render(self, event)

    monkeypatch.setattr(Group, "render", flaky_render)
    for reps in (4, 6):
        await client.data(
            "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }",
            {"i": {"sessionId": session_id, "exerciseId": squat, "reps": reps, "weight": 60, "setType": "WARMUP"}},
            athlete.token,
        )
    await eventually(lambda: len(frames) >= 2)
    await asyncio.sleep(0.3)
    # The first event's render failed once; the group replayed it: both arrive, in order, once.
    assert len(failures) == 1
    assert [f.split('"reps":')[1][0] for f in frames] == ["4", "6"]
    group.release(member)
    await broadcasts.close()


SETS_IN_SQL = """
subscription Sets($sessionId: ID!, $unit: WeightUnit!) {
  feed: workoutEvents(sessionId: $sessionId) {
    kind: __typename
    ... on LiveEvent { eventId occurredAt }
    ... on SetLogged { setLog { id reps weight(unit: $unit) exercise { name } ...Placed } }
  }
}
fragment Placed on SetLog { position }
"""


async def test_a_coach_following_sets_gets_them_rendered_in_sql_until_coaching_ends(grouped_server, client, register):
    """A set event whose selection the compiler covers is rendered by one statement per group (on the
    compiled path, checked against the executor's render); once coaching ends, the ex-coach gets nothing more."""
    from tests.conftest import READ_PATH
    from tests.test_coaching import coach_and_athlete

    app, url = grouped_server
    compiled = app.state.live.broadcasts.compiled
    coach, athlete, relationship = await coach_and_athlete(client, register)
    session_id = (await start_workout(client, athlete.token))["id"]
    squat = await exercise_id(client, "Barbell Squat")
    watching = await WsClient.open(url, TRANSPORT_WS, coach.token)
    await watching.subscribe(SETS_IN_SQL, {"sessionId": session_id, "unit": "LB"})
    channel = workout_channel(decode_id(session_id, "WorkoutSession", "sessionId"))
    await eventually(lambda: any(g.channel == channel and g.members for g in app.state.live.broadcasts.groups.values()))
    rendered = compiled.rendered if compiled is not None else 0

    logged = await http_log_set(url, athlete.token, session_id, squat, 7, set_type="WARMUP")
    payload = await watching.next_payload()
    assert "errors" not in payload, payload  # COMPILED_ANSWER_DIFFERS would say the two renders differ
    event = payload["data"]["feed"]
    assert list(event) == ["kind", "eventId", "occurredAt", "setLog"]
    assert event["kind"] == "SetLogged" and event["occurredAt"].endswith("+00:00")
    assert event["setLog"] == {"id": logged["id"], "reps": 7, "weight": 110.23, "exercise": {"name": "Barbell Squat"}, "position": 0}
    # A change to the set: its event asks for no set here, only what every event has.
    await client.data("mutation($i: UpdateSetInput!) { updateSet(input: $i) { setLog { id } } }",
                      {"i": {"setLogId": logged["id"], "reps": 9}}, athlete.token)
    payload = await watching.next_payload()
    assert "errors" not in payload, payload
    changed = payload["data"]["feed"]
    assert list(changed) == ["kind", "eventId", "occurredAt"] and changed["kind"] == "SetUpdated"
    assert changed["eventId"] != event["eventId"]
    if READ_PATH == "compiled":
        assert compiled.rendered - rendered == 2 and compiled.verified >= 2
    else:
        assert compiled is None  # the executor renders every event

    await client.data("mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }",
                      {"i": relationship}, athlete.token)
    await http_log_set(url, athlete.token, session_id, squat, 8, set_type="WARMUP")
    with pytest.raises(TimeoutError):
        await watching.next_payload(timeout=1.0)
    await watching.close()
