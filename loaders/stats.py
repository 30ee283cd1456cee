"""A user's training statistics over a range of local days: one SQL statement per batch of users.

The statement answers every part of `User.stats` for all users in the batch at once —
buckets (with the empty ones), totals, volume per muscle, the favourite exercise and the
week-over-week comparison — as one JSON document per user. The document is what the
stats cache stores (resolvers/stats.py), so a cached answer and a fresh one are decoded
by the same code.

What counts (README, "Training statistics"):
- a workout belongs to the local day it started on (`started_at AT TIME ZONE` the user's
  time zone), and its sets go with it, whenever each set was completed;
- `workouts`, `seconds` (ended_at - started_at, whole seconds) and completion points come
  from completed workouts; sets, reps, volume and set points from every workout's sets
  (in progress and abandoned ones too: the lifting happened). Warm-ups count nowhere
  (their volume and points are 0; they are left out of sets and reps).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.types import Date, String

from domain.enums import Muscle, values
from loaders.base import BaseLoader

STEP = {"day": "1 day", "week": "1 week", "month": "1 month"}


@dataclass(frozen=True)
class StatsSpec:
    """Inclusive local days `start`..`end`, grouped by `grouping` (day, week or month)."""

    start: date
    end: date
    grouping: str

    @property
    def week(self) -> date:
        """Monday of the week holding `end`: the "current" week of the weekly comparison."""
        return self.end - timedelta(days=self.end.weekday())

    @property
    def field(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}/{self.grouping}"


class StatsCacheLike(Protocol):
    """What the loader needs of a cache (resolvers.stats.StatsCache implements it)."""

    async def get_many(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[tuple[str | None, Any]]: ...

    async def put_many(self, entries: Sequence[tuple[uuid.UUID, str, str, Any]]) -> None: ...


def _figures(alias: str) -> str:
    """A bucket's (or the totals') figures as JSON; zeros where `alias` matched no row."""
    return (
        f"'workouts', coalesce({alias}.workouts, 0), 'sets', coalesce({alias}.sets, 0),"
        f" 'reps', coalesce({alias}.reps, 0), 'volume', coalesce({alias}.volume, 0),"
        f" 'seconds', coalesce({alias}.seconds, 0), 'points', coalesce({alias}.points, 0)"
    )


STATS_SQL = text(
    f"""
