"""`make demo`: athletes with months of history, readable through the API, loaded once."""

from __future__ import annotations

from db.demo import PASSWORD, WEEKS, _create

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"
HISTORY = """{ viewer { displayName language
  programs { totalCount edges { node { days { name exercises { exercise { nameEn } } } } } }
  workoutSessions(first: 1) { totalCount edges { node { status totals { setCount volume } } } } } }"""


async def test_demo_data_loads_once_and_reads_back(app, client):
    assert await _create(app.state.sessionmaker) == 3
    assert await _create(app.state.sessionmaker) == 0  # idempotent
    token = (await client.data(LOGIN, {"i": {"login": "dana", "password": PASSWORD}}))["login"]["token"]
    viewer = (await client.data(HISTORY, token=token))["viewer"]
    assert viewer["displayName"] == "Dana Levi" and viewer["language"] == "HE"
    days = viewer["programs"]["edges"][0]["node"]["days"]
    assert [d["name"] for d in days] == ["Push Day", "Pull Day", "Leg Day"]
    sessions = viewer["workoutSessions"]
    assert sessions["totalCount"] == WEEKS * len(days)
    latest = sessions["edges"][0]["node"]
    assert latest["status"] == "COMPLETED" and latest["totals"]["setCount"] > 0 and latest["totals"]["volume"] > 0

    # noa is mid-ladder: on her levels, the steps her history meets are mastered, the rest still to do.
    token = (await client.data(LOGIN, {"i": {"login": "noa", "password": PASSWORD}}))["login"]["token"]
    skill_plan = "{ viewer { skillPlan { category { code } level { level } canAdvance exercises { mastered skillExercise { exercise { nameEn } } } } } }"
    standing = {s["category"]["code"]: s for s in (await client.data(skill_plan, token=token))["viewer"]["skillPlan"]}
    assert {c: s["level"]["level"] for c, s in standing.items()} == {"PUSH": 2, "PULL": 1, "SQUAT": 1}
    mastered = {e["skillExercise"]["exercise"]["nameEn"] for s in standing.values() for e in s["exercises"] if e["mastered"]}
    assert mastered == {"Pushups", "Inverted Row"}
    assert not any(s["canAdvance"] for s in standing.values())

CONVERSATIONS = """{ viewer { conversations { edges { node { kind title participants { username }
  messages(first: 10) { edges { node { role language content author { username } assistant { intent setLog { id } } } } } } } } } }"""


async def test_demo_conversations_in_hebrew_and_english_with_the_assistant(app, client, settings):
    from server.demo_conversations import load

    await _create(app.state.sessionmaker)  # (the athletes: made by the test above, or now)
    assert await load(settings.database_url, settings.mongo_url) == 3
    assert await load(settings.database_url, settings.mongo_url) == 0  # idempotent
    tokens = {name: (await client.data(LOGIN, {"i": {"login": name, "password": PASSWORD}}))["login"]["token"] for name in ("dana", "sam")}
    dana = [e["node"] for e in (await client.data(CONVERSATIONS, token=tokens["dana"]))["viewer"]["conversations"]["edges"]]
    assert sorted(c["kind"] for c in dana) == ["ASSISTANT", "DIRECT"]
    club = next(c for c in dana if c["kind"] == "DIRECT")
    assert {p["username"] for p in club["participants"]} == {"dana", "noa"}
    assert {m["node"]["language"] for m in club["messages"]["edges"]} == {"HE", "MIXED"}
    (sam,) = [e["node"] for e in (await client.data(CONVERSATIONS, token=tokens["sam"]))["viewer"]["conversations"]["edges"]]
    roles = [(m["node"]["role"], m["node"]["language"]) for m in sam["messages"]["edges"]]
    assert roles == [("ASSISTANT", "EN"), ("USER", "EN"), ("ASSISTANT", "EN"), ("USER", "EN")]
    logged = [m["node"]["assistant"] for m in sam["messages"]["edges"] if m["node"]["assistant"] and m["node"]["assistant"]["intent"] == "log_exercise"]
    assert logged and logged[0]["setLog"] is not None  # sam reads the set the assistant logged for him

