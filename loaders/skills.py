"""The skill ladder, athletes' standing on it, sessions planned from it and daily summaries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from db.models import PlannedSkillExercise, SetLog, SkillCategory, SkillExercise, SkillLevel
from loaders.base import BaseLoader, RowByIdLoader, RowsByParentLoader


@dataclass(frozen=True)
class Catalogue:
    levels: dict[int, Any]
    categories: list[Any]  # in display order
    steps: list[Any]  # by category order, level, position

    def category(self, code: str) -> Any | None:
        return next((c for c in self.categories if c.code == code), None)


class SkillCatalogueLoader(BaseLoader):
    """The whole ladder (a few dozen rows), once per request whatever the key."""

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[Catalogue]:
        async with self.sessionmaker() as session:
            levels = {r.level: r for r in (await session.execute(select(SkillLevel))).scalars()}
            categories = list((await session.execute(select(SkillCategory).order_by(SkillCategory.position))).scalars())
            order = {c.code: i for i, c in enumerate(categories)}
            steps = sorted((await session.execute(select(SkillExercise))).scalars(),
                           key=lambda s: (order[s.category], s.level, s.position))
        catalogue = Catalogue(levels, categories, steps)
        return [catalogue for _ in keys]


class SkillExerciseByIdLoader(RowByIdLoader):
    model = SkillExercise


# Every step of the ladder for each user, with the user's level in the step's category and
# their prescription and mastery of it (nulls where they have none).
STANDING = text(
    """
    SELECT u.user_id, se.id AS skill_exercise_id, se.category, se.level, coalesce(l.level, 0) AS user_level,
           p.current_sets, p.current_tempo, p.current_rest_seconds, p.prescribed_by, p.mastered_at, p.mastered_session_id
    FROM unnest(CAST(:user_ids AS uuid[])) AS u(user_id)
    CROSS JOIN skill_exercises se
    JOIN skill_categories c ON c.code = se.category
    LEFT JOIN user_skill_levels l ON l.user_id = u.user_id AND l.category = se.category
    LEFT JOIN user_skill_progress p ON p.user_id = u.user_id AND p.skill_exercise_id = se.id
    ORDER BY u.user_id, c.position, se.level, se.position
    """
)


class SkillStandingByUserIdLoader(BaseLoader):
    """Each user's rows of STANDING, in ladder order."""

    async def batch_load_fn(self, keys):
        grouped: dict[Any, list] = defaultdict(list)
        async with self.sessionmaker() as session:
            for row in (await session.execute(STANDING, {"user_ids": list(keys)})).all():
                grouped[row.user_id].append(row)
        return [grouped.get(key, []) for key in keys]


class PlannedSkillExercisesBySessionIdLoader(RowsByParentLoader):
    model = PlannedSkillExercise
    parent_column = "session_id"


class SetLogsBySessionIdLoader(RowsByParentLoader):
    """Every set of a session, in order (for planned against actual: a session's skill work is short)."""

    model = SetLog
    parent_column = "session_id"


# Per local day (the user's time zone) of the range, for each user: sessions started that day
# (and how many were completed), their sets other than warm-ups, reps and seconds held, the
# skill categories trained (a ladder exercise's category, else the exercise's movement pattern
# when it names one) and ladder exercises mastered that day. Days with none of these are left out.
DAILY = text(
    """
    WITH u AS (
        SELECT user_id, tz, CAST(:start AS timestamp) AT TIME ZONE tz AS lo,
               (CAST(:end AS timestamp) + interval '1 day') AT TIME ZONE tz AS hi
        FROM unnest(CAST(:user_ids AS uuid[]), CAST(:zones AS text[])) AS u(user_id, tz)
    ),
    sessions AS (
        SELECT w.user_id, w.id, w.status, CAST(w.started_at AT TIME ZONE u.tz AS date) AS day
        FROM u JOIN workout_sessions w ON w.user_id = u.user_id AND w.started_at >= u.lo AND w.started_at < u.hi
    ),
    trained AS (
        SELECT s.user_id, s.day, count(l.id) AS sets, coalesce(sum(l.reps), 0) AS reps,
               coalesce(sum(l.duration_seconds), 0) AS held,
               coalesce(array_agg(DISTINCT coalesce(se.category, c.code)) FILTER (WHERE coalesce(se.category, c.code) IS NOT NULL),
                        '{}') AS categories
        FROM sessions s
        JOIN set_logs l ON l.session_id = s.id AND l.set_type <> 'warmup'
        JOIN exercises e ON e.id = l.exercise_id
        LEFT JOIN skill_exercises se ON se.exercise_id = l.exercise_id
        LEFT JOIN skill_categories c ON c.code = e.movement_pattern
        GROUP BY s.user_id, s.day
    ),
    days AS (
        SELECT user_id, day, count(*) AS sessions, count(*) FILTER (WHERE status = 'completed') AS completed
        FROM sessions GROUP BY user_id, day
    ),
    mastered AS (
        SELECT p.user_id, CAST(p.mastered_at AT TIME ZONE u.tz AS date) AS day, count(*) AS mastered
        FROM u JOIN user_skill_progress p ON p.user_id = u.user_id AND p.mastered_at >= u.lo AND p.mastered_at < u.hi
        GROUP BY p.user_id, day
    )
    SELECT coalesce(d.user_id, m.user_id) AS user_id, coalesce(d.day, m.day) AS day,
           coalesce(d.sessions, 0) AS sessions, coalesce(d.completed, 0) AS completed,
           coalesce(t.sets, 0) AS sets, coalesce(t.reps, 0) AS reps, coalesce(t.held, 0) AS held,
           coalesce(t.categories, '{}') AS categories, coalesce(m.mastered, 0) AS mastered
    FROM days d
    LEFT JOIN trained t ON t.user_id = d.user_id AND t.day = d.day
    FULL JOIN mastered m ON m.user_id = d.user_id AND m.day = d.day
    ORDER BY 1, 2
    """
)


class DailySummariesByUserLoader(BaseLoader):
    """Keys are (user id, time zone); the range is fixed per loader instance."""

    def __init__(self, sessionmaker, start, end) -> None:
        super().__init__(sessionmaker)
        self.start, self.end = start, end

    async def batch_load_fn(self, keys):
        params = {"user_ids": [k[0] for k in keys], "zones": [k[1] for k in keys], "start": self.start, "end": self.end}
        grouped: dict[Any, list] = defaultdict(list)
        async with self.sessionmaker() as session:
            for row in (await session.execute(DAILY, params)).all():
                grouped[row.user_id].append(row)
        return [grouped.get(key[0], []) for key in keys]
