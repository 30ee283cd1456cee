"""The write lane answers logSet as the executor does: the same payload, byte for byte, the same
errors with nothing written, the same set for a repeated clientId, the same events in the same order.

Two apps share the session's database: one on the compiled path, where logSet takes the write
lane (server/writes.py), and one on the executor. Twin athletes log the same sets, one on each.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager

from resolvers.ids import decode_id, encode_id
from schema.mutation import LogSetInput, log_set_from_input
from server.app import create_app
from server.context import request_context
from tests.conftest import REGISTER, GraphQLClient
from tests.stories import START_WORKOUT, exercise_id

SET_FIELDS = """id position setType reps weight lb: weight(unit: LB) volume(unit: $unit) rpe rir restSeconds notes clientId
    distanceMeters durationSeconds completedAt exercise { id name tracking } session { id name status }"""
SESSION_FIELDS = "id name status totals { setCount reps volume }"
RECORD_FIELDS = "id kind value previousValue achievedAt setLog { id }"
AWARD_FIELDS = "id unlockedAt achievement { code name pointsReward }"
LOG = f"""
mutation Log($input: LogSetInput!, $unit: WeightUnit!) {{
  logSet(input: $input) {{
    __typename
    done: created
    setLog {{ {SET_FIELDS} }}
    session {{ {SESSION_FIELDS} }}
    personalRecords {{ {RECORD_FIELDS} }}
    achievements {{ {AWARD_FIELDS} }}
    ... on LogSetPayload {{ created }}
  }}
}}
"""
READ_BACK = f"""
query Back($set: ID!, $session: ID!, $records: [ID!]!, $awards: [ID!]!, $unit: WeightUnit!) {{
  setLog: node(id: $set) {{ ... on SetLog {{ {SET_FIELDS} }} }}
  session: node(id: $session) {{ ... on WorkoutSession {{ {SESSION_FIELDS} }} }}
  personalRecords: nodes(ids: $records) {{ ... on PersonalRecord {{ {RECORD_FIELDS} }} }}
  achievements: nodes(ids: $awards) {{ ... on UserAchievement {{ {AWARD_FIELDS} }} }}
}}
"""
SETS = [  # the first raises every record and unlocks achievements; then lighter, heavier, in pounds, with notes
    {"reps": 5, "weight": 100},
    {"reps": 5, "weight": 90, "rpe": 7.5, "rir": 2},
    {"reps": 3, "weight": 112.5, "notes": "שלום \"tight\" \\ ok", "restSeconds": 180},
    {"reps": 8, "weight": 135, "weightUnit": "LB", "setType": "DROP"},
    {"reps": 10, "weight": 60, "setType": "WARMUP"},
]


@pytest.fixture(scope="module")
async def apps(settings):
    """(lane client, executor client, the lane's app): two apps on one database."""
    lane = create_app(replace(settings, read_path="compiled", read_path_verify=False))
    executor = create_app(replace(settings, read_path="executor"))
    async with LifespanManager(lane), LifespanManager(executor):
        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=lane), base_url="http://testserver") as on_lane,
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=executor), base_url="http://testserver") as on_executor):
            yield GraphQLClient(on_lane), GraphQLClient(on_executor), lane


async def athlete(client: GraphQLClient, name: str) -> tuple[str, str, str]:
    """A new athlete's token, a workout of theirs and the squat's id."""
    suffix = uuid.uuid4().hex[:10]
    data = await client.data(REGISTER, {"input": {"email": f"w{suffix}@example.com", "username": f"w{suffix}", "password": "correct horse battery"}})
    token = data["register"]["token"]
    session = (await client.data(START_WORKOUT, {"input": {"name": name}}, token))["startWorkout"]["session"]["id"]
    return token, session, await exercise_id(client, "Barbell Squat", token)


def anonymous(payload: object) -> object:
    """The payload with what differs between twins blanked: ids, instants, and the order of the
    records one set raises (the order the write statement returned them, on either path)."""
    if isinstance(payload, dict):
        return {k: "…" if k in ("id", "completedAt", "achievedAt", "unlockedAt") else anonymous(v) for k, v in payload.items()}
    if isinstance(payload, list):
        items = [anonymous(v) for v in payload]
        return sorted(items, key=lambda r: r["kind"]) if all(isinstance(r, dict) and "kind" in r for r in items) else items
    return payload


def lane_count(text: str, path: str) -> float:
    found = re.search(rf'repgraph_write_path_operations_total{{operation="Log",path="{path}"}} ([\d.]+)', text)
    return float(found.group(1)) if found else 0.0


