"""What the hot writes cost in statements (counts, never wall-clock), and that the cheap path
writes what the rules say: the records, totals, awards and events of a set."""

from __future__ import annotations

from sqlalchemy import event

from tests.conftest import READ_PATH
from tests.stories import exercise_id, log_set, start_workout

LOG_ONLY = """mutation Log($input: LogSetInput!) { logSet(input: $input) { setLog { id position reps weight } created } }"""
TOTALS = "{ viewer { progress { points sets recordsHeld totalVolume } } }"
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
