"""The async engine and session factory over psycopg 3."""

from __future__ import annotations

import weakref

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as libpq tools print them) and pick psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def create_engine(
    url: str, *, pool_size: int = 10, prepared_statements: bool = True, pool_timeout: float = 30.0,
    connect_timeout: float | None = None, statement_timeout_ms: int | None = None,
) -> AsyncEngine:
    """The app's engine. Behind PgBouncer in transaction mode pass `prepared_statements=False`:
    consecutive transactions may run on different server connections, where a statement
    psycopg prepared earlier does not exist.

    Up to twice `pool_size` connections, each kept open once opened: an overflow connection,
    closed as soon as it came back, was reopened moments later under load, paying PostgreSQL's
    backend start and psycopg's statement preparation again on every burst (200 live workouts:
    952 connections opened in one bench run against 69 with them kept).

    `pool_timeout`: seconds a checkout waits for a free connection before
    `sqlalchemy.exc.TimeoutError`. `statement_timeout_ms` is sent
    as a startup option, which PgBouncer refuses unless told to ignore it: behind it, set
    `statement_timeout` on the role instead."""
    connect_args: dict = {}
    if not prepared_statements:
        connect_args["prepare_threshold"] = None
    if connect_timeout:
        connect_args["connect_timeout"] = max(1, round(connect_timeout))  # libpq takes whole seconds
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return create_async_engine(
        async_url(url),
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_pre_ping=False,
        connect_args=connect_args,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_reads: weakref.WeakKeyDictionary[AsyncEngine, async_sessionmaker[AsyncSession]] = weakref.WeakKeyDictionary()


def read_sessionmaker(sessionmaker: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions for single-statement reads, in autocommit mode.

    A read in a transaction costs three round trips (BEGIN, the query, ROLLBACK when
    the connection goes back to the pool); a loader's one statement needs no
    transaction, so it costs one. Writes keep `sessionmaker.begin()`.
    """
    engine: AsyncEngine = sessionmaker.kw["bind"]
    reads = _reads.get(engine)
    if reads is None:
        reads = _reads[engine] = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False
        )
    return reads
