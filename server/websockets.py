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
from server.auth import EXPIRED_TOKEN, INVALID_TOKEN
from server.persisted import sha256

# The close reason of a refused connection (code 4403), so a client tells a token to refresh
# from one to replace: TOKEN_EXPIRED, TOKEN_INVALID, else the error's code (UNAUTHENTICATED).
REJECTION_REASONS = {EXPIRED_TOKEN: "TOKEN_EXPIRED", INVALID_TOKEN: "TOKEN_INVALID"}


def rejection_reason(message: str, code: str) -> str:
    return REJECTION_REASONS.get(message, code)


def _sink(websocket: Any, prefix: str, query: str, operation_name: str | None, variables: dict | None) -> Sink:
    return Sink(send_text=websocket.ws.send_text, prefix=prefix, query=query, operation_name=operation_name, variables=variables)


def _not_allowed(view: Any, query: str) -> dict | None:
    """The error for a document outside the allow-list (when the server runs one), else None."""
    allowlist = view.app_state.persisted_allowlist
    if allowlist is None or sha256(query or "") in allowlist:
        return None
    return {"message": "Only registered documents may run on this server", "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"}}


def _well_formed(message: Any, operation: str, with_id: tuple[str, ...]) -> bool:
    """What Strawberry's handlers index without checking: an object with a string type, a
    string id where the type needs one, and an `operation` payload holding a query (an empty
    one failed as an internal error)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return False
    if message["type"] in with_id and not isinstance(message.get("id"), str):
        return False
    if message["type"] == operation:
        payload = message.get("payload")
        return (isinstance(payload, dict) and isinstance(payload.get("query"), str) and payload["query"] != ""
                and isinstance(payload.get("variables"), dict | None) and isinstance(payload.get("operationName"), str | None))
    return True


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        close = self.websocket.close

        async def close_with_reason(code: int, reason: str) -> None:
            # Strawberry closes a refused connection with 4403 "Forbidden"; say why instead.
            rejected = self.context.extra.pop("ws_rejection", None) if code == 4403 else None
            await close(code=code, reason=rejected or reason)

        self.websocket.close = close_with_reason  # type: ignore[method-assign]

    async def handle_message(self, message) -> None:
        if not _well_formed(message, "subscribe", ("subscribe", "complete")):
            await self.handle_invalid_message("Invalid message")  # closes with 4400
            return
        await super().handle_message(message)

    async def run_operation(self, operation) -> None:
        if error := _not_allowed(self.view, operation.query):
            await operation.send_operation_message({"id": operation.id, "type": "error", "payload": [error]})
            return
        prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        current_sink.set(_sink(self.websocket, prefix, operation.query, operation.operation_name, operation.variables))
        await super().run_operation(operation)


class LegacyWSHandler(BaseGraphQLWSHandler):
    """graphql-ws (the legacy subscriptions-transport-ws protocol)."""

    async def handle_message(self, message) -> None:
        # A malformed message closes the socket with 4400, as graphql-transport-ws does,
        # instead of failing the handler (an internal error, 1011).
        if not _well_formed(message, "start", ("start", "stop")):
            await self.websocket.close(code=4400, reason="Invalid message")
            return
        await super().handle_message(message)

    async def handle_async_results(self, operation_id: str, query: str, operation_name: str | None, variables: dict | None) -> None:
        if error := _not_allowed(self.view, query):
            await self.send_message({"type": "error", "id": operation_id, "payload": error})
            self.tasks.pop(operation_id, None)
            return
        prefix = '{"type":"data","id":' + orjson.dumps(operation_id).decode() + ',"payload":'
        current_sink.set(_sink(self.websocket, prefix, query, operation_name, variables))
        await super().handle_async_results(operation_id, query, operation_name, variables)
