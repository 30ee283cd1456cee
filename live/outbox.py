"""Writing events into the outbox (inside the caller's transaction) and reading them back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxEvent
from live.events import Event

REPLAY_BATCH = 500


async def record(session: AsyncSession, channels: Sequence[str], type: str, user_id: uuid.UUID, **data: Any) -> None:
    """Add the event to each channel's log; it becomes visible when the caller commits.

    A per-channel transaction lock makes ids within a channel follow commit order, so
    "everything after id N" is a gap-free resume point.
    """
    payload = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}
    for channel in sorted(channels):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(channel))))
    session.add_all(OutboxEvent(channel=c, type=type, user_id=user_id, data=payload) for c in channels)
    await session.flush()


async def events_after(sessionmaker: async_sessionmaker[AsyncSession], channel: str, after_id: int) -> list[Event]:
    """Committed events of `channel` with id > after_id, oldest first (one batch)."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.channel == channel, OutboxEvent.id > after_id)
        .order_by(OutboxEvent.id)
        .limit(REPLAY_BATCH)
    )
    async with sessionmaker() as session:
        return [Event.from_row(row) for row in (await session.execute(stmt)).scalars()]


async def last_event_id(sessionmaker: async_sessionmaker[AsyncSession], channel: str) -> int:
    stmt = select(OutboxEvent.id).where(OutboxEvent.channel == channel).order_by(OutboxEvent.id.desc()).limit(1)
    async with sessionmaker() as session:
        return (await session.scalar(stmt)) or 0
