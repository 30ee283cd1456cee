"""Limits that keep one request from taking the API down: depth, aliases, tokens, cost, page size."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app

DASHBOARD = """
query Dashboard($sessions: Int, $sets: Int) {
  viewer { workoutSessions(first: $sessions) { edges { node {
    sets(first: $sets) { edges { node { reps exercise { nameEn } } } }
  } } } }
}
"""


async def limited_app(settings, **limits):
    app = create_app(replace(settings, **limits))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http


@pytest.fixture(scope="module")
async def strict(settings):
    """An app with small limits, so that the refusals are easy to provoke."""
    async for http in limited_app(settings, max_query_depth=5, max_aliases=3, max_tokens=60):
        yield http


@pytest.fixture(scope="module")
async def frugal(settings):
    async for http in limited_app(settings, max_query_cost=500):
        yield http


async def refused(http, query: str, variables: dict | None = None) -> dict:
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] and body.get("data") is None, body
    return body["errors"][0]


async def test_deep_queries_are_refused(strict):
    error = await refused(strict, "{ viewer { programs { edges { node { days { exercises { exercise { nameEn } } } } } } } }")
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_alias_floods_are_refused(strict):
    error = await refused(strict, "{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }")
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_huge_documents_are_refused_before_parsing_completes(strict):
    error = await refused(strict, "{ " + " ".join(["__typename"] * 100) + " }")
    assert error["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_costly_queries_are_refused_and_cheap_ones_run(frugal, register):
    error = await refused(frugal, DASHBOARD, {"sessions": 20, "sets": 100})
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == 1 + 1 + 20 * (2 + 1 + 100 * (2 + 1 + 2)) and error["extensions"]["maxCost"] == 500
    # Unset page sizes count at the connection's default (20 sessions, 100 sets a session).
    assert (await refused(frugal, DASHBOARD))["extensions"]["cost"] == 1 + 1 + 20 * (2 + 1 + 100 * 5)
    ok = await frugal.post("/graphql", json={"query": DASHBOARD, "variables": {"sessions": 5, "sets": 10}})
    assert "errors" not in ok.json() or ok.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_default_limits_let_real_screens_through(client, register):
    user = await register()
    data = await client.data(DASHBOARD, {"sessions": 20, "sets": 20}, user.token)
    assert data["viewer"]["workoutSessions"]["edges"] == []
    error = await client.error(DASHBOARD, {"sessions": 100, "sets": 100}, user.token)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_pages_above_100_are_refused(client, register):
    user = await register()
    error = await client.error(DASHBOARD, {"sessions": 101, "sets": 1}, user.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "first"


async def test_request_errors_have_stable_codes(client):
    syntax = await client.error("{ viewer { id ")
    assert syntax["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    invalid = await client.error("{ noSuchField }")
    assert invalid["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
