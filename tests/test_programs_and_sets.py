"""Changing plans and logged sets: update, insert at a position, delete — and only your own."""

from __future__ import annotations

from tests.stories import create_program, exercise_id, log_set, start_workout

PROGRAM = """query($id: ID!) { node(id: $id) { ... on Program {
  name description structure frequency isTemplate
  days { name position weekday exercises { position sets repsMin exercise { nameEn } } } } } }"""
UPDATE = "mutation($i: UpdateProgramInput!) { updateProgram(input: $i) { program { name description frequency isTemplate } } }"
ADD_DAY = "mutation($i: AddProgramDayInput!) { addProgramDay(input: $i) { programDay { id name position } } }"
ADD_EXERCISE = "mutation($i: AddProgramExerciseInput!) { addProgramExercise(input: $i) { programExercise { position sets exercise { nameEn } } } }"
DELETE = "mutation($i: DeleteProgramInput!) { deleteProgram(input: $i) { deletedProgramId } }"


async def test_program_edits(client, register):
    coachless, stranger = await register(), await register()
    squat, bench = await exercise_id(client, "Barbell Squat"), await exercise_id(client, "Barbell Bench Press - Medium Grip")
    program = await create_program(client, coachless.token, name="Base", description="old", frequency=3,
                                   days=[{"name": "A"}, {"name": "B"}])

    updated = (await client.data(UPDATE, {"i": {"programId": program["id"], "name": "Base v2", "isTemplate": True}}, coachless.token))
    assert updated["updateProgram"]["program"] == {"name": "Base v2", "description": "old", "frequency": 3, "isTemplate": True}
    cleared = await client.data(UPDATE, {"i": {"programId": program["id"], "description": None}}, coachless.token)
    assert cleared["updateProgram"]["program"]["description"] is None
    error = await client.error(UPDATE, {"i": {"programId": program["id"], "name": "  "}}, coachless.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}

    first = (await client.data(ADD_DAY, {"i": {"programId": program["id"], "name": "Warm-up", "position": 0}}, coachless.token))
    assert first["addProgramDay"]["programDay"]["position"] == 0
    day_id = first["addProgramDay"]["programDay"]["id"]
    await client.data(ADD_EXERCISE, {"i": {"programDayId": day_id, "exerciseId": squat, "sets": 5, "repsMin": 5}}, coachless.token)
    inserted = await client.data(ADD_EXERCISE, {"i": {"programDayId": day_id, "exerciseId": bench, "position": 0}}, coachless.token)
    assert inserted["addProgramExercise"]["programExercise"] == {"position": 0, "sets": 3, "exercise": {"nameEn": "Barbell Bench Press - Medium Grip"}}
    read = (await client.data(PROGRAM, {"id": program["id"]}, coachless.token))["node"]
    assert [(d["name"], d["position"]) for d in read["days"]] == [("Warm-up", 0), ("A", 1), ("B", 2)]
    assert [(e["position"], e["exercise"]["nameEn"]) for e in read["days"][0]["exercises"]] == [
        (0, "Barbell Bench Press - Medium Grip"), (1, "Barbell Squat")]
    error = await client.error(ADD_DAY, {"i": {"programId": program["id"], "name": "X", "position": 9}}, coachless.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "position"}

    # Strangers can neither change nor delete it.
    for mutation, variables in ((UPDATE, {"i": {"programId": program["id"], "name": "mine"}}),
                                (ADD_DAY, {"i": {"programId": program["id"], "name": "mine"}}),
                                (ADD_EXERCISE, {"i": {"programDayId": day_id, "exerciseId": squat}}),
                                (DELETE, {"i": {"programId": program["id"]}})):
        assert (await client.error(mutation, variables, stranger.token))["extensions"]["code"] == "NOT_FOUND"

    session = await start_workout(client, coachless.token, programDayId=day_id)
    deleted = await client.data(DELETE, {"i": {"programId": program["id"]}}, coachless.token)
    assert deleted["deleteProgram"]["deletedProgramId"] == program["id"]
    assert (await client.error(PROGRAM, {"id": program["id"]}, coachless.token))["extensions"]["code"] == "NOT_FOUND"
    # The workout it planned stays, with its own copy of the plan.
    kept = await client.data("query($id: ID!) { node(id: $id) { ... on WorkoutSession { name programDay { id } plannedExercises { sets } } } }",
                             {"id": session["id"]}, coachless.token)
    assert kept["node"] == {"name": "Warm-up", "programDay": None, "plannedExercises": [{"sets": 3}, {"sets": 5}]}


UPDATE_SET = """mutation($i: UpdateSetInput!) { updateSet(input: $i) {
  setLog { reps weight rpe setType exercise { nameEn } } session { totals { setCount reps volume } } } }"""
DELETE_SET = "mutation($i: DeleteSetInput!) { deleteSet(input: $i) { deletedSetLogId session { totals { setCount reps } } } }"


async def test_set_edits(client, register):
    athlete, stranger = await register(), await register()
    squat, deadlift = await exercise_id(client, "Barbell Squat"), await exercise_id(client, "Barbell Deadlift")
    session = await start_workout(client, athlete.token)
    first = (await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100))["setLog"]
    second = (await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=3, weight=110))["setLog"]

    changed = (await client.data(UPDATE_SET, {"i": {"setLogId": first["id"], "reps": 6, "weight": 225, "weightUnit": "LB",
                                                     "rpe": 8.5, "exerciseId": deadlift}}, athlete.token))["updateSet"]
    assert changed["setLog"] == {"reps": 6, "weight": 102.058, "rpe": 8.5, "setType": "WORKING", "exercise": {"nameEn": "Barbell Deadlift"}}
    assert changed["session"]["totals"]["reps"] == 9
    warm = (await client.data(UPDATE_SET, {"i": {"setLogId": second["id"], "setType": "WARMUP"}}, athlete.token))["updateSet"]
    assert warm["setLog"]["reps"] == 3 and warm["session"]["totals"]["reps"] == 6  # warm-ups leave the totals
    error = await client.error(UPDATE_SET, {"i": {"setLogId": first["id"], "reps": None}}, athlete.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "reps"}  # a weight+reps set needs reps
    assert (await client.error(UPDATE_SET, {"i": {"setLogId": first["id"], "reps": 1}}, stranger.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.error(DELETE_SET, {"i": {"setLogId": first["id"]}}, stranger.token))["extensions"]["code"] == "NOT_FOUND"

    gone = (await client.data(DELETE_SET, {"i": {"setLogId": first["id"]}}, athlete.token))["deleteSet"]
    assert gone["deletedSetLogId"] == first["id"] and gone["session"]["totals"] == {"setCount": 1, "reps": 0}
    assert (await client.error("query($id: ID!) { node(id: $id) { id } }", {"id": first["id"]}, athlete.token))["extensions"]["code"] == "NOT_FOUND"
    third = (await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=1, weight=120))["setLog"]
    assert third["position"] == 2  # positions are never reused
