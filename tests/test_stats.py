"""User.stats: a fixed history in Asia/Jerusalem, with every expected figure worked out by hand.

The history (two custom exercises, so the muscle shares are known):
  Stats Bench:  chest 1.0, triceps 0.25  → chest gets 0.8 of its volume, triceps 0.2
  Stats Squat:  quadriceps 1.0, glutes 0.5 → quadriceps 2/3, glutes 1/3
A set's points are 1 + floor(volume / 100) (warm-ups 0); a completed workout adds 10.

  W0 Tue 2025-03-04 18:00 +02  bench 100×5                      completed   (before the range)
  W1 Mon 2025-03-10 00:30 +02  bench 40×10 warm-up, 100×5, 100×5  completed   (UTC: Sunday 9th, 22:30)
  W2 Wed 2025-03-12 18:00 +02  squat 120×5                       completed
  W3 Tue 2025-03-18 07:00 +02  bench 100×5                       completed
  W4 Mon 2025-03-24 07:00 +02  bench 100×5, 102.5×4; squat 140×3 completed
  W5 Wed 2025-03-26 19:00 +02  squat 100×10                      abandoned
  W6 Sun 2025-03-30 23:30 +03  bench 60×10                       completed   (summer time began on the 28th)
  W7 Mon 2025-03-31 00:30 +03  squat 100×5                       completed   (after the range; UTC: 30th, 21:30)

The main range is Wed 2025-03-05 .. Sun 2025-03-30, by week.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager
from sqlalchemy import event

from resolvers.ids import decode_id
from resolvers.stats import LocalStatsCache, RedisStatsCache, invalidate_stats
from server.app import create_app
from tests.conftest import GraphQLClient, StatementCounter
from tests.stories import finish, log_set, start_workout
from tests.test_coaching import INVITE, RESPOND

TZ = "Asia/Jerusalem"
FIGURES = "workouts sets reps volume durationSeconds points"
STATS = f"""
query Stats($id: ID!, $range: StatsRange!, $groupBy: StatsGrouping!) {{
  node(id: $id) {{ ... on User {{ stats(range: $range, groupBy: $groupBy) {{
    from to groupBy
    buckets {{ start end {FIGURES} }}
    totals {{ {FIGURES} }}
    volumeByMuscle {{ muscle volume }}
    weeklyProgress {{
      currentWeekStart previousWeekStart
      workouts {{ current previous changePercent }}
      points {{ current previous changePercent }}
      volume {{ current previous changePercent }}
    }}
  }} }} }}
}}
"""
FAVOURITE = """
query Fav($range: StatsRange!) { viewer { stats(range: $range) { favouriteExercise { id nameEn } } } }
"""
VIEWER_ONLY = "{ viewer { id } }"
VIEWER_STATS = f"""
query($range: StatsRange!) {{ viewer {{ id stats(range: $range) {{ totals {{ {FIGURES} }} buckets {{ start {FIGURES} }} }} }} }}
"""
CREATE_EXERCISE = "mutation($i: CreateExerciseInput!) { createExercise(input: $i) { exercise { id } } }"
ABANDON = "mutation($i: AbandonWorkoutInput!) { abandonWorkout(input: $i) { session { status } } }"
SESSIONS = "{ viewer { workoutSessions(first: 20, filter: {status: COMPLETED}) { edges { node { name startedAt endedAt } } } } }"
MAIN = {"from": "2025-03-05", "to": "2025-03-30"}


def figures(workouts=0, sets=0, reps=0, volume=0.0, duration=0, points=0) -> dict:
    return {"workouts": workouts, "sets": sets, "reps": reps, "volume": volume, "durationSeconds": duration, "points": points}


def pts(weight: float, reps: int) -> int:
    return 1 + int(weight * reps // 100)


async def build_history(client, register):
    """The history above, through the API. Returns the athlete, exercise ids and each completed workout's duration."""
    athlete = await register(timezone=TZ)
    bench = (await client.data(CREATE_EXERCISE, {"i": {
        "name": "Stats Bench", "primaryMuscles": ["CHEST"], "secondaryMuscles": ["TRICEPS"],
        "muscleContributions": [{"muscle": "TRICEPS", "share": 0.25}]}}, athlete.token))["createExercise"]["exercise"]["id"]
    squat = (await client.data(CREATE_EXERCISE, {"i": {
        "name": "Stats Squat", "primaryMuscles": ["QUADRICEPS"], "secondaryMuscles": ["GLUTES"]}}, athlete.token))["createExercise"]["exercise"]["id"]

    async def workout(name, started_at, sets, end="finish"):
        session = await start_workout(client, athlete.token, name=name, startedAt=started_at)
        for exercise, weight, reps, *kind in sets:
            extra = {"setType": kind[0]} if kind else {}
            await log_set(client, athlete.token, sessionId=session["id"], exerciseId=exercise, weight=weight, reps=reps,
                          completedAt=started_at, **extra)
        if end == "finish":
            await finish(client, athlete.token, session["id"])
        else:
            await client.data(ABANDON, {"i": {"sessionId": session["id"]}}, athlete.token)
        return session["id"]

    ids = {
        "W0": await workout("W0", "2025-03-04T18:00:00+02:00", [(bench, 100, 5)]),
        "W1": await workout("W1", "2025-03-10T00:30:00+02:00", [(bench, 40, 10, "WARMUP"), (bench, 100, 5), (bench, 100, 5)]),
        "W2": await workout("W2", "2025-03-12T18:00:00+02:00", [(squat, 120, 5)]),
        "W3": await workout("W3", "2025-03-18T07:00:00+02:00", [(bench, 100, 5)]),
        "W4": await workout("W4", "2025-03-24T07:00:00+02:00", [(bench, 100, 5), (bench, 102.5, 4), (squat, 140, 3)]),
        "W5": await workout("W5", "2025-03-26T19:00:00+02:00", [(squat, 100, 10)], end="abandon"),
        "W6": await workout("W6", "2025-03-30T23:30:00+03:00", [(bench, 60, 10)]),
        "W7": await workout("W7", "2025-03-31T00:30:00+03:00", [(squat, 100, 5)]),
    }
    # finishWorkout ends a workout now, so durations are read back rather than assumed.
    seconds = {}
    for edge in (await client.data(SESSIONS, token=athlete.token))["viewer"]["workoutSessions"]["edges"]:
        node = edge["node"]
        elapsed = datetime.fromisoformat(node["endedAt"]) - datetime.fromisoformat(node["startedAt"])
        seconds[node["name"]] = elapsed // timedelta(seconds=1)
    assert sorted(seconds) == ["W0", "W1", "W2", "W3", "W4", "W6", "W7"]  # W5 was abandoned
    return athlete, bench, squat, ids, seconds


