"""The training rules, applied inside the write that causes them.

Every set write recomputes the records of the exercises it touches, moves the user's
totals by the set's points and volume, and awards the achievements those totals now
reach; finishing a workout also recounts workouts, streaks and completed programs.
A per-user transaction lock (taken before anything is read) serializes one user's
writes, so totals and awards stay exact under concurrent calls; the unique
(user, achievement) constraint makes an award happen once whatever else goes wrong.

The functions take the write's `session`: an ORM session, or the hot writes' transaction on
psycopg directly (db/direct.py), whose rows answer the same `all()` and `one()`.

`make backfill` (server/backfill.py) runs the same statements from scratch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, func, text

from db.direct import driver_sql, orm
from live import events
from live.outbox import record_many
from resolvers import records, skills

# Two-key advisory locks live apart from the one-key locks the outbox takes per channel.
LOCK_NAMESPACE = 1


def user_lock(user_id: Any):
    """A select-list expression taking the user's training lock (to ride along another query)."""
    return func.pg_advisory_xact_lock(LOCK_NAMESPACE, func.hashtext(cast(user_id, Text)))


# The same as SQL text, to ride along a statement that takes row locks (parameters :ns and :user_id).
USER_LOCK_SQL = "pg_advisory_xact_lock(:ns, hashtext(CAST(:user_id AS text)))"
USER_LOCK = text(f"SELECT {USER_LOCK_SQL}")

_METRIC = """CASE a.rule->>'metric'
    WHEN 'workouts' THEN p.workouts WHEN 'longest_streak' THEN p.longest_streak WHEN 'points' THEN p.points
    WHEN 'records' THEN p.records WHEN 'volume_kg' THEN p.volume_kg WHEN 'programs_completed' THEN p.programs_completed
    WHEN 'skills_mastered' THEN p.skills_mastered WHEN 'skill_level' THEN p.skill_level
END"""

# The achievements the moved totals (the CTE `progress`) now reach, awarded once.
_AWARDED = f"""awarded AS (
        INSERT INTO user_achievements (user_id, achievement_id, session_id)
        SELECT p.user_id, a.id, CAST(:session_id AS uuid) FROM progress p, achievements a
        WHERE {_METRIC} >= CAST(a.rule->>'at_least' AS numeric)
          AND NOT EXISTS (SELECT 1 FROM user_achievements ua WHERE ua.user_id = p.user_id AND ua.achievement_id = a.id)
        ON CONFLICT (user_id, achievement_id) DO NOTHING
        RETURNING id, achievement_id
    )"""

# Move the totals by the deltas, then award what they now reach: one statement.
PROGRESS_AND_AWARDS = text(
    f"""
    WITH progress AS (
        INSERT INTO user_progress AS p (user_id, points, sets, volume_kg, records)
        VALUES (:user_id, greatest(:points, 0), greatest(:sets, 0), greatest(:volume, 0), greatest(:records, 0))
        ON CONFLICT (user_id) DO UPDATE SET
            points = greatest(p.points + :points, 0), sets = greatest(p.sets + :sets, 0),
            volume_kg = greatest(p.volume_kg + :volume, 0), records = greatest(p.records + :records, 0),
            updated_at = now()
        RETURNING p.*
    ),
    {_AWARDED}
    SELECT p.active_goals,
           (SELECT coalesce(array_agg(aw.id), '{{}}') FROM awarded aw) AS awarded,
           (SELECT coalesce(sum(a.points_reward), 0) FROM awarded aw JOIN achievements a ON a.id = aw.achievement_id) AS reward
    FROM progress p
    """
)

