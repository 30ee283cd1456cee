"""What the hot writes cost in statements (counts, never wall-clock), and that the cheap path
writes what the rules say: the records, totals, awards and events of a set."""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import READ_PATH
from tests.stories import exercise_id, log_set, start_workout

START_ONLY = """mutation Start($input: StartWorkoutInput!) { startWorkout(input: $input) { session { id status } } }"""
UPDATE_ONLY = """mutation Update($input: UpdateSetInput!) { updateSet(input: $input) { setLog { id reps weight } } }"""
DELETE_ONLY = """mutation Delete($input: DeleteSetInput!) { deleteSet(input: $input) { deletedSetLogId } }"""
FINISH_ONLY = """mutation Finish($input: FinishWorkoutInput!) { finishWorkout(input: $input) { session { id status endedAt } } }"""
LOG_ONLY = """mutation Log($input: LogSetInput!) { logSet(input: $input) { setLog { id position reps weight } created } }"""
TOTALS = "{ viewer { progress { points sets recordsHeld totalVolume } } }"
SESSION_SETS = """query S($id: ID!) { node(id: $id) { ... on WorkoutSession { status notes sets { edges { node { id reps } } } } } }"""
# On the compiled path logSet takes the write lane (server/writes.py), whose payload is one
# statement more, sent in the same round trip as the events and the COMMIT.
LANE = READ_PATH == "compiled"


class AllStatements:
    """Every statement the app sends on its engine (the outbox's too), in order."""

    def __init__(self, app) -> None:
        self.engine = app.state.engine.sync_engine
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if "pg_try_advisory_xact_lock" in statement or "user_sessions" in statement:  # the relay's polling, the sign-in check
            return
        self.statements.append(" ".join(statement.split())[:60])

    def __enter__(self) -> AllStatements:
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self)


async def test_a_set_costs_the_lock_the_write_and_its_events(app, client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat", athlete.token)
    session = await start_workout(client, athlete.token, name="Counted")
    # The first set of a workout raises every record kind and unlocks achievements that pay points.
    await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
    for weight in (90, 110):  # a set that raises nothing new but the workout's volume, and one that raises records
        with AllStatements(app) as seen:
            body = await client.data(LOG_ONLY, {"input": {"sessionId": session["id"], "exerciseId": squat, "reps": 5, "weight": weight}},
                                     athlete.token)
        assert body["logSet"]["created"] is True and body["logSet"]["setLog"]["weight"] == weight
        # The workout's lock with the exercise and the viewer's account, the insert with its records,
        # totals and awards, and the events (sent with the COMMIT, and the lane's payload with them).
        assert len(seen.statements) == 3 + LANE, seen.statements
        assert seen.statements[0].startswith("SELECT w.id, w.user_id, w.status")
        assert seen.statements[1].startswith("WITH ins AS ( INSERT INTO set_logs")
        assert seen.statements[2].startswith("WITH given AS")
        assert not LANE or seen.statements[3].startswith("WITH v AS")
    progress = (await client.data(TOTALS, token=athlete.token))["viewer"]["progress"]
    assert progress["sets"] == 3 and progress["totalVolume"] == 5 * (100 + 90 + 110)


async def test_a_retried_client_id_costs_one_lookup_and_writes_nothing(app, client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat", athlete.token)
    session = await start_workout(client, athlete.token, name="Retried")
    variables = {"input": {"sessionId": session["id"], "exerciseId": squat, "reps": 3, "weight": 80, "clientId": "once"}}
    first = (await client.data(LOG_ONLY, variables, athlete.token))["logSet"]
    with AllStatements(app) as seen:
        again = (await client.data(LOG_ONLY, variables, athlete.token))["logSet"]
    assert (first["created"], again["created"]) == (True, False) and again["setLog"] == first["setLog"]
    assert len(seen.statements) == 1 + LANE, seen.statements  # the set by its clientId and the viewer's account (and the lane's payload)


async def test_the_other_hot_writes_cost_their_locks_and_row_the_rules_and_the_events(app, client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat", athlete.token)

    async def counted(query: str, input: dict) -> tuple[dict, list[str]]:
        with AllStatements(app) as seen:
            data = await client.data(query, {"input": input}, athlete.token)
        return data, seen.statements

    # The viewer, the workout inserted (its program day read in the same statement), the event with the COMMIT.
    data, statements = await counted(START_ONLY, {"name": "Counted"})
    session = data["startWorkout"]["session"]
    assert session["status"] == "IN_PROGRESS"
    assert len(statements) == 3, statements
    assert statements[1].startswith("WITH day AS") and statements[2].startswith("WITH given AS")
    sets = [(await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=w))["setLog"]["id"]
            for w in (100, 90)]
    # After the viewer: the set's locks with the change, the records recomputed, the masteries, the
    # totals with their awards, the events with the COMMIT.
    data, statements = await counted(UPDATE_ONLY, {"setLogId": sets[0], "reps": 6, "weight": 105})
    assert data["updateSet"]["setLog"]["reps"] == 6 and data["updateSet"]["setLog"]["weight"] == 105
    assert len(statements) == 6, statements
    assert statements[1].startswith("WITH locked AS ( SELECT s.*")
    assert [s.split()[1] for s in statements[2:]] == ["pairs", "steps", "progress", "given"]
    # The same for a delete.
    data, statements = await counted(DELETE_ONLY, {"setLogId": sets[1]})
    assert data["deleteSet"]["deletedSetLogId"] == sets[1]
    assert len(statements) == 6, statements
    assert statements[1].startswith("WITH locked AS ( SELECT s.*")
    assert [s.split()[1] for s in statements[2:]] == ["pairs", "steps", "progress", "given"]
    # The lock and the change in one, then the recount, the masteries, the totals (twice: the first
    # workout finished unlocks an achievement that pays points), the events.
    data, statements = await counted(FINISH_ONLY, {"sessionId": session["id"], "perceivedExertion": 7})
    assert data["finishWorkout"]["session"]["status"] == "COMPLETED"
    assert len(statements) == 7, statements
    assert statements[1].startswith("WITH locked AS (SELECT w.*")
    assert [s.split()[1] for s in statements[2:]] == ["days", "steps", "progress", "progress", "given"]
    progress = (await client.data(TOTALS, token=athlete.token))["viewer"]["progress"]
    assert progress["sets"] == 1 and progress["totalVolume"] == 6 * 105


async def test_a_refused_change_writes_nothing(client, register):
    athlete, other = await register(), await register()
    squat = await exercise_id(client, "Barbell Squat", athlete.token)
    session = await start_workout(client, athlete.token, name="Guarded")
    set_id = (await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100))["setLog"]["id"]
    # Another user's change and delete: NOT_FOUND; the athlete's own change without a measurement: refused.
    for query, input, token in ((UPDATE_ONLY, {"setLogId": set_id, "reps": 1}, other.token),
                                (DELETE_ONLY, {"setLogId": set_id}, other.token),
                                (UPDATE_ONLY, {"setLogId": set_id, "reps": None}, athlete.token),
                                (FINISH_ONLY, {"sessionId": session["id"]}, other.token),
                                (FINISH_ONLY, {"sessionId": session["id"], "notes": "x" * 5001}, athlete.token)):
        error = await client.error(query, {"input": input}, token)
        assert error["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT"), error
    body = await client.data(SESSION_SETS, {"id": session["id"]}, athlete.token)
    assert body["node"]["status"] == "IN_PROGRESS" and body["node"]["notes"] is None
    assert [(s["node"]["id"], s["node"]["reps"]) for s in body["node"]["sets"]["edges"]] == [(set_id, 5)]
