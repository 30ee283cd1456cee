"""Failures of a part RepGraph depends on (PostgreSQL, Redis), told apart from bugs.

A client must be able to tell "retry in a moment" from "this is a bug": an exception
that means PostgreSQL or Redis is unreachable, timed out or restarting answers
`SERVICE_UNAVAILABLE` with `extensions.retryable: true` instead of the masked
internal error. Every path that turns exceptions into answers (the executor's error
masking, the HTTP view, the live relay and broker) calls `service_of` and `outages`,
so one outage is logged once, when it starts, and once more when it ends, not once
per request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import redis.exceptions
import sqlalchemy.exc

from resolvers.errors import ApiError

log = logging.getLogger("repgraph.outages")

POSTGRES = "postgres"
REDIS = "redis"
UNAVAILABLE_MESSAGE = "A service RepGraph depends on is unavailable or timed out; retry shortly"
RETRY_AFTER_SECONDS = 1

# SQLSTATE classes psycopg reports as OperationalError that are no outage: 54 is
# "program limit exceeded" (a statement too complex), which retrying cannot fix.
_NOT_TRANSIENT_SQLSTATE = ("54",)


class ServiceUnavailable(ApiError):
    """The answer to an outage: retry the same request (writes with the same `clientId`)."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str = UNAVAILABLE_MESSAGE, **extensions) -> None:
        super().__init__(message, retryable=True, **extensions)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "original_error", None) or current.__cause__ or current.__context__


def service_of(exc: BaseException) -> str | None:
    """`"postgres"` or `"redis"` when `exc` (or what caused it) means that part is down or timed out; else None."""
    for error in _chain(exc):
        if isinstance(error, sqlalchemy.exc.TimeoutError):  # no pooled connection free in time
            return POSTGRES
        if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
            if (getattr(error, "sqlstate", None) or "").startswith(_NOT_TRANSIENT_SQLSTATE):
                return None
            return POSTGRES
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return POSTGRES
        if isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            return REDIS
    return None


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The client's error for `exc` when it is an outage (recorded in `outages`); None for anything else."""
    service = service_of(exc)
    if service is None:
        return None
    outages.failed(service, exc)
    return ServiceUnavailable()


class Outages:
    """Which parts are down in this process, so each outage is logged once rather than per request."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}

    def failed(self, service: str, exc: BaseException) -> None:
        count = self._failures.get(service)
        if count is None:
            log.warning("%s unavailable (%s: %s); answering SERVICE_UNAVAILABLE until it is back",
                        service, type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            count = 0
        self._failures[service] = count + 1

    def recovered(self, service: str) -> None:
        """Called on evidence the part answers again (a new connection, a successful round trip)."""
        if service in self._failures:
            count = self._failures.pop(service)
            log.warning("%s available again (%d failures during the outage)", service, count)

    def down(self) -> dict[str, int]:
        """Failures seen per part currently down."""
        return dict(self._failures)


outages = Outages()
