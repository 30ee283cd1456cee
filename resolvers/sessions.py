"""Whether a sign-in is still active: PostgreSQL decides, Redis remembers for a minute.

Every authenticated request asks once. A revocation writes PostgreSQL and overwrites
the cached answer in Redis, so every process refuses the session's tokens at once.
Without Redis (one process) the answers are cached in process.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.outages import outages

log = logging.getLogger(__name__)

CACHE_SECONDS = 60

# One round trip: still active? and, at most once a minute, "last seen now".
TOUCH = text(
    """
    WITH s AS (SELECT id, last_seen_at FROM user_sessions WHERE id = :sid AND revoked_at IS NULL AND expires_at > now()),
    touched AS (
        UPDATE user_sessions SET last_seen_at = now()
        WHERE id = (SELECT id FROM s WHERE last_seen_at < now() - interval '1 minute')
    )
    SELECT count(*) FROM s
    """
)


class SessionGate:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], redis: Any | None) -> None:
        self.sessionmaker = sessionmaker
        self.redis = redis
        self.local: dict[uuid.UUID, tuple[bool, float]] = {}

    async def active(self, session_id: uuid.UUID) -> bool:
        cached = await self._cached(session_id)
        if cached is not None:
            return cached
        async with self.sessionmaker.begin() as session:
            active = bool((await session.execute(TOUCH, {"sid": session_id})).scalar())
        await self._remember(session_id, active)
        return active

    async def revoked(self, session_ids: list[uuid.UUID]) -> None:
        """Call after committing a revocation: every process stops accepting these sessions now."""
        for session_id in session_ids:
            await self._remember(session_id, False)

    async def _cached(self, session_id: uuid.UUID) -> bool | None:
        if self.redis is not None:
            try:
                value = await self.redis.get(f"repgraph:session:{session_id}")
                return None if value is None else value == b"1"
            except Exception as exc:  # noqa: BLE001 - Redis down: PostgreSQL answers
                if not outages.report(exc):  # an outage is logged once
                    log.warning("session cache unavailable (%s)", exc)
                return None
        hit = self.local.get(session_id)
        return hit[0] if hit and hit[1] > time.monotonic() else None

    async def _remember(self, session_id: uuid.UUID, active: bool) -> None:
        if self.redis is not None:
            try:
                await self.redis.set(f"repgraph:session:{session_id}", b"1" if active else b"0", ex=CACHE_SECONDS)
                return
            except Exception as exc:  # noqa: BLE001
                if not outages.report(exc):  # an outage is logged once
                    log.warning("session cache unavailable (%s)", exc)
        if len(self.local) > 100_000:
            self.local.clear()
        self.local[session_id] = (active, time.monotonic() + CACHE_SECONDS)