def outbox(database_url: str, session_id: str) -> list[tuple[str, list[str]]]:
    """The events a workout's sets wrote, in order: (type, the keys of its data)."""
    workout = decode_id(session_id, "WorkoutSession", "id")
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        rows = conn.execute(
            "SELECT type, data FROM outbox_events WHERE user_id = (SELECT user_id FROM workout_sessions WHERE id = %s) "
            "AND type <> 'WorkoutStatusChanged' ORDER BY id", (workout,),
        ).fetchall()
    return [(type_, sorted(data)) for type_, data in rows]


async def test_the_lane_answers_logset_as_the_executor_would(apps, settings):
    on_lane, on_executor, _ = apps
    before = lane_count((await on_lane.http.get("/metrics")).text, "lane")
    mine, twin = await athlete(on_lane, "Twins"), await athlete(on_executor, "Twins")
    for values in SETS:
        for unit in ("KG", "LB"):
            variables = {"unit": unit}
            answers = []
            for client, (token, session, squat) in ((on_lane, mine), (on_executor, twin)):
                response = await client.post(LOG, {**variables, "input": {"sessionId": session, "exerciseId": squat, **values}}, token)
                assert response.status_code == 200 and response.headers["content-type"] == "application/json"
                answers.append(response.json())
            lane, executor = answers
            assert "errors" not in lane, lane
            # The same shape and values as the executor's twin, keys in the same order.
            assert json.dumps(anonymous(lane)) == json.dumps(anonymous(executor))
            # And byte for byte what the executor reads back for the same objects.
            payload = lane["data"]["logSet"]
            assert payload["created"] is True and payload["done"] is True and payload["__typename"] == "LogSetPayload"
            back = await on_executor.data(READ_BACK, {
                "set": payload["setLog"]["id"], "session": payload["session"]["id"], "unit": unit,
                "records": [r["id"] for r in payload["personalRecords"]], "awards": [a["id"] for a in payload["achievements"]],
            }, mine[0])
            for key in ("setLog", "session", "personalRecords", "achievements"):
                assert json.dumps(payload[key]) == json.dumps(back[key]), key
    # The same events, in the same order, for both twins.
    assert outbox(settings.database_url, mine[1]) == outbox(settings.database_url, twin[1])
    assert lane_count((await on_lane.http.get("/metrics")).text, "lane") - before == 2 * len(SETS)  # every one on the lane


async def test_refused_sets_answer_the_executors_errors_and_write_nothing(apps, settings):
    on_lane, on_executor, _ = apps
    token, session, squat = await athlete(on_lane, "Refused")
    stranger, theirs, _ = await athlete(on_lane, "Theirs")
    before = lane_count((await on_lane.http.get("/metrics")).text, "executor")
    cases = [
        (token, {"sessionId": theirs, "exerciseId": squat, "reps": 5}),  # someone else's workout: NOT_FOUND
        (token, {"sessionId": session, "exerciseId": squat, "weight": 100}),  # no reps for a weight × reps exercise
        (token, {"sessionId": session, "exerciseId": squat, "reps": 5, "rpe": 11}),  # out of range
        (token, {"sessionId": session, "exerciseId": squat, "reps": 5, "completedAt": "2999-01-01T00:00:00Z"}),  # in the future
        (token, {"sessionId": session, "exerciseId": squat, "reps": 5, "clientId": "x" * 65}),  # too long
        (token, {"sessionId": "bm9wZQ==", "exerciseId": squat, "reps": 5}),  # not a workout's id
        (token, {"sessionId": session, "exerciseId": squat, "reps": "five"}),  # not an Int: the variables are refused
        (None, {"sessionId": session, "exerciseId": squat, "reps": 5}),  # signed out
        (token + "x", {"sessionId": session, "exerciseId": squat, "reps": 5}),  # a bad token
    ]
    for bearer, values in cases:
        variables = {"unit": "KG", "input": values}
        lane, executor = await on_lane.post(LOG, variables, bearer), await on_executor.post(LOG, variables, bearer)
        assert (lane.status_code, lane.headers["content-type"]) == (executor.status_code, executor.headers["content-type"])
        assert lane.json() == executor.json() and lane.json()["errors"], values
    count = await on_executor.data("query S($id: ID!) { node(id: $id) { ... on WorkoutSession { totals { setCount } } } }", {"id": session}, token)
    assert count["node"]["totals"]["setCount"] == 0
    assert lane_count((await on_lane.http.get("/metrics")).text, "executor") - before == len(cases)
    assert outbox(settings.database_url, session) == []


async def test_a_repeated_client_id_answers_the_first_set_on_both_paths(apps):
    on_lane, on_executor, _ = apps
    token, session, squat = await athlete(on_lane, "Retry")
    variables = {"unit": "LB", "input": {"sessionId": session, "exerciseId": squat, "reps": 4, "weight": 82.5, "clientId": "set-1"}}
    first = (await on_lane.data(LOG, variables, token))["logSet"]
    again = (await on_lane.data(LOG, variables, token))["logSet"]
    executor = (await on_executor.data(LOG, variables, token))["logSet"]
    assert (first["created"], again["created"], executor["created"]) == (True, False, False)
    assert again["setLog"] == first["setLog"] == executor["setLog"]
    assert again["session"] == executor["session"] and again["session"]["totals"]["setCount"] == 1
    assert again["personalRecords"] == again["achievements"] == []
    assert json.dumps(again) == json.dumps(executor)


