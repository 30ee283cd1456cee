"""Health and coaching: rows by id, pages of a user's metrics, meals, photos and coaching sessions,
action items, each workout's energy and each user's days of nutrition."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text

from db.models import BodyMetric, CoachingActionItem, CoachingSession, HealthProfile, MealLog, ProgressPhoto
from domain import health
from loaders.base import BaseLoader, CountByParentLoader, PageByParentLoader, RowByIdLoader, RowsByParentLoader


@dataclass(frozen=True)
class DateRangeSpec:
    """Rows of local dates `start`..`end` (both included, either open); `shared_only` for photos seen by a coach."""

    start: date | None = None
    end: date | None = None
    shared_only: bool = False


def _in_range(column, spec: DateRangeSpec) -> list:
    out = []
    if spec.start is not None:
        out.append(column >= spec.start)
    if spec.end is not None:
        out.append(column <= spec.end)
    return out


class HealthProfileByUserIdLoader(BaseLoader):
    """Each user's health profile, or None."""

    async def batch_load_fn(self, keys):
        rows = await self.fetch(select(HealthProfile).where(HealthProfile.user_id.in_(keys)))
        by_user = {row.user_id: row for (row,) in rows}
        return [by_user.get(key) for key in keys]


class BodyMetricByIdLoader(RowByIdLoader):
    model = BodyMetric


class MealLogByIdLoader(RowByIdLoader):
    model = MealLog


class ProgressPhotoByIdLoader(RowByIdLoader):
    model = ProgressPhoto


class CoachingSessionByIdLoader(RowByIdLoader):
    model = CoachingSession


class CoachingActionItemByIdLoader(RowByIdLoader):
    model = CoachingActionItem


class ActionItemsBySessionIdLoader(RowsByParentLoader):
    model = CoachingActionItem
    parent_column = "session_id"


class BodyMetricPageByUserIdLoader(PageByParentLoader):
    """Latest day first."""

    model = BodyMetric
    parent_column = "user_id"
    sort_columns = ("recorded_on", "id")
    descending = True

    @classmethod
    def where(cls, spec: DateRangeSpec):
        return _in_range(BodyMetric.recorded_on, spec)


class BodyMetricCountByUserIdLoader(CountByParentLoader):
    page_loader = BodyMetricPageByUserIdLoader


class MealPageByUserIdLoader(PageByParentLoader):
    """Latest first: by local date and time."""

    model = MealLog
    parent_column = "user_id"
    sort_columns = ("eaten_on", "eaten_at", "id")
    descending = True

    @classmethod
    def where(cls, spec: DateRangeSpec):
        return _in_range(MealLog.eaten_on, spec)


class MealCountByUserIdLoader(CountByParentLoader):
    page_loader = MealPageByUserIdLoader


class PhotoPageByUserIdLoader(PageByParentLoader):
    """Latest day first; a coach's page holds the photos shared with them only."""

    model = ProgressPhoto
    parent_column = "user_id"
    sort_columns = ("taken_on", "id")
    descending = True

    @classmethod
    def where(cls, spec: DateRangeSpec):
        return _in_range(ProgressPhoto.taken_on, spec) + ([ProgressPhoto.shared_with_coach.is_(True)] if spec.shared_only else [])


class PhotoCountByUserIdLoader(CountByParentLoader):
    page_loader = PhotoPageByUserIdLoader


class CoachingSessionPageByUserIdLoader(PageByParentLoader):
    """Latest first."""

    model = CoachingSession
    parent_column = "user_id"
    sort_columns = ("session_on", "id")
    descending = True

    @classmethod
    def where(cls, spec: DateRangeSpec):
        return _in_range(CoachingSession.session_on, spec)


class CoachingSessionCountByUserIdLoader(CountByParentLoader):
    page_loader = CoachingSessionPageByUserIdLoader


