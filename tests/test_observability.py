"""Health, readiness, Prometheus metrics and structured logs, read the way operators read them."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

from db.embedded import with_database
from db.migrate import upgrade
from db.setup import ensure_database
from server.app import create_app
from server.logs import JsonFormatter
from tests.conftest import _free_port
from tests.stories import exercise_id, start_workout
from tests.test_live import events, follow, http_log_set
from tests.test_live_groups import grouped_server  # noqa: F401 - the app under uvicorn, state at hand

VIEWER = "query Viewer { viewer { id username } }"


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} from a Prometheus exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def scrape(http) -> dict[tuple, float]:
    response = await http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_ready_when_postgres_redis_and_migrations_are(client):
    response = await client.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"postgres": "ok", "migrations": "ok", "redis": "ok", "mongo": "ok"}}


async def test_not_ready_names_what_is_missing(settings, database_server):
    """A database one migration behind and a Redis nobody listens on: 503, and why."""
    name = f"repgraph_behind_{_free_port()}"
    url = ensure_database(with_database(database_server, "postgres"), name)
    upgrade(url, "0001")
    app = create_app(replace(settings, database_url=url, redis_url=f"redis://127.0.0.1:{_free_port()}/0"))
    try:
        async with LifespanManager(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
                response = await http.get("/readyz")
                assert (await http.get("/healthz")).status_code == 200  # alive, just not ready
    finally:
        import psycopg

        with psycopg.connect(with_database(database_server, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["migrations"].startswith("database at 0001, code expects")
    assert body["checks"]["redis"].startswith("unreachable")


async def test_operations_errors_and_sql_statements_are_counted(client, register, sql_counter):
    user = await register()
    before = await scrape(client.http)
    sql_counter.reset()
    await client.data(VIEWER, token=user.token)
    statements = sql_counter.count
    error = await client.error('query Missing { node(id: "V29ya291dFNlc3Npb246MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw") { id } }', token=user.token)
    after = await scrape(client.http)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("repgraph_graphql_operations_total", operation="Viewer", type="query", outcome="ok") == 1
    assert delta("repgraph_graphql_operations_total", operation="Missing", type="query", outcome="error") == 1
    assert delta("repgraph_graphql_errors_total", code=error["extensions"]["code"]) == 1
    assert delta("repgraph_graphql_operation_duration_seconds_count", operation="Viewer", type="query") == 1
    assert statements >= 1
    assert delta("repgraph_sql_statements_per_operation_count") == 2
    assert delta("repgraph_sql_statements_per_operation_sum") >= statements
    assert after[("repgraph_db_pool_connections", (("state", "size"),))] == 2 * 5  # the test settings' DB_POOL_SIZE, twice (db/engine.py)


async def test_live_subscriptions_and_events_are_counted(grouped_server, client, register):  # noqa: F811
    app, url = grouped_server
    athlete = await register()
    session_id = (await start_workout(client, athlete.token))["id"]
    squat = await exercise_id(client, "Barbell Squat")
    async with httpx.AsyncClient(base_url=url) as http:
        before = await scrape(http)
        ws = await follow(url, athlete.token, session_id)
        during = await scrape(http)
        await http_log_set(url, athlete.token, session_id, squat, 5)
        (event,) = await events(ws, 1)
        assert event["__typename"] == "SetLogged"
        await ws.close()
        after = await scrape(http)
    subscriptions = ("repgraph_live_subscriptions", ())
    assert during[subscriptions] == before[subscriptions] + 1
    assert after[("repgraph_live_events_published_total", ())] > before[("repgraph_live_events_published_total", ())]
    assert after[("repgraph_live_events_delivered_total", ())] >= before[("repgraph_live_events_delivered_total", ())] + 1


async def test_each_operation_logs_one_json_line(client, register, caplog):
    user = await register()
    with caplog.at_level(logging.INFO, logger="repgraph.operations"):
        response = await client.post(VIEWER, token=user.token, headers={"X-Request-ID": "trace-123"})
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "repgraph.operations"]
    line = orjson.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-123" == response.headers["x-request-id"]
    assert line["operation"] == "Viewer" and line["operation_type"] == "query" and line["outcome"] == "ok"
    assert line["user_id"] == str(record.user_id) and line["user_id"] != "None"
    assert line["duration_ms"] > 0 and line["sql_statements"] >= 1


@pytest.fixture
async def slow_logging_app(settings):
    app = create_app(replace(settings, slow_query_ms=0.001))
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http


async def test_slow_statements_are_logged_with_their_text(slow_logging_app, caplog):
    with caplog.at_level(logging.WARNING, logger="repgraph.slow_query"):
        response = await slow_logging_app.post("/graphql", json={"query": '{ exercises(first: 1, filter: {search: "squat"}) { totalCount } }'})
    assert response.status_code == 200
    slow = [r for r in caplog.records if r.name == "repgraph.slow_query"]
    assert slow and all(r.duration_ms > 0 for r in slow)
    # Background work (the outbox relay's polls) may run beside the request: its statements carry no request id.
    requested = [r for r in slow if r.request_id is not None]
    assert any("exercises" in r.statement for r in requested)
    assert all(r.request_id == response.headers["x-request-id"] for r in requested)
    assert not any("exercises" in r.statement for r in slow if r.request_id is None)  # none of the request's lost its id


async def test_operations_are_traced_when_a_tracer_is_configured(settings, register):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, tracer_provider=provider)
    async with LifespanManager(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            response = await http.post("/graphql", json={"query": 'query Search { exercises(first: 2, filter: {search: "squat"}) { edges { node { nameEn } } } }'})
    assert response.status_code == 200 and not response.json().get("errors")
    names = [span.name for span in exporter.get_finished_spans()]
    assert "GraphQL Query: Search" in names
    if settings.read_path == "compiled":  # one span for the compiled statement (and the executor's, checking it)
        compiled = [s for s in exporter.get_finished_spans() if s.attributes.get("graphql.read_path") == "compiled"]
        assert [s.name for s in compiled] == ["GraphQL Query: Search"] and "exercises" in compiled[0].attributes["db.statement"]
    if settings.read_path == "executor" or settings.read_path_verify:
        assert {"GraphQL Parsing", "GraphQL Validation"} <= set(names)
        assert any(name.startswith("GraphQL Resolving") for name in names)
