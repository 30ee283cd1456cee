"""Personal records: every kind, what never counts, and falling back when the holder changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from resolvers.ids import decode_id
from tests.stories import exercise_id, log_set, start_workout

RECORDS = """
query($e: ID!) { viewer { personalRecords(exerciseId: $e, first: 20) { edges { node {
  kind value previousValue setLog { id reps weight } session { id } history { value previousValue setLog { id } }
} } } } }
"""
ONE = "query($e: ID!, $k: RecordKind!) { node(id: $e) { ... on Exercise { personalRecord(kind: $k) { value setLog { id } } } } }"
LOG = """
mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } personalRecords { kind value previousValue } achievements { achievement { code } } } }
"""
UPDATE = "mutation($i: UpdateSetInput!) { updateSet(input: $i) { setLog { id reps weight } } }"
DELETE = "mutation($i: DeleteSetInput!) { deleteSet(input: $i) { deletedSetLogId } }"


async def records(client, token: str, exercise: str) -> dict[str, dict]:
    data = await client.data(RECORDS, {"e": exercise}, token)
    return {e["node"]["kind"]: e["node"] for e in data["viewer"]["personalRecords"]["edges"]}


def values(found: dict[str, dict]) -> dict[str, float]:
    return {kind: record["value"] for kind, record in found.items()}


@pytest.fixture
async def lifter(client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat")
    return athlete, squat


async def test_every_weight_kind_from_a_fixed_history(client, lifter):
    athlete, squat = lifter
    first = (await start_workout(client, athlete.token))["id"]

    async def log(session: str, reps: int, weight: float, set_type: str = "WORKING") -> dict:
        i = {"sessionId": session, "exerciseId": squat, "reps": reps, "weight": weight, "setType": set_type}
        return (await client.data(LOG, {"i": i}, athlete.token))["logSet"]

    warmup = await log(first, 1, 140, "WARMUP")
    assert warmup["personalRecords"] == []  # warm-ups never count
    five = await log(first, 5, 100)
    set_by_five = {r["kind"]: r["value"] for r in five["personalRecords"]}
    assert set_by_five == {
        "HEAVIEST_WEIGHT": 100, "ESTIMATED_ONE_REP_MAX": 116.667, "BEST_SET_VOLUME": 500, "MOST_REPS": 5,
        "REP_MAX_1": 100, "REP_MAX_3": 100, "REP_MAX_5": 100, "BEST_SESSION_VOLUME": 500,
    }
    assert {a["achievement"]["code"] for a in five["achievements"]} == {"FIRST_RECORD"}
    ten = await log(first, 10, 80)
    assert {r["kind"] for r in ten["personalRecords"]} == {"BEST_SET_VOLUME", "MOST_REPS", "REP_MAX_10", "BEST_SESSION_VOLUME"}
    single = await log(first, 1, 110)
    twelve = await log(first, 12, 60)
    second = (await start_workout(client, athlete.token))["id"]
    three = await log(second, 3, 90)
    assert three["personalRecords"] == []  # 270 kg is no session best, 90 kg no 3-rep max

    found = await records(client, athlete.token, squat)
    assert values(found) == {
        "HEAVIEST_WEIGHT": 110,
        "ESTIMATED_ONE_REP_MAX": 116.667,  # Epley on 100 x 5; the single (110) is below, 60 x 12 gives none
        "BEST_SET_VOLUME": 800,
        "MOST_REPS": 12,
        "REP_MAX_1": 110,
        "REP_MAX_3": 100,
        "REP_MAX_5": 100,
        "REP_MAX_10": 80,
        "BEST_SESSION_VOLUME": 500 + 800 + 110 + 720,
    }
    heaviest = found["HEAVIEST_WEIGHT"]
    assert heaviest["previousValue"] == 100 and heaviest["setLog"]["id"] == single["setLog"]["id"]
    assert heaviest["session"]["id"] == first
    assert [(h["value"], h["previousValue"]) for h in heaviest["history"]] == [(100, None), (110, 100)]
    assert [h["setLog"]["id"] for h in heaviest["history"]] == [five["setLog"]["id"], single["setLog"]["id"]]
    assert [h["value"] for h in found["MOST_REPS"]["history"]] == [5, 10, 12]
    assert found["MOST_REPS"]["setLog"]["id"] == twelve["setLog"]["id"]

    # Most reps at a given weight (or heavier); the 140 kg warm-up never counts.
    at = "query($e: ID!, $w: Float!, $u: WeightUnit!) { node(id: $e) { ... on Exercise { mostRepsAtWeight(weight: $w, unit: $u) { id reps } } } }"

    async def most_reps_at(weight: float, unit: str = "KG") -> dict | None:
        return (await client.data(at, {"e": squat, "w": weight, "u": unit}, athlete.token))["node"]["mostRepsAtWeight"]

    assert await most_reps_at(80) == {"id": ten["setLog"]["id"], "reps": 10}
    assert await most_reps_at(176.37, "LB") == {"id": ten["setLog"]["id"], "reps": 10}  # 80 kg
    assert await most_reps_at(100) == {"id": five["setLog"]["id"], "reps": 5}
    assert await most_reps_at(110) == {"id": single["setLog"]["id"], "reps": 1}
    assert await most_reps_at(120) is None
    assert (await client.data(at, {"e": squat, "w": 80, "u": "KG"}))["node"]["mostRepsAtWeight"] is None  # signed out
    assert (await client.error(at, {"e": squat, "w": -1, "u": "KG"}, athlete.token))["extensions"]["code"] == "BAD_USER_INPUT"

    one = (await client.data(ONE, {"e": squat, "k": "REP_MAX_10"}, athlete.token))["node"]["personalRecord"]
    assert one == {"value": 80, "setLog": {"id": ten["setLog"]["id"]}}
    # Someone else's view of the same exercise holds their own records (none).
    assert (await client.data(ONE, {"e": squat, "k": "REP_MAX_10"}))["node"]["personalRecord"] is None

    # Editing the holder moves the record; deleting it falls back to the next best set.
    await client.data(UPDATE, {"i": {"setLogId": single["setLog"]["id"], "weight": 105}}, athlete.token)
    found = await records(client, athlete.token, squat)
    assert (found["HEAVIEST_WEIGHT"]["value"], found["HEAVIEST_WEIGHT"]["previousValue"]) == (105, 100)
    await client.data(DELETE, {"i": {"setLogId": single["setLog"]["id"]}}, athlete.token)
    found = await records(client, athlete.token, squat)
    assert found["HEAVIEST_WEIGHT"]["setLog"]["id"] == five["setLog"]["id"]
    assert (found["HEAVIEST_WEIGHT"]["value"], found["HEAVIEST_WEIGHT"]["previousValue"]) == (100, None)
    assert found["REP_MAX_1"]["value"] == 100
    assert found["BEST_SESSION_VOLUME"]["value"] == 500 + 800 + 720

    # 80 x 10 becomes 80 x 9: the 10-rep max falls back to 60 x 12; deleting that removes it.
    await client.data(UPDATE, {"i": {"setLogId": ten["setLog"]["id"], "reps": 9}}, athlete.token)
    found = await records(client, athlete.token, squat)
    assert found["REP_MAX_10"]["value"] == 60 and found["REP_MAX_10"]["setLog"]["id"] == twelve["setLog"]["id"]
    await client.data(DELETE, {"i": {"setLogId": twelve["setLog"]["id"]}}, athlete.token)
    found = await records(client, athlete.token, squat)
    assert "REP_MAX_10" not in found
    assert found["MOST_REPS"]["value"] == 9
    assert (await client.data(ONE, {"e": squat, "k": "REP_MAX_10"}, athlete.token))["node"]["personalRecord"] is None


async def test_duration_distance_and_carries(client, register):
    athlete = await register()
    plank = await exercise_id(client, "Plank")
    farmers = await exercise_id(client, "Farmer's Walk")
    session = (await start_workout(client, athlete.token))["id"]
    held = [await log_set(client, athlete.token, sessionId=session, exerciseId=plank, durationSeconds=s) for s in (60, 90, 45)]
    await log_set(client, athlete.token, sessionId=session, exerciseId=farmers, weight=100, distanceMeters=30)
    await log_set(client, athlete.token, sessionId=session, exerciseId=farmers, weight=120, distanceMeters=20)
    assert values(await records(client, athlete.token, plank)) == {"LONGEST_DURATION": 90}
    # A carry has weight but no reps: the heaviest weight counts it, the rep maxes do not.
    assert values(await records(client, athlete.token, farmers)) == {"HEAVIEST_WEIGHT": 120, "LONGEST_DISTANCE": 30}
    await client.data(DELETE, {"i": {"setLogId": held[1]["setLog"]["id"]}}, athlete.token)
    assert values(await records(client, athlete.token, plank)) == {"LONGEST_DURATION": 60}


async def test_each_new_record_is_announced_once(app, client, lifter):
    athlete, squat = lifter
    session = (await start_workout(client, athlete.token))["id"]
    for reps, weight in ((5, 100), (5, 100), (6, 100)):
        await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=reps, weight=weight)
    async with app.state.sessionmaker() as db:
        announced = (await db.execute(text(
            "SELECT data->>'personal_record_id' AS record, count(*) FROM outbox_events"
            " WHERE type = 'PersonalRecordSet' AND channel = 'workout:' || :s GROUP BY 1"
        ), {"s": str(decode_id(session, "WorkoutSession", "id"))})).all()
    # 100 x 5 sets eight kinds; the repeat raises only the session's volume; 100 x 6 raises the
    # estimated max, the set volume, the most reps and the session volume.
    assert len(announced) == 8 and sum(n for _, n in announced) == 8 + 1 + 4


async def test_a_back_dated_set_rewrites_what_came_after_it(client, lifter):
    """Sets logged in order are compared with the stored records; one logged into the past is not
    the latest, so the history is recomputed: it holds the record with nothing before it."""
    athlete, squat = lifter
    session = (await start_workout(client, athlete.token, startedAt=(datetime.now(timezone.utc) - timedelta(days=2)).isoformat()))["id"]
    later = await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=5, weight=100)
    earlier = await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=5, weight=120,
                            completedAt=(datetime.now(timezone.utc) - timedelta(days=1)).isoformat())
    found = await records(client, athlete.token, squat)
    heaviest = found["HEAVIEST_WEIGHT"]
    assert (heaviest["value"], heaviest["previousValue"], heaviest["setLog"]["id"]) == (120, None, earlier["setLog"]["id"])
    assert [h["value"] for h in heaviest["history"]] == [120]
    assert found["MOST_REPS"]["setLog"]["id"] == earlier["setLog"]["id"]  # a tie goes to the earlier set
    # The in-order set after it raises nothing; one heavier than both raises the record from 120.
    newest = await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=5, weight=130)
    heaviest = (await records(client, athlete.token, squat))["HEAVIEST_WEIGHT"]
    assert (heaviest["value"], heaviest["previousValue"], heaviest["setLog"]["id"]) == (130, 120, newest["setLog"]["id"])
    assert later["setLog"]["id"] not in {h["setLog"]["id"] for h in heaviest["history"]}


async def test_the_session_volume_record_beats_what_other_sessions_have_grown_to(client, lifter):
    athlete, squat = lifter
    a, b = [(await start_workout(client, athlete.token))["id"] for _ in range(2)]
    for session, reps, weight in ((a, 5, 100), (b, 6, 100), (a, 1, 50), (b, 1, 10)):
        await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=reps, weight=weight)
    record = (await records(client, athlete.token, squat))["BEST_SESSION_VOLUME"]
    # B (610) holds it; the best it beat is A as A stands now (550), not as it stood when B first led (500).
    assert (record["value"], record["previousValue"], record["session"]["id"]) == (610, 550, b)
    # Its history: A led with 500, then B, whose two steps (600, 610) are one, beat A as it stood.
    assert [(h["value"], h["previousValue"]) for h in record["history"]] == [(500, None), (610, 550)]
