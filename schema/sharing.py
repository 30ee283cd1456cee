"""Live events are executed once per process, not once per subscriber.

When one event fans out to thousands of subscribers holding the same
subscription document and variables as the same viewer, executing the selection
for each of them is the same work thousands of times. This executor keeps each
event's result per (document, operation, variables, viewer) on the event itself
(`Event.shared`, which lives only as long as the event is being delivered), so
the others reuse it. Results never cross viewers: the viewer is part of the key.
"""

from __future__ import annotations

import asyncio
from inspect import isawaitable
from typing import Any

import orjson
from graphql import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(getattr(self.root_value, "event", None), "shared", None)
        if shared is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = (
            self.operation.loc.source.body if self.operation.loc else id(self.operation),
            self.operation.name.value if self.operation.name else None,
            orjson.dumps(self.variable_values.coerced, option=orjson.OPT_SORT_KEYS, default=str),
            getattr(self.context_value, "viewer_id", None),
        )
        results = shared.setdefault("results", {})
        if key not in results:
            result = super().execute_operation(serially)
            results[key] = asyncio.ensure_future(result) if isawaitable(result) else result
        return results[key]
