"""A minimal GraphQL-over-websocket client for both protocols, over real sockets."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class WsClient:
    def __init__(self, conn: ClientConnection, protocol: str) -> None:
        self.conn = conn
        self.protocol = protocol
        self._ids = itertools.count(1)

    @classmethod
    async def open(cls, base_url: str, protocol: str = TRANSPORT_WS, token: str | None = None, *, init: dict | None = None) -> WsClient:
        url = base_url.replace("http://", "ws://") + "/graphql"
        conn = await connect(url, subprotocols=[protocol], max_queue=None, open_timeout=20)
        client = cls(conn, protocol)
        payload = init if init is not None else ({"Authorization": f"Bearer {token}"} if token else {})
        await client.send({"type": "connection_init", "payload": payload})
        ack = await client.receive_skipping_keepalive()
        if ack["type"] != "connection_ack":
            raise ConnectionError(ack)
        return client

    async def send(self, message: dict) -> None:
        await self.conn.send(orjson.dumps(message).decode())

    async def receive(self, timeout: float = 10) -> dict:
        raw = await asyncio.wait_for(self.conn.recv(), timeout)
        # Browsers' graphql-ws clients only understand text frames.
        assert isinstance(raw, str), f"binary websocket frame: {raw[:80]!r}"
        return orjson.loads(raw)

    async def receive_skipping_keepalive(self, timeout: float = 10) -> dict:
        while True:
            message = await self.receive(timeout)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif message["type"] not in ("pong", "ka"):
                return message

    async def subscribe(self, query: str, variables: dict | None = None) -> str:
        op_id = str(next(self._ids))
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables or {}}})
        return op_id

    async def next_payload(self, timeout: float = 10) -> dict[str, Any]:
        """The next result (data and/or errors) of any operation; raises on error/complete frames."""
        message = await self.receive_skipping_keepalive(timeout)
        if message["type"] in ("next", "data"):
            return message["payload"]
        if message["type"] == "error":
            payload = message["payload"]
            return {"errors": payload if isinstance(payload, list) else [payload]}
        raise AssertionError(f"unexpected frame {message}")

    async def close(self) -> None:
        await self.conn.close()