async def test_documents_the_lane_cannot_frame_go_to_the_executor(apps):
    on_lane, _, _ = apps
    token, session, squat = await athlete(on_lane, "Elsewhere")
    before = lane_count((await on_lane.http.get("/metrics")).text, "executor")
    two = """mutation Two($a: LogSetInput!, $b: LogSetInput!) { a: logSet(input: $a) { created } b: logSet(input: $b) { created } }"""
    values = {"sessionId": session, "exerciseId": squat, "reps": 5}
    body = await on_lane.data(two, {"a": values, "b": {**values, "reps": 6}}, token)
    assert body == {"a": {"created": True}, "b": {"created": True}}
    # A literal input and @skip are the lane's; a field of the payload without SQL is not.
    literal = f"""mutation {{ logSet(input: {{sessionId: "{session}", exerciseId: "{squat}", reps: 7}}) {{
        setLog {{ reps exercise @skip(if: true) {{ id }} }} }} }}"""
    assert (await on_lane.data(literal, token=token))["logSet"] == {"setLog": {"reps": 7}}
    progress = "mutation Log($i: LogSetInput!) { logSet(input: $i) { setLog { reps session { duration: totals { durationSeconds } } } } }"
    answer = (await on_lane.data(progress, {"i": {**values, "reps": 8}}, token))["logSet"]["setLog"]
    assert answer["reps"] == 8 and answer["session"]["duration"]["durationSeconds"] >= 0
    # The two-field mutation is not the lane's to look at; the one it could not frame is counted.
    assert lane_count((await on_lane.http.get("/metrics")).text, "executor") - before == 1


async def test_a_disabled_account_is_refused_first_on_both_paths(apps, settings):
    on_lane, on_executor, _ = apps
    token, session, squat = await athlete(on_lane, "Disabled")
    logged = {"sessionId": session, "exerciseId": squat, "reps": 5, "weight": 50, "clientId": "before"}
    await on_lane.data(LOG, {"unit": "KG", "input": logged}, token)
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("UPDATE users SET is_active = false WHERE id = (SELECT user_id FROM workout_sessions WHERE id = %s)",
                     (decode_id(session, "WorkoutSession", "id"),))
    for values in (
        {"sessionId": session, "exerciseId": squat, "reps": 5},
        {"sessionId": session, "exerciseId": squat, "reps": 5, "rpe": 11},  # the account before the input
        logged,  # a repeated clientId
        {"sessionId": encode_id("WorkoutSession", uuid.uuid4()), "exerciseId": squat, "reps": 5},  # the account before the workout
    ):
        variables = {"unit": "KG", "input": values}
        lane, executor = await on_lane.post(LOG, variables, token), await on_executor.post(LOG, variables, token)
        assert lane.json() == executor.json()
        assert lane.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", values
    with psycopg.connect(settings.database_url.replace("+psycopg", "")) as conn:
        sets = conn.execute("SELECT count(*) FROM set_logs WHERE session_id = %s", (decode_id(session, "WorkoutSession", "id"),)).fetchone()
    assert sets == (1,)


class FailingFrame:
    """A payload statement PostgreSQL refuses (a division by zero), sent with the events and the COMMIT."""

    rows = None

    def statement(self, row, created, outcome):
        return "SELECT 1 / %(zero)s::int AS ok, 'x' AS data", {"zero": 0}


async def test_a_payload_statement_that_fails_leaves_nothing_written(apps, settings):
    on_lane, _, lane_app = apps
    token, session, squat = await athlete(on_lane, "Rolled back")
    ctx = request_context(lane_app.state, f"Bearer {token}")
    data = LogSetInput(session_id=session, exercise_id=squat, reps=5, weight=100.0)
    with pytest.raises(psycopg.errors.DivisionByZero):
        await log_set_from_input(ctx, data, payload=FailingFrame())
    with psycopg.connect(settings.database_url.replace("+psycopg", "")) as conn:
        sets = conn.execute("SELECT count(*) FROM set_logs WHERE session_id = %s", (decode_id(session, "WorkoutSession", "id"),)).fetchone()
    assert sets == (0,) and outbox(settings.database_url, session) == []
    # The connection went back to the pool whole: the next set is written.
    assert (await on_lane.data(LOG, {"unit": "KG", "input": {"sessionId": session, "exerciseId": squat, "reps": 5}}, token))["logSet"]["created"]
