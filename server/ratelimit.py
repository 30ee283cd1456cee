"""Rate limits per user and per client IP, counted in Redis (shared by every process).

Fixed one-minute windows (INCR + EXPIRE in one round trip). Over the limit, a request
gets HTTP 429 with `Retry-After` and a GraphQL error coded RATE_LIMITED carrying
`retryAfter` (seconds). Without Redis (a single `make run` process) the counts are
kept in process. Websocket messages are not counted here: subscriptions have their
own caps (per connection and per user).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import orjson

from db.outages import outages
from server.auth import authorization_of, viewer_from_header

log = logging.getLogger(__name__)


class MemoryCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.window = None

    async def incr(self, key: str, window: int) -> int:
        current = int(time.time() // window)
        if current != self.window:
            self.counts.clear()
            self.window = current
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


class RedisCounter:
    """Counts in Redis; while Redis is unreachable, in process (requests keep being served)."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.fallback = MemoryCounter()

    async def incr(self, key: str, window: int) -> int:
        name = f"repgraph:rl:{key}:{int(time.time() // window)}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window + 1)
                count, _ = await pipe.execute()
            return count
        except Exception as exc:  # noqa: BLE001 - a Redis outage must not take the API down
            if not outages.report(exc):
                log.warning("rate limit: Redis failed (%s); counting in process", exc)
            return await self.fallback.incr(key, window)


class RateLimitMiddleware:
    """Pure ASGI middleware for HTTP requests to /graphql."""

    def __init__(self, app, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        settings = self.state.settings
        if scope["type"] != "http" or scope["path"] != "/graphql" or not (settings.rate_limit_user or settings.rate_limit_ip):
            await self.app(scope, receive, send)
            return
        window = settings.rate_limit_window
        counter = self.state.rate_counter
        checks = []
        if settings.rate_limit_ip and scope.get("client"):
            checks.append((f"ip:{scope['client'][0]}", settings.rate_limit_ip))
        if settings.rate_limit_user:
            header = authorization_of(scope)
            viewer, _ = viewer_from_header(settings.secret_key, header)
            if viewer is not None:
                checks.append((f"user:{viewer}", settings.rate_limit_user))
        for key, limit in checks:
            if await counter.incr(key, window) > limit:
                await self._refuse(send, max(1, math.ceil(window - time.time() % window)), key.split(":")[0])
                return
        await self.app(scope, receive, send)

    async def _refuse(self, send, retry_after: int, scope_name: str) -> None:
        who = "this user" if scope_name == "user" else "this address"
        body = orjson.dumps({"errors": [{
            "message": f"Too many requests from {who}; retry in {retry_after} s",
            "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
        }]})
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode()),
            (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
