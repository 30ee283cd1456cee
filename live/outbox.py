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


async def record(session: AsyncSession, channels: Sequence[str], type: str, user_id: uuid.UUID, **data: Any) -> None:
    """Add the event to each channel's log; it becomes visible when the caller commits."""
    await record_many(session, user_id, [(channels, type, data)])


# Events (a write and what its rules caused) in one statement: take each channel's
# transaction lock in a fixed order (so writers never deadlock), then insert each event into
# each of its channels' logs, ids drawn after the locks, so ids within a channel follow commit
# order and "everything after id N" is a gap-free resume point. What goes to a user's own
# channel also goes to the channel of each coach that user has accepted.
RECORD_MANY = text(
    """
    WITH given AS (
        SELECT e.n, c AS channel, e.type, e.data
        FROM unnest(CAST(:types AS text[]), CAST(:datas AS jsonb[]), CAST(:channels AS text[])) WITH ORDINALITY
            AS e(type, data, channels, n),
            unnest(string_to_array(e.channels, ',')) AS c
    ),
    input AS (
        SELECT n, channel, type, data FROM given
        UNION ALL
        SELECT g.n, 'coach:' || CAST(cr.coach_id AS text), g.type, g.data
        FROM given g JOIN coaching_relationships cr
            ON cr.athlete_id = CAST(:user_id AS uuid) AND cr.status = 'accepted'
        WHERE g.channel = 'user:' || CAST(:user_id AS text)
    ),
    locks AS (
        SELECT pg_advisory_xact_lock(hashtext(c)) FROM (SELECT DISTINCT channel AS c FROM input) d ORDER BY c
    )
    INSERT INTO outbox_events (channel, type, user_id, data)
    SELECT channel, type, :user_id, data FROM input, (SELECT count(*) FROM locks) AS held
    ORDER BY n, channel
    """
)


async def record_many(session: AsyncSession, user_id: uuid.UUID, pending: Sequence[tuple[Sequence[str], str, dict[str, Any]]],
                      **options: Any) -> None:
    """Add (channels, type, data) events in order; like `record`, visible when the caller commits.

    `options` go to the session's `execute` (db.direct's `commit=True` sends the COMMIT with it)."""
    await session.execute(
        RECORD_MANY,
        {
            "types": [type for _, type, _ in pending],
            "datas": [orjson.dumps({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}).decode()
                      for _, _, data in pending],
            "channels": [",".join(sorted(channels)) for channels, _, _ in pending],
            "user_id": user_id,
        },
        **options,
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
