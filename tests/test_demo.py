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
