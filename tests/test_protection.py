"""Limits that keep one request from taking the API down: depth, aliases, tokens, cost, page size."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager

from resolvers.ids import decode_id
from server.app import create_app
from server.settings import Settings
from tests.servers import serve_in_thread
from tests.stories import start_workout
from tests.test_live import FROM_START, WORKOUT_EVENTS
from tests.wsclient import LEGACY_WS, TRANSPORT_WS, WsClient

DASHBOARD = """
query Dashboard($sessions: Int, $sets: Int) {
  viewer { workoutSessions(first: $sessions) { edges { node {
    sets(first: $sets) { edges { node { reps exercise { nameEn } } } }
  } } } }
}
"""


@pytest.fixture(scope="module")
async def strict(settings):
    """An app with small limits, so that the refusals are easy to provoke."""
    async with _client(settings, max_query_depth=5, max_aliases=3, max_tokens=60) as http:
        yield http


@pytest.fixture(scope="module")
async def frugal(settings):
    async with _client(settings, max_query_cost=500) as http:
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


async def test_default_limits_let_real_screens_through(client, register, sql_counter):
    user = await register()
    data = await client.data(DASHBOARD, {"sessions": 20, "sets": 20}, user.token)
    assert data["viewer"]["workoutSessions"]["edges"] == []
    sql_counter.reset()
    error = await client.error(DASHBOARD, {"sessions": 100, "sets": 100}, user.token)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert sql_counter.count == 0  # refused before anything runs


async def test_pages_above_100_are_refused(client, register):
    user = await register()
    error = await client.error(DASHBOARD, {"sessions": 101, "sets": 1}, user.token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "first"


async def test_request_errors_have_stable_codes(client):
    syntax = await client.error("{ viewer { id ")
    assert syntax["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    invalid = await client.error("{ noSuchField }")
    assert invalid["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    # Variables of the wrong type or missing are the client's mistake, not an internal error.
    paged = "query($n: Int!) { exercises(first: $n) { totalCount } }"
    assert (await client.error(paged, {"n": "many"}))["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await client.error(paged, {}))["extensions"]["code"] == "BAD_USER_INPUT"


async def test_rate_limits_per_user_are_shared_by_processes_through_redis(settings, register, redis_url):
    """Two app instances on one Redis: a user's fourth request in the window is refused by either."""
    import redis.asyncio as aioredis

    limits = dict(rate_limit_user=3, rate_limit_ip=0)
    alice, bob = await register(), await register()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(_client(settings, **limits))
        second = await stack.enter_async_context(_client(settings, **limits))
        query = {"query": "{ viewer { id } }"}
        auth = {"Authorization": f"Bearer {alice.token}"}
        for http in (first, second, first):
            assert (await http.post("/graphql", json=query, headers=auth)).status_code == 200
        refused = await second.post("/graphql", json=query, headers=auth)
        assert (await first.post("/graphql", json=query, headers={"Authorization": f"Bearer {bob.token}"})).status_code == 200
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}
    redis = aioredis.Redis.from_url(redis_url)
    try:
        keys = [k.decode() async for k in redis.scan_iter(f"repgraph:rl:user:{decode_id(alice.id, 'User', 'id')}:*")]
    finally:
        await redis.aclose()
    assert keys, "the count lives in Redis"


async def test_rate_limits_per_address_cover_anonymous_requests(settings):
    async with _client(settings, rate_limit_user=0, rate_limit_ip=2) as http:
        statuses = [(await http.post("/graphql", json={"query": "{ __typename }"})).status_code for _ in range(3)]
        other_path = await http.get("/healthz")
    assert statuses == [200, 200, 429]
    assert other_path.status_code == 200  # only GraphQL requests are counted


async def test_subscriptions_are_capped_per_connection_and_per_user(settings, client, register):
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    app = create_app(replace(settings, ws_max_subscriptions_per_connection=2, ws_max_subscriptions_per_user=3))
    async with LifespanManager(app):
        with serve_in_thread(app) as url:
            ws = await WsClient.open(url, TRANSPORT_WS, athlete.token)
            for _ in range(2):
                await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id, "after": FROM_START})
                await ws.next_payload()  # the STARTED event: this one is live
            await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id})
            over = await ws.receive_skipping_keepalive()
            assert over["type"] == "error" and "limit" in over["payload"][0]["message"]
            other = await WsClient.open(url, LEGACY_WS, athlete.token)
            await other.subscribe(WORKOUT_EVENTS, {"sessionId": session_id, "after": FROM_START})
            await other.next_payload()
            await other.subscribe(WORKOUT_EVENTS, {"sessionId": session_id})  # the user's fourth
            payload = await other.next_payload()
            assert payload["errors"][0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "max": 3}
            for socket in (ws, other):
                await socket.close()


@contextlib.asynccontextmanager
async def _client(settings, **overrides):
    app = create_app(replace(settings, **overrides))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http


SEARCH = '{ exercises(first: 1, filter: {search: "squat"}) { totalCount } }'


def apq(digest: str, query: str | None = None) -> dict:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


