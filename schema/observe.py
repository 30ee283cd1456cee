"""Per-operation observation: counts, latency, error codes, SQL statements and a log line.

The numbers go to the app's `server.metrics.Metrics` when the context carries one
(`ctx.metrics`); the log line (logger `repgraph.operations`) is always written.
"""

from __future__ import annotations

import contextvars
import logging
import time

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from schema.errors import INTERNAL_ERROR_MESSAGE

log = logging.getLogger("repgraph.operations")

# Statements sent to PostgreSQL by the current operation (a list, shared with the loaders'
# tasks, which inherit the context); None outside an operation.
sql_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("sql_statements", default=None)
# True while the executor recomputes a compiled answer to compare them (server/lane.py,
# read_path_verify): that second run is neither counted nor logged as an operation.
shadow_run: contextvars.ContextVar[bool] = contextvars.ContextVar("shadow_run", default=False)


def error_code(error) -> str:
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if error.message == INTERNAL_ERROR_MESSAGE:
        return "INTERNAL_SERVER_ERROR"
    return "GRAPHQL_VALIDATION_FAILED" if not error.path else "GRAPHQL_ERROR"


class ObserveOperations(SchemaExtension):
    """Counts, times and logs each operation, and the SQL statements it sent."""

    def on_operation(self):
        ec = self.execution_context
        if shadow_run.get():
            yield
            return
        counter = [0]
        token = sql_statements.set(counter)
        started = time.perf_counter()
        try:
            yield
        finally:
            sql_statements.reset(token)
        ctx = ec.context
        metrics = getattr(ctx, "metrics", None)
        result = ec.result
        errors = list(getattr(result, "errors", None) or ec.pre_execution_errors or [])
        try:
            kind = ec.operation_type.value
        except Exception:  # the document did not parse or name a known operation
            kind = "unknown"
        duration = time.perf_counter() - started
        name = ec.operation_name
        codes = sorted({error_code(e) for e in errors})
        if metrics is not None:
            label = metrics.operation_name(name)
            metrics.operations.labels(label, kind, "error" if errors else "ok").inc()
            for code in codes:
                metrics.errors.labels(code).inc()
            if kind != OperationType.SUBSCRIPTION.value:
                metrics.latency.labels(label, kind).observe(duration)
                metrics.sql.observe(counter[0])
        viewer = getattr(ctx, "viewer_id", None)
        log.info(
            "%s %s %s in %.1f ms", kind, name or "anonymous", "failed" if errors else "ok", duration * 1000,
            extra={
                "operation": name, "operation_type": kind, "user_id": str(viewer) if viewer else None,
                "duration_ms": round(duration * 1000, 2), "outcome": "error" if errors else "ok",
                "sql_statements": counter[0], "error_codes": codes or None,
            },
        )


