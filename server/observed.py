"""What an operation answered by a lane (server/lane.py, server/writes.py) records: the counts,
latency, statements and log line `schema.observe.ObserveOperations` records for the executor's,
a span like Strawberry's tracing, and which path answered (`repgraph_read_path_operations`,
`repgraph_write_path_operations`)."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("repgraph.operations")
compiler_log = logging.getLogger("repgraph.compiler")


class Observed:
    def __init__(self, state: Any, tracer: Any, kind: str, path_metric: str, path: str) -> None:
        self.state = state
        self.tracer = tracer
        self.kind = kind  # "query" or "mutation"
        self.path_metric = path_metric  # the Metrics attribute counting the path: read_path or write_path
        self.path = path  # this lane's label on it
        self.counters: dict[str | None, tuple] = {}  # each operation's metric children, looked up once

    def fallback(self, name: str | None, reason: str) -> None:
        """Count and note an operation the executor answers (returns None: the lane has no answer)."""
        metrics = self.state.metrics
        if metrics is not None:
            getattr(metrics, self.path_metric).labels(metrics.operation_name(name), "executor").inc()
        compiler_log.debug("executor answers %s: %s", name or "anonymous", reason)
        return None

    def ok(self, name: str | None, started: float, viewer_id: Any, statements: int, sql: str) -> None:
        duration = time.perf_counter() - started
        metrics = self.state.metrics
        if metrics is not None:
            counted = self.counters.get(name)
            if counted is None:
                if len(self.counters) > 1000:  # names are the clients' choice: keep the memo bounded
                    self.counters.clear()
                label = metrics.operation_name(name)
                counted = self.counters[name] = (
                    getattr(metrics, self.path_metric).labels(label, self.path), metrics.operations.labels(label, self.kind, "ok"),
                    metrics.latency.labels(label, self.kind),
                )
            counted[0].inc()
            counted[1].inc()
            counted[2].observe(duration)
            metrics.sql.observe(statements)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s %s ok in %.1f ms", self.kind, name or "anonymous", duration * 1000,
                extra={"operation": name, "operation_type": self.kind, "user_id": str(viewer_id) if viewer_id else None,
                       "duration_ms": round(duration * 1000, 2), "outcome": "ok", "sql_statements": statements, "error_codes": None,
                       self.path_metric: self.path},
            )
        if self.tracer is not None:
            self.trace(name, started, sql)

    def trace(self, name: str | None, started: float, sql: str) -> None:
        start_ns = time.time_ns() - int((time.perf_counter() - started) * 1e9)
        title = f"GraphQL {self.kind.title()}"
        span = self.tracer.start_span(f"{title}: {name}" if name else title, start_time=start_ns)
        span.set_attribute("component", "graphql")
        span.set_attribute(f"graphql.{self.path_metric}", self.path)
        span.set_attribute("db.statement", sql[:2000])
        span.end()
