"""Goals, the pages of a user's goals, and their progress."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from db.models import Goal
from domain.goals import PROGRESS_BY_IDS_SQL
from loaders.base import BaseLoader, CountByParentLoader, PageByParentLoader, RowByIdLoader


@dataclass(frozen=True)
class GoalFilterSpec:
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoalProgressValue:
    """A goal's measured value (SI units: kilograms, minutes) and the owner's local date it was measured on."""

    current: Decimal
    today: date


class GoalByIdLoader(RowByIdLoader):
    model = Goal


class GoalPageByUserIdLoader(PageByParentLoader):
    """Newest first."""

    model = Goal
    parent_column = "user_id"
    sort_columns = ("created_at", "id")
    descending = True

    @classmethod
    def where(cls, spec: GoalFilterSpec):
        return [Goal.status.in_(spec.statuses)] if spec.statuses else []


class GoalCountByUserIdLoader(CountByParentLoader):
    page_loader = GoalPageByUserIdLoader


class GoalProgressByGoalIdLoader(BaseLoader):
    """Each goal's progress, measured from the sets and workouts of its window: one statement per batch."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[GoalProgressValue | None]:
        async with self.sessionmaker() as session:
            rows = (await session.execute(text(PROGRESS_BY_IDS_SQL), {"ids": list(keys)})).all()
        measured = {row.id: GoalProgressValue(Decimal(row.current), row.today) for row in rows}
        return [measured.get(key) for key in keys]
