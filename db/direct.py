"""Statements sent straight through psycopg, inside a transaction SQLAlchemy opened.

The hot writes (logging a set and the like) send a handful of fixed statements. Through an
`AsyncSession` each costs the ORM's unit of work, statement compilation, result processing
and a greenlet switch; here each is one psycopg call on the same pooled connection, with
psycopg's prepared statements (off behind PgBouncer, as the engine says). The transaction
stays SQLAlchemy's (`engine.begin()`), so commit, rollback, the pool and an ORM session
joined to the same connection for a rare path behave as before, and the engine's
`before_cursor_execute` / `after_cursor_execute` listeners (statement counts, slow-query
log, outage recovery) see every statement.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import AsyncRawCursor
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import TextClause

_DIALECT = pg_dialect.dialect()
_NATIVE = pg_dialect.dialect(paramstyle="numeric_dollar")
IDLE = TransactionStatus.IDLE
_PYFORMAT = re.compile(r"%\((\w+)\)s")
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")


class Rows(list):
    """A statement's rows, answering the `Result` calls the training rules make (`all`, `one`), so the
    same functions run on a `Direct` transaction or on an ORM session."""

    __slots__ = ()

    def all(self) -> list:
        return self

    def one(self) -> Any:
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]


@lru_cache(maxsize=256)
def driver_sql(statement: TextClause | str) -> str:
    """A `text()` statement (`:name` parameters) as psycopg takes it (`%(name)s`); strings as they are."""
    if isinstance(statement, str):
        return statement
    return str(statement.compile(dialect=_DIALECT))


@lru_cache(maxsize=256)
def native_sql(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """`sql` (psycopg's `%(name)s` style) with PostgreSQL's own `$n` placeholders, and the names in order.

    Sent through a raw cursor, psycopg does not parse the statement for placeholders on every
    call (it caches that parse for statements under 4 KB only, and the write statements are longer)."""
    compiled = text(_PYFORMAT.sub(r":\1", sql).replace("%%", "%")).compile(dialect=_NATIVE)
    return str(compiled).encode(), tuple(compiled.positiontup or ())


@lru_cache(maxsize=256)
def numbered_sql(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """`sql` in psycopg's `%(name)s` style with `$n` placeholders, read as psycopg reads it (the
    compiler's statements: `text()` would misread their `%(p)s::uuid` casts and colons in literals)."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PLACEHOLDER.sub(number, sql).encode(), tuple(names)


class _Bytes(Loader):
    def load(self, data: Any) -> bytes:
        return bytes(data)


class Direct:
    """One transaction's connection: `execute` sends through psycopg, `session()` joins the ORM to it."""

    __slots__ = ("conn", "sync", "pg", "_session", "trailing", "trailed")

    def __init__(self, conn: AsyncConnection, pg: psycopg.AsyncConnection) -> None:
        self.conn = conn
        self.sync = conn.sync_connection
        self.pg = pg
        self._session: AsyncSession | None = None
        self.trailing: tuple[str, dict[str, Any]] | None = None  # see `trail`
        self.trailed: list = []

    def trail(self, sql: str, params: dict[str, Any]) -> None:
        """Send `sql` (psycopg's style; text comes back as bytes) after the statement that goes out
        with the COMMIT, in the same round trip; its rows are then `trailed`."""
        self.trailing = (sql, params)

    async def query(self, sql: str, params: dict[str, Any]) -> list:
        """The rows (tuples; text as bytes) of a statement in psycopg's style, sent on its own."""
        self.trail(sql, params)
        await self.execute(None)
        return self.trailed

    async def execute(self, statement: TextClause | str | None, params: dict[str, Any] | None = None, *, commit: bool = False) -> Rows:
        """The rows (named tuples) the statement returns; [] when it returns none.

        The transaction's first statement goes out with its BEGIN, and with `commit` the
        statement goes out with the COMMIT (psycopg's pipeline mode): one round trip each.
        None sends only the statement `trail` holds."""
        sync = self.sync
        dispatch = sync.dispatch
        if commit and self._session is not None:
            await self._session.flush()
        pg = self.pg
        sent = []  # (SQL as the listeners see it, its params, the cursor)
        if statement is not None:
            sql = driver_sql(statement)
            native, names = native_sql(sql)
            sent.append((sql, params, native, [params[name] for name in names] if params else None,
                         AsyncRawCursor(pg, row_factory=namedtuple_row)))
        if self.trailing is not None and (commit or statement is None):
            sql, trail_params = self.trailing
            self.trailing = None
            native, names = numbered_sql(sql)
            cursor = AsyncRawCursor(pg)
            cursor.adapters.register_loader("text", _Bytes)
            sent.append((sql, trail_params, native, [trail_params[name] for name in names], cursor))
        for sql, sql_params, *_ in sent:
            dispatch.before_cursor_execute(sync, None, sql, sql_params, None, False)
        results = []
        try:
            if commit or len(sent) > 1 or pg.info.transaction_status == IDLE:
                async with pg.pipeline():
                    for *_, native, values, cursor in sent:
                        await cursor.execute(native, values)
                    if commit:
                        await pg.commit()
            else:
                _, _, native, values, cursor = sent[0]
                await cursor.execute(native, values)
            for *_, cursor in sent:
                results.append(Rows(await cursor.fetchall() if cursor.description is not None else ()))
        except psycopg.Error:
            if pg.broken:  # the connection died: it must not go back to the pool
                await self.conn.invalidate()
            raise
        finally:
            for *_, cursor in sent:
                await cursor.close()
        for sql, sql_params, *_ in sent:
            dispatch.after_cursor_execute(sync, None, sql, sql_params, None, False)
        if len(results) > (statement is not None):
            self.trailed = results[-1]
        return results[0] if statement is not None else Rows()

    async def one(self, statement: TextClause | str, params: dict[str, Any] | None = None) -> Any:
        rows = await self.execute(statement, params)
        return rows[0] if rows else None

    def session(self) -> AsyncSession:
        """An ORM session on this connection and transaction, for the paths that still use one."""
        if self._session is None:
            # It joins the transaction without owning it: the block's end commits.
            self._session = AsyncSession(bind=self.conn, expire_on_commit=False, autoflush=False, join_transaction_mode="rollback_only")
        return self._session


def orm(runner: Direct | AsyncSession) -> AsyncSession:
    """The ORM session of `runner` (a `Direct` transaction's joined one), for statements that load models."""
    return runner.session() if isinstance(runner, Direct) else runner


@contextlib.asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[Direct]:
    """A transaction on a pooled connection: committed when the block ends, rolled back if it raises."""
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        direct = Direct(conn, raw.driver_connection)
        try:
            yield direct
            if direct._session is not None:
                await direct._session.flush()
        finally:
            if direct._session is not None:
                await direct._session.close()
