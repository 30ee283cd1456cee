"""Points, levels, streaks in the user's own time zone, achievements exactly once, and the backfill."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from db.demo import _create as create_demo
from db.models import PersonalRecord, User, UserAchievement, UserProgress
from resolvers.ids import decode_id
from server.backfill import backfill
from tests.stories import create_program, exercise_id, finish, log_set, start_workout

PROGRESS = """{ viewer { progress {
  points level nextLevel levelProgress pointsToNextLevel currentStreak longestStreak lastActiveDay
  workouts sets totalVolume recordsHeld programsCompleted
} achievements(first: 50) { totalCount edges { node { achievement { code pointsReward } } } } } }"""
JERUSALEM = ZoneInfo("Asia/Jerusalem")


async def progress(client, token: str) -> tuple[dict, dict[str, int]]:
    viewer = (await client.data(PROGRESS, token=token))["viewer"]
    awards = {e["node"]["achievement"]["code"]: e["node"]["achievement"]["pointsReward"] for e in viewer["achievements"]["edges"]}
    assert viewer["achievements"]["totalCount"] == len(awards)
    return viewer["progress"], awards


async def test_points_level_and_achievements_of_a_first_workout(client, register):
    athlete = await register()
    squat, plank, pushups = [await exercise_id(client, name) for name in ("Barbell Squat", "Plank", "Pushups")]
    session = (await start_workout(client, athlete.token))["id"]
    await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=5, weight=60, setType="WARMUP")
    await log_set(client, athlete.token, sessionId=session, exerciseId=squat, reps=5, weight=100)
    await log_set(client, athlete.token, sessionId=session, exerciseId=plank, durationSeconds=90)
    await log_set(client, athlete.token, sessionId=session, exerciseId=pushups, reps=25)
    await finish(client, athlete.token, session)

    state, awards = await progress(client, athlete.token)
    # Squat 100 x 5: 8 records (heaviest, e1RM, set volume, most reps, 1/3/5-rep max, session
    # volume); plank: longest duration; push-ups: most reps. Ten records, one workout.
    assert awards == {"FIRST_WORKOUT": 10, "FIRST_RECORD": 10, "RECORDS_10": 50}
    activity = 0 + (1 + 500 // 100) + (1 + 90 // 60) + (1 + 25 // 10) + 10  # warm-up, squat, plank, push-ups, workout
    assert activity == 21
    assert state == {
        "points": activity + 10 + 10 + 50,
        "level": "BEGINNER", "nextLevel": "INTERMEDIATE", "levelProgress": 9, "pointsToNextLevel": 1000 - 91,
        "currentStreak": 1, "longestStreak": 1, "lastActiveDay": datetime.now(timezone.utc).date().isoformat(),
        "workouts": 1, "sets": 4, "totalVolume": 500, "recordsHeld": 10, "programsCompleted": 0,
    }


async def test_a_program_is_completed_when_each_of_its_days_was_trained(client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat")
    program = await create_program(client, athlete.token, name="Two days", days=[
        {"name": "A", "exercises": [{"exerciseId": squat, "sets": 1}]},
        {"name": "B", "exercises": [{"exerciseId": squat, "sets": 1}]},
    ])
    day_a, day_b = (d["id"] for d in program["days"])
    await finish(client, athlete.token, (await start_workout(client, athlete.token, programDayId=day_a))["id"])
    state, awards = await progress(client, athlete.token)
    assert state["programsCompleted"] == 0 and "FIRST_PROGRAM_COMPLETED" not in awards
    await finish(client, athlete.token, (await start_workout(client, athlete.token, programDayId=day_b))["id"])
    state, awards = await progress(client, athlete.token)
    assert state["programsCompleted"] == 1 and awards["FIRST_PROGRAM_COMPLETED"] == 100


async def workout_at(client, token: str, local: datetime) -> None:
    session = await start_workout(client, token, startedAt=local.isoformat())
    await finish(client, token, session["id"])


async def test_streaks_follow_the_users_local_days_across_daylight_saving(client, register):
    athlete = await register(timezone="Asia/Jerusalem")
    # Israel moved to summer time at 02:00 on 27 March 2026. 00:30 and 23:30 on the 26th are one
    # local day (though two UTC days); 00:30 on the 28th is after the change.
    for moment in ("2026-03-26T00:30", "2026-03-26T23:30", "2026-03-28T00:30"):
        await workout_at(client, athlete.token, datetime.fromisoformat(moment).replace(tzinfo=JERUSALEM))
    state, _ = await progress(client, athlete.token)
    # UTC days would be the 25th, 26th and 27th: a 3-day run. Locally the 27th is missing.
    assert (state["longestStreak"], state["lastActiveDay"], state["currentStreak"]) == (1, "2026-03-28", 0)
    await workout_at(client, athlete.token, datetime(2026, 3, 27, 12, 0, tzinfo=JERUSALEM))
    state, awards = await progress(client, athlete.token)
    assert state["longestStreak"] == 3 and "STREAK_3" in awards

    # Back to winter time at 02:00 on 25 October 2026: four nights at 00:30 are four days.
    for day in (24, 25, 26, 27):
        await workout_at(client, athlete.token, datetime(2026, 10, day, 0, 30, tzinfo=JERUSALEM))
    state, _ = await progress(client, athlete.token)
    assert (state["longestStreak"], state["lastActiveDay"]) == (4, "2026-10-27")

    # Yesterday and today (local) make a current streak of two.
    now = datetime.now(JERUSALEM)
    await workout_at(client, athlete.token, now - timedelta(days=1))
    await workout_at(client, athlete.token, now - timedelta(minutes=1))
    state, _ = await progress(client, athlete.token)
    assert state["currentStreak"] == 2 and state["workouts"] == 10


async def test_concurrent_sets_award_once_and_keep_totals_exact(app, client, register):
    athlete = await register()
    squat = await exercise_id(client, "Barbell Squat")
    sessions = [(await start_workout(client, athlete.token))["id"] for _ in range(4)]
    # Sixteen sets at once across four workouts (so no workout's row lock orders them).
    await asyncio.gather(*(
        log_set(client, athlete.token, sessionId=sessions[i % 4], exerciseId=squat, reps=1 + i % 6, weight=100 + 5 * i)
        for i in range(16)
    ))
    state, awards = await progress(client, athlete.token)
    assert state["sets"] == 16
    assert state["points"] == sum(1 + (100 + 5 * i) * (1 + i % 6) // 100 for i in range(16)) + sum(awards.values())
    user_id = decode_id(athlete.id, "User", "id")
    async with app.state.sessionmaker() as db:
        announced = (await db.execute(text(
            "SELECT data->>'user_achievement_id', count(*) FROM outbox_events"
            " WHERE type = 'AchievementUnlocked' AND channel = 'user:' || :u GROUP BY 1"
        ), {"u": str(user_id)})).all()
    assert len(announced) == len(awards) and all(n == 1 for _, n in announced)
    # What the racing writes left equals a from-scratch derivation.
    before = await snapshot(app.state.sessionmaker, [user_id])
    await backfill(app.state.sessionmaker, [user_id])
    assert_same(await snapshot(app.state.sessionmaker, [user_id]), before)
    assert before["records"][str(user_id)][f"heaviest_weight:{decode_id(squat, 'Exercise', 'id')}"][0] == 175


def assert_same(derived: dict, live: dict) -> None:
    """Equal, or a message naming each record that differs."""
    differing = {
        key: (live_records.get(key), derived["records"].get(user, {}).get(key))
        for user, live_records in live["records"].items()
        for key in set(live_records) | set(derived["records"].get(user, {}))
        if live_records.get(key) != derived["records"].get(user, {}).get(key)
    }
    assert not differing, differing
    assert derived == live


async def snapshot(sessionmaker, user_ids) -> dict:
    """Everything the rules derive, per user, comparable across runs."""
    async with sessionmaker() as db:
        records = (await db.execute(select(PersonalRecord).where(PersonalRecord.user_id.in_(user_ids)))).scalars()
        totals = (await db.execute(select(UserProgress).where(UserProgress.user_id.in_(user_ids)))).scalars()
        awards = (await db.execute(
            text("SELECT ua.user_id, a.code FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id"
                 " WHERE ua.user_id = ANY(:ids)"), {"ids": list(user_ids)}
        )).all()
        result: dict = {"records": {}, "totals": {}, "awards": sorted((str(u), c) for u, c in awards)}
        for r in records:
            result["records"].setdefault(str(r.user_id), {})[f"{r.kind}:{r.exercise_id}"] = (
                r.value, r.previous_value, r.set_log_id, r.session_id, r.achieved_at)
        for t in totals:
            result["totals"][str(t.user_id)] = (t.points, t.workouts, t.sets, t.volume_kg, t.records, t.programs_completed,
                                                t.streak_run, t.longest_streak, t.last_active_day)
    return result


async def test_backfill_of_the_demo_history_equals_what_the_live_rules_gave(app):
    sessionmaker = app.state.sessionmaker
    await create_demo(sessionmaker)
    async with sessionmaker() as db:
        # The demo athletes (their coach, maya, logs no training of her own).
        demo_users = list((await db.execute(select(User.id).where(User.email.like("%@demo.repgraph.dev"), User.role == "athlete"))).scalars())
    live = await snapshot(sessionmaker, demo_users)
    assert len(live["totals"]) == 3 and all(live["records"].values()) and live["awards"]
    # Forget everything derived, then derive it again from the sets alone.
    async with sessionmaker.begin() as db:
        for model in (PersonalRecord, UserAchievement, UserProgress):
            await db.execute(model.__table__.delete().where(model.__table__.c.user_id.in_(demo_users)))
    result = await backfill(sessionmaker, demo_users)
    assert result["awarded"] == len(live["awards"])
    assert_same(await snapshot(sessionmaker, demo_users), live)
