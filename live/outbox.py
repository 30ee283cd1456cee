"""Writing events into the outbox (inside the caller's transaction) and reading them back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import read_sessionmaker
from db.models import OutboxEvent
from live.events import Event

REPLAY_BATCH = 500


# One statement: take each channel's transaction lock (in a fixed order, so writers never
# deadlock), then insert the event into each channel's log. The ids are drawn after the locks.
RECORD = text(
    """
    WITH locks AS (
        SELECT pg_advisory_xact_lock(hashtext(c)) FROM unnest(CAST(:channels AS text[])) AS c ORDER BY c
    )
    INSERT INTO outbox_events (channel, type, user_id, data)
    SELECT c, :type, :user_id, CAST(:data AS jsonb)
    FROM unnest(CAST(:channels AS text[])) AS c, (SELECT count(*) FROM locks) AS held
    ORDER BY c
    """
)


async def record(session: AsyncSession, channels: Sequence[str], type: str, user_id: uuid.UUID, **data: Any) -> None:
    """Add the event to each channel's log; it becomes visible when the caller commits.

    A per-channel transaction lock makes ids within a channel follow commit order, so
    "everything after id N" is a gap-free resume point.
    """
    payload = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}
    await session.execute(
        RECORD, {"channels": sorted(channels), "type": type, "user_id": user_id, "data": orjson.dumps(payload).decode()}
    )


# Several events at once (a write and what its rules caused), in the same lock discipline.
RECORD_MANY = text(
    """
    WITH input AS (
        SELECT e.n, c AS channel, e.type, e.data
        FROM unnest(CAST(:types AS text[]), CAST(:datas AS jsonb[]), CAST(:channels AS text[])) WITH ORDINALITY
            AS e(type, data, channels, n),
            unnest(string_to_array(e.channels, ',')) AS c
    ),
    locks AS (
        SELECT pg_advisory_xact_lock(hashtext(c)) FROM (SELECT DISTINCT channel AS c FROM input) d ORDER BY c
    )
    INSERT INTO outbox_events (channel, type, user_id, data)
    SELECT channel, type, :user_id, data FROM input, (SELECT count(*) FROM locks) AS held
    ORDER BY n, channel
    """
)


async def record_many(session: AsyncSession, user_id: uuid.UUID, pending: Sequence[tuple[Sequence[str], str, dict[str, Any]]]) -> None:
    """Add (channels, type, data) events in order; like `record`, visible when the caller commits."""
    await session.execute(
        RECORD_MANY,
        {
            "types": [type for _, type, _ in pending],
            "datas": [orjson.dumps({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}).decode()
                      for _, _, data in pending],
            "channels": [",".join(sorted(channels)) for channels, _, _ in pending],
            "user_id": user_id,
        },
    )


async def events_after(sessionmaker: async_sessionmaker[AsyncSession], channel: str, after_id: int) -> list[Event]:
    """Committed events of `channel` with id > after_id, oldest first (one batch)."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.channel == channel, OutboxEvent.id > after_id)
        .order_by(OutboxEvent.id)
        .limit(REPLAY_BATCH)
    )
    async with read_sessionmaker(sessionmaker)() as session:
        return [Event.from_row(row) for row in (await session.execute(stmt)).scalars()]


async def last_event_id(sessionmaker: async_sessionmaker[AsyncSession], channel: str) -> int:
    stmt = select(OutboxEvent.id).where(OutboxEvent.channel == channel).order_by(OutboxEvent.id.desc()).limit(1)
    async with read_sessionmaker(sessionmaker)() as session:
        return (await session.scalar(stmt)) or 0
