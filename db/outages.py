"""Which exceptions mean a store RepGraph depends on (PostgreSQL, Redis, MongoDB) is down, and its outage log.

A client must be able to tell "retry in a moment" from "this is a bug", and an operator
wants one line when a store goes away and one when it is back, not one per request.
Everything that meets such failures (the GraphQL error masking, the HTTP view, the
outbox relay, the Redis broker, caches) asks `service_of` and reports to `outages`.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator

import psycopg
import pymongo.errors
import redis.exceptions
import sqlalchemy.exc

log = logging.getLogger("repgraph.outages")

POSTGRES = "postgres"
REDIS = "redis"
MONGODB = "mongodb"

STATEMENT_BEGAN = "repgraph_statement_began"  # a connection's `info` key: when its current statement began
SETTLE_SECONDS = 2.0  # failures this soon after a recovery belong to the outage that just ended

# SQLSTATE classes psycopg reports as OperationalError that are no outage: 54 is
# "program limit exceeded" (a statement too complex), which retrying cannot fix.
_NOT_TRANSIENT_SQLSTATE = ("54",)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "original_error", None) or current.__cause__ or current.__context__


def service_of(exc: BaseException) -> str | None:
    """`"postgres"`, `"redis"` or `"mongodb"` when `exc` (or what caused it) means that store is down or timed out; else None."""
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
        if isinstance(error, pymongo.errors.ConnectionFailure) or (isinstance(error, pymongo.errors.PyMongoError) and error.timeout):
            return MONGODB
    return None


class Outages:
    """Which stores are down in this process, so each outage is logged once rather than per request."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}
        self._quiet: dict[str, float] = {}  # reopened within SETTLE_SECONDS of a recovery: since when
        self._recovered_at: dict[str, float] = {}
        self._began: dict[str, float] = {}  # when each current outage was first seen

    def failed(self, service: str, exc: BaseException) -> None:
        now = time.monotonic()
        if service not in self._failures:
            self._failures[service] = 0
            self._began[service] = now
            if now - self._recovered_at.get(service, -SETTLE_SECONDS) < SETTLE_SECONDS:
                # Connection attempts begun during the outage just ended still fail for a
                # moment (a server finishing its recovery): the same outage, not a new one.
                self._quiet[service] = now
            else:
                self._log_start(service, exc)
        elif service in self._quiet and now - self._quiet[service] >= SETTLE_SECONDS:
            del self._quiet[service]  # it lasted: a new outage after all
            self._log_start(service, exc)
        self._failures[service] += 1

    def _log_start(self, service: str, exc: BaseException) -> None:
        detail = str(exc).strip().splitlines()
        log.warning("%s unavailable (%s: %s); answering SERVICE_UNAVAILABLE until it is back",
                    service, type(exc).__name__, detail[0] if detail else "")

    def report(self, exc: BaseException) -> bool:
        """Record `exc` if it is an outage; False when it is something else (for the caller to log)."""
        service = service_of(exc)
        if service is None:
            return False
        self.failed(service, exc)
        return True

    def recovered(self, service: str, since: float | None = None) -> None:
        """Called on evidence the store answers again: a statement or command that succeeded, begun at
        `since` (`time.monotonic()`; None: just now). One begun before the outage was first seen is no
        evidence: it was in flight when the store went away (a server stopping finishes some)."""
        if service in self._failures:
            if since is not None and since < self._began[service]:
                return
            count = self._failures.pop(service)
            self._began.pop(service, None)
            if self._quiet.pop(service, None) is None:
                log.warning("%s available again (%d failures during the outage)", service, count)
            self._recovered_at[service] = time.monotonic()

    def is_down(self, service: str) -> bool:
        return service in self._failures

    def down(self) -> dict[str, int]:
        """Failures seen per store currently down."""
        return dict(self._failures)


class _Current:
    """The outage log of the app whose request or background task is running.

    Each app keeps its own (several apps share one test process, each on its own stores);
    `server.app` sets it for its lifespan's tasks and for every request. Outside any app,
    a log for the process."""

    def get(self) -> Outages:
        return _current.get(_process)

    def use(self, log: Outages) -> contextvars.Token:
        return _current.set(log)

    def reset(self, token: contextvars.Token) -> None:
        _current.reset(token)

    def report(self, exc: BaseException) -> bool:
        return self.get().report(exc)

    def failed(self, service: str, exc: BaseException) -> None:
        self.get().failed(service, exc)

    def recovered(self, service: str, since: float | None = None) -> None:
        self.get().recovered(service, since)

    def is_down(self, service: str) -> bool:
        return self.get().is_down(service)

    def down(self) -> dict[str, int]:
        return self.get().down()


_process = Outages()
_current: contextvars.ContextVar[Outages] = contextvars.ContextVar("repgraph_outages")
outages = _Current()
