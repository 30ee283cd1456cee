"""Loading the global exercise library into the database (idempotent upsert)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.library import load_exercise_library
from db.models import Exercise


async def load_library(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    rows = load_exercise_library()
    stmt = insert(Exercise).values(rows)
    updated = {c: stmt.excluded[c] for c in rows[0] if c != "source_key"}
    stmt = stmt.on_conflict_do_update(index_elements=["source_key"], set_={**updated, "updated_at": func.now()})
    async with sessionmaker.begin() as session:
        await session.execute(stmt)
    return len(rows)
