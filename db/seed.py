"""Loading the global exercise library and the achievement catalogue (idempotent upserts)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.library import load_exercise_library
from db.models import Achievement, Exercise
from domain.training import ACHIEVEMENTS


async def load_library(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    rows = load_exercise_library()
    stmt = insert(Exercise).values(rows)
    updated = {c: stmt.excluded[c] for c in rows[0] if c != "source_key"}
    # Rows an administrator has changed (`edited_at`) keep their edits: the data file only
    # inserts what is missing and refreshes rows nobody has touched. Archiving is never undone.
    stmt = stmt.on_conflict_do_update(
        index_elements=["source_key"],
        set_={**updated, "updated_at": func.now()},
        where=Exercise.__table__.c.edited_at.is_(None),
    )
    async with sessionmaker.begin() as session:
        await session.execute(stmt)
        await session.execute(achievements_upsert())
    return len(rows)


def achievements_upsert():
    rows = [
        {"code": a.code, "name": a.name, "name_he": a.name_he, "description": a.description,
         "description_he": a.description_he, "icon": a.icon, "badge_color": a.badge_color,
         "points_reward": a.points_reward, "rule": a.rule}
        for a in ACHIEVEMENTS
    ]
    stmt = insert(Achievement).values(rows)
    return stmt.on_conflict_do_update(index_elements=["code"], set_={c: stmt.excluded[c] for c in rows[0] if c != "code"})
