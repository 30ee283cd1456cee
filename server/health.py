"""Liveness and readiness: /healthz says the process runs, /readyz that it can serve."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db.migrate import head_revision
from db.outages import MONGODB, POSTGRES, REDIS, outages

CHECK_TIMEOUT = 2.0  # seconds per dependency


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """200 when PostgreSQL answers with the migrations at head, and Redis (if configured) and MongoDB answer; else 503."""
    state = request.app.state
    checks: dict[str, str] = {}
    began = time.monotonic()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with state.engine.connect() as conn:
                revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        checks["postgres"] = "ok"
        outages.recovered(POSTGRES, began)
        head = state.migration_head
        checks["migrations"] = "ok" if revision == head else f"database at {revision}, code expects {head}"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason goes to the body
        checks["postgres"] = f"unreachable: {type(exc).__name__}"
    if state.settings.redis_url:
        began = time.monotonic()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await state.live.broker.redis.ping()
            checks["redis"] = "ok"
            outages.recovered(REDIS, began)
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"unreachable: {type(exc).__name__}"
    if state.documents is not None:
        began = time.monotonic()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await state.documents.ping()
            checks["mongo"] = "ok"
            outages.recovered(MONGODB, began)
        except Exception as exc:  # noqa: BLE001
            checks["mongo"] = f"unreachable: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503)


def migration_head() -> str | None:
    return head_revision()
