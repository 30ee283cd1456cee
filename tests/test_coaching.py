"""Coaching: a coach reads an accepted athlete's training data, may create programs for them, nothing else."""

from __future__ import annotations

import uuid

from tests.servers import serve_in_thread
from tests.stories import exercise_id, log_set, start_workout
from tests.test_live import assert_quiet, events, follow, http_log_set

COACHING = "{ viewer { coaching { id status viewerIsCoach coachUsername athleteUsername athlete { id username } } } }"
INVITE = "mutation($a: String!) { inviteAthlete(input: {athlete: $a}) { relationship { id status } } }"
RESPOND = "mutation($i: ID!, $ok: Boolean!) { respondToCoaching(input: {invitationId: $i, accept: $ok}) { relationship { status } } }"
END = "mutation($i: ID!) { endCoaching(input: {relationshipId: $i}) { relationship { status } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on WorkoutSession { name sets { totalCount } } } }"
ATHLETE_DATA = "query($id: ID!) { node(id: $id) { ... on User { username workoutSessions { totalCount edges { node { name } } } programs { totalCount } } } }"


async def coach_and_athlete(client, register, accept: bool = True):
    coach = await register(role="COACH")
    athlete = await register()
    invited = (await client.data(INVITE, {"a": athlete.username}, coach.token))["inviteAthlete"]["relationship"]
    assert invited["status"] == "PENDING"
    (seen,) = (await client.data(COACHING, token=athlete.token))["viewer"]["coaching"]
    assert seen["athlete"]["id"] == athlete.id and not seen["viewerIsCoach"] and seen["coachUsername"] == coach.username
    answered = await client.data(RESPOND, {"i": invited["id"], "ok": accept}, athlete.token)
    assert answered["respondToCoaching"]["relationship"]["status"] == ("ACCEPTED" if accept else "DECLINED")
    return coach, athlete, invited["id"]


