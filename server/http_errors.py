"""GraphQL-shaped answers for HTTP requests that fail outside GraphQL execution.

Strawberry answers requests it refuses (bad JSON, wrong method, unsupported content type)
with plain text, and lets anything else escape as a bare 500. Clients should get the
same shape everywhere: `{"errors": [{"message", "extensions": {"code"}}]}`, a 4xx for
their mistakes, 503 with `retryable` for an outage, and a masked 500 (logged with its
traceback and request id) only for a bug. Any HTTP lane of the app answers through
these functions.
"""

from __future__ import annotations

import logging

import orjson
from starlette.responses import Response

from db.outages import outages
from resolvers.outages import RETRY_AFTER_SECONDS, unavailable
from schema.errors import INTERNAL_ERROR_MESSAGE
from server.request_id import current_request_id

log = logging.getLogger("repgraph.errors")

STATUS_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def error_response(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None, **extensions) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code or STATUS_CODES.get(status, "BAD_REQUEST"), **extensions}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def failure_response(exc: BaseException) -> Response:
    """503 SERVICE_UNAVAILABLE (retryable) for an outage; otherwise the masked 500, logged."""
    retry = unavailable(exc)
    if retry is not None:
        return error_response(503, retry.message, retry.extensions["code"], {"retry-after": str(RETRY_AFTER_SECONDS)}, retryable=True)
    request_id = current_request_id()
    log.error("unexpected error outside execution (request %s)", request_id, exc_info=(type(exc), exc, exc.__traceback__))
    return error_response(500, INTERNAL_ERROR_MESSAGE, "INTERNAL_SERVER_ERROR", requestId=request_id)


class OutageScope:
    """Pure ASGI middleware: requests (and the tasks they start) report to their app's outage log."""

    def __init__(self, app, state) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        log = getattr(self.state, "outages", None)
        if log is None or scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        token = outages.use(log)
        try:
            await self.app(scope, receive, send)
        finally:
            outages.reset(token)
