"""Getting a database ready: the server (configured or embedded), the database, migrations, library."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import psycopg
from psycopg import sql

from db.embedded import start_embedded, with_database
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.seed import load_library

log = logging.getLogger(__name__)


def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url` if missing; return its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """The configured URL, else a database on an embedded server under `data_dir`."""
    if database_url:
        return database_url
    server = start_embedded(data_dir / "pg")
    return ensure_database(server, "repgraph")


async def _load(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        return await load_library(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def prepare(url: str, *, library: bool = True) -> None:
    upgrade(url)
    if library:
        count = asyncio.run(_load(url))
        log.info("exercise library: %d exercises", count)

