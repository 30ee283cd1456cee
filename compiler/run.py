"""Runs compiled statements: a psycopg pool of its own, prepared statements, bytes out.

The `data` column comes back as the bytes PostgreSQL sent (no decoding to `str` and back),
ready to be written into the HTTP response. Statements are prepared on first use, except
behind PgBouncer in transaction mode, and each runs under a statement timeout.

Statements that arrive together are sent together. Requests that reach the lane in the same
turn of the event loop queue their statements; a connection's worker takes the queue and
sends it as one libpq pipeline (`psycopg.pq`), each statement followed by its own Sync, so
each is still its own implicit transaction and one statement's error touches no other. One
write and one wake-up of a PostgreSQL backend then serve several requests, and the Python
around each statement is a few calls instead of a cursor's life. A statement measured to be
heavy (a dashboard) travels alone, so a light one is never queued behind it. Behind
PgBouncer, statements go one by one through psycopg's cursor, unprepared.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable
from functools import lru_cache
import logging
import re
import time
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg import AsyncConnection, pq
from psycopg.adapt import Loader, PyFormat, Transformer
from psycopg.errors import error_from_result
from psycopg_pool import AsyncConnectionPool

from db.engine import async_url


slow_log = logging.getLogger("repgraph.slow_query")

MAX_BATCH = 16  # statements per pipeline
PREPARED_MAX = 256  # prepared statements per connection
TIMED_MAX = 4096  # statements whose recent time is kept
HEAVY_MS = 1.5  # a statement whose recent runs took longer goes alone
_TUPLES_OK = pq.ExecStatus.TUPLES_OK
_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_PIPELINE_SYNC = pq.ExecStatus.PIPELINE_SYNC


class _Bytes(Loader):
    def load(self, data: Any) -> bytes:
        return bytes(data)


def libpq_url(url: str) -> str:
    return "postgresql://" + async_url(url).split("://", 1)[1]


@lru_cache(maxsize=4096)
def positional(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """`%(name)s` placeholders as libpq's `$n` (each name one number), and the names in order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(0) == "%%":
            return "%"
        if match.group(1) is None:
            raise ValueError("compiled statements take named parameters only")
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%%|%\((\w+)\)s|%s", number, sql).encode(), tuple(names)


class _Prepared:
    """One connection's prepared statements, the least recently used closed beyond PREPARED_MAX."""

    __slots__ = ("names", "closing", "count")

    def __init__(self) -> None:
        self.names: OrderedDict[tuple, bytes] = OrderedDict()
        self.closing: set[tuple] = set()  # keys whose Prepare follows a DEALLOCATE in this pipeline
        self.count = 0

    def add(self, key: tuple, pgconn: pq.abc.PGconn) -> bytes:
        if len(self.names) >= PREPARED_MAX:
            _, evicted = self.names.popitem(last=False)
            pgconn.send_query_params(b"DEALLOCATE " + evicted, None)
            self.closing.add(key)
        self.count += 1
        name = self.names[key] = b"rg_%d" % self.count
        return name


class _Statement:
    __slots__ = ("sql", "params", "future")

    def __init__(self, sql: str, params: dict[str, Any], future: asyncio.Future) -> None:
        self.sql, self.params, self.future = sql, params, future


