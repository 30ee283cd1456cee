"""The whole story over HTTP: sign up, plan, train, read back — and a stranger sees none of it."""

from __future__ import annotations

import pytest

from tests.stories import FINISH, LOG_SET, create_program, exercise_id, finish, log_set, start_workout

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token user { id username } } }
"""

HISTORY = """
query History {
  viewer {
    username
    workoutSessions(first: 5) {
      totalCount
      edges { node {
        id name status startedAt endedAt
        programDay { name program { name } }
        plannedExercises { position sets repsMin repsMax targetWeight(unit: LB) exercise { nameEn } }
        exercises { nameEn }
        totals { setCount workingSetCount reps volume volumeLb: volume(unit: LB) durationSeconds }
        sets { totalCount edges { node { position reps weight weightLb: weight(unit: LB) setType clientId
          exercise { nameEn } session { id } } } }
      } }
    }
    programs { totalCount edges { node { name days { name exercises { sets exercise { nameEn } } } } } }
  }
}
"""


async def test_athlete_plans_trains_and_reads_back(client, register):
    athlete = await register(username="dana_lifts", password="squat-bench-dead")
    logged_in = (await client.data(LOGIN, {"input": {"login": "DANA_LIFTS", "password": "squat-bench-dead"}}))["login"]
    assert logged_in["user"]["id"] == athlete.id
    token = logged_in["token"]

    squat = await exercise_id(client, "Barbell Squat", token)
    bench = await exercise_id(client, "Barbell Bench Press - Medium Grip", token)
    program = await create_program(
        client,
        token,
        name="Strength 3x5",
        frequency=3,
        days=[
            {"name": "Day A", "weekday": 0, "exercises": [
                {"exerciseId": squat, "sets": 3, "repsMin": 5, "repsMax": 5, "targetWeight": 100},
                {"exerciseId": bench, "sets": 3, "repsMin": 5, "repsMax": 5, "targetWeight": 70},
            ]},
            {"name": "Day B", "weekday": 2},
        ],
    )
    day_a = program["days"][0]
    assert [d["name"] for d in program["days"]] == ["Day A", "Day B"]
    assert [e["exercise"]["id"] for e in day_a["exercises"]] == [squat, bench]

    session = await start_workout(client, token, programDayId=day_a["id"])
    assert session["name"] == "Day A" and session["status"] == "IN_PROGRESS"
    assert [(p["position"], p["exercise"]["id"]) for p in session["plannedExercises"]] == [(0, squat), (1, bench)]

    await log_set(client, token, sessionId=session["id"], exerciseId=squat, reps=5, weight=60, setType="WARMUP")
    first = await log_set(client, token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100, clientId="phone-1")
    retry = await log_set(client, token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100, clientId="phone-1")
    assert first["created"] is True and retry["created"] is False
    assert retry["setLog"]["id"] == first["setLog"]["id"]
    await log_set(client, token, sessionId=session["id"], exerciseId=bench, reps=5, weight=155, weightUnit="LB")
    finished = await finish(client, token, session["id"])
    assert finished["status"] == "COMPLETED" and finished["endedAt"]

    viewer = (await client.data(HISTORY, token=token))["viewer"]
    assert viewer["username"] == "dana_lifts"
    sessions = viewer["workoutSessions"]
    assert sessions["totalCount"] == 1
    s = sessions["edges"][0]["node"]
    assert s["programDay"] == {"name": "Day A", "program": {"name": "Strength 3x5"}}
    assert s["plannedExercises"][0]["targetWeight"] == 220.46
    sets = [e["node"] for e in s["sets"]["edges"]]
    assert s["sets"]["totalCount"] == 3  # the retried set is there once
    assert [x["position"] for x in sets] == [0, 1, 2]
    assert [x["setType"] for x in sets] == ["WARMUP", "WORKING", "WORKING"]
    assert sets[1]["clientId"] == "phone-1"
    assert sets[2]["weight"] == 70.307 and sets[2]["weightLb"] == 155.0
    assert all(x["session"]["id"] == session["id"] for x in sets)
    assert [e["nameEn"] for e in s["exercises"]] == ["Barbell Squat", "Barbell Bench Press - Medium Grip"]
    totals = s["totals"]
    assert totals["setCount"] == 3 and totals["workingSetCount"] == 2 and totals["reps"] == 10
    assert totals["volume"] == pytest.approx(500 + 5 * 70.307)
    assert totals["durationSeconds"] >= 0
    assert viewer["programs"]["totalCount"] == 1

    # A stranger sees none of it, by any path.
    stranger = await register()
    empty = (await client.data(HISTORY, token=stranger.token))["viewer"]
    assert empty["workoutSessions"]["totalCount"] == 0 and empty["programs"]["totalCount"] == 0
    for node_id in (session["id"], program["id"], day_a["id"], day_a["exercises"][0]["id"], first["setLog"]["id"], athlete.id):
        error = await client.error("query($id: ID!) { node(id: $id) { id } }", {"id": node_id}, stranger.token)
        assert error["extensions"]["code"] == "NOT_FOUND", error
    error = await client.error(LOG_SET, {"input": {"sessionId": session["id"], "exerciseId": squat, "reps": 1}}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await client.error(FINISH, {"input": {"sessionId": session["id"]}}, stranger.token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    # ... and the owner still reads it through node.
    own = await client.data("query($id: ID!) { node(id: $id) { ... on WorkoutSession { name } } }", {"id": session["id"]}, token)
    assert own["node"]["name"] == "Day A"
