"""Request ids: one per HTTP request or websocket connection, in logs and response headers.

A sane incoming `X-Request-ID` (from a proxy or the client) is kept, so one id follows a
request across systems; otherwise a new one is made.
"""

from __future__ import annotations

import contextvars
import re
import uuid

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def current_request_id() -> str | None:
    return request_id.get()


class RequestIdMiddleware:
    """Pure ASGI middleware: sets `request_id` for the call and adds `x-request-id` to HTTP responses."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), None)
        rid = incoming if incoming and _SANE.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            if scope["type"] == "http":

                async def send_with_id(message) -> None:
                    if message["type"] == "http.response.start":
                        message = {**message, "headers": [*message.get("headers", ()), (b"x-request-id", rid.encode())]}
                    await send(message)

                await self.app(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send)
        finally:
            request_id.reset(token)