async def stats(client, token, user_id, range_=MAIN, group_by="WEEK") -> dict:
    data = await client.data(STATS, {"id": user_id, "range": range_, "groupBy": group_by}, token)
    return data["node"]["stats"]


def expected_main(s: dict) -> dict:
    """The main range by week, worked out from the history table."""
    week_10 = figures(
        workouts=2,                                   # W1, W2
        sets=3,                                       # W1's two working sets (not the warm-up), W2's one
        reps=15,
        volume=100 * 5 * 2 + 120 * 5,                 # 1,600
        duration=s["W1"] + s["W2"],
        points=pts(100, 5) * 2 + 10 + pts(120, 5) + 10,  # 6+6+10 + 7+10 = 39
    )
    week_17 = figures(workouts=1, sets=1, reps=5, volume=500, duration=s["W3"], points=pts(100, 5) + 10)  # 16
    week_24 = figures(
        workouts=2,                                   # W4, W6 (W5 was abandoned: its sets count, the workout does not)
        sets=5,
        reps=5 + 4 + 3 + 10 + 10,                     # 32
        volume=500 + 410 + 420 + 1000 + 600,          # 2,930
        duration=s["W4"] + s["W6"],
        points=(pts(100, 5) + pts(102.5, 4) + pts(140, 3) + 10) + pts(100, 10) + (pts(60, 10) + 10),  # 26 + 11 + 17 = 54
    )
    totals = {k: week_10[k] + week_17[k] + week_24[k] for k in week_10}
    bench_volume = 1000 + 500 + 910 + 600             # 3,010 in the range
    squat_volume = 600 + 420 + 1000                   # 2,020
    return {
        "from": "2025-03-05", "to": "2025-03-30", "groupBy": "WEEK",
        "buckets": [
            # The first week starts before the range: W0 (Tuesday the 4th) is outside it and not counted.
            {"start": "2025-03-03", "end": "2025-03-09", **figures()},
            {"start": "2025-03-10", "end": "2025-03-16", **week_10},
            {"start": "2025-03-17", "end": "2025-03-23", **week_17},
            {"start": "2025-03-24", "end": "2025-03-30", **week_24},
        ],
        "totals": totals,
        "volumeByMuscle": [
            {"muscle": "CHEST", "volume": bench_volume * 4 / 5},                      # 2,408
            {"muscle": "QUADRICEPS", "volume": round(squat_volume * 2 / 3, 3)},       # 1,346.667
            {"muscle": "GLUTES", "volume": round(squat_volume / 3, 3)},               # 673.333
            {"muscle": "TRICEPS", "volume": bench_volume / 5},                        # 602
        ],
        "weeklyProgress": {
            "currentWeekStart": "2025-03-24", "previousWeekStart": "2025-03-17",
            "workouts": {"current": 2, "previous": 1, "changePercent": 100.0},
            "points": {"current": 54, "previous": 16, "changePercent": 237.5},        # (54 - 16) / 16
            "volume": {"current": 2930.0, "previous": 500.0, "changePercent": 486.0},  # (2930 - 500) / 500
        },
    }


