"""Goals: the window of local dates a goal measures, and how its progress is measured.

A goal measures the owner's training over a window of local dates (the user's time
zone), `start_date` to `end_date`, both included. A timeframe fixes the window when the
goal is created: the current day, week (Monday to Sunday) or month; a target date makes
it today to that date. Progress is never stored: one SQL statement aggregates the sets
and workouts of the window, so it is right after any write, edit or deletion.

What each kind measures, over the window (local-day boundaries are converted to instants
with `AT TIME ZONE`, so "Monday" is the user's Monday):

- points: the points of the sets completed in the window, plus the completion points of
  the workouts started in it (domain/training.py has the formulas);
- workouts: completed workouts started in the window;
- volume: kilograms lifted (weight × reps of working sets) by sets completed in the window;
- duration: whole minutes of completed workouts (start to finish) started in the window,
  summed before rounding down;
- exercise_weight: the heaviest weight of one exercise, over sets other than warm-ups with
  at least one rep, completed in the window;
- streak: the current run of consecutive training days (no window: it is the streak as of
  today, 0 once a day has been missed);
- body_weight, body_fat: the latest weight (kg) or body fat (%) of the user's body metrics
  logged in the window up to today. These start from a baseline, the latest value logged
  before the goal was set, and head for the target from it, down (losing weight or fat) or up
  (gaining): reached when the latest value is at or beyond the target in that direction.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from decimal import Decimal

from domain.enums import GoalKind, GoalTimeframe

# Kinds whose values are weights (kilograms stored, any weight unit shown).
WEIGHT_KINDS = frozenset({GoalKind.EXERCISE_WEIGHT.value, GoalKind.VOLUME.value, GoalKind.BODY_WEIGHT.value})
# Kinds measured on the body (health/body metrics): they start from a baseline and may go down.
BODY_KINDS = frozenset({GoalKind.BODY_WEIGHT.value, GoalKind.BODY_FAT.value})
# Kinds counted in whole numbers.
WHOLE_KINDS = frozenset({GoalKind.POINTS.value, GoalKind.WORKOUTS.value, GoalKind.STREAK.value, GoalKind.DURATION.value})
# The largest target of each kind (in kilograms, points, workouts, days or minutes).
MAX_TARGET = {
    GoalKind.POINTS.value: 10_000_000,
    GoalKind.WORKOUTS.value: 10_000,
    GoalKind.STREAK.value: 3_650,
    GoalKind.EXERCISE_WEIGHT.value: 2_000,
    GoalKind.VOLUME.value: 100_000_000,
    GoalKind.DURATION.value: 1_000_000,
    GoalKind.BODY_WEIGHT.value: 400,
    GoalKind.BODY_FAT.value: 70,
}
# How far ahead a target date may lie.
MAX_DAYS_AHEAD = 3_660


def window(timeframe: str, today: date) -> tuple[date, date]:
    """The local dates a goal with `timeframe` created `today` measures, both included."""
    if timeframe == GoalTimeframe.DAILY.value:
        return today, today
    if timeframe == GoalTimeframe.WEEKLY.value:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if timeframe == GoalTimeframe.MONTHLY.value:
        last = calendar.monthrange(today.year, today.month)[1]
        return today.replace(day=1), today.replace(day=last)
    raise ValueError(f"unknown timeframe {timeframe!r}")


def body_percent(current: Decimal, target: Decimal, baseline: Decimal) -> float:
    """How far a body goal has come from its baseline towards its target, 0-100 (rounded down to a tenth)."""
    if target == baseline:
        return 100.0
    return percent((Decimal(current) - baseline) * (1 if target > baseline else -1), abs(target - baseline))


def body_remaining(current: Decimal, target: Decimal, baseline: Decimal) -> Decimal:
    """What is left between the latest value and the target, in the goal's direction; 0 once reached."""
    left = (target - Decimal(current)) if target >= baseline else (Decimal(current) - target)
    return max(left, Decimal(0))


def percent(current: Decimal, target: Decimal) -> float:
    """How far `current` is towards `target`, 0-100, rounded down to a tenth (so 100 means reached)."""
    if target <= 0:
        return 100.0
    tenths = math.floor(Decimal(current) * 1000 / Decimal(target))
    return max(0.0, min(100.0, tenths / 10))


