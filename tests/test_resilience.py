"""When PostgreSQL or Redis is down, slow or out of connections: clear, retryable answers.

PostgreSQL and Redis here are servers of this module's own (stopped and started for
real); the pool tests run on the session's database with a tiny pool or statement
timeout. Every outage must answer SERVICE_UNAVAILABLE with `retryable: true`, be
logged once when it starts and once when it ends, show in /readyz, and a write retried
with the same clientId afterwards is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager

from db.outages import POSTGRES, Outages
from db.setup import ensure_database, prepare
from server.app import create_app
from tests.conftest import REGISTER, GraphQLClient
from tests.servers import PostgresServer, RedisServer
from tests.stories import LOG_SET, exercise_id, start_workout

SET_COUNT = "query Count($id: ID!) { node(id: $id) { ... on WorkoutSession { totals { setCount } } } }"
HISTORY = "{ viewer { workoutSessions(first: 5) { totalCount } } }"


@pytest.fixture(scope="module")
def own_postgres():
    server = PostgresServer()
    server.start()
    url = ensure_database(server.url(), "repgraph_resilience")
    prepare(url)
    server.database_url = url
    return server  # the wheel stops and deletes it when the test process exits


@pytest.fixture(scope="module")
def own_redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


async def serve(settings):
    app = create_app(settings)
    manager = LifespanManager(app)
    await manager.__aenter__()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def close():
        await http.aclose()
        await manager.__aexit__(None, None, None)

    return app, GraphQLClient(http), close


async def signed_up(client: GraphQLClient) -> tuple[str, str, str]:
    """A new user's token, one started workout and an exercise id."""
    suffix = uuid.uuid4().hex[:10]
    data = await client.data(REGISTER, {"input": {"email": f"r{suffix}@example.com", "username": f"r{suffix}", "password": "correct horse battery"}})
    token = data["register"]["token"]
    session = await start_workout(client, token, name="Resilience")
    return token, session["id"], await exercise_id(client, "squat", token)


def assert_retryable(body: dict) -> None:
    assert body.get("errors"), body
    for error in body["errors"]:
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryable": True}, error
        assert "Internal" not in error["message"]


def outage_lines(caplog, service: str) -> tuple[int, int]:
    lines = [r.getMessage() for r in caplog.records if r.name == "repgraph.outages" and r.getMessage().startswith(service)]
    return sum("unavailable" in line for line in lines), sum("available again" in line for line in lines)


async def wait_until(predicate, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.1)


async def test_postgres_outage_is_retryable_logged_once_and_recovers(own_postgres, own_redis, settings, caplog):
    app, client, close = await serve(replace(settings, database_url=own_postgres.database_url, redis_url=own_redis.url, db_connect_timeout=2))
    try:
        token, session_id, exercise = await signed_up(client)
        write = {"input": {"sessionId": session_id, "exerciseId": exercise, "reps": 5, "weight": 100, "clientId": "during-outage"}}
        with caplog.at_level(logging.WARNING, logger="repgraph.outages"):
            own_postgres.stop()
            for _ in range(3):
                assert_retryable(await client.execute(HISTORY, token=token))
            assert_retryable(await client.execute(LOG_SET, write, token))
            ready = await client.http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["postgres"].startswith("unreachable") and ready.json()["checks"]["redis"] == "ok"
            assert outage_lines(caplog, "postgres") == (1, 0)

            own_postgres.start()
            first = (await client.data(LOG_SET, write, token))["logSet"]
            again = (await client.data(LOG_SET, write, token))["logSet"]
            assert (first["created"], again["created"]) == (True, False)
            assert again["setLog"]["id"] == first["setLog"]["id"]
            count = await client.data(SET_COUNT, {"id": session_id}, token)
            assert count["node"]["totals"]["setCount"] == 1
            assert (await client.http.get("/readyz")).status_code == 200
        assert outage_lines(caplog, "postgres") == (1, 1)
    finally:
        await close()