@pytest.fixture
async def history(client, register):
    return await build_history(client, register)


async def test_weekly_buckets_totals_muscles_and_progress(client, history):
    athlete, _, _, _, seconds = history
    got = await stats(client, athlete.token, athlete.id)
    expected = expected_main(seconds)
    assert got == expected
    assert got["totals"]["volume"] == 5030 and got["totals"]["points"] == 109 and got["totals"]["workouts"] == 5
    # Volume converts like every weight field.
    lb = await client.data(
        "query($r: StatsRange!) { viewer { stats(range: $r) { totals { volume(unit: LB) } volumeByMuscle { volume(unit: LB) }"
        " weeklyProgress { volume { current(unit: LB) previous(unit: LB) changePercent } } } } }",
        {"r": MAIN}, athlete.token,
    )
    lb_stats = lb["viewer"]["stats"]
    assert lb_stats["totals"]["volume"] == round(5030 / 0.45359237, 2)
    assert lb_stats["volumeByMuscle"][0]["volume"] == round(2408 / 0.45359237, 2)
    assert lb_stats["weeklyProgress"]["volume"] == {
        "current": round(2930 / 0.45359237, 2), "previous": round(500 / 0.45359237, 2), "changePercent": 486.0,
    }


async def test_days_follow_the_users_time_zone(client, history):
    athlete, _, _, _, seconds = history
    # W1 started at 00:30 on Monday the 10th in Jerusalem (22:30 on Sunday the 9th in UTC): it is Monday's.
    got = await stats(client, athlete.token, athlete.id, {"from": "2025-03-09", "to": "2025-03-10"}, "DAY")
    assert got["buckets"] == [
        {"start": "2025-03-09", "end": "2025-03-09", **figures()},
        {"start": "2025-03-10", "end": "2025-03-10", **figures(1, 2, 10, 1000, seconds["W1"], 22)},
    ]
    # W6 (23:30 on the 30th, summer time) is the 30th's; W7 (00:30 on the 31st, still the 30th in UTC) is not.
    got = await stats(client, athlete.token, athlete.id, {"from": "2025-03-30", "to": "2025-03-30"}, "DAY")
    assert got["buckets"] == [{"start": "2025-03-30", "end": "2025-03-30", **figures(1, 1, 10, 600, seconds["W6"], 17)}]
    # By month: every workout of March, W0 and W7 included; February is empty.
    got = await stats(client, athlete.token, athlete.id, {"from": "2025-02-20", "to": "2025-03-31"}, "MONTH")
    main = expected_main(seconds)["totals"]
    march = {
        "workouts": main["workouts"] + 2, "sets": main["sets"] + 2, "reps": main["reps"] + 10,
        "volume": main["volume"] + 1000, "durationSeconds": main["durationSeconds"] + seconds["W0"] + seconds["W7"],
        "points": main["points"] + 2 * (pts(100, 5) + 10),
    }
    assert got["buckets"] == [
        {"start": "2025-02-01", "end": "2025-02-28", **figures()},
        {"start": "2025-03-01", "end": "2025-03-31", **march},
    ]
    assert got["totals"] == march
    # The week holding `to` (Monday the 31st) against the one before (W4, W5, W6).
    assert got["weeklyProgress"]["currentWeekStart"] == "2025-03-31"
    assert got["weeklyProgress"]["workouts"] == {"current": 1, "previous": 2, "changePercent": -50.0}
    assert got["weeklyProgress"]["points"] == {"current": 16, "previous": 54, "changePercent": round((16 - 54) * 100 / 54, 1)}


