"""Personal records, achievements and awards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, text, tuple_

from db.models import Achievement, PersonalRecord, UserAchievement
from loaders.base import BaseLoader, CountByParentLoader, PageByParentLoader, RowByIdLoader
from resolvers import records


@dataclass(frozen=True)
class RecordFilterSpec:
    exercise_id: uuid.UUID | None = None
    kinds: tuple[str, ...] = ()


class PersonalRecordByIdLoader(RowByIdLoader):
    model = PersonalRecord


class AchievementByIdLoader(RowByIdLoader):
    model = Achievement


class UserAchievementByIdLoader(RowByIdLoader):
    model = UserAchievement


class PersonalRecordPageByUserIdLoader(PageByParentLoader):
    """Most recent first."""

    model = PersonalRecord
    parent_column = "user_id"
    sort_columns = ("achieved_at", "id")
    descending = True

    @classmethod
    def where(cls, spec: RecordFilterSpec):
        conditions = []
        if spec.exercise_id is not None:
            conditions.append(PersonalRecord.exercise_id == spec.exercise_id)
        if spec.kinds:
            conditions.append(PersonalRecord.kind.in_(spec.kinds))
        return conditions


class PersonalRecordCountByUserIdLoader(CountByParentLoader):
    page_loader = PersonalRecordPageByUserIdLoader


class UserAchievementPageByUserIdLoader(PageByParentLoader):
    """Most recently unlocked first."""

    model = UserAchievement
    parent_column = "user_id"
    sort_columns = ("unlocked_at", "id")
    descending = True


class UserAchievementCountByUserIdLoader(CountByParentLoader):
    page_loader = UserAchievementPageByUserIdLoader


class PersonalRecordByUserExerciseKindLoader(BaseLoader):
    """The current record of a (user, exercise, kind), or None."""

    async def batch_load_fn(self, keys):
        stmt = select(PersonalRecord).where(
            tuple_(PersonalRecord.user_id, PersonalRecord.exercise_id, PersonalRecord.kind).in_(list(keys))
        )
        found = {(r.user_id, r.exercise_id, r.kind): r for (r,) in await self.fetch(stmt)}
        return [found.get(tuple(key)) for key in keys]


class RecordHistoryByUserExerciseKindLoader(BaseLoader):
    """The succession of bests of a (user, exercise, kind), oldest first."""

    async def batch_load_fn(self, keys):
        async with self.sessionmaker() as session:
            found = await records.history(session, list(keys))
        return [found[tuple(key)] for key in keys]


MOST_REPS_AT = text(
    """
    SELECT k.n, best.id
    FROM unnest(CAST(:user_ids AS uuid[]), CAST(:exercise_ids AS uuid[]), CAST(:weights AS numeric[])) WITH ORDINALITY
        AS k(user_id, exercise_id, weight, n)
    CROSS JOIN LATERAL (
        SELECT s.id FROM set_logs s
        WHERE s.user_id = k.user_id AND s.exercise_id = k.exercise_id AND s.weight_kg >= k.weight
          AND s.set_type <> 'warmup' AND s.reps > 0
        ORDER BY s.reps DESC, s.completed_at, s.id
        LIMIT 1
    ) best
    """
)


class MostRepsSetByUserExerciseWeightLoader(BaseLoader):
    """The id of a user's set with the most reps on an exercise at a weight or heavier (earliest on ties)."""

    async def batch_load_fn(self, keys):
        params = {"user_ids": [k[0] for k in keys], "exercise_ids": [k[1] for k in keys], "weights": [k[2] for k in keys]}
        async with self.sessionmaker() as session:
            found = {n: set_id for n, set_id in (await session.execute(MOST_REPS_AT, params)).all()}
        return [found.get(i + 1) for i in range(len(keys))]