# Logging a set, in one statement after the workout's row lock and the user's lock: the insert
# (position read after the lock, a repeated clientId inserting nothing), the records it raises
# (records.RAISE, reading the new row from the insert instead of the table), and the totals
# with the awards they reach (PROGRESS_AND_AWARDS, moved by the set's points, volume and new
# records). `ok` is false for a back-dated set (one logged after it exists): then no record or
# total was written and the caller recomputes, as `after_logged` does. With `:progress` false
# (a set logged into a finished workout, which may master a skill first) the totals are left
# to the caller. One row per record written (or one with null record columns).
_LOG_SET = f"""
    WITH ins AS (
        INSERT INTO set_logs (session_id, user_id, exercise_id, position, client_id{{columns}})
        VALUES (:session_id, :user_id, :exercise_id,
                (SELECT coalesce(max(position) + 1, 0) FROM set_logs WHERE session_id = :session_id),
                :client_id{{values}})
        ON CONFLICT (user_id, client_id) DO NOTHING
        RETURNING *
    ),
    s AS (SELECT {records.SET_COLUMNS}, s.set_type FROM ins s),
    latest AS (
        SELECT NOT EXISTS (
            SELECT 1 FROM set_logs o, s
            WHERE o.user_id = s.user_id AND o.exercise_id = s.exercise_id AND (o.completed_at, o.id) > (s.completed_at, s.id)
        ) AS ok
    ),
    sets AS (SELECT s.* FROM s, latest WHERE latest.ok AND s.set_type <> 'warmup'),
    candidates AS (
        {records.PER_SET}
        UNION ALL
        SELECT s.user_id, s.exercise_id, s.id, s.session_id, s.completed_at, 'best_session_volume',
               s.weight_kg * s.reps + coalesce((SELECT sum(x.weight_kg * x.reps) FROM set_logs x
                WHERE x.session_id = s.session_id AND x.exercise_id = s.exercise_id
                  AND x.set_type <> 'warmup' AND x.weight_kg > 0 AND x.reps > 0), 0)
        FROM sets s WHERE s.weight_kg > 0 AND s.reps > 0
    ),
    {records.BETTER},
    written AS (
        {records.upsert("better")}
        RETURNING id, user_id, kind, value, set_log_id, session_id
    ),
    delta AS (
        SELECT ins.user_id, coalesce(ins.points, 0) AS points, coalesce(ins.volume_kg, 0) AS volume,
               (SELECT count(*) FROM better WHERE old_value IS NULL) AS records
        FROM ins, latest WHERE latest.ok AND CAST(:progress AS boolean)
    ),
    progress AS (
        INSERT INTO user_progress AS p (user_id, points, sets, volume_kg, records)
        SELECT user_id, greatest(points, 0), 1, greatest(volume, 0), greatest(records, 0) FROM delta
        ON CONFLICT (user_id) DO UPDATE SET
            points = greatest(p.points + EXCLUDED.points, 0), sets = greatest(p.sets + 1, 0),
            volume_kg = greatest(p.volume_kg + EXCLUDED.volume_kg, 0), records = greatest(p.records + EXCLUDED.records, 0),
            updated_at = now()
        RETURNING p.*
    ),
    {_AWARDED}
    SELECT ins.*, latest.ok,
           (SELECT p.active_goals FROM progress p) AS active_goals,
           (SELECT coalesce(array_agg(aw.id), '{{{{}}}}') FROM awarded aw) AS awarded,
           (SELECT coalesce(sum(a.points_reward), 0) FROM awarded aw JOIN achievements a ON a.id = aw.achievement_id) AS reward,
           w.id AS record_id, w.kind AS record_kind, w.value AS record_value, w.set_log_id AS record_set_log_id,
           w.session_id AS record_session_id, b.old_value AS record_old_value
    FROM latest LEFT JOIN ins ON true LEFT JOIN written w ON true LEFT JOIN better b ON b.kind = w.kind
"""


@lru_cache(maxsize=64)
def log_set_statement(columns: tuple[str, ...]) -> str:
    """`_LOG_SET` for the set's given columns (beyond those every set has), in psycopg's parameter style."""
    sql = _LOG_SET.format(columns="".join(f", {c}" for c in columns), values="".join(f", :{c}" for c in columns))
    return driver_sql(text(sql))