HEALTH = """query($r: StatsRange!) { viewer { healthProfile { calorieTarget height }
  bodyMetrics(first: 30) { totalCount edges { node { weight bmi bloodPressure } } }
  bodyMetricsTrend(range: $r) { weightChange points { movingAverage } }
  meals { totalCount }
  stats(range: $r) { nutrition { date meals calories calorieTarget caloriesBurned energyBalance } }
  coachingSessions { totalCount edges { node { topics rating completed daysUntilNextSession coachUsername
    actionItems { done isOverdue } overdueActionItems { text } } } }
  progressPhotos { totalCount edges { node { kind sharedWithCoach url thumbnailUrl } } } } }"""
SAM = "query($id: ID!) { node(id: $id) { ... on User { progressPhotos { edges { node { url sharedWithCoach } } } coachingSessions { totalCount } } } }"


async def test_demo_health_and_coaching_with_photos(app, client, settings):
    """sam's two weeks of metrics and a week of meals, his coach maya's sessions with him, and his photos: maya sees the shared ones."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from server.demo_health import load

    await _create(app.state.sessionmaker)  # (the athletes: made by the test above, or now)
    assert await load(settings.database_url, settings.mongo_url) == 4
    assert await load(settings.database_url, settings.mongo_url) == 0  # idempotent
    tokens = {name: (await client.data(LOGIN, {"i": {"login": name, "password": PASSWORD}}))["login"]["token"] for name in ("sam", "maya")}
    today = datetime.now(ZoneInfo("Europe/London")).date()
    week = {"from": str(today - timedelta(days=6)), "to": str(today)}
    sam = (await client.data(HEALTH, {"r": week}, tokens["sam"]))["viewer"]
    assert sam["healthProfile"] == {"calorieTarget": 2600, "height": 182.0}
    assert sam["bodyMetrics"]["totalCount"] == 14 and all(e["node"]["bmi"] and e["node"]["bloodPressure"] for e in sam["bodyMetrics"]["edges"])
    assert len(sam["bodyMetricsTrend"]["points"]) == 7 and sam["bodyMetricsTrend"]["weightChange"] is not None
    assert sam["meals"]["totalCount"] == 28
    days = sam["stats"]["nutrition"]
    assert len(days) == 7 and all(d["meals"] == 4 and d["calorieTarget"] == 2600 for d in days)
    burned = [d for d in days if d["caloriesBurned"] > 0]  # his workouts of the week, beside what he ate
    assert all(d["energyBalance"] == round(d["calories"] - d["caloriesBurned"], 1) for d in burned)
    sessions = [e["node"] for e in sam["coachingSessions"]["edges"]]
    assert [s["coachUsername"] for s in sessions] == ["maya", "maya"] and sessions[0]["daysUntilNextSession"] is None
    held = sessions[1]
    assert held["completed"] and held["rating"] == 9 and held["daysUntilNextSession"] == 3
    assert held["overdueActionItems"] == [{"text": "Film a working set of squats"}]
    photos = [e["node"] for e in sam["progressPhotos"]["edges"]]
    assert sam["progressPhotos"]["totalCount"] == 3 and sum(p["sharedWithCoach"] for p in photos) == 2
    assert (await client.http.get(photos[0]["url"].removeprefix("http://testserver"))).status_code == 200

    seen = (await client.data(SAM, {"id": await _user_id(client, tokens["sam"])}, tokens["maya"]))["node"]
    assert seen["coachingSessions"]["totalCount"] == 2
    shared = [e["node"] for e in seen["progressPhotos"]["edges"]]
    assert len(shared) == 2 and all(p["sharedWithCoach"] for p in shared)
    assert (await client.http.get(shared[0]["url"].removeprefix("http://testserver"))).status_code == 200


async def _user_id(client, token: str) -> str:
    return (await client.data("{ viewer { id } }", token=token))["viewer"]["id"]
