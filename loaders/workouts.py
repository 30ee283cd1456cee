"""Workout sessions, their planned exercises, sets and totals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from db.models import PlannedExercise, SetLog, WorkoutSession
from loaders.base import BaseLoader, CountByParentLoader, PageByParentLoader, RowByIdLoader, RowsByParentLoader


@dataclass(frozen=True)
class SessionFilterSpec:
    started_from: datetime | None = None
    started_to: datetime | None = None
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionTotals:
    set_count: int = 0
    working_set_count: int = 0
    reps: int = 0
    volume_kg: float = 0.0
    set_duration_seconds: int = 0
    distance_m: float = 0.0


class WorkoutSessionByIdLoader(RowByIdLoader):
    model = WorkoutSession


class SetLogByIdLoader(RowByIdLoader):
    model = SetLog


class PlannedExerciseByIdLoader(RowByIdLoader):
    model = PlannedExercise


class PlannedExercisesBySessionIdLoader(RowsByParentLoader):
    model = PlannedExercise
    parent_column = "session_id"


class WorkoutSessionPageByUserIdLoader(PageByParentLoader):
    """Most recent first."""

    model = WorkoutSession
    parent_column = "user_id"
    sort_columns = ("started_at", "id")
    descending = True

    @classmethod
    def where(cls, spec: SessionFilterSpec):
        conditions = []
        if spec.started_from is not None:
            conditions.append(WorkoutSession.started_at >= spec.started_from)
        if spec.started_to is not None:
            conditions.append(WorkoutSession.started_at < spec.started_to)
        if spec.statuses:
            conditions.append(WorkoutSession.status.in_(spec.statuses))
        return conditions


class WorkoutSessionCountByUserIdLoader(CountByParentLoader):
    page_loader = WorkoutSessionPageByUserIdLoader


class SetLogPageBySessionIdLoader(PageByParentLoader):
    """In the order they were logged."""

    model = SetLog
    parent_column = "session_id"
    sort_columns = ("position",)


class SetLogCountBySessionIdLoader(CountByParentLoader):
    page_loader = SetLogPageBySessionIdLoader


class TotalsBySessionIdLoader(BaseLoader):
    """Aggregates over each session's sets; warm-up sets add to the set count only."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[SessionTotals]:
        working = SetLog.set_type != "warmup"
        stmt = (
            select(
                SetLog.session_id,
                func.count(),
                func.count().filter(working),
                func.coalesce(func.sum(SetLog.reps).filter(working), 0),
                func.coalesce(func.sum(SetLog.reps * SetLog.weight_kg).filter(working), 0),
                func.coalesce(func.sum(SetLog.duration_seconds), 0),
                func.coalesce(func.sum(SetLog.distance_m), 0),
            )
            .where(SetLog.session_id.in_(keys))
            .group_by(SetLog.session_id)
        )
        totals = {
            sid: SessionTotals(n, w, int(reps), float(vol), int(dur), float(dist))
            for sid, n, w, reps, vol, dur, dist in await self.fetch(stmt)
        }
        return [totals.get(key, SessionTotals()) for key in keys]


class ExerciseIdsBySessionIdLoader(BaseLoader):
    """The distinct exercises performed in each session, in the order first performed."""

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
        first = func.min(SetLog.position)
        stmt = (
            select(SetLog.session_id, SetLog.exercise_id)
            .where(SetLog.session_id.in_(keys))
            .group_by(SetLog.session_id, SetLog.exercise_id)
            .order_by(SetLog.session_id, first)
        )
        grouped: dict[uuid.UUID, list[uuid.UUID]] = {}
        for sid, eid in await self.fetch(stmt):
            grouped.setdefault(sid, []).append(eid)
        return [grouped.get(key, []) for key in keys]