class StatementRunner:
    def __init__(
        self, database_url: str, *, size: int, statement_timeout_ms: int, prepare: bool = True, slow_ms: float = 0,
        timeout: float = 30.0, connect_timeout: float | None = None,
    ) -> None:
        self.slow_ms = slow_ms
        self.prepare = prepare
        self.listeners: list[Callable[[str, dict[str, Any]], None]] = []  # told of each statement (tests, bench)
        self.timeout = int(statement_timeout_ms)
        self.size = max(size, 1)
        self.pool = AsyncConnectionPool(
            libpq_url(database_url), min_size=1, max_size=self.size, open=False, timeout=timeout,
            kwargs={"autocommit": True, **({} if prepare else {"prepare_threshold": None}),
                    **({"connect_timeout": max(1, round(connect_timeout))} if connect_timeout else {})},
            configure=self._configure, name="compiled-reads",
        )
        self.pipelines = 0  # pipelines sent, and the statements in them (tests, bench)
        self.pipelined = 0
        self._queue: deque[_Statement] = deque()
        self._idle: deque[asyncio.Future] = deque()  # workers waiting for statements
        self._workers: list[asyncio.Task] = []
        self._prepared: WeakKeyDictionary[AsyncConnection, _Prepared] = WeakKeyDictionary()
        self._ms: dict[str, float] = {}  # recent milliseconds per statement (a moving average)

    async def _configure(self, conn: AsyncConnection) -> None:
        conn.adapters.register_loader("text", _Bytes)
        await conn.execute(f"SET statement_timeout = {self.timeout}")

    async def open(self) -> None:
        await self.pool.open(wait=False)
        if self.prepare:
            self._workers = [asyncio.create_task(self._work(), name=f"compiled-reads-{i}") for i in range(self.size)]

    async def close(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        for item in self._queue:
            if not item.future.done():
                item.future.set_exception(psycopg.OperationalError("the statement runner closed"))
        self._queue.clear()
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
        if not self.prepare:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(sql, params)
                return await cursor.fetchone()
        future = asyncio.get_running_loop().create_future()
        self._queue.append(_Statement(sql, params, future))
        if len(self._queue) == 1:
            self._wake()
        return await future

    def _wake(self) -> None:
        while self._idle:
            waiter = self._idle.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _take(self) -> list[_Statement]:
        """The next pipeline: a heavy statement alone, or up to MAX_BATCH light ones in arrival order."""
        head = self._queue[0]
        if self._ms.get(head.sql, 0.0) > HEAVY_MS:
            return [self._queue.popleft()]
        batch, kept = [], deque()
        while self._queue and len(batch) < MAX_BATCH:
            item = self._queue.popleft()
            (kept if self._ms.get(item.sql, 0.0) > HEAVY_MS else batch).append(item)
        kept.extend(self._queue)
        self._queue = kept
        return batch

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                waiter = loop.create_future()
                self._idle.append(waiter)
                await waiter
                continue
            batch = self._take()
            if self._queue:  # more than one pipeline's worth: another worker takes the rest
                self._wake()
            try:
                async with self.pool.connection() as conn:
                    await self._pipeline(conn, batch)
            except asyncio.CancelledError:
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(psycopg.OperationalError("the statement runner closed"))
                raise
            except BaseException as exc:  # noqa: BLE001 - every waiting request hears of it
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)

    async def _pipeline(self, conn: AsyncConnection, batch: list[_Statement]) -> None:
        pgconn = conn.pgconn
        prepared = self._prepared.get(conn)
        if prepared is None:
            prepared = self._prepared[conn] = _Prepared()
        transformer = Transformer.from_context(conn)
        sent: list[tuple[_Statement, tuple | None]] = []  # each statement, and its key when it is prepared here
        try:
            pgconn.enter_pipeline_mode()
            for item in batch:
                try:
                    text, names = positional(item.sql)
                    values = transformer.dump_sequence([item.params[name] for name in names], [PyFormat.AUTO] * len(names))
                except Exception as exc:  # noqa: BLE001 - a parameter psycopg cannot send: this request's error alone
                    item.future.set_exception(exc)
                    continue
                key = (item.sql, tuple(transformer.types))
                name = prepared.names.get(key)
                new = name is None
                if new:
                    name = prepared.add(key, pgconn)
                    pgconn.send_prepare(name, text, transformer.types)
                else:
                    prepared.names.move_to_end(key)
                pgconn.send_query_prepared(name, values, transformer.formats)
                pgconn.pipeline_sync()
                sent.append((item, key if new else None))
            await self._flush(pgconn)
            self.pipelines += 1
            self.pipelined += len(sent)
            since = time.perf_counter()
            for item, key in sent:
                since = await self._answer(conn, pgconn, item, key, prepared, since)
            pgconn.exit_pipeline_mode()
        except BaseException:
            # Results left unread would answer the connection's next user: it is not given back.
            await conn.close()
            raise

    async def _answer(self, conn, pgconn, item: _Statement, key: tuple | None, prepared: _Prepared, since: float) -> float:
        """Read one statement's results (before them, those of the statement it evicted and of its Prepare,
        if any) up to its Sync and answer its request.

        Returns when its results were in: the next statement's own time counts from there."""
        error = row = None
        # Which command's results come next: -1 the evicted statement's DEALLOCATE, 0 the Prepare, 1 the statement.
        part = 1 if key is None else 0
        if key in prepared.closing:
            prepared.closing.discard(key)
            part = -1
        made = key is None  # its prepared statement exists
        while True:
            result = await self._result(pgconn)
            if result is None:  # the end of one command's results
                part += 1
                continue
            status = result.status
            if status == _PIPELINE_SYNC:
                break
            if part == 0 and status == _COMMAND_OK:
                made = True
            if status == pq.ExecStatus.FATAL_ERROR and error is None:
                error = error_from_result(result, encoding=conn.info.encoding)
            elif status == _TUPLES_OK and result.ntuples:
                row = (result.get_value(0, 0) == b"t", bytes(result.get_value(0, 1)))
        if not made:  # its Prepare failed or never ran: prepare it again next time
            prepared.names.pop(key, None)
        done = time.perf_counter()
        own = (done - since) * 1000
        previous = self._ms.get(item.sql)
        if previous is None and len(self._ms) >= TIMED_MAX:  # statements the plan cache has long dropped
            self._ms.clear()
        self._ms[item.sql] = own if previous is None else previous * 0.8 + own * 0.2
        if item.future.done():  # the request went away
            return done
        if error is not None:
            item.future.set_exception(error)
        elif row is None:
            item.future.set_exception(psycopg.ProgrammingError("a compiled statement returned no row"))
        else:
            item.future.set_result(row)
        return done

    @staticmethod
    async def _flush(pgconn) -> None:
        while pgconn.flush():
            await _ready(pgconn.socket, writable=True)

    @staticmethod
    async def _result(pgconn) -> pq.abc.PGresult | None:
        while pgconn.is_busy():
            await _ready(pgconn.socket, writable=False)
            pgconn.consume_input()
        return pgconn.get_result()


async def _ready(fd: int, writable: bool) -> None:
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def ready() -> None:
        if not waiter.done():
            waiter.set_result(None)

    (loop.add_writer if writable else loop.add_reader)(fd, ready)
    try:
        await waiter
    finally:
        (loop.remove_writer if writable else loop.remove_reader)(fd)


def _connection_lost(exc: psycopg.OperationalError) -> bool:
    """The connection broke (no SQLSTATE) or the server shut it down (57P01-57P03); a timeout (57014) is no loss."""
    sqlstate = exc.sqlstate or ""
    return not sqlstate or sqlstate.startswith("57P")