WITH u AS (
    SELECT * FROM unnest(:user_ids, :timezones) AS u(user_id, tz)
),
-- Workouts started in the window (the range plus the two compared weeks), on their local day.
-- The instant bounds use ix_workout_sessions_user_sort; the day test makes them exact.
w AS (
    SELECT ws.user_id, ws.id, ws.status = 'completed' AS completed, ws.completion_points,
           (ws.started_at AT TIME ZONE u.tz)::date AS day,
           CASE WHEN ws.status = 'completed' AND ws.ended_at IS NOT NULL
                THEN floor(extract(epoch FROM ws.ended_at - ws.started_at))::bigint ELSE 0 END AS seconds
    FROM u
    JOIN workout_sessions ws ON ws.user_id = u.user_id
    WHERE ws.started_at >= (CAST(:lo AS date)::timestamp AT TIME ZONE u.tz)
      AND ws.started_at < ((CAST(:hi AS date) + 1)::timestamp AT TIME ZONE u.tz)
      AND (ws.started_at AT TIME ZONE u.tz)::date BETWEEN CAST(:lo AS date) AND CAST(:hi AS date)
),
-- Their sets (by uq_set_logs_position's session_id prefix).
sx AS (
    SELECT w.user_id, w.id AS session_id, w.day, sl.exercise_id, sl.set_type <> 'warmup' AS working,
           sl.reps, sl.volume_kg, sl.points
    FROM w JOIN set_logs sl ON sl.session_id = w.id
),
-- One row per workout: its own figures and its sets'.
pw AS (
    SELECT w.user_id, w.day, date_trunc(CAST(:unit AS text), w.day::timestamp)::date AS bucket,
           w.completed, w.seconds,
           coalesce(s.sets, 0) AS sets, coalesce(s.reps, 0) AS reps, coalesce(s.volume, 0) AS volume,
           coalesce(s.points, 0) + w.completion_points AS points
    FROM w
    LEFT JOIN (
        SELECT session_id, count(*) FILTER (WHERE working) AS sets, sum(reps) FILTER (WHERE working) AS reps,
               sum(volume_kg) AS volume, sum(points) AS points
        FROM sx GROUP BY session_id
    ) s ON s.session_id = w.id
),
-- Per bucket, and (bucket null) for the whole range.
agg AS (
    SELECT user_id, bucket, GROUPING(bucket) = 1 AS total,
           count(*) FILTER (WHERE completed) AS workouts, sum(sets) AS sets, sum(reps) AS reps,
           sum(volume) AS volume, sum(seconds) AS seconds, sum(points) AS points
    FROM pw
    WHERE day BETWEEN CAST(:start AS date) AND CAST(:end AS date)
    GROUP BY GROUPING SETS ((user_id, bucket), (user_id))
),
b AS (
    SELECT generate_series(date_trunc(CAST(:unit AS text), CAST(:start AS date)::timestamp),
                           CAST(:end AS date)::timestamp, CAST(:step AS interval))::date AS bucket
),
buckets AS (
    SELECT u.user_id, json_agg(json_build_object('start', b.bucket, {_figures("a")}) ORDER BY b.bucket) AS doc
    FROM u CROSS JOIN b
    LEFT JOIN agg a ON a.user_id = u.user_id AND a.bucket = b.bucket AND NOT a.total
    GROUP BY u.user_id
),
by_exercise AS (
    SELECT user_id, exercise_id, count(*) FILTER (WHERE working) AS sets, sum(volume_kg) AS volume
    FROM sx
    WHERE day BETWEEN CAST(:start AS date) AND CAST(:end AS date)
    GROUP BY user_id, exercise_id
),
-- Each exercise's volume split across its muscles in proportion to their shares.
muscles AS (
    SELECT x.user_id, json_agg(json_build_object('muscle', x.muscle, 'volume', x.volume)
                               ORDER BY x.volume DESC, x.muscle) AS doc
    FROM (
        SELECT be.user_id, c.key AS muscle,
               round(sum(be.volume * c.value::numeric / t.total), 3) AS volume
        FROM by_exercise be
        JOIN exercises e ON e.id = be.exercise_id
        CROSS JOIN LATERAL jsonb_each_text(e.muscle_contributions) c
        CROSS JOIN LATERAL (SELECT sum(value::numeric) AS total FROM jsonb_each_text(e.muscle_contributions)) t
        WHERE be.volume > 0 AND t.total > 0 AND c.key = ANY(:muscles)
        GROUP BY be.user_id, c.key
    ) x
    GROUP BY x.user_id
),
favourite AS (
    SELECT DISTINCT ON (be.user_id) be.user_id, be.exercise_id
    FROM by_exercise be JOIN exercises e ON e.id = be.exercise_id
    WHERE be.sets > 0
    ORDER BY be.user_id, be.sets DESC, be.volume DESC, e.name, e.id
),
weekly AS (
    SELECT user_id,
           count(*) FILTER (WHERE completed AND day >= CAST(:week AS date)) AS current_workouts,
           count(*) FILTER (WHERE completed AND day < CAST(:week AS date)) AS previous_workouts,
           coalesce(sum(volume) FILTER (WHERE day >= CAST(:week AS date)), 0) AS current_volume,
           coalesce(sum(volume) FILTER (WHERE day < CAST(:week AS date)), 0) AS previous_volume,
           coalesce(sum(points) FILTER (WHERE day >= CAST(:week AS date)), 0) AS current_points,
           coalesce(sum(points) FILTER (WHERE day < CAST(:week AS date)), 0) AS previous_points
    FROM pw
    WHERE day BETWEEN CAST(:week AS date) - 7 AND CAST(:week AS date) + 6
    GROUP BY user_id
)
SELECT u.user_id, json_build_object(
    'buckets', bk.doc,
    'totals', json_build_object({_figures("t")}),
    'muscles', coalesce(m.doc, '[]'::json),
    'favourite', f.exercise_id,
    'weekly', json_build_object(
        'current', json_build_object('workouts', coalesce(wk.current_workouts, 0),
                                     'volume', coalesce(wk.current_volume, 0), 'points', coalesce(wk.current_points, 0)),
        'previous', json_build_object('workouts', coalesce(wk.previous_workouts, 0),
                                      'volume', coalesce(wk.previous_volume, 0), 'points', coalesce(wk.previous_points, 0)))
)::text
FROM u
JOIN buckets bk ON bk.user_id = u.user_id
LEFT JOIN agg t ON t.user_id = u.user_id AND t.total
LEFT JOIN muscles m ON m.user_id = u.user_id
LEFT JOIN favourite f ON f.user_id = u.user_id
LEFT JOIN weekly wk ON wk.user_id = u.user_id
"""
).bindparams(
    bindparam("user_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("timezones", type_=ARRAY(String)),
    bindparam("muscles", type_=ARRAY(String)),
    bindparam("lo", type_=Date),
    bindparam("hi", type_=Date),
    bindparam("start", type_=Date),
    bindparam("end", type_=Date),
    bindparam("week", type_=Date),
)


class StatsByUserIdLoader(BaseLoader):
    """The stats document (JSON text) of each (user id, time zone) key, for one `StatsSpec`.

    With a cache, keys it holds cost no SQL; the rest are computed in one statement and
    offered back to it.
    """

    def __init__(self, sessionmaker, spec: StatsSpec, cache: StatsCacheLike | None = None) -> None:
        super().__init__(sessionmaker)
        self.spec = spec
        self.stats_cache = cache

    async def batch_load_fn(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[str]:
        if self.stats_cache is None:
            return await self.compute(keys)
        fields = [(user_id, self.cache_field(tz)) for user_id, tz in keys]
        cached = await self.stats_cache.get_many(fields)
        misses = [key for key, (doc, _) in zip(keys, cached) if doc is None]
        fresh = dict(zip(misses, await self.compute(misses))) if misses else {}
        await self.stats_cache.put_many(
            [(user_id, field, fresh[key], token)
             for key, (user_id, field), (doc, token) in zip(keys, fields, cached) if doc is None]
        )
        return [doc if doc is not None else fresh[key] for key, (doc, _) in zip(keys, cached)]

    def cache_field(self, tz: str) -> str:
        # The time zone is part of the answer: a user who moves gets fresh buckets.
        return f"{self.spec.field}/{tz}"

    async def compute(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[str]:
        spec = self.spec
        week = spec.week
        unique = dict(keys)  # one row per user, even when a key repeats (loaders without their cache)
        params: dict[str, Any] = {
            "user_ids": list(unique),
            "timezones": list(unique.values()),
            "muscles": values(Muscle),
            "start": spec.start,
            "end": spec.end,
            "week": week,
            "lo": min(spec.start, week - timedelta(days=7)),
            "hi": max(spec.end, week + timedelta(days=6)),
            "unit": spec.grouping,
            "step": STEP[spec.grouping],
        }
        async with self.sessionmaker() as session:
            rows = (await session.execute(STATS_SQL, params)).all()
        docs = dict(rows)
        return [docs[user_id] for user_id, _ in keys]
