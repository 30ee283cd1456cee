"""Bodyweight skill progressions: the ladder, today's plan, mastery from logged sets, levels, coaches."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from db.seed import load_library
from domain import skills as rules
from live.events import encode_event_id
from resolvers.ids import parse_global_id
from server.backfill import backfill
from tests.stories import finish, log_set, start_workout
from tests.test_authorization import coach_of
from tests.wsclient import TRANSPORT_WS, WsClient

LADDER = """
query($c: String, $l: Int) { skillLadder {
  levels { level name nameHe: name(lang: HE) description }
  categories { code name nameHe: name(lang: HE) }
  exercises(category: $c, level: $l) {
    id position equipment notes tags category { code } level { level }
    exercise { id name nameHe: name(lang: HE) tracking }
    defaultPrescription { sets { reps holdSeconds } tempo restSeconds }
  }
} }
"""
PROGRESS = """{ skillExercise { id exercise { id } } prescription { sets { reps holdSeconds } tempo restSeconds }
  customized mastered masteredAt masteredIn { id endedAt } }"""
PLAN = f"{{ viewer {{ skillPlan {{ category {{ code }} level {{ level name }} canAdvance exercises {PROGRESS} }} }} }}"
STEP = f"query($c: String, $l: Int) {{ viewer {{ skillProgress(category: $c, level: $l) {PROGRESS} }} }}"
SET_LEVEL = "mutation($c: String!, $l: Int!) { setSkillLevel(input: {category: $c, level: $l}) { standing { level { level } exercises { skillExercise { id } } } } }"
ADVANCE = """mutation($c: String!) { advanceSkillLevel(input: {category: $c}) {
  standing { level { level } canAdvance exercises { skillExercise { id } } } achievements { achievement { code } } } }"""
PRESCRIBE = """mutation($i: SetSkillPrescriptionInput!) { setSkillPrescription(input: $i) {
  progress { customized prescription { sets { reps holdSeconds } tempo restSeconds } } } }"""
START_PLANNED = """mutation { startWorkout(input: {fromSkillPlan: true}) { session { id name
  skillExercises { position skillExercise { id } planned { sets { reps holdSeconds } tempo } } } } }"""
PLANNED_VS_DONE = """query($id: ID!) { node(id: $id) { ... on WorkoutSession {
  skillExercises { position skillExercise { id } sets { reps durationSeconds } setsDone completed } } } }"""
UPDATE = "mutation($i: UpdateSetInput!) { updateSet(input: $i) { setLog { id } } }"
DELETE = "mutation($i: DeleteSetInput!) { deleteSet(input: $i) { deletedSetLogId } }"
ACHIEVEMENTS = "{ viewer { achievements(first: 50) { edges { node { achievement { code } } } } } }"


async def steps(client, category: str, level: int) -> list[dict]:
    return (await client.data(LADDER, {"c": category, "l": level}))["skillLadder"]["exercises"]


async def plan(client, token: str) -> dict[str, dict]:
    return {s["category"]["code"]: s for s in (await client.data(PLAN, token=token))["viewer"]["skillPlan"]}


async def progress(client, token: str, step_id: str) -> dict:
    (found,) = [p for p in (await client.data(STEP, {}, token))["viewer"]["skillProgress"] if p["skillExercise"]["id"] == step_id]
    return found


def targets(step: dict) -> list[int]:
    return [s["reps"] or s["holdSeconds"] for s in step["defaultPrescription"]["sets"]]


async def perform(client, token: str, session_id: str, step: dict, values: list[int], set_type: str = "WORKING") -> list[str]:
    """Log one set per value: reps, or seconds for a step held."""
    holds = step["defaultPrescription"]["sets"][0]["holdSeconds"] is not None
    ids = []
    for value in values:
        measure = {"durationSeconds": value} if holds else {"reps": value}
        logged = await log_set(client, token, sessionId=session_id, exerciseId=step["exercise"]["id"], setType=set_type, **measure)
        ids.append(logged["setLog"]["id"])
    return ids


async def codes(client, token: str) -> set[str]:
    return {e["node"]["achievement"]["code"] for e in (await client.data(ACHIEVEMENTS, token=token))["viewer"]["achievements"]["edges"]}


# --- the rules, alone --------------------------------------------------------------------------


def test_tempo_notation():
    assert rules.tempo("3-2-3-1") == "3-2-3-1"
    assert rules.tempo("2-0-x-0") == "2-0-X-0"
    assert rules.tempo(" HOLD ") == "hold"
    for bad in ("3-2-3", "3-2-3-1-0", "fast", "3--3-1", "a-b-c-d", ""):
        with pytest.raises(rules.InvalidPrescription) as refused:
            rules.tempo(bad)
        assert refused.value.field == "tempo"


def test_sets_meet_a_prescription_best_against_largest():
    target = rules.Prescription((rules.SetTarget(reps=10), rules.SetTarget(reps=10), rules.SetTarget(reps=8)))
    done = lambda *reps: [rules.LoggedSet(r, None) for r in reps]  # noqa: E731
    assert rules.meets(target, done(8, 10, 10))  # in any order
    assert rules.meets(target, done(6, 12, 10, 9))  # a weaker extra set does not spoil it
    assert not rules.meets(target, done(10, 10))  # too few sets
    assert not rules.meets(target, done(10, 9, 9))
    assert rules.sets_done(target, done(10, 9, 9)) == 2  # 10 reaches a 10; 9 reaches the 8; the other 10 is missed
    assert rules.sets_done(target, done()) == 0
    held = rules.Prescription((rules.SetTarget(seconds=30),))
    assert rules.meets(held, [rules.LoggedSet(None, 31)]) and not rules.meets(held, [rules.LoggedSet(40, 20)])
    assert rules.starting(rules.Prescription((rules.SetTarget(reps=9), rules.SetTarget(seconds=45)), "3-1-1-0", 90)) == \
        rules.Prescription((rules.SetTarget(reps=5), rules.SetTarget(seconds=23)), "3-1-1-0", 90)


# --- the ladder as data --------------------------------------------------------------------------


async def test_the_ladder_levels_categories_and_steps(client):
    ladder = (await client.data(LADDER))["skillLadder"]
    assert [(lv["level"], lv["name"]) for lv in ladder["levels"]] == [
        (0, "Foundation"), (1, "Beginner"), (2, "Novice"), (3, "Intermediate"), (4, "Advanced"), (5, "Expert")]
    assert all(lv["nameHe"] and lv["nameHe"] != lv["name"] and lv["description"] for lv in ladder["levels"])
    assert [c["code"] for c in ladder["categories"]] == ["PUSH", "PULL", "SQUAT"]
    per_slot: dict[tuple, int] = {}
    for step in ladder["exercises"]:
        slot = (step["category"]["code"], step["level"]["level"])
        per_slot[slot] = per_slot.get(slot, 0) + 1
        assert step["exercise"]["nameHe"] != step["exercise"]["name"], step["exercise"]["name"]  # a Hebrew name
        assert step["defaultPrescription"]["sets"] and all(targets(step))
    assert set(per_slot) == {(c, lv) for c in ("PUSH", "PULL", "SQUAT") for lv in range(6)}
    assert all(1 <= n <= 3 for n in per_slot.values())
    # The missing bodyweight steps joined the library; holds count seconds.
    names = {s["exercise"]["name"] for s in ladder["exercises"]}
    assert {"Wall Push-Up", "Knee Push-Up", "Archer Push-Up", "Dead Hang", "Negative Pull-Up", "Archer Pull-Up",
            "Assisted Squat", "Split Squat", "Bulgarian Split Squat", "Shrimp Squat", "Pistol Squat", "Pushups", "Pullups"} <= names
    (hang,) = [s for s in ladder["exercises"] if s["exercise"]["name"] == "Dead Hang"]
    assert hang["exercise"]["tracking"] == "DURATION" and hang["defaultPrescription"]["tempo"] == "hold"
    assert hang["defaultPrescription"]["sets"][0] == {"reps": None, "holdSeconds": 30}
    node = "query($id: ID!) { node(id: $id) { ... on SkillExercise { exercise { name } } } }"
    assert (await client.data(node, {"id": hang["id"]}))["node"]["exercise"]["name"] == "Dead Hang"

    assert [s["position"] for s in await steps(client, "push", 0)] == [0, 1]  # any case
    for variables, field in (({"c": "LEGS"}, "category"), ({"l": 6}, "level"), ({"l": -1}, "level")):
        error = await client.error(LADDER, variables)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


async def test_reloading_the_ladder_keeps_database_edits(app):
    sessionmaker = app.state.sessionmaker
    change = text("UPDATE skill_exercises SET notes = :notes, edited_at = :edited WHERE source_key = :key")
    notes = text("SELECT source_key, notes FROM skill_exercises WHERE source_key IN ('push-0-wall', 'pull-0-hang')")
    async with sessionmaker.begin() as session:
        before = dict((await session.execute(notes)).all())
        await session.execute(change, {"notes": "Edited by hand", "edited": datetime.now(ZoneInfo("UTC")), "key": "push-0-wall"})
        await session.execute(change, {"notes": "Stray change", "edited": None, "key": "pull-0-hang"})
    await load_library(sessionmaker)
    async with sessionmaker.begin() as session:
        after = dict((await session.execute(notes)).all())
        assert after == {"push-0-wall": "Edited by hand", "pull-0-hang": before["pull-0-hang"]}
        await session.execute(change, {"notes": before["push-0-wall"], "edited": None, "key": "push-0-wall"})


# --- an athlete's plan, sessions and mastery ---------------------------------------------------


async def test_todays_plan_starts_below_the_defaults_and_a_session_shows_planned_against_done(client, register):
    athlete = await register()
    today = await plan(client, athlete.token)
    assert set(today) == {"PUSH", "PULL", "SQUAT"} and {s["level"]["level"] for s in today.values()} == {0}
    push0 = await steps(client, "PUSH", 0)
    wall = push0[0]
    first = today["PUSH"]["exercises"][0]
    assert first["skillExercise"]["id"] == wall["id"]
    assert [s["reps"] for s in first["prescription"]["sets"]] == [(t + 1) // 2 for t in targets(wall)]  # half, rounded up
    assert (first["customized"], first["mastered"], today["PUSH"]["canAdvance"]) == (False, False, False)

    standing = (await client.data(SET_LEVEL, {"c": "PUSH", "l": 2}, athlete.token))["setSkillLevel"]["standing"]
    push2 = await steps(client, "PUSH", 2)
    assert standing["level"]["level"] == 2 and [e["skillExercise"]["id"] for e in standing["exercises"]] == [s["id"] for s in push2]
    mine = {"skillExerciseId": push2[0]["id"], "sets": [{"reps": 6}, {"reps": 5}], "tempo": "3-1-1-0", "restSeconds": 100}
    await client.data(PRESCRIBE, {"i": mine}, athlete.token)

    session = (await client.data(START_PLANNED, token=athlete.token))["startWorkout"]["session"]
    planned = session["skillExercises"]
    expected = [e["skillExercise"]["id"] for e in (await plan(client, athlete.token))["PUSH"]["exercises"]]
    expected += [s["id"] for c in ("PULL", "SQUAT") for s in await steps(client, c, 0)]
    assert session["name"] == "Skill session" and [p["skillExercise"]["id"] for p in planned] == expected
    assert [p["position"] for p in planned] == list(range(len(expected)))
    assert planned[0]["planned"] == {"sets": [{"reps": 6, "holdSeconds": None}, {"reps": 5, "holdSeconds": None}], "tempo": "3-1-1-0"}

    await perform(client, athlete.token, session["id"], push2[0], [6, 4])
    await perform(client, athlete.token, session["id"], push2[0], [9], set_type="WARMUP")  # warm-ups never count
    hang = next(s for s in await steps(client, "PULL", 0) if s["exercise"]["name"] == "Dead Hang")
    await perform(client, athlete.token, session["id"], hang, [20, 15, 15])  # the starting hold is 15 s
    done = {p["skillExercise"]["id"]: p for p in (await client.data(PLANNED_VS_DONE, {"id": session["id"]}, athlete.token))["node"]["skillExercises"]}
    assert (done[push2[0]["id"]]["setsDone"], done[push2[0]["id"]]["completed"]) == (1, False)
    assert [s["reps"] for s in done[push2[0]["id"]]["sets"]] == [6, 4]
    assert (done[hang["id"]]["setsDone"], done[hang["id"]]["completed"]) == (3, True)
    assert (done[push2[1]["id"]]["setsDone"], done[push2[1]["id"]]["sets"]) == (0, [])

    program = await client.data("mutation { createProgram(input: {name: \"P\", days: [{name: \"D\"}]}) { program { days { id } } } }", token=athlete.token)
    error = await client.error("mutation($d: ID!) { startWorkout(input: {programDayId: $d, fromSkillPlan: true}) { session { id } } }",
                               {"d": program["createProgram"]["program"]["days"][0]["id"]}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "fromSkillPlan")


async def test_mastery_comes_from_a_finished_workout_and_follows_its_sets(client, register, app):
    athlete = await register()
    incline = (await steps(client, "PUSH", 0))[1]
    assert targets(incline) == [10, 10, 8]
    first = (await start_workout(client, athlete.token, name="First"))["id"]
    first_sets = await perform(client, athlete.token, first, incline, [10, 8, 10])
    assert (await progress(client, athlete.token, incline["id"]))["mastered"] is False  # not finished yet
    ended = (await finish(client, athlete.token, first))["endedAt"]
    mastered = await progress(client, athlete.token, incline["id"])
    assert (mastered["mastered"], mastered["masteredAt"], mastered["masteredIn"]["id"]) == (True, ended, first)
    assert "FIRST_SKILL_MASTERED" in await codes(client, athlete.token)

    second = (await start_workout(client, athlete.token, name="Second"))["id"]
    second_sets = await perform(client, athlete.token, second, incline, [12, 11, 9])
    second_end = (await finish(client, athlete.token, second))["endedAt"]
    assert (await progress(client, athlete.token, incline["id"]))["masteredIn"]["id"] == first  # the earliest holds it

    # Editing the set that made it moves it to the next workout that qualifies; deleting that removes it.
    await client.data(UPDATE, {"i": {"setLogId": first_sets[0], "reps": 7}}, athlete.token)
    moved = await progress(client, athlete.token, incline["id"])
    assert (moved["mastered"], moved["masteredIn"]["id"], moved["masteredAt"]) == (True, second, second_end)
    await client.data(DELETE, {"i": {"setLogId": second_sets[2]}}, athlete.token)
    gone = await progress(client, athlete.token, incline["id"])
    assert (gone["mastered"], gone["masteredAt"], gone["masteredIn"]) == (False, None, None)
    # A set logged into a finished workout counts as soon as it is logged.
    await perform(client, athlete.token, first, incline, [10])
    back = await progress(client, athlete.token, incline["id"])
    assert (back["mastered"], back["masteredIn"]["id"]) == (True, first)
    # The first mastery's award stays, as every award does; an abandoned workout never masters anything.
    assert "FIRST_SKILL_MASTERED" in await codes(client, athlete.token)
    # `make backfill` derives the same masteries from the sets alone.
    async with app.state.sessionmaker.begin() as session:
        await session.execute(text("UPDATE user_skill_progress SET mastered_at = NULL, mastered_session_id = NULL WHERE user_id = :u"),
                              {"u": parse_global_id(athlete.id)[1]})
    assert (await progress(client, athlete.token, incline["id"]))["mastered"] is False
    await backfill(app.state.sessionmaker, [parse_global_id(athlete.id)[1]])
    assert await progress(client, athlete.token, incline["id"]) == back

    other = await register()
    dropped = (await start_workout(client, other.token))["id"]
    await perform(client, other.token, dropped, incline, [10, 10, 10])
    await client.data("mutation($s: ID!) { abandonWorkout(input: {sessionId: $s}) { session { id } } }", {"s": dropped}, other.token)
    assert (await progress(client, other.token, incline["id"]))["mastered"] is False


FEED = """subscription($after: String) { activityFeed(after: $after) { __typename
  ... on SkillMastered { session { id } skillExercise { id } }
  ... on SkillLevelUp { category { code } level { level name } } } }"""


async def test_advancing_a_level_once_it_is_mastered_is_announced_live(client, register, app_servers):
    athlete = await register()
    ws = await WsClient.open(app_servers[0].url, TRANSPORT_WS, athlete.token)
    await ws.subscribe(FEED, {"after": encode_event_id(0)})
    push0 = await steps(client, "PUSH", 0)

    error = await client.error(ADVANCE, {"c": "PUSH"}, athlete.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "category")
    assert "Wall Push-Up" in error["message"]
    session = (await start_workout(client, athlete.token))["id"]
    await perform(client, athlete.token, session, push0[0], targets(push0[0]))
    await finish(client, athlete.token, session)
    assert (await plan(client, athlete.token))["PUSH"]["canAdvance"] is False  # one of two
    error = await client.error(ADVANCE, {"c": "PUSH"}, athlete.token)
    assert "Wall Push-Up" not in error["message"] and "Incline Push-Up" in error["message"]
    assert (await plan(client, athlete.token))["PUSH"]["level"]["level"] == 0  # nothing written

    session = (await start_workout(client, athlete.token))["id"]
    await perform(client, athlete.token, session, push0[1], targets(push0[1]))
    await finish(client, athlete.token, session)
    assert (await plan(client, athlete.token))["PUSH"]["canAdvance"] is True
    advanced = (await client.data(ADVANCE, {"c": "PUSH"}, athlete.token))["advanceSkillLevel"]
    assert advanced["standing"]["level"]["level"] == 1 and advanced["standing"]["canAdvance"] is False
    assert [e["skillExercise"]["id"] for e in advanced["standing"]["exercises"]] == [s["id"] for s in await steps(client, "PUSH", 1)]
    assert [a["achievement"]["code"] for a in advanced["achievements"]] == ["SKILL_LEVEL_1"]

    seen = []
    while len(seen) < 3:
        event = (await ws.next_payload(timeout=15))["data"]["activityFeed"]
        if event["__typename"] in ("SkillMastered", "SkillLevelUp"):
            seen.append(event)
    await ws.close()
    assert [e["__typename"] for e in seen] == ["SkillMastered", "SkillMastered", "SkillLevelUp"]
    assert [e["skillExercise"]["id"] for e in seen[:2]] == [push0[0]["id"], push0[1]["id"]]
    assert seen[2]["category"] == {"code": "PUSH"} and seen[2]["level"] == {"level": 1, "name": "Beginner"}

    await client.data(SET_LEVEL, {"c": "PUSH", "l": 5}, athlete.token)
    error = await client.error(ADVANCE, {"c": "PUSH"}, athlete.token)
    assert (error["extensions"]["field"], "top level" in error["message"]) == ("category", True)


async def test_bad_levels_categories_and_prescriptions_write_nothing(client, register):
    athlete = await register()
    step = (await steps(client, "SQUAT", 1))[0]
    before = await progress(client, athlete.token, step["id"])
    for variables, field in (({"c": "legs", "l": 1}, "category"), ({"c": "SQUAT", "l": 6}, "level"), ({"c": "SQUAT", "l": -1}, "level")):
        error = await client.error(SET_LEVEL, variables, athlete.token)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
    assert (await client.error(ADVANCE, {"c": "arms"}, athlete.token))["extensions"]["field"] == "category"
    cases = [
        ({"sets": []}, "sets"),
        ({"sets": [{"reps": 5}, {"reps": -2}]}, "sets.1.reps"),
        ({"sets": [{"reps": 0}]}, "sets.0.reps"),
        ({"sets": [{"holdSeconds": -5}]}, "sets.0.holdSeconds"),
        ({"sets": [{"reps": 5, "holdSeconds": 10}]}, "sets.0"),
        ({"sets": [{"holdSeconds": 30}]}, "sets"),  # this step counts reps
        ({"sets": [{"reps": 5}], "tempo": "slow"}, "tempo"),
        ({"sets": [{"reps": 5}], "tempo": "3-2-3"}, "tempo"),
        ({"sets": [{"reps": 5}], "restSeconds": -1}, "restSeconds"),
    ]
    for given, field in cases:
        error = await client.error(PRESCRIBE, {"i": {"skillExerciseId": step["id"], **given}}, athlete.token)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field), given
    assert await progress(client, athlete.token, step["id"]) == before
    assert {s["level"]["level"] for s in (await plan(client, athlete.token)).values()} == {0}


async def test_a_coach_reads_the_ladder_standing_and_sets_the_prescription(client, register):
    athlete, coach, stranger = await register(), await register(role="COACH"), await register(role="COACH")
    await coach_of(client, coach, athlete)
    step = (await steps(client, "PULL", 1))[0]
    given = {"skillExerciseId": step["id"], "userId": athlete.id, "sets": [{"reps": 7}, {"reps": 7}], "tempo": "2-1-2-0"}
    set_by_coach = (await client.data(PRESCRIBE, {"i": given}, coach.token))["setSkillPrescription"]["progress"]
    assert set_by_coach["customized"] is True and set_by_coach["prescription"]["sets"] == [{"reps": 7, "holdSeconds": None}] * 2
    assert (await progress(client, athlete.token, step["id"]))["prescription"] == set_by_coach["prescription"]
    read = f"query($id: ID!) {{ node(id: $id) {{ ... on User {{ skillProgress(category: \"PULL\", level: 1) {PROGRESS} }} }} }}"
    seen = (await client.data(read, {"id": athlete.id}, coach.token))["node"]["skillProgress"][0]
    assert seen["prescription"] == set_by_coach["prescription"]
    error = await client.error(PRESCRIBE, {"i": {**given, "sets": [{"reps": 1}]}}, stranger.token)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("NOT_FOUND", "userId")
    assert (await client.error(read, {"id": athlete.id}, stranger.token))["extensions"]["code"] == "NOT_FOUND"
    assert (await progress(client, athlete.token, step["id"]))["prescription"] == set_by_coach["prescription"]


DAILY = """query($from: Date!, $to: Date!) { viewer { stats(range: {from: $from, to: $to}) {
  dailySummaries { date sessions completedSessions sets reps holdSeconds categories exercisesMastered } } } }"""


async def test_daily_summaries_follow_the_users_time_zone(client, register):
    tz = "Asia/Jerusalem"
    athlete = await register(timezone=tz)
    hang = next(s for s in await steps(client, "PULL", 0) if s["exercise"]["name"] == "Dead Hang")
    squat = (await steps(client, "SQUAT", 1))[0]
    # 00:30 in Jerusalem on the 29th is still the 28th in UTC: the summary says the 29th.
    late = (await start_workout(client, athlete.token, name="Late", startedAt="2025-03-29T00:30:00+03:00"))["id"]
    await perform(client, athlete.token, late, hang, [30, 25])
    await perform(client, athlete.token, late, squat, [10, 5])
    await perform(client, athlete.token, late, squat, [10], set_type="WARMUP")
    await finish(client, athlete.token, late)
    dropped = (await start_workout(client, athlete.token, name="Dropped", startedAt="2025-03-30T23:30:00+03:00"))["id"]
    await perform(client, athlete.token, dropped, squat, [8])
    await client.data("mutation($s: ID!) { abandonWorkout(input: {sessionId: $s}) { session { id } } }", {"s": dropped}, athlete.token)

    days = (await client.data(DAILY, {"from": "2025-03-28", "to": "2025-03-31"}, athlete.token))["viewer"]["stats"]["dailySummaries"]
    assert days == [
        {"date": "2025-03-29", "sessions": 1, "completedSessions": 1, "sets": 4, "reps": 15, "holdSeconds": 55,
         "categories": ["PULL", "SQUAT"], "exercisesMastered": 0},
        {"date": "2025-03-30", "sessions": 1, "completedSessions": 0, "sets": 1, "reps": 8, "holdSeconds": 0,
         "categories": ["SQUAT"], "exercisesMastered": 0},
    ]
    assert (await client.data(DAILY, {"from": "2025-03-31", "to": "2025-04-02"}, athlete.token))["viewer"]["stats"]["dailySummaries"] == []

    # A mastery counts on the local day its workout finished (now).
    session = (await start_workout(client, athlete.token))["id"]
    await perform(client, athlete.token, session, hang, targets(hang))
    ended = datetime.fromisoformat((await finish(client, athlete.token, session))["endedAt"]).astimezone(ZoneInfo(tz)).date()
    today = (await client.data(DAILY, {"from": str(ended), "to": str(ended)}, athlete.token))["viewer"]["stats"]["dailySummaries"]
    assert [(d["date"], d["exercisesMastered"], d["holdSeconds"]) for d in today] == [(str(ended), 1, sum(targets(hang)))]


COACHED = f"""query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on User {{
  skillPlan {{ level {{ name }} canAdvance exercises {PROGRESS} }} skillProgress {{ mastered }} }} }} }}"""


async def test_a_coach_reads_many_athletes_standings_in_as_many_statements_as_one(client, register, sql_counter):
    coach = await register(role="COACH")
    athletes = [await register() for _ in range(3)]
    for athlete in athletes:
        await coach_of(client, coach, athlete)
    await client.data(SET_LEVEL, {"c": "PULL", "l": 3}, athletes[2].token)
    counts = []
    for group in (athletes[:1], athletes):
        sql_counter.reset()
        found = (await client.data(COACHED, {"ids": [a.id for a in group]}, coach.token))["nodes"]
        counts.append(sql_counter.count)
        assert len(found) == len(group) and all(len(user["skillPlan"]) == 3 for user in found)
    assert 0 < counts[0] == counts[1], sql_counter.statements
    assert [s["level"]["name"] for s in found[2]["skillPlan"]] == ["Foundation", "Intermediate", "Foundation"]
