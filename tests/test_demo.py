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
