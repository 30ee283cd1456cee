"""Prometheus metrics and the per-operation log line.

`Metrics` holds one registry per app (so several apps in one process, as in the
tests, do not collide). Operations are measured by `ObserveOperations`, a
Strawberry extension; pool usage, live subscriptions and event counts are read
from the app's state when scraped. With several worker processes each serves
its own /metrics: scrape every worker (or run one process per container).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

from schema.observe import sql_statements

slow_log = logging.getLogger("repgraph.slow_query")

MAX_OPERATION_NAMES = 200  # distinct operation-name labels; clients choose names, so they are capped


class Metrics:
    """The app's registry; `schema.observe.ObserveOperations` records operations into it."""

    def __init__(self, state: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.operations = Counter(
            "repgraph_graphql_operations", "GraphQL operations by name, type and outcome",
            ["operation", "type", "outcome"], registry=self.registry,
        )
        self.latency = Histogram(
            "repgraph_graphql_operation_duration_seconds", "Time to execute a query or mutation",
            ["operation", "type"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.read_path = Counter(
            "repgraph_read_path_operations", "HTTP query operations by the path that answered them (compiled or executor)",
            ["operation", "path"], registry=self.registry,
        )
        self.write_path = Counter(
            "repgraph_write_path_operations", "logSet mutations by the path that answered them (the write lane or the executor)",
            ["operation", "path"], registry=self.registry,
        )
        self.errors = Counter("repgraph_graphql_errors", "GraphQL errors by extensions.code", ["code"], registry=self.registry)
        self.sql = Histogram(
            "repgraph_sql_statements_per_operation", "SQL statements sent to PostgreSQL per query or mutation",
            registry=self.registry, buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100),
        )
        self.registry.register(_StateCollector(state))
        self._names: set[str] = set()

    def operation_name(self, name: str | None) -> str:
        name = name or "anonymous"
        if name in self._names:
            return name
        if len(self._names) >= MAX_OPERATION_NAMES or len(name) > 64:
            return "other"
        self._names.add(name)
        return name

    def count_statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        """before_cursor_execute: count the statement against the operation it belongs to."""
        counter = sql_statements.get()
        if counter is not None:
            counter[0] += 1


class _StateCollector:
    """Gauges and counters read from the app's state at scrape time."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def collect(self):
        engine = getattr(self.state, "engine", None)
        pool = GaugeMetricFamily("repgraph_db_pool_connections", "Database pool connections by state", labels=["state"])
        if engine is not None:
            p = engine.sync_engine.pool
            pool.add_metric(["checked_out"], p.checkedout())
            pool.add_metric(["size"], p.size())
            pool.add_metric(["overflow"], max(p.overflow(), 0))
        yield pool
        tasks = GaugeMetricFamily("repgraph_event_loop_tasks", "asyncio tasks alive in this process (a leak shows as growth)")
        with contextlib.suppress(RuntimeError):  # scraped outside the event loop
            tasks.add_metric([], len(asyncio.all_tasks()))
        yield tasks
        live = getattr(self.state, "live", None)
        if live is None:
            return
        groups = live.broadcasts
        subs = GaugeMetricFamily("repgraph_live_subscriptions", "Live subscriptions open in this process")
        subs.add_metric([], live.broker.fanout.subscriber_count - (len(groups.groups) if groups else 0) + (groups.member_count if groups else 0))
        yield subs
        published = CounterMetricFamily("repgraph_live_events_published", "Outbox events this process's relay published")
        published.add_metric([], live.relay.published)
        yield published
        delivered = CounterMetricFamily("repgraph_live_events_delivered", "Live events handed to subscribers in this process")
        # Broker deliveries to groups are not deliveries to clients: count the groups' own instead.
        delivered.add_metric([], live.broker.fanout.delivered - (groups.received if groups else 0) + (groups.delivered if groups else 0))
        yield delivered


def watch_slow_queries(engine, threshold_ms: float) -> None:
    """Log statements that take longer than `threshold_ms` (with their duration and request id)."""
    from sqlalchemy import event

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _end(conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info["query_started"].pop()
        elapsed = (time.perf_counter() - started) * 1000
        if elapsed >= threshold_ms:
            slow_log.warning("slow query: %.1f ms", elapsed, extra={"statement": statement[:2000], "duration_ms": round(elapsed, 2)})


async def metrics_endpoint(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