# Per workout: its exertion and time (completed workouts: start to finish), the kind and name of
# the exercise of each of its sets, and the owner's latest weight logged on or before the
# workout's local day.
ENERGY = text(
    """
    SELECT w.id, w.status, w.perceived_exertion,
           extract(epoch FROM w.ended_at - w.started_at) AS seconds,
           (SELECT m.weight_kg FROM body_metrics m
            WHERE m.user_id = w.user_id AND m.weight_kg IS NOT NULL
              AND m.recorded_on <= CAST(w.started_at AT TIME ZONE u.timezone AS date)
            ORDER BY m.recorded_on DESC LIMIT 1) AS weight_kg,
           coalesce((SELECT array_agg(e.category ORDER BY s.position) FROM set_logs s JOIN exercises e ON e.id = s.exercise_id
                     WHERE s.session_id = w.id), '{}') AS categories,
           coalesce((SELECT array_agg(e.name ORDER BY s.position) FROM set_logs s JOIN exercises e ON e.id = s.exercise_id
                     WHERE s.session_id = w.id), '{}') AS names
    FROM workout_sessions w JOIN users u ON u.id = w.user_id
    WHERE w.id = ANY(CAST(:ids AS uuid[]))
    """
)


class WorkoutEnergyBySessionIdLoader(BaseLoader):
    """Each workout's estimated energy (domain/health.py), None until it is completed: one statement per batch."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[health.Energy | None]:
        async with self.sessionmaker() as session:
            rows = (await session.execute(ENERGY, {"ids": list(keys)})).all()
        out: dict[uuid.UUID, health.Energy | None] = {}
        for r in rows:
            if r.status != "completed" or r.seconds is None:
                out[r.id] = None
                continue
            out[r.id] = health.workout_energy(list(zip(r.categories, r.names)), r.perceived_exertion, float(r.seconds),
                                              float(r.weight_kg) if r.weight_kg is not None else None)
        return [out.get(key) for key in keys]


# Per user and local day of the range: the meals' sums, and the completed workouts started that day.
NUTRITION = text(
    """
    WITH u AS (SELECT * FROM unnest(CAST(:user_ids AS uuid[]), CAST(:zones AS text[])) AS u(user_id, tz))
    SELECT m.user_id, m.eaten_on AS day, count(*) AS meals, sum(m.calories) AS calories, sum(m.protein_g) AS protein,
           sum(m.carbs_g) AS carbs, sum(m.fat_g) AS fat, sum(m.fiber_g) AS fiber, sum(m.sugar_g) AS sugar,
           sum(m.sodium_mg) AS sodium, sum(m.water_ml) AS water, NULL::uuid[] AS workouts
    FROM u JOIN meal_logs m ON m.user_id = u.user_id AND m.eaten_on BETWEEN :start AND :end
    GROUP BY m.user_id, m.eaten_on
    UNION ALL
    SELECT w.user_id, CAST(w.started_at AT TIME ZONE u.tz AS date), 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, array_agg(w.id)
    FROM u JOIN workout_sessions w ON w.user_id = u.user_id AND w.status = 'completed'
        AND w.started_at >= CAST(:start AS timestamp) AT TIME ZONE u.tz
        AND w.started_at < (CAST(:end AS timestamp) + interval '1 day') AT TIME ZONE u.tz
    GROUP BY w.user_id, 2
    """
)


class NutritionDaysByUserLoader(BaseLoader):
    """Keys are (user id, time zone); the range is fixed per loader instance. Each user's rows of NUTRITION."""

    def __init__(self, sessionmaker, start: date, end: date) -> None:
        super().__init__(sessionmaker)
        self.start, self.end = start, end

    async def batch_load_fn(self, keys) -> list[list[Any]]:
        params = {"user_ids": [k[0] for k in keys], "zones": [k[1] for k in keys], "start": self.start, "end": self.end}
        grouped: dict[Any, list] = defaultdict(list)
        async with self.sessionmaker() as session:
            for row in (await session.execute(NUTRITION, params)).all():
                grouped[row.user_id].append(row)
        return [grouped.get(key[0], []) for key in keys]


class MetricsInRangeByUserLoader(BaseLoader):
    """Each user's metrics with a weight or body fat, `start`..`end`, oldest first (for trends)."""

    def __init__(self, sessionmaker, start: date, end: date) -> None:
        super().__init__(sessionmaker)
        self.start, self.end = start, end

    async def batch_load_fn(self, keys) -> list[list[Any]]:
        stmt = select(BodyMetric).where(BodyMetric.user_id.in_(keys), BodyMetric.recorded_on.between(self.start, self.end)) \
            .order_by(BodyMetric.recorded_on)
        grouped: dict[Any, list] = defaultdict(list)
        for (row,) in await self.fetch(stmt):
            grouped[row.user_id].append(row)
        return [grouped.get(key, []) for key in keys]
