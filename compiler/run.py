"""Runs compiled statements: a psycopg pool of its own, prepared statements, bytes out.

The `data` column comes back as the bytes PostgreSQL sent (no decoding to `str` and back),
ready to be written into the HTTP response. Statements are prepared on first use, except
behind PgBouncer in transaction mode, and each runs under a statement timeout.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
import time
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.adapt import Loader
from psycopg_pool import AsyncConnectionPool

from db.engine import async_url


slow_log = logging.getLogger("repgraph.slow_query")


class _Bytes(Loader):
    def load(self, data: Any) -> bytes:
        return bytes(data)


def libpq_url(url: str) -> str:
    return "postgresql://" + async_url(url).split("://", 1)[1]


class StatementRunner:
    def __init__(
        self, database_url: str, *, size: int, statement_timeout_ms: int, prepare: bool = True, slow_ms: float = 0,
        timeout: float = 30.0, connect_timeout: float | None = None,
    ) -> None:
        self.slow_ms = slow_ms
        self.prepare = prepare
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []  # told of each statement (tests, bench)
        self.timeout = int(statement_timeout_ms)
        self.pool = AsyncConnectionPool(
            libpq_url(database_url), min_size=1, max_size=max(size, 1), open=False, timeout=timeout,
            kwargs={"autocommit": True, **({} if prepare else {"prepare_threshold": None}),
                    **({"connect_timeout": max(1, round(connect_timeout))} if connect_timeout else {})},
            configure=self._configure, name="compiled-reads",
        )

    async def _configure(self, conn: AsyncConnection) -> None:
        conn.adapters.register_loader("text", _Bytes)
        await conn.execute(f"SET statement_timeout = {self.timeout}")

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def fetch(self, sql: str, params: dict[str, Any]) -> tuple[bool, bytes]:
        """(ok, data) of one compiled statement."""
        for listener in self.listeners:
            listener(sql, params)
        started = time.perf_counter()
        try:
            ok, data = await self._fetch(sql, params)
        except psycopg.OperationalError as exc:
            if not _connection_lost(exc):
                raise
            # PostgreSQL restarted since the pooled connections were opened: drop the dead
            # ones and run it once more (a read, so running it again is safe).
            await self.pool.check()
            ok, data = await self._fetch(sql, params)
        elapsed = (time.perf_counter() - started) * 1000
        if self.slow_ms and elapsed >= self.slow_ms:
            slow_log.warning("slow query: %.1f ms", elapsed, extra={"statement": sql[:2000], "duration_ms": round(elapsed, 2)})
        return ok, data

    async def _fetch(self, sql: str, params: dict[str, Any]) -> tuple[bool, bytes]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params, prepare=self.prepare or None)
            return await cursor.fetchone()


def _connection_lost(exc: psycopg.OperationalError) -> bool:
    """The connection broke (no SQLSTATE) or the server shut it down (57P01-57P03); a timeout (57014) is no loss."""
    sqlstate = exc.sqlstate or ""
    return not sqlstate or sqlstate.startswith("57P")