@dataclass
class Record:
    """A personal record a logged set just wrote (as records.RAISE returns them)."""

    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    value: Decimal
    set_log_id: uuid.UUID
    session_id: uuid.UUID
    old_value: Decimal | None


# Workouts, streaks (in the user's own time zone) and completed programs, counted afresh.
RECOUNT = text(
    """
    WITH days AS (
        SELECT DISTINCT CAST(w.started_at AT TIME ZONE u.timezone AS date) AS day
        FROM workout_sessions w JOIN users u ON u.id = w.user_id
        WHERE w.user_id = :user_id AND w.status = 'completed'
    ),
    runs AS (
        SELECT max(day) AS last_day, count(*) AS len
        FROM (SELECT day, day - CAST(row_number() OVER (ORDER BY day) AS integer) AS island FROM days) d
        GROUP BY island
    )
    INSERT INTO user_progress AS p (user_id, workouts, streak_run, longest_streak, last_active_day, programs_completed)
    SELECT :user_id,
        (SELECT count(*) FROM workout_sessions WHERE user_id = :user_id AND status = 'completed'),
        coalesce((SELECT len FROM runs ORDER BY last_day DESC LIMIT 1), 0),
        coalesce((SELECT max(len) FROM runs), 0),
        (SELECT max(last_day) FROM runs),
        (SELECT count(*) FROM programs pr
         WHERE pr.owner_id = :user_id
           AND EXISTS (SELECT 1 FROM program_days d WHERE d.program_id = pr.id)
           AND NOT EXISTS (
               SELECT 1 FROM program_days d WHERE d.program_id = pr.id AND NOT EXISTS (
                   SELECT 1 FROM workout_sessions w
                   WHERE w.program_day_id = d.id AND w.user_id = :user_id AND w.status = 'completed')))
    ON CONFLICT (user_id) DO UPDATE SET
        workouts = EXCLUDED.workouts, streak_run = EXCLUDED.streak_run, longest_streak = EXCLUDED.longest_streak,
        last_active_day = EXCLUDED.last_active_day, programs_completed = EXCLUDED.programs_completed, updated_at = now()
    """
)


@dataclass
class Outcome:
    """What a write changed beyond itself: to return in its payload and announce."""

    records: list = field(default_factory=list)  # rows of records just set
    achievements: list[uuid.UUID] = field(default_factory=list)  # user_achievements ids
    goals: list = field(default_factory=list)  # goals just completed
    masteries: list = field(default_factory=list)  # skill ladder steps just mastered (resolvers/skills.py)


@dataclass
class Delta:
    points: int = 0
    sets: int = 0
    volume: Decimal = Decimal(0)

    @classmethod
    def of_set(cls, row: Any, sign: int = 1) -> Delta:
        return cls(sign * (row.points or 0), sign, sign * (row.volume_kg or Decimal(0)))

    def __sub__(self, other: Delta) -> Delta:
        return Delta(self.points - other.points, self.sets - other.sets, self.volume - other.volume)


async def lock_user(session, user_id: uuid.UUID) -> None:
    await session.execute(USER_LOCK, {"ns": LOCK_NAMESPACE, "user_id": user_id})


async def after_sets(
    session, user_id: uuid.UUID, exercise_ids: Sequence[uuid.UUID], delta: Delta, session_id: uuid.UUID | None
) -> Outcome:
    """After sets of these exercises were logged, changed or deleted (user lock held)."""
    changes = await records.recompute(session, [(user_id, e) for e in dict.fromkeys(exercise_ids)])
    outcome = Outcome(records=changes.new)
    outcome.masteries = await skills.rederive(session, user_id, exercise_ids=list(exercise_ids))
    await apply_progress(session, outcome, user_id, session_id, points=delta.points, sets=delta.sets,
                         volume=delta.volume, records=changes.count_delta)
    return outcome


