"""Strawberry's websocket protocol handlers, telling each operation where its results go.

Each operation task gets a `schema.broadcast.Sink` (its socket, its protocol's
frame prefix, its document), so a live subscription can leave Strawberry's
per-operation pipeline and be served by its group's shared render.
"""

from __future__ import annotations

from typing import Any

import orjson
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from schema.broadcast import Sink, current_sink


def _sink(websocket: Any, prefix: str, query: str, operation_name: str | None, variables: dict | None) -> Sink:
    return Sink(send_text=websocket.ws.send_text, prefix=prefix, query=query, operation_name=operation_name, variables=variables)


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws."""

    async def run_operation(self, operation) -> None:
        prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        current_sink.set(_sink(self.websocket, prefix, operation.query, operation.operation_name, operation.variables))
        await super().run_operation(operation)


class LegacyWSHandler(BaseGraphQLWSHandler):
    """graphql-ws (the legacy subscriptions-transport-ws protocol)."""

    async def handle_async_results(self, operation_id: str, query: str, operation_name: str | None, variables: dict | None) -> None:
        prefix = '{"type":"data","id":' + orjson.dumps(operation_id).decode() + ',"payload":'
        current_sink.set(_sink(self.websocket, prefix, query, operation_name, variables))
        await super().handle_async_results(operation_id, query, operation_name, variables)