async def test_redis_outage_keeps_queries_answering_and_is_logged_once(own_postgres, own_redis, settings, caplog):
    app, client, close = await serve(replace(settings, database_url=own_postgres.database_url, redis_url=own_redis.url))
    try:
        token, session_id, exercise = await signed_up(client)
        stats = "{ viewer { stats(range: {from: \"2020-01-01\", to: \"2020-01-31\"}) { totals { sets } } } }"
        with caplog.at_level(logging.WARNING, logger="repgraph.outages"):
            own_redis.stop()
            # Caches, rate counts, sign-in checks and persisted queries fall back; nothing fails.
            for query in (HISTORY, HISTORY, stats):
                body = await client.execute(query, token=token)
                assert not body.get("errors"), body
            logged = await client.data(LOG_SET, {"input": {"sessionId": session_id, "exerciseId": exercise, "reps": 3, "weight": 60, "clientId": "redis-down"}}, token)
            assert logged["logSet"]["created"] is True
            apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
            unknown = await client.http.post("/graphql", json=apq)
            assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            ready = await client.http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("unreachable")
            assert outage_lines(caplog, "redis") == (1, 0)

            own_redis.start()

            async def recovered() -> bool:
                return "redis" not in app.state.outages.down() and (await client.http.get("/readyz")).status_code == 200

            await wait_until(recovered)
            body = await client.execute(stats, token=token)
            assert not body.get("errors") and body["data"]["viewer"]["stats"]["totals"]["sets"] == 0, body
        assert outage_lines(caplog, "redis") == (1, 1)
    finally:
        await close()


async def test_a_request_waiting_on_an_exhausted_pool_answers_retryable(settings, caplog):
    """DB_POOL_SIZE=1 allows two connections; with both held, a request waits DB_POOL_TIMEOUT.

    The executor's pool (compiled reads have a pool of their own, and fall back to the executor)."""
    app, client, close = await serve(replace(settings, db_pool_size=1, db_pool_timeout=0.3, read_path="executor"))
    try:
        token, _, _ = await signed_up(client)
        with caplog.at_level(logging.WARNING, logger="repgraph.outages"):
            engine = app.state.engine
            async with engine.connect(), engine.connect():
                assert_retryable(await client.execute(HISTORY, token=token))
                assert_retryable(await client.execute(HISTORY, token=token))
            body = await client.execute(HISTORY, token=token)
            assert not body.get("errors") and body["data"]["viewer"]["workoutSessions"]["totalCount"] == 1
        assert outage_lines(caplog, "postgres") == (1, 1)
    finally:
        await close()


async def test_a_statement_over_the_timeout_answers_retryable_and_the_retry_writes_once(settings, database_url):
    app, client, close = await serve(replace(settings, statement_timeout_ms=300))
    try:
        token, session_id, exercise = await signed_up(client)
        write = {"input": {"sessionId": session_id, "exerciseId": exercise, "reps": 8, "weight": 40, "clientId": "slow-1"}}
        with psycopg.connect(database_url) as blocker:
            blocker.execute("LOCK TABLE set_logs IN ACCESS EXCLUSIVE MODE")
            assert_retryable(await client.execute(LOG_SET, write, token))
            blocker.rollback()
        first = (await client.data(LOG_SET, write, token))["logSet"]
        again = (await client.data(LOG_SET, write, token))["logSet"]
        assert (first["created"], again["created"]) == (True, False)
        count = await client.data(SET_COUNT, {"id": session_id}, token)
        assert count["node"]["totals"]["setCount"] == 1
    finally:
        await close()


def test_an_outage_is_logged_once_however_its_edges_look(caplog, monkeypatch):
    """The outage log's own rules: a statement that was in flight when the store went away and
    finished just after is no evidence it is back; failures just after a recovery are the same outage."""
    clock = [100.0]
    monkeypatch.setattr("db.outages.time.monotonic", lambda: clock[0])
    log = Outages()
    down = psycopg.OperationalError("connection refused")
    with caplog.at_level(logging.WARNING, logger="repgraph.outages"):
        log.failed(POSTGRES, down)
        log.recovered(POSTGRES, since=99.9)  # begun before the outage: it proves nothing
        assert log.is_down(POSTGRES)
        clock[0] = 101.0
        log.failed(POSTGRES, down)
        log.recovered(POSTGRES, since=100.5)  # begun during it, and answered: back
        assert not log.is_down(POSTGRES)
        clock[0] = 102.0
        log.failed(POSTGRES, down)  # a connection attempt begun during the outage, failing just after it
        log.recovered(POSTGRES)
        clock[0] = 105.0
        log.failed(POSTGRES, down)  # long after: a new outage
    lines = [r.getMessage().split(" (")[0] for r in caplog.records]
    assert lines == ["postgres unavailable", "postgres available again", "postgres unavailable"]
