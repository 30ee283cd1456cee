"""Goals: windows in the user's time zone, progress measured from the training logged, completion once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from resolvers.goals import complete_reached_goals
from resolvers.ids import parse_global_id
from tests.stories import FINISH, exercise_id, finish, log_set, start_workout
from tests.test_coaching import coach_and_athlete
from tests.test_live import FROM_START
from tests.wsclient import TRANSPORT_WS, WsClient

KG_PER_LB = 0.45359237

GOAL = """
fragment GoalFields on Goal {
  id kind title target timeframe startDate endDate status completedAt createdAt daysRemaining isOverdue
  targetLb: target(unit: LB)
  progress { current target percent remaining currentLb: current(unit: LB) remainingLb: remaining(unit: LB) }
  exercise { id name }
}
"""
CREATE = GOAL + "mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal { ...GoalFields } } }"
UPDATE = GOAL + "mutation($i: UpdateGoalInput!) { updateGoal(input: $i) { goal { ...GoalFields } } }"
DELETE = "mutation($i: DeleteGoalInput!) { deleteGoal(input: $i) { deletedGoalId } }"
NODE = GOAL + "query($id: ID!) { node(id: $id) { ...GoalFields } }"
MY_GOALS = GOAL + """
query($status: GoalStatus, $first: Int, $after: String) {
  viewer { goals(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ...GoalFields } } } }
}
"""
ABANDON = "mutation($id: ID!) { abandonWorkout(input: {sessionId: $id}) { session { id } } }"


def pick_timezone() -> str:
    """A zone away from UTC where it is now between 02:00 and 22:00, so no test run straddles local midnight
    and local days differ from UTC days (a window computed in UTC would count the wrong sets)."""
    now = datetime.now(timezone.utc)
    for name in ("Asia/Tokyo", "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "America/Los_Angeles"):
        local = now.astimezone(ZoneInfo(name))
        if 2 <= local.hour < 22 and local.utcoffset() != timedelta(0):
            return name
    raise AssertionError("no candidate zone is between 02:00 and 22:00")  # impossible: they span 14+ hours


def local_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def create(client, token: str, **input) -> dict:
    return (await client.data(CREATE, {"i": input}, token))["createGoal"]["goal"]


async def create_error(client, token: str, **input) -> dict:
    return await client.error(CREATE, {"i": input}, token)


async def my_goals(client, token: str, **variables) -> dict:
    return (await client.data(MY_GOALS, variables, token))["viewer"]["goals"]


def uid(global_id: str) -> uuid.UUID:
    return parse_global_id(global_id)[1]


async def active_goals_counter(app, user_global_id: str) -> int | None:
    async with app.state.sessionmaker() as session:
        return await session.scalar(text("SELECT active_goals FROM user_progress WHERE user_id = :u"), {"u": uid(user_global_id)})


async def set_streak(app, user_global_id: str, run: int, last_active_day: date) -> None:
    """Streak totals are kept by the training writes (logSet/finishWorkout); here they are set directly."""
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            text(
                "INSERT INTO user_progress (user_id, streak_run, longest_streak, last_active_day) VALUES (:u, :run, :run, :day) "
                "ON CONFLICT (user_id) DO UPDATE SET streak_run = :run, last_active_day = :day"
            ),
            {"u": uid(user_global_id), "run": run, "day": last_active_day},
        )


@pytest.fixture
async def lifts(client):
    return {name: await exercise_id(client, name) for name in ("Barbell Squat", "Dumbbell Bench Press")}


async def test_each_kind_measures_its_local_day(client, register, lifts):
    """Hand-computed progress for every windowed kind, with data on both sides of local midnight."""
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    token, squat, bench = athlete.token, lifts["Barbell Squat"], lifts["Dumbbell Bench Press"]
    midnight = local_midnight(local_today(tz), tz)

    # B started yesterday (local): its completion never counts today, but a set of it completed after midnight does.
    b = await start_workout(client, token, name="Late night", startedAt=iso(midnight - timedelta(minutes=2)))
    await log_set(client, token, sessionId=b["id"], exerciseId=squat, reps=1, weight=200, completedAt=iso(midnight - timedelta(seconds=30)))
    await log_set(client, token, sessionId=b["id"], exerciseId=squat, reps=2, weight=130, completedAt=iso(midnight + timedelta(seconds=30)))
    await finish(client, token, b["id"])
    # A, today: completed.
    a = await start_workout(client, token, name="Morning", startedAt=iso(midnight + timedelta(minutes=1)))
    await log_set(client, token, sessionId=a["id"], exerciseId=squat, reps=5, weight=100)  # 6 points, 500 kg
    await log_set(client, token, sessionId=a["id"], exerciseId=squat, reps=3, weight=120)  # 1 + floor(3.6) = 4 points, 360 kg
    await log_set(client, token, sessionId=a["id"], exerciseId=squat, reps=1, weight=140, setType="WARMUP")  # nothing
    await log_set(client, token, sessionId=a["id"], exerciseId=squat, reps=0, weight=150)  # a failed attempt: nothing
    finished_a = (await client.data(FINISH, {"input": {"sessionId": a["id"]}}, token))["finishWorkout"]["session"]
    # C, today: abandoned, so its sets count but the workout does not.
    c = await start_workout(client, token, name="Cut short", startedAt=iso(midnight + timedelta(minutes=2)))
    await log_set(client, token, sessionId=c["id"], exerciseId=bench, reps=10, weight=60)  # 7 points, 600 kg
    await client.data(ABANDON, {"id": c["id"]}, token)

    started_a = datetime.fromisoformat(iso(midnight + timedelta(minutes=1)))
    a_minutes = int((datetime.fromisoformat(finished_a["endedAt"]) - started_a).total_seconds() // 60)
    expected = {
        # sets completed today: 6 + 4 + 3 (B's 130 kg x 2) + 7; workouts started today: A's 10 (C abandoned: 0).
        "POINTS": 6 + 4 + 3 + 7 + 10,
        "WORKOUTS": 1,
        "VOLUME": 500 + 360 + 260 + 600,
        "DURATION": a_minutes,
        # B's 130 kg set counts (completed today); its 200 kg set was yesterday; 140 was a warm-up, 150 had no rep.
        "EXERCISE_WEIGHT": 130,
    }
    today = local_today(tz).isoformat()
    for kind, current in expected.items():
        extra = {"exerciseId": squat} if kind == "EXERCISE_WEIGHT" else {}
        target = 10_000 if kind != "EXERCISE_WEIGHT" else 1_000
        goal = await create(client, token, kind=kind, title=f"Daily {kind.lower()}", target=target, timeframe="DAILY", **extra)
        assert (goal["startDate"], goal["endDate"], goal["timeframe"], goal["status"]) == (today, today, "DAILY", "ACTIVE"), kind
        assert goal["progress"]["current"] == pytest.approx(current), kind
        assert goal["progress"]["remaining"] == pytest.approx(target - current), kind
        assert goal["progress"]["percent"] == int(current * 1000 / target) / 10, kind
        assert goal["daysRemaining"] == 0 and goal["isOverdue"] is False
    # Weights convert; counts ignore the unit.
    listed = {g["node"]["kind"]: g["node"] for g in (await my_goals(client, token))["edges"]}
    assert listed["VOLUME"]["progress"]["currentLb"] == pytest.approx(1720 / KG_PER_LB, abs=0.01)
    assert listed["EXERCISE_WEIGHT"]["targetLb"] == pytest.approx(1000 / KG_PER_LB, abs=0.01)
    assert listed["EXERCISE_WEIGHT"]["exercise"]["name"] == "Barbell Squat"
    assert listed["POINTS"]["progress"]["currentLb"] == 30 and listed["POINTS"]["exercise"] is None


async def test_weekly_monthly_and_target_date_windows_follow_the_users_calendar(client, register, lifts):
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    token, squat = athlete.token, lifts["Barbell Squat"]
    today = local_today(tz)
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    session = await start_workout(client, token, name="Backdated", startedAt=iso(local_midnight(min(monday, first_of_month), tz) - timedelta(hours=1)))
    # One set of 100 kg x 1 (2 points) on each side of local Monday 00:00, of the 1st 00:00 and of today's 00:00.
    moments = {}
    for name, day in (("week", monday), ("month", first_of_month), ("today", today)):
        for side, offset in (("before", -30), ("after", 30)):
            moment = local_midnight(day, tz) + timedelta(seconds=offset)
            moments[(name, side)] = moment
    for moment in sorted(set(moments.values())):
        await log_set(client, token, sessionId=session["id"], exerciseId=squat, reps=1, weight=100, completedAt=iso(moment))

    def points_from(start: datetime) -> int:
        return 2 * len({m for m in moments.values() if m >= start})

    weekly = await create(client, token, kind="POINTS", title="This week", target=500, timeframe="WEEKLY")
    monthly = await create(client, token, kind="POINTS", title="This month", target=500, timeframe="MONTHLY")
    dated = await create(client, token, kind="VOLUME", title="Ten days", target=5, unit="LB", targetDate=(today + timedelta(days=10)).isoformat())
    last_of_month = (first_of_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert (weekly["startDate"], weekly["endDate"]) == (monday.isoformat(), (monday + timedelta(days=6)).isoformat())
    assert (monthly["startDate"], monthly["endDate"]) == (first_of_month.isoformat(), last_of_month.isoformat())
    assert (dated["startDate"], dated["endDate"], dated["timeframe"], dated["daysRemaining"]) == (today.isoformat(), (today + timedelta(days=10)).isoformat(), None, 10)
    assert weekly["progress"]["current"] == points_from(local_midnight(monday, tz))
    assert monthly["progress"]["current"] == points_from(local_midnight(first_of_month, tz))
    # Target date goals start today: only the set 30 s after local midnight counts (100 kg)...
    assert dated["progress"]["current"] == 100
    # ... and 100 kg is more than 5 lb: it completed as it was created.
    assert dated["status"] == "COMPLETED" and dated["completedAt"] and dated["progress"]["percent"] == 100
    assert dated["targetLb"] == pytest.approx(5, abs=0.01) and dated["progress"]["remaining"] == 0


async def test_streak_goals_read_the_current_streak(client, register, app):
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    today = local_today(tz)
    goal = await create(client, athlete.token, kind="STREAK", title="A week in a row", target=7, timeframe="MONTHLY")
    assert goal["progress"]["current"] == 0  # no training totals yet
    for last_day, run, shown in ((today, 4, 4), (today - timedelta(days=1), 4, 4), (today - timedelta(days=2), 4, 0)):
        await set_streak(app, athlete.id, run, last_day)
        seen = (await client.data(NODE, {"id": goal["id"]}, athlete.token))["node"]
        assert seen["progress"]["current"] == shown, (last_day, run)
        assert seen["progress"]["percent"] == int(shown * 1000 / 7) / 10


async def test_completion_happens_once_even_when_asked_twice_or_concurrently(client, register, app):
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    user_id = uid(athlete.id)
    first = await create(client, athlete.token, kind="STREAK", title="Three days", target=3, timeframe="WEEKLY")
    second = await create(client, athlete.token, kind="STREAK", title="Five days", target=5, timeframe="WEEKLY")
    await create(client, athlete.token, kind="STREAK", title="Thirty days", target=30, timeframe="MONTHLY")
    assert await active_goals_counter(app, athlete.id) == 3
    await set_streak(app, athlete.id, 5, local_today(tz))  # reached 3 and 5, not 30

    async with app.state.sessionmaker.begin() as session:
        done = await complete_reached_goals(session, user_id)
    assert sorted(str(g.id) for g in done) == sorted(str(uid(g["id"])) for g in (first, second))
    assert all(g.status == "completed" and g.completed_at is not None for g in done)
    async with app.state.sessionmaker.begin() as session:
        assert await complete_reached_goals(session, user_id) == []
    assert await active_goals_counter(app, athlete.id) == 1

    seen = (await client.data(NODE, {"id": first["id"]}, athlete.token))["node"]
    assert seen["status"] == "COMPLETED" and seen["completedAt"] and seen["progress"]["percent"] == 100

    # Two transactions racing for the same reached goal: exactly one completes it.
    third = await create(client, athlete.token, kind="STREAK", title="Eight days", target=8, timeframe="MONTHLY")
    assert await active_goals_counter(app, athlete.id) == 2
    await set_streak(app, athlete.id, 8, local_today(tz))

    async def attempt():
        async with app.state.sessionmaker.begin() as session:
            return [g.id for g in await complete_reached_goals(session, user_id)]

    results = await asyncio.gather(attempt(), attempt())
    assert sorted(results, key=len) == [[], [uid(third["id"])]]
    assert await active_goals_counter(app, athlete.id) == 1  # the thirty-day goal


async def test_a_streak_goal_past_its_end_date_is_overdue_and_no_longer_completes(client, register, app):
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    goal = await create(client, athlete.token, kind="STREAK", title="Ten days", target=10, targetDate=local_today(tz).isoformat())
    async with app.state.sessionmaker.begin() as session:
        await session.execute(
            text("UPDATE goals SET start_date = start_date - 30, end_date = end_date - 1 WHERE id = :g"), {"g": uid(goal["id"])}
        )
    await set_streak(app, athlete.id, 12, local_today(tz))
    async with app.state.sessionmaker.begin() as session:
        assert await complete_reached_goals(session, uid(athlete.id)) == []
    seen = (await client.data(NODE, {"id": goal["id"]}, athlete.token))["node"]
    assert (seen["status"], seen["isOverdue"], seen["daysRemaining"], seen["progress"]["current"]) == ("ACTIVE", True, 0, 12)


async def test_active_goal_counter_follows_every_write(client, register, app):
    athlete = await register(timezone=pick_timezone())
    token = athlete.token

    async def consistent(expected: int) -> None:
        assert (await my_goals(client, token, status="ACTIVE"))["totalCount"] == expected
        assert await active_goals_counter(app, athlete.id) == expected

    assert await active_goals_counter(app, athlete.id) in (None, 0)
    goals = [await create(client, token, kind="WORKOUTS", title=f"Goal {i}", target=50, timeframe="MONTHLY") for i in range(3)]
    await consistent(3)
    abandoned = (await client.data(UPDATE, {"i": {"goalId": goals[0]["id"], "status": "ABANDONED"}}, token))["updateGoal"]["goal"]
    assert abandoned["status"] == "ABANDONED"
    await consistent(2)
    await client.data(UPDATE, {"i": {"goalId": goals[0]["id"], "status": "ABANDONED", "title": "Again"}}, token)  # no change of status
    await consistent(2)
    await client.data(UPDATE, {"i": {"goalId": goals[0]["id"], "status": "ACTIVE"}}, token)
    await consistent(3)
    await client.data(UPDATE, {"i": {"goalId": goals[1]["id"], "status": "ABANDONED"}}, token)
    await consistent(2)
    assert (await client.data(DELETE, {"i": {"goalId": goals[1]["id"]}}, token))["deleteGoal"]["deletedGoalId"] == goals[1]["id"]
    await consistent(2)  # it was abandoned
    await client.data(DELETE, {"i": {"goalId": goals[2]["id"]}}, token)
    await consistent(1)
    # Reached by lowering the target: completed by the update, off the count.
    session = await start_workout(client, token, name="One")
    await finish(client, token, session["id"])
    lowered = (await client.data(UPDATE, {"i": {"goalId": goals[0]["id"], "target": 1, "title": "Just one"}}, token))["updateGoal"]["goal"]
    assert (lowered["status"], lowered["title"], lowered["target"], lowered["progress"]["current"]) == ("COMPLETED", "Just one", 1, 1)
    await consistent(0)
    # Created already reached: +1 and -1 in one transaction.
    instant = await create(client, token, kind="WORKOUTS", title="Done already", target=1, timeframe="DAILY")
    assert instant["status"] == "COMPLETED"
    await consistent(0)
    # A completed goal keeps its status and target; its title may change.
    for field, value in (("status", "ACTIVE"), ("target", 5)):
        error = await client.error(UPDATE, {"i": {"goalId": instant["id"], field: value}}, token)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
    renamed = (await client.data(UPDATE, {"i": {"goalId": instant["id"], "title": "Renamed"}}, token))["updateGoal"]["goal"]
    assert (renamed["title"], renamed["status"]) == ("Renamed", "COMPLETED")
    await consistent(0)
    # Lists, newest first, by status, paged.
    everything = await my_goals(client, token, first=1)
    assert everything["totalCount"] == 2 and everything["pageInfo"]["hasNextPage"]
    assert everything["edges"][0]["node"]["title"] == "Renamed"
    rest = await my_goals(client, token, first=5, after=everything["pageInfo"]["endCursor"])
    assert [e["node"]["title"] for e in rest["edges"]] == ["Just one"] and not rest["pageInfo"]["hasNextPage"]
    assert (await my_goals(client, token, status="ABANDONED"))["totalCount"] == 0
    assert (await my_goals(client, token, status="COMPLETED"))["totalCount"] == 2


async def test_target_date_can_move_but_not_into_the_past(client, register):
    tz = pick_timezone()
    athlete = await register(timezone=tz)
    today = local_today(tz)
    goal = await create(client, athlete.token, kind="POINTS", title="Soon", target=1000, targetDate=(today + timedelta(days=3)).isoformat())
    moved = (await client.data(UPDATE, {"i": {"goalId": goal["id"], "targetDate": (today + timedelta(days=20)).isoformat()}}, athlete.token))
    assert moved["updateGoal"]["goal"]["endDate"] == (today + timedelta(days=20)).isoformat()
    assert moved["updateGoal"]["goal"]["daysRemaining"] == 20
    error = await client.error(UPDATE, {"i": {"goalId": goal["id"], "targetDate": (today - timedelta(days=1)).isoformat()}}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "targetDate")
    weekly = await create(client, athlete.token, kind="POINTS", title="Week", target=1000, timeframe="WEEKLY")
    error = await client.error(UPDATE, {"i": {"goalId": weekly["id"], "targetDate": (today + timedelta(days=20)).isoformat()}}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "targetDate")
    error = await client.error(UPDATE, {"i": {"goalId": weekly["id"], "status": "COMPLETED"}}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "status")
    error = await client.error(UPDATE, {"i": {"goalId": weekly["id"], "title": " "}}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "title")


async def test_bad_input_names_the_field_and_writes_nothing(client, register, lifts, app):
    tz = pick_timezone()
    athlete, stranger = await register(timezone=tz), await register()
    token, squat = athlete.token, lifts["Barbell Squat"]
    today = local_today(tz)
    private = (await client.data(
        "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }",
        {"i": {"name": "Secret lift", "primaryMuscles": ["CHEST"]}}, stranger.token,
    ))["createExercise"]["exercise"]["id"]
    plank = (await client.data(
        "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }",
        {"i": {"name": "My plank", "primaryMuscles": ["ABDOMINALS"], "tracking": "DURATION"}}, token,
    ))["createExercise"]["exercise"]["id"]
    ok = {"kind": "POINTS", "title": "Points", "target": 100, "timeframe": "WEEKLY"}
    cases = [
        ({"timeframe": None}, "BAD_USER_INPUT", "timeframe"),
        ({"targetDate": (today + timedelta(days=5)).isoformat()}, "BAD_USER_INPUT", "targetDate"),
        ({"timeframe": None, "targetDate": (today - timedelta(days=1)).isoformat()}, "BAD_USER_INPUT", "targetDate"),
        ({"timeframe": None, "targetDate": (today + timedelta(days=4000)).isoformat()}, "BAD_USER_INPUT", "targetDate"),
        ({"target": 0}, "BAD_USER_INPUT", "target"),
        ({"target": -5}, "BAD_USER_INPUT", "target"),
        ({"target": 1e12}, "BAD_USER_INPUT", "target"),
        ({"kind": "WORKOUTS", "target": 2.5}, "BAD_USER_INPUT", "target"),
        ({"kind": "EXERCISE_WEIGHT", "target": 5000, "exerciseId": squat}, "BAD_USER_INPUT", "target"),
        ({"kind": "EXERCISE_WEIGHT", "target": 5000, "unit": "LB", "exerciseId": squat}, "BAD_USER_INPUT", "target"),
        ({"title": "   "}, "BAD_USER_INPUT", "title"),
        ({"title": "x" * 121}, "BAD_USER_INPUT", "title"),
        ({"kind": "EXERCISE_WEIGHT"}, "BAD_USER_INPUT", "exerciseId"),
        ({"exerciseId": squat}, "BAD_USER_INPUT", "exerciseId"),
        ({"kind": "EXERCISE_WEIGHT", "exerciseId": athlete.id}, "BAD_USER_INPUT", "exerciseId"),
        ({"kind": "EXERCISE_WEIGHT", "exerciseId": plank}, "BAD_USER_INPUT", "exerciseId"),
        ({"kind": "EXERCISE_WEIGHT", "exerciseId": private}, "NOT_FOUND", "exerciseId"),
    ]
    for change, code, field in cases:
        error = await create_error(client, token, **{**ok, **change})
        assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), change
    assert (await my_goals(client, token))["totalCount"] == 0
    assert await active_goals_counter(app, athlete.id) in (None, 0)
    anonymous = await client.error(CREATE, {"i": ok})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    # 300 lb is within the 2,000 kg limit and is stored as kilograms.
    heavy = await create(client, token, **{**ok, "kind": "EXERCISE_WEIGHT", "target": 300, "unit": "LB", "exerciseId": squat})
    assert heavy["target"] == pytest.approx(300 * KG_PER_LB, abs=0.001) and heavy["targetLb"] == pytest.approx(300, abs=0.01)


async def test_others_get_not_found_and_an_accepted_coach_reads(client, register):
    coach, athlete, _ = await coach_and_athlete(client, register)
    stranger = await register()
    goal = await create(client, athlete.token, kind="POINTS", title="Mine", target=100, timeframe="WEEKLY")
    for token in (stranger.token, coach.token):
        for document, variables in (
            (UPDATE, {"i": {"goalId": goal["id"], "title": "Theirs"}}),
            (UPDATE, {"i": {"goalId": goal["id"], "status": "ABANDONED"}}),
            (DELETE, {"i": {"goalId": goal["id"]}}),
        ):
            assert (await client.error(document, variables, token))["extensions"]["code"] == "NOT_FOUND"
    assert (await client.error(NODE, {"id": goal["id"]}, stranger.token))["extensions"]["code"] == "NOT_FOUND"
    athlete_goals = "query($id: ID!) { node(id: $id) { ... on User { goals { totalCount edges { node { id title progress { current } } } } } } }"
    assert (await client.error(athlete_goals, {"id": athlete.id}, stranger.token))["extensions"]["code"] == "NOT_FOUND"
    # The coach reads them, through node and through the athlete.
    assert (await client.data(NODE, {"id": goal["id"]}, coach.token))["node"]["title"] == "Mine"
    listed = (await client.data(athlete_goals, {"id": athlete.id}, coach.token))["node"]["goals"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"] == {"id": goal["id"], "title": "Mine", "progress": {"current": 0}}
    # Nothing changed.
    seen = (await client.data(NODE, {"id": goal["id"]}, athlete.token))["node"]
    assert (seen["title"], seen["status"]) == ("Mine", "ACTIVE")


async def test_goal_progress_is_one_statement_for_any_number_of_goals(client, register, lifts, sql_counter, capsys):
    squat = lifts["Barbell Squat"]
    few, many = await register(timezone=pick_timezone()), await register(timezone=pick_timezone())
    for account, count in ((few, 1), (many, 4)):
        session = await start_workout(client, account.token, name="Session")
        await log_set(client, account.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
        await finish(client, account.token, session["id"])
        for i in range(count):
            for kind in ("POINTS", "WORKOUTS", "VOLUME", "DURATION", "STREAK"):
                await create(client, account.token, kind=kind, title=f"{kind} {i}", target=9_000 if kind != "STREAK" else 3000, timeframe="MONTHLY")
            await create(client, account.token, kind="EXERCISE_WEIGHT", title=f"Squat {i}", target=1000, exerciseId=squat, timeframe="MONTHLY")
    counts = {}
    for account, goals in ((few, 6), (many, 24)):
        sql_counter.reset()
        listed = await my_goals(client, account.token, first=50)
        counts[goals] = sql_counter.count
        assert len(listed["edges"]) == goals
        by_kind = {e["node"]["kind"]: e["node"]["progress"]["current"] for e in listed["edges"]}
        assert by_kind["VOLUME"] == 500 and by_kind["WORKOUTS"] == 1 and by_kind["POINTS"] == 16 and by_kind["EXERCISE_WEIGHT"] == 100
    # viewer, the page, progress, exercises, total count: one statement each, however many goals.
    assert counts[6] == counts[24] == 5, sql_counter.statements
    with capsys.disabled():
        print(f"\n[goals] viewer.goals with progress: {counts[6]} SQL statements for 6 goals, {counts[24]} for 24")


ACTIVITY = """
subscription Feed($after: String) {
  activityFeed(after: $after) {
    __typename
    ... on GoalCompleted { eventId goal { id title status progress { percent } } }
  }
}
"""


async def test_a_goal_reached_when_created_reaches_the_activity_feed(app_servers, client, register):
    athlete = await register(timezone=pick_timezone())
    ws = await WsClient.open(app_servers[1].url, TRANSPORT_WS, athlete.token)
    await ws.subscribe(ACTIVITY, {"after": FROM_START})
    session = await start_workout(client, athlete.token, name="Today")
    await finish(client, athlete.token, session["id"])
    pending = await create(client, athlete.token, kind="WORKOUTS", title="Two today", target=2, timeframe="DAILY")
    goal = await create(client, athlete.token, kind="WORKOUTS", title="One today", target=1, timeframe="DAILY")
    assert (goal["status"], pending["status"]) == ("COMPLETED", "ACTIVE")
    received = []
    while not any(e["__typename"] == "GoalCompleted" for e in received):
        payload = await ws.next_payload(timeout=15)
        assert "errors" not in payload, payload
        received.append(payload["data"]["activityFeed"])
    completed = [e for e in received if e["__typename"] == "GoalCompleted"]
    assert completed[0]["goal"] == {"id": goal["id"], "title": "One today", "status": "COMPLETED", "progress": {"percent": 100}}
    # Once only: the goal that is still short of its target brings no event.
    with pytest.raises(asyncio.TimeoutError):
        while True:
            extra = await ws.next_payload(timeout=1)
            assert extra["data"]["activityFeed"]["__typename"] != "GoalCompleted", extra
    await ws.close()


async def goal_node(client, token: str, goal_id: str) -> dict:
    return (await client.data(NODE, {"id": goal_id}, token))["node"]


async def test_sets_and_workouts_complete_goals_inside_their_own_writes(client, register, lifts):
    athlete = await register(timezone=pick_timezone())
    volume = await create(client, athlete.token, kind="VOLUME", title="A tonne today", target=1000, timeframe="DAILY")
    workouts = await create(client, athlete.token, kind="WORKOUTS", title="One this week", target=1, timeframe="WEEKLY")
    session = await start_workout(client, athlete.token)
    squat = lifts["Barbell Squat"]
    await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
    assert (await goal_node(client, athlete.token, volume["id"]))["status"] == "ACTIVE"
    await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat, reps=5, weight=100)
    reached = await goal_node(client, athlete.token, volume["id"])
    assert (reached["status"], reached["progress"]["percent"]) == ("COMPLETED", 100)
    assert (await goal_node(client, athlete.token, workouts["id"]))["status"] == "ACTIVE"
    await finish(client, athlete.token, session["id"])
    assert (await goal_node(client, athlete.token, workouts["id"]))["status"] == "COMPLETED"
