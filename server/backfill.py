"""`make backfill`: (re-)derive records, skill masteries, totals, streaks and achievements from the stored sets.

Runs the statements the live writes run (resolvers/training.py, resolvers/records.py),
from scratch, one user per transaction under that user's training lock, so it can run
beside live traffic and gives the result the writes would have given. Awards are never
taken back: an achievement unlocked live stays unlocked.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from db.models import User
from resolvers import records, skills, training

log = logging.getLogger(__name__)

PAIRS = text(
    """
    SELECT DISTINCT exercise_id FROM set_logs WHERE user_id = :user_id
    UNION SELECT exercise_id FROM personal_records WHERE user_id = :user_id
    """
)

TOTALS = text(
    """
    INSERT INTO user_progress AS p (user_id, points, sets, volume_kg, records, active_goals)
    SELECT :user_id,
        (SELECT coalesce(sum(points), 0) FROM set_logs WHERE user_id = :user_id)
        + (SELECT coalesce(sum(completion_points), 0) FROM workout_sessions WHERE user_id = :user_id)
        + (SELECT coalesce(sum(a.points_reward), 0) FROM user_achievements ua JOIN achievements a ON a.id = ua.achievement_id
           WHERE ua.user_id = :user_id),
        (SELECT count(*) FROM set_logs WHERE user_id = :user_id),
        (SELECT coalesce(sum(volume_kg), 0) FROM set_logs WHERE user_id = :user_id),
        (SELECT count(*) FROM personal_records WHERE user_id = :user_id),
        (SELECT count(*) FROM goals WHERE user_id = :user_id AND status = 'active')
    ON CONFLICT (user_id) DO UPDATE SET
        points = EXCLUDED.points, sets = EXCLUDED.sets, volume_kg = EXCLUDED.volume_kg,
        records = EXCLUDED.records, active_goals = EXCLUDED.active_goals, updated_at = now()
    """
)


async def backfill_user(sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> training.Outcome:
    async with sessionmaker.begin() as session:
        await training.lock_user(session, user_id)
        exercise_ids = list((await session.execute(PAIRS, {"user_id": user_id})).scalars())
        await records.recompute(session, [(user_id, e) for e in exercise_ids])
        await skills.rederive(session, user_id, exercise_ids=exercise_ids, recount=True)
        await session.execute(TOTALS, {"user_id": user_id})
        await session.execute(training.RECOUNT, {"user_id": user_id})
        outcome = training.Outcome()
        await training.apply_progress(session, outcome, user_id, None)
        return outcome


async def backfill(sessionmaker: async_sessionmaker[AsyncSession], user_ids: list[uuid.UUID] | None = None) -> dict[str, int]:
    if user_ids is None:
        async with sessionmaker() as session:
            user_ids = list((await session.execute(select(User.id).order_by(User.id))).scalars())
    awarded = 0
    for user_id in user_ids:
        awarded += len((await backfill_user(sessionmaker, user_id)).achievements)
    return {"users": len(user_ids), "awarded": awarded}


def run(url: str) -> None:
    async def main() -> dict[str, int]:
        engine = create_engine(url, pool_size=1)
        try:
            return await backfill(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    started = time.perf_counter()
    result = asyncio.run(main())
    log.info("backfill: %d users in %.1f s, %d achievements newly awarded", result["users"], time.perf_counter() - started, result["awarded"])
