"""Bad input answers BAD_USER_INPUT naming the field, and nothing is half-written."""

from __future__ import annotations

from tests.stories import CREATE_PROGRAM, LOG_SET, exercise_id, start_workout

PROGRAM_COUNT = "{ viewer { programs { totalCount } } }"


async def test_failed_nested_create_writes_nothing(client, register):
    user = await register()
    squat = await exercise_id(client, "Barbell Squat")
    bad = {"name": "Broken", "days": [
        {"name": "ok", "exercises": [{"exerciseId": squat, "sets": 3}]},
        {"name": "bad", "exercises": [{"exerciseId": squat, "sets": 3, "repsMin": 8, "repsMax": 5}]},
    ]}
    error = await client.error(CREATE_PROGRAM, {"input": bad}, user.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "days.1.exercises.0.repsMin"}
    assert (await client.data(PROGRAM_COUNT, token=user.token))["viewer"]["programs"]["totalCount"] == 0


async def test_register_rejects_bad_and_duplicate_input(client, register):
    mutation = "mutation($i: RegisterInput!) { register(input: $i) { token } }"
    cases = [
        ({"email": "not-an-email", "username": "abc_1", "password": "long enough"}, "email"),
        ({"email": "a@b.co", "username": "x", "password": "long enough"}, "username"),
        ({"email": "a@b.co", "username": "abc_2", "password": "short"}, "password"),
        ({"email": "a@b.co", "username": "abc_3", "password": "long enough", "timezone": "Mars/Base"}, "timezone"),
    ]
    for values, field in cases:
        error = await client.error(mutation, {"i": values})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, (values, error)
    taken = await register(email="Taken@Example.com")
    error = await client.error(mutation, {"i": {"email": "taken@example.COM", "username": "fresh_name", "password": "long enough"}})
    assert error["extensions"]["field"] == "email"
    error = await client.error(mutation, {"i": {"email": "new@example.com", "username": taken.username.upper(), "password": "long enough"}})
    assert error["extensions"]["field"] == "username"


async def test_log_set_validation(client, register):
    user = await register()
    squat = await exercise_id(client, "Barbell Squat")
    plank = await exercise_id(client, "Plank")
    session = await start_workout(client, user.token)
    cases = [
        ({"exerciseId": squat, "reps": -1}, "reps"),
        ({"exerciseId": squat, "reps": 5, "weight": 5000}, "weight"),
        ({"exerciseId": squat, "reps": 5, "rpe": 11}, "rpe"),
        ({"exerciseId": squat, "weight": 100}, "reps"),  # weight+reps exercise needs reps
        ({"exerciseId": plank, "reps": 3}, "durationSeconds"),  # plank is tracked by duration
        ({"exerciseId": "not-an-id", "reps": 3}, "exerciseId"),
        ({"exerciseId": session["id"], "reps": 3}, "exerciseId"),  # an ID of the wrong type
    ]
    for values, field in cases:
        error = await client.error(LOG_SET, {"input": {"sessionId": session["id"], **values}}, user.token)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (values, error)
        assert error["extensions"]["field"] == field, (values, error)
    count = await client.data("query($id: ID!) { node(id: $id) { ... on WorkoutSession { sets { totalCount } } } }", {"id": session["id"]}, user.token)
    assert count["node"]["sets"]["totalCount"] == 0


async def test_finished_workout_cannot_finish_again(client, register):
    user = await register()
    session = await start_workout(client, user.token)
    mutation = "mutation($id: ID!) { finishWorkout(input: {sessionId: $id}) { session { status } } }"
    assert (await client.data(mutation, {"id": session["id"]}, user.token))["finishWorkout"]["session"]["status"] == "COMPLETED"
    error = await client.error(mutation, {"id": session["id"]}, user.token)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "sessionId"}
    abandon = "mutation($id: ID!) { abandonWorkout(input: {sessionId: $id}) { session { status } } }"
    assert (await client.error(abandon, {"id": session["id"]}, user.token))["extensions"]["code"] == "BAD_USER_INPUT"


async def test_anonymous_writes_are_unauthenticated(client):
    error = await client.error("mutation { startWorkout(input: {}) { session { id } } }")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    error = await client.error("{ viewer { id } }", token="garbage.token.here")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await client.data("{ viewer { id } }")) == {"viewer": None}


async def test_pagination_arguments_are_checked(client):
    for args, field in (("first: 101", "first"), ("first: -1", "first"), ('after: "bogus"', "after"), ("first: 1, last: 1", "first")):
        error = await client.error(f"{{ exercises({args}) {{ totalCount }} }}")
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field), (args, error)