async def test_favourite_exercise_and_its_tie_breaks(client, history):
    athlete, bench, squat, _, _ = history
    fav = lambda r: client.data(FAVOURITE, {"range": r}, athlete.token)  # noqa: E731
    # Bench: 6 working sets in the range (the warm-up does not count); squat: 3.
    assert (await fav(MAIN))["viewer"]["stats"]["favouriteExercise"] == {"id": bench, "nameEn": "Stats Bench"}
    # 12th-18th: one set each (squat 120×5 in W2, bench 100×5 in W3): the larger volume wins.
    assert (await fav({"from": "2025-03-12", "to": "2025-03-18"}))["viewer"]["stats"]["favouriteExercise"]["id"] == squat
    # A range with no sets: null.
    empty = await fav({"from": "2024-01-01", "to": "2024-01-31"})
    assert empty["viewer"]["stats"]["favouriteExercise"] is None


async def test_empty_history_has_zero_buckets(client, register):
    user = await register(timezone=TZ)
    got = await stats(client, user.token, user.id, {"from": "2025-01-01", "to": "2025-01-03"}, "DAY")
    assert [b["start"] for b in got["buckets"]] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    assert all(b == {"start": b["start"], "end": b["start"], **figures()} for b in got["buckets"])
    assert got["totals"] == figures() and got["volumeByMuscle"] == []
    assert got["weeklyProgress"]["workouts"] == {"current": 0, "previous": 0, "changePercent": None}


