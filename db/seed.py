"""Loading the global exercise library, the achievement catalogue and the skill ladder (idempotent upserts)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.library import load_exercise_library
from db.models import Achievement, Exercise, SkillCategory, SkillExercise, SkillLevel
from db.skill_ladder import Ladder, load_skill_ladder
from domain.training import ACHIEVEMENTS


async def load_library(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    rows = load_exercise_library()
    ladder = load_skill_ladder({r["source_key"] for r in rows})
    rows += ladder.exercises
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
        await load_ladder(session, ladder)
    return len(rows)


def _untouched_upsert(model, rows: list[dict], key: str):
    """Insert missing rows and refresh the ones nobody has edited in the database (`edited_at` unset)."""
    stmt = insert(model).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=[key],
        set_={c: stmt.excluded[c] for c in rows[0] if c != key},
        where=model.__table__.c.edited_at.is_(None),
    )


async def load_ladder(session, ladder: Ladder) -> None:
    """The skill ladder (db/data/skill_ladder.json), after the library it names exercises from."""
    await session.execute(_untouched_upsert(SkillLevel, ladder.levels, "level"))
    await session.execute(_untouched_upsert(SkillCategory, ladder.categories, "code"))
    keys = {s["exercise_key"] for s in ladder.steps}
    ids = dict((await session.execute(select(Exercise.source_key, Exercise.id).where(Exercise.source_key.in_(keys)))).all())
    steps = [{**{k: v for k, v in s.items() if k != "exercise_key"}, "exercise_id": ids[s["exercise_key"]]} for s in ladder.steps]
    stmt = insert(SkillExercise).values(steps)
    await session.execute(stmt.on_conflict_do_update(
        constraint="uq_skill_exercises_source_key",
        set_={**{c: stmt.excluded[c] for c in steps[0] if c != "source_key"}, "updated_at": func.now()},
        where=SkillExercise.__table__.c.edited_at.is_(None),
    ))


def achievements_upsert():
    rows = [
        {"code": a.code, "name": a.name, "name_he": a.name_he, "description": a.description,
         "description_he": a.description_he, "icon": a.icon, "badge_color": a.badge_color,
         "points_reward": a.points_reward, "rule": a.rule}
        for a in ACHIEVEMENTS
    ]
    stmt = insert(Achievement).values(rows)
    return stmt.on_conflict_do_update(index_elements=["code"], set_={c: stmt.excluded[c] for c in rows[0] if c != "code"})