async def test_automatic_persisted_queries_register_then_run_by_hash(settings, redis_url):
    import redis.asyncio as aioredis

    # Redis outlives a run: a document of this run's own starts out unknown.
    document = f"{SEARCH}\n# run {uuid.uuid4()}"
    digest = hashlib.sha256(document.encode()).hexdigest()
    async with _client(settings) as http:
        unknown = await http.post("/graphql", json=apq(digest))
        assert unknown.status_code == 200
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        wrong = await http.post("/graphql", json=apq("0" * 64, document))
        assert wrong.status_code == 400 and wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
        registered = await http.post("/graphql", json=apq(digest, document))
        assert registered.json()["data"]["exercises"]["totalCount"] >= 1
    # Another process (a new app on the same Redis) runs it by hash alone, over POST and GET.
    async with _client(settings) as http:
        by_hash = await http.post("/graphql", json=apq(digest))
        by_get = await http.get("/graphql", params={"extensions": json.dumps(apq(digest)["extensions"])})
    assert by_hash.json() == registered.json() == by_get.json()
    redis = aioredis.Redis.from_url(redis_url)
    try:
        assert (await redis.get(f"repgraph:apq:{digest}")).decode() == document
    finally:
        await redis.aclose()


async def test_allow_list_mode_runs_only_registered_documents(settings, tmp_path, client, register):
    manifest = tmp_path / "queries.json"
    manifest.write_text(json.dumps({hashlib.sha256(SEARCH.encode()).hexdigest(): SEARCH}))
    digest = hashlib.sha256(SEARCH.encode()).hexdigest()
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    app = create_app(replace(settings, persisted_queries="allowlist", persisted_queries_file=str(manifest)))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            by_text = await http.post("/graphql", json={"query": SEARCH})
            by_hash = await http.post("/graphql", json=apq(digest))
            other = await http.post("/graphql", json={"query": "{ __typename }"})
            register_new = await http.post("/graphql", json=apq(hashlib.sha256(b"{ __typename }").hexdigest(), "{ __typename }"))
        with serve_in_thread(app) as url:
            ws = await WsClient.open(url, TRANSPORT_WS, athlete.token)
            await ws.subscribe(WORKOUT_EVENTS, {"sessionId": session_id})
            refused_live = await ws.receive_skipping_keepalive()
            await ws.close()
    assert by_text.json()["data"] == by_hash.json()["data"] and by_text.json()["data"]["exercises"]["totalCount"] >= 1
    for response in (other, register_new):
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert refused_live["type"] == "error"
    assert refused_live["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


async def test_oversized_bodies_are_refused(settings):
    async with _client(settings, max_body_bytes=2000) as http:
        big = await http.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 5000}})
        small = await http.post("/graphql", json={"query": "{ __typename }"})
    assert big.status_code == 413 and big.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert small.status_code == 200


async def test_cors_allows_only_listed_origins(settings):
    async with _client(settings, cors_origins=("https://app.example",)) as http:
        allowed = await http.options("/graphql", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "authorization,content-type"})
        denied = await http.options("/graphql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        simple = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://app.example"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert denied.status_code == 400 and "access-control-allow-origin" not in denied.headers
    assert simple.headers["access-control-allow-origin"] == "https://app.example"
    assert "x-request-id" in simple.headers["access-control-expose-headers"]


async def test_production_defaults_turn_introspection_and_graphiql_off(settings):
    production = Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "s" * 40})
    assert not production.introspection and not production.graphiql and production.log_format == "json"
    async with _client(settings, introspection=False, graphiql=False) as http:
        introspection = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        ordinary = await http.post("/graphql", json={"query": "{ __typename }"})
    assert introspection.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert page.status_code == 404
    assert ordinary.json() == {"data": {"__typename": "Query"}}


def test_development_lets_localhost_pages_in_and_production_does_not(settings):
    """A frontend's dev server (http://localhost:5173) calls the API and opens websockets outside production."""
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    assert Settings.from_env({}).cors_localhost
    assert not Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "s" * 40}).cors_localhost
    dev = "http://localhost:5173"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    for open_to_localhost in (True, False):
        with TestClient(create_app(replace(settings, cors_localhost=open_to_localhost))) as http:
            local = http.options("/graphql", headers={"Origin": dev, **preflight})
            loopback = http.options("/graphql", headers={"Origin": "http://127.0.0.1:3000", **preflight})
            evil = http.options("/graphql", headers={"Origin": "http://localhost.evil.example", **preflight})
            assert (local.status_code, loopback.status_code) == ((200, 200) if open_to_localhost else (405, 405))
            assert evil.status_code in (400, 405) and "access-control-allow-origin" not in evil.headers
            if open_to_localhost:
                assert local.headers["access-control-allow-origin"] == dev
            accepted = []
            for origin in (dev, "http://localhost.evil.example"):
                try:
                    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"], headers={"Origin": origin}) as ws:
                        ws.send_json({"type": "connection_init", "payload": {}})
                        ws.receive()  # refused for want of a token, but only after the handshake was accepted
                        accepted.append(origin)
                except WebSocketDisconnect:
                    pass
            assert accepted == ([dev] if open_to_localhost else [])