@pytest.mark.parametrize(
    ("range_", "field"),
    [
        ({"from": "2025-03-10", "to": "2025-03-09"}, "range.to"),   # ends before it starts
        ({"from": "2022-03-10", "to": "2025-03-10"}, "range.to"),   # three years and a day
        ({"from": "0001-01-01", "to": "0001-01-02"}, "range.from"),
    ],
)
async def test_bad_ranges_are_the_clients_error(client, register, range_, field):
    user = await register()
    error = await client.error(STATS, {"id": user.id, "range": range_, "groupBy": "WEEK"}, user.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == field
    # Exactly three years (2022-03-10 .. 2025-03-09) is allowed.
    ok = await stats(client, user.token, user.id, {"from": "2022-03-10", "to": "2025-03-09"}, "MONTH")
    assert len(ok["buckets"]) == 37


async def test_strangers_see_nothing_and_coaches_see_the_same(client, register, history):
    athlete, _, _, _, seconds = history
    stranger = await register()
    body = await client.execute(STATS, {"id": athlete.id, "range": MAIN, "groupBy": "WEEK"}, stranger.token)
    assert body["data"]["node"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    coach = await register(role="COACH")
    invitation = (await client.data(INVITE, {"a": athlete.username}, coach.token))["inviteAthlete"]["relationship"]["id"]
    await client.data(RESPOND, {"i": invitation, "ok": True}, athlete.token)
    assert await stats(client, coach.token, athlete.id) == expected_main(seconds)


async def test_stats_are_cached_and_each_write_invalidates_them(client, history, sql_counter, app):
    athlete, bench, _, ids, _ = history
    variables = {"range": MAIN}
    first = await client.data(VIEWER_STATS, variables, athlete.token)

    sql_counter.reset()
    await client.data(VIEWER_ONLY, token=athlete.token)
    baseline = sql_counter.count  # the viewer's own row
    sql_counter.reset()
    second = await client.data(VIEWER_STATS, variables, athlete.token)
    assert second == first
    assert sql_counter.count == baseline, sql_counter.statements  # stats from the cache: no statement of their own
    assert not any("set_logs" in s for s in sql_counter.statements)

    # logSet (into W6, on Sunday the 30th) invalidates: the next call sees the set.
    logged = await log_set(client, athlete.token, sessionId=ids["W6"], exerciseId=bench, weight=100, reps=2)
    third = (await client.data(VIEWER_STATS, variables, athlete.token))["viewer"]["stats"]
    before = first["viewer"]["stats"]
    assert third["totals"] == {**before["totals"], "sets": 10, "reps": 54, "volume": 5230, "points": 109 + pts(100, 2)}
    assert third["buckets"][3]["volume"] == 2930 + 200 and third["buckets"][:3] == before["buckets"][:3]

    # updateSet, deleteSet: the same.
    await client.data("mutation($i: UpdateSetInput!) { updateSet(input: $i) { setLog { id } } }",
                      {"i": {"setLogId": logged["setLog"]["id"], "reps": 3}}, athlete.token)
    assert (await client.data(VIEWER_STATS, variables, athlete.token))["viewer"]["stats"]["totals"]["volume"] == 5330
    await client.data("mutation($i: DeleteSetInput!) { deleteSet(input: $i) { deletedSetLogId } }",
                      {"i": {"setLogId": logged["setLog"]["id"]}}, athlete.token)
    assert (await client.data(VIEWER_STATS, variables, athlete.token)) == first

    # startWorkout, finishWorkout and abandonWorkout delete the user's hash too.
    redis, key = app.state.stats_cache.redis, RedisStatsCache.key(decode_id(athlete.id, "User", "id"))
    assert await redis.exists(key)
    session = await start_workout(client, athlete.token, name="Late", startedAt="2025-03-29T10:00:00+03:00")
    assert not await redis.exists(key)
    started = (await client.data(VIEWER_STATS, variables, athlete.token))["viewer"]["stats"]
    assert started["totals"] == before["totals"]  # in progress: no workout, no sets yet
    assert await redis.exists(key)
    await finish(client, athlete.token, session["id"])
    assert not await redis.exists(key)
    finished = (await client.data(VIEWER_STATS, variables, athlete.token))["viewer"]["stats"]
    assert finished["totals"]["workouts"] == 6 and finished["totals"]["points"] == 119
    session = await start_workout(client, athlete.token, name="Dropped", startedAt="2025-03-29T12:00:00+03:00")
    await client.data(VIEWER_STATS, variables, athlete.token)
    await client.data(ABANDON, {"i": {"sessionId": session["id"]}}, athlete.token)
    assert not await redis.exists(key)
    assert (await client.data(VIEWER_STATS, variables, athlete.token))["viewer"]["stats"]["totals"] == finished["totals"]


async def test_results_are_identical_with_the_cache_cleared(client, history, app, sql_counter):
    athlete, _, _, _, seconds = history
    variables = {"id": athlete.id, "range": MAIN, "groupBy": "WEEK"}
    fresh = await client.data(STATS, variables, athlete.token)
    cached = await client.data(STATS, variables, athlete.token)
    await app.state.stats_cache.invalidate(decode_id(athlete.id, "User", "id"))
    sql_counter.reset()
    recomputed = await client.data(STATS, variables, athlete.token)
    assert any("jsonb_each_text" in s for s in sql_counter.statements)  # really computed again
    assert fresh == cached == recomputed
    assert fresh["node"]["stats"] == expected_main(seconds)


async def test_several_users_stats_cost_one_statement(client, register, sql_counter):
    coach = await register(role="COACH")
    athletes = [await register(timezone=tz) for tz in (TZ, "America/New_York", "UTC")]
    for athlete in athletes:
        invitation = (await client.data(INVITE, {"a": athlete.username}, coach.token))["inviteAthlete"]["relationship"]["id"]
        await client.data(RESPOND, {"i": invitation, "ok": True}, athlete.token)
        session = await start_workout(client, athlete.token, name="W", startedAt="2025-03-10T12:00:00+00:00")
        squat = (await client.data(CREATE_EXERCISE, {"i": {"name": "Sq", "primaryMuscles": ["QUADRICEPS"]}}, athlete.token))
        await log_set(client, athlete.token, sessionId=session["id"], exerciseId=squat["createExercise"]["exercise"]["id"],
                      weight=100, reps=5)
    query = """query($r: StatsRange!) { viewer { coaching { athlete { username stats(range: $r, groupBy: DAY) {
      totals { sets volume points } buckets { start sets } } } } } }"""
    sql_counter.reset()
    data = await client.data(query, {"r": {"from": "2025-03-09", "to": "2025-03-11"}}, coach.token)
    assert sum("jsonb_each_text" in s for s in sql_counter.statements) == 1
    by_name = {c["athlete"]["username"]: c["athlete"]["stats"] for c in data["viewer"]["coaching"]}
    for athlete in athletes:
        got = by_name[athlete.username]
        assert got["totals"] == {"sets": 1, "volume": 500.0, "points": 6}
        # 12:00 UTC on the 10th is the 10th in every one of these zones.
        assert [b["sets"] for b in got["buckets"]] == [0, 1, 0]


async def test_the_version_check_keeps_a_read_older_than_a_write_out_of_the_cache(app):
    for cache in (app.state.stats_cache, LocalStatsCache()):
        user = uuid.uuid4()
        [(doc, token)] = await cache.get_many([(user, "f")])
        assert doc is None
        await cache.invalidate(user)  # a write commits while the read computes
        await cache.put_many([(user, "f", "stale", token)])
        assert (await cache.get_many([(user, "f")]))[0][0] is None
        [(_, token)] = await cache.get_many([(user, "f")])
        await cache.put_many([(user, "f", "fresh", token)])
        assert (await cache.get_many([(user, "f")]))[0][0] == "fresh"


async def test_redis_down_never_fails_a_read_or_a_write():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    client = aioredis.Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.5)
    cache = RedisStatsCache(client)
    ctx = SimpleNamespace(stats_cache=cache)
    await invalidate_stats(ctx, uuid.uuid4())
    assert await cache.get_many([(uuid.uuid4(), "f")]) == [(None, None)]
    await cache.put_many([(uuid.uuid4(), "f", "doc", None)])
    await client.aclose()


async def test_without_redis_the_in_process_cache_does_the_same(settings, fresh_database):
    database = await asyncio.to_thread(fresh_database)  # its own: an in-process broker must not share an outbox
    app = create_app(dataclasses.replace(settings, database_url=database, redis_url=None))
    async with LifespanManager(app):
        assert isinstance(app.state.stats_cache, LocalStatsCache)
        counter = StatementCounter()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            client = GraphQLClient(http)
            athlete, bench, _, ids, _ = await build_history(client, _register(client))
            first = await client.data(VIEWER_STATS, {"range": MAIN}, athlete.token)
            counter.reset()
            assert await client.data(VIEWER_STATS, {"range": MAIN}, athlete.token) == first
            assert not any("set_logs" in s for s in counter.statements)
            await log_set(client, athlete.token, sessionId=ids["W6"], exerciseId=bench, weight=100, reps=2)
            again = await client.data(VIEWER_STATS, {"range": MAIN}, athlete.token)
            assert again["viewer"]["stats"]["totals"]["volume"] == 5230


def _register(client):
    from tests.conftest import REGISTER, Account

    async def make(**overrides):
        suffix = uuid.uuid4().hex[:10]
        values = {"email": f"u{suffix}@example.com", "username": f"u{suffix}", "password": "correct horse battery", **overrides}
        payload = (await client.data(REGISTER, {"input": values}))["register"]
        return Account(payload["token"], payload["user"]["id"], payload["user"]["username"], values["password"])

    return make