def _progress_sql(goals_where: str) -> str:
    """One row (id, current, today) per goal matching `goals_where` (over `g`, the goal, and `u`, its owner)."""
    in_window = "{t} >= w.lo AND {t} < w.hi"
    sets = f"s.user_id = g.user_id AND {in_window.format(t='s.completed_at')}"
    workouts = f"ws.user_id = g.user_id AND {in_window.format(t='ws.started_at')}"
    body = """(SELECT m.{column} FROM body_metrics m WHERE m.user_id = g.user_id AND m.{column} IS NOT NULL
               AND m.recorded_on >= g.start_date AND m.recorded_on <= least(g.end_date, w.today)
               ORDER BY m.recorded_on DESC LIMIT 1)"""
    return f"""
    SELECT g.id, CAST(CASE WHEN g.kind = 'body_weight' THEN coalesce({body.format(column="weight_kg")}, g.baseline_value)
                           WHEN g.kind = 'body_fat' THEN coalesce({body.format(column="body_fat_pct")}, g.baseline_value)
                           ELSE coalesce(CASE g.kind
        WHEN 'points' THEN
            (SELECT coalesce(sum(s.points), 0) FROM set_logs s WHERE {sets})
            + (SELECT coalesce(sum(ws.completion_points), 0) FROM workout_sessions ws WHERE {workouts})
        WHEN 'workouts' THEN
            (SELECT count(*) FROM workout_sessions ws WHERE {workouts} AND ws.status = 'completed')
        WHEN 'volume' THEN
            (SELECT coalesce(sum(s.volume_kg), 0) FROM set_logs s WHERE {sets})
        WHEN 'duration' THEN
            (SELECT floor(coalesce(sum(extract(epoch FROM ws.ended_at - ws.started_at)), 0) / 60)
             FROM workout_sessions ws WHERE {workouts} AND ws.status = 'completed' AND ws.ended_at IS NOT NULL)
        WHEN 'exercise_weight' THEN
            (SELECT max(s.weight_kg) FROM set_logs s
             WHERE {sets} AND s.exercise_id = g.exercise_id AND s.set_type <> 'warmup' AND s.reps >= 1)
        WHEN 'streak' THEN
            (SELECT CASE WHEN p.last_active_day >= w.today - 1 THEN p.streak_run ELSE 0 END
             FROM user_progress p WHERE p.user_id = g.user_id)
    END, 0) END AS numeric) AS current, w.today
    FROM goals g
    JOIN users u ON u.id = g.user_id
    CROSS JOIN LATERAL (SELECT
        CAST(g.start_date AS timestamp) AT TIME ZONE u.timezone AS lo,
        CAST(g.end_date + 1 AS timestamp) AT TIME ZONE u.timezone AS hi,
        CAST(now() AT TIME ZONE u.timezone AS date) AS today) w
    WHERE {goals_where}
    """


# Progress of the goals whose ids are in :ids (the loader's batch).
PROGRESS_BY_IDS_SQL = _progress_sql("g.id = ANY(CAST(:ids AS uuid[]))")

# In the caller's transaction: complete the active goals of :user_id that reached their
# target (a streak goal only until its end date: a streak has no window), exactly once
# (the UPDATE re-checks `status = 'active'` under the row lock), take them off the user's
# active-goal count, and return them.
COMPLETE_REACHED_SQL = f"""
WITH progress AS ({_progress_sql("g.user_id = :user_id AND g.status = 'active'")}),
done AS (
    UPDATE goals SET status = 'completed', completed_at = now(), updated_at = now()
    FROM progress
    WHERE goals.id = progress.id AND goals.status = 'active'
      AND CASE WHEN goals.baseline_value IS NOT NULL AND goals.target_value < goals.baseline_value
               THEN progress.current <= goals.target_value ELSE progress.current >= goals.target_value END
      AND (goals.kind <> 'streak' OR goals.end_date >= progress.today)
    RETURNING goals.*
),
counted AS (
    UPDATE user_progress SET active_goals = active_goals - (SELECT count(*) FROM done), updated_at = now()
    WHERE user_id = :user_id AND EXISTS (SELECT 1 FROM done)
)
SELECT * FROM done ORDER BY created_at, id
"""

# Add :delta to the user's count of active goals, creating their totals row if needed.
ADJUST_ACTIVE_GOALS_SQL = """
INSERT INTO user_progress (user_id, active_goals) VALUES (:user_id, GREATEST(CAST(:delta AS integer), 0))
ON CONFLICT (user_id) DO UPDATE
SET active_goals = user_progress.active_goals + CAST(:delta AS integer), updated_at = now()
"""