async def after_logged(session, row: Any, *, workout_completed: bool = False) -> Outcome:
    """After one set was logged (user lock held): it can only raise records, and (into a finished
    workout) make a mastery."""
    changes = await records.raise_with(session, row.id, row.user_id, row.exercise_id)
    outcome = Outcome(records=changes.new)
    if workout_completed:
        outcome.masteries = await skills.rederive(session, row.user_id, exercise_ids=[row.exercise_id])
    await apply_progress(session, outcome, row.user_id, row.session_id, points=row.points or 0, sets=1,
                         volume=row.volume_kg or Decimal(0), records=changes.count_delta)
    return outcome


async def after_workout(session, user_id: uuid.UUID, session_id: uuid.UUID, completion_points: int) -> Outcome:
    """After a workout finished or was abandoned (user lock held)."""
    await session.execute(RECOUNT, {"user_id": user_id})
    outcome = Outcome(masteries=await skills.rederive(session, user_id, session_id=session_id))
    await apply_progress(session, outcome, user_id, session_id, points=completion_points)
    return outcome


async def apply_progress(session, outcome: Outcome, user_id, session_id, *, points=0, sets=0, volume=Decimal(0), records=0) -> None:
    """Move the totals, award what they reach (again while rewards pay points), complete reached goals."""
    params = {"user_id": user_id, "session_id": session_id, "points": points, "sets": sets, "volume": volume, "records": records}
    while True:
        row = (await session.execute(PROGRESS_AND_AWARDS, params)).one()
        outcome.achievements.extend(row.awarded)
        if not row.reward:
            break
        # Achievements pay points, which may reach a points milestone: go round once more.
        params = {**params, "points": int(row.reward), "sets": 0, "volume": Decimal(0), "records": 0}
    if row.active_goals:
        from resolvers.goals import complete_reached_goals

        outcome.goals = await complete_reached_goals(orm(session), user_id)


async def after_awards(session, outcome: Outcome, user_id: uuid.UUID, session_id: uuid.UUID | None, reward: int, active_goals: bool) -> None:
    """What apply_progress does after its first round, when that round ran inside another statement
    (training.log_set_statement): pay the achievements' rewards (which may reach more), complete reached goals."""
    if reward:
        await apply_progress(session, outcome, user_id, session_id, points=reward)
    elif active_goals:
        from resolvers.goals import complete_reached_goals

        outcome.goals = await complete_reached_goals(orm(session), user_id)


async def announce(session, user_id: uuid.UUID, session_id: uuid.UUID | None, outcome: Outcome, first: list | None = None,
                   **options) -> None:
    """Write the write's own events (`first`) and what its rules caused, in one statement (`options`: see record_many)."""
    pending = list(first or [])
    user = events.user_channel(user_id)
    for r in outcome.records:
        channels = [user] + ([events.workout_channel(r.session_id)] if r.session_id else [])
        pending.append((channels, events.PERSONAL_RECORD_SET, {"personal_record_id": r.id, "session_id": r.session_id}))
    for award_id in outcome.achievements:
        channels = [user] + ([events.workout_channel(session_id)] if session_id else [])
        pending.append((channels, events.ACHIEVEMENT_UNLOCKED, {"user_achievement_id": award_id, "session_id": session_id}))
    for goal in outcome.goals:
        pending.append(([user], events.GOAL_COMPLETED, {"goal_id": goal.id}))
    for m in outcome.masteries:
        channels = [user] + ([events.workout_channel(m.session_id)] if m.session_id else [])
        pending.append((channels, events.SKILL_MASTERED, {"skill_exercise_id": m.skill_exercise_id, "session_id": m.session_id}))
    if pending:
        await record_many(session, user_id, pending, **options)


def current_streak(streak_run: int, last_active_day: date | None, timezone: str, now: datetime | None = None) -> int:
    """The run counts while its last day is today or yesterday in the user's time zone."""
    if not last_active_day:
        return 0
    today = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone)).date()
    return streak_run if (today - last_active_day).days <= 1 else 0