async def test_an_accepted_coach_reads_the_athletes_training(client, register):
    coach, athlete, relationship = await coach_and_athlete(client, register)
    session = await start_workout(client, athlete.token, name="Leg day")
    squat = await exercise_id(client, "Barbell Squat")
    await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
    (listed,) = (await client.data(COACHING, token=coach.token))["viewer"]["coaching"]
    assert listed["viewerIsCoach"] and listed["athlete"]["username"] == athlete.username
    data = (await client.data(ATHLETE_DATA, {"id": athlete.id}, coach.token))["node"]
    assert data["workoutSessions"]["edges"] == [{"node": {"name": "Leg day"}}]
    assert (await client.data(NODE, {"id": session["id"]}, coach.token))["node"]["sets"]["totalCount"] == 1
    # Reading is all: logging into the athlete's workout is refused like a missing object.
    error = await client.error(
        "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }",
        {"i": {"sessionId": session["id"], "exerciseId": squat, "reps": 1}}, coach.token,
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    # ... but a program for the athlete, owned by the athlete, is the coach's to create.
    created = await client.data(
        "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id name } } }",
        {"i": {"name": "Coach's block", "forUserId": athlete.id}}, coach.token,
    )
    programs = "{ viewer { programs { edges { node { name } } } } }"
    assert (await client.data(programs, token=athlete.token))["viewer"]["programs"]["edges"] == [{"node": {"name": "Coach's block"}}]
    assert (await client.data(programs, token=coach.token))["viewer"]["programs"]["edges"] == []
    assert created["createProgram"]["program"]["name"] == "Coach's block"

    # The athlete ends it: the coach's access stops with the next request.
    assert (await client.data(END, {"i": relationship}, athlete.token))["endCoaching"]["relationship"]["status"] == "ENDED"
    assert (await client.error(NODE, {"id": session["id"]}, coach.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.error(ATHLETE_DATA, {"id": athlete.id}, coach.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.data(COACHING, token=coach.token))["viewer"]["coaching"] == []


async def test_pending_declined_and_strangers_see_nothing(client, register):
    coach, athlete, _ = await coach_and_athlete(client, register, accept=False)
    session = await start_workout(client, athlete.token)
    stranger = await register(role="COACH")
    for viewer in (coach, stranger):
        assert (await client.error(NODE, {"id": session["id"]}, viewer.token))["extensions"]["code"] == "NOT_FOUND"
        error = await client.error(
            "mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id } } }",
            {"i": {"name": "Sneaky", "forUserId": athlete.id}}, viewer.token,
        )
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "forUserId"}


async def test_only_coaches_invite_and_nobody_twice(client, register):
    athlete, other = await register(), await register()
    error = await client.error(INVITE, {"a": other.username}, athlete.token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    coach = await register(role="COACH")
    await client.data(INVITE, {"a": athlete.username}, coach.token)
    assert (await client.error(INVITE, {"a": athlete.username}, coach.token))["extensions"]["code"] == "CONFLICT"
    assert (await client.error(INVITE, {"a": "nobody-" + uuid.uuid4().hex}, coach.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.error(INVITE, {"a": coach.username}, coach.token))["extensions"]["code"] == "BAD_USER_INPUT"
    admin_attempt = await client.execute(
        "mutation($i: RegisterInput!) { register(input: $i) { token } }",
        {"i": {"email": f"a{uuid.uuid4().hex[:8]}@x.dev", "username": f"a{uuid.uuid4().hex[:8]}", "password": "long-enough", "role": "ADMIN"}},
    )
    assert admin_attempt["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "role"}


async def test_a_coach_follows_the_athletes_workout_live(app, client, register):
    coach, athlete, relationship = await coach_and_athlete(client, register)
    session = await start_workout(client, athlete.token)
    squat = await exercise_id(client, "Barbell Squat")
    with serve_in_thread(app_for(app)) as url:
        ws = await follow(url, coach.token, session["id"])
        logged = await http_log_set(url, athlete.token, session["id"], squat, 6, set_type="WARMUP")  # no rule events
        (event,) = await events(ws, 1)
        assert event["setLog"]["id"] == logged["id"]
        # Ended: the open stream carries nothing more (access is asked per event).
        await client.data(END, {"i": relationship}, athlete.token)
        await http_log_set(url, athlete.token, session["id"], squat, 7)  # a set, records, an award: none shown
        await assert_quiet(ws, timeout=1.0, skip=set())
        await ws.close()


def app_for(app):
    from server.app import create_app

    return create_app(app.state.settings)


COACH_FEED = """
subscription($after: String) {
  activityFeed(after: $after, scope: ATHLETES) {
    __typename
    ... on LiveEvent { eventId user { id username } session { id name } }
    ... on WorkoutStatusChanged { change }
    ... on PersonalRecordSet { personalRecord { kind value } }
  }
}
"""


async def next_feed(ws, timeout: float = 15) -> dict:
    payload = await ws.next_payload(timeout)
    assert "errors" not in payload, payload
    return payload["data"]["activityFeed"]


async def test_a_coach_follows_every_athlete_on_one_feed(app, client, register):
    from tests.test_live import FROM_START
    from tests.wsclient import LEGACY_WS, TRANSPORT_WS, WsClient

    coach, first, relationship = await coach_and_athlete(client, register)
    second = await register()
    invited = (await client.data(INVITE, {"a": second.username}, coach.token))["inviteAthlete"]["relationship"]
    await client.data(RESPOND, {"i": invited["id"], "ok": True}, second.token)
    stranger = await register()
    squat = await exercise_id(client, "Barbell Squat")
    with serve_in_thread(app_for(app)) as url:
        feeds = [await WsClient.open(url, protocol, coach.token) for protocol in (TRANSPORT_WS, LEGACY_WS)]
        for ws in feeds:
            await ws.subscribe(COACH_FEED, {"after": FROM_START})
        await start_workout(client, stranger.token, name="Not coached")  # never on the coach's feed
        one = await start_workout(client, first.token, name="First's")
        await log_set(client, first.token, sessionId=one["id"], exerciseId=squat, reps=3, weight=90)
        two = await start_workout(client, second.token, name="Second's")
        for ws in feeds:
            started = await next_feed(ws)
            assert (started["change"], started["user"]["username"], started["session"]["name"]) == ("STARTED", first.username, "First's")
            record = await next_feed(ws)
            assert record["__typename"] == "PersonalRecordSet" and record["user"]["username"] == first.username
            while record["__typename"] == "PersonalRecordSet":  # one per kind the set raised
                record = await next_feed(ws)
            assert record["__typename"] == "AchievementUnlocked"  # FIRST_RECORD
            started = await next_feed(ws)
            assert (started["change"], started["user"]["username"], started["session"]["id"]) == ("STARTED", second.username, two["id"])

        # The first athlete ends the coaching: their next events stay off the coach's feed,
        # and a replay from the start no longer shows their past ones.
        await client.data(END, {"i": relationship}, first.token)
        await start_workout(client, first.token, name="After")
        await start_workout(client, second.token, name="Still coached")
        for ws in feeds:
            latest = await next_feed(ws)
            assert (latest["user"]["username"], latest["session"]["name"]) == (second.username, "Still coached")
            await ws.close()
        replay = await WsClient.open(url, TRANSPORT_WS, coach.token)
        await replay.subscribe(COACH_FEED, {"after": FROM_START})
        seen = [await next_feed(replay) for _ in range(2)]
        assert {e["user"]["username"] for e in seen} == {second.username}
        assert [e["session"]["name"] for e in seen] == ["Second's", "Still coached"]
        await replay.close()
