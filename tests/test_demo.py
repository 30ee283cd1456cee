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
