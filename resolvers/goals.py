"""Creating, changing and deleting goals, and completing the ones that reached their target.

Every write keeps `user_progress.active_goals` equal to the number of the user's active
goals, in the same transaction (an upsert adding +1 or -1). Completion is the system's:
`complete_reached_goals` runs inside the transaction of any write that can move a goal
(createGoal and updateGoal here; logging sets and finishing workouts call it too).
domain/goals.py describes windows and how progress is measured.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BodyMetric, Goal
from domain.enums import GoalKind, GoalStatus
from domain.goals import (
    ADJUST_ACTIVE_GOALS_SQL,
    BODY_KINDS,
    COMPLETE_REACHED_SQL,
    MAX_DAYS_AHEAD,
    MAX_TARGET,
    WEIGHT_KINDS,
    WHOLE_KINDS,
    window,
)
from domain.units import to_kg
from resolvers import validation
from resolvers.training import Outcome, announce, lock_user
from resolvers.access import writable
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.programs import visible_exercise
from resolvers.validation import UNSET

# Exercises whose sets carry a weight (a weight goal on a run would never move).
WEIGHTED_TRACKING = ("weight_reps", "reps")
# What a client may set a goal's status to; COMPLETED is the system's to set.
SETTABLE_STATUSES = (GoalStatus.ACTIVE.value, GoalStatus.ABANDONED.value)


def local_today(timezone: str, now: datetime | None = None) -> date:
    """The date it is now in `timezone` (an IANA name)."""
    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone)).date()


def _target(kind: str, target: float | None, unit: str) -> Decimal:
    """The target in stored units (kilograms for weights), checked against the kind's range."""
    if target is None:
        raise BadUserInput("'target' is required", field="target")
    value = to_kg(target, unit) if kind in WEIGHT_KINDS else target
    limit = MAX_TARGET[kind]
    if not 0 < value <= limit:
        shown = f"{limit:,} kg" if kind in WEIGHT_KINDS else f"{limit:,}"
        raise BadUserInput(f"'target' must be greater than 0 and at most {shown}", field="target")
    if kind in WHOLE_KINDS and value != int(value):
        raise BadUserInput(f"'target' of a {kind} goal must be a whole number", field="target")
    stored = Decimal(str(round(value, 3)))
    if stored <= 0:
        raise BadUserInput("'target' must be greater than 0", field="target")
    return stored


def _target_date(value: date | None, today: date) -> date:
    if value is None:
        raise BadUserInput("'targetDate' must not be null", field="targetDate")
    if value < today:
        raise BadUserInput(f"'targetDate' must not be in the past (today is {today.isoformat()} in your time zone)", field="targetDate")
    if value > today + timedelta(days=MAX_DAYS_AHEAD):
        raise BadUserInput(f"'targetDate' must be within {MAX_DAYS_AHEAD} days", field="targetDate")
    return value


async def _baseline(session: AsyncSession, user_id: uuid.UUID, kind: str, today: date) -> Decimal:
    """Where a body goal starts: the latest weight or body fat logged up to today; refused when there is none."""
    column = BodyMetric.weight_kg if kind == GoalKind.BODY_WEIGHT.value else BodyMetric.body_fat_pct
    value = (await session.execute(
        select(column).where(BodyMetric.user_id == user_id, column.is_not(None), BodyMetric.recorded_on <= today)
        .order_by(BodyMetric.recorded_on.desc()).limit(1)
    )).scalar()
    if value is None:
        what = "weight" if kind == GoalKind.BODY_WEIGHT.value else "body fat"
        raise BadUserInput(f"Log your {what} (logBodyMetrics) before setting a goal on it: the goal starts from it", field="kind")
    return Decimal(value)


async def adjust_active_goals(session: AsyncSession, user_id: uuid.UUID, delta: int) -> None:
    """Add `delta` to the user's active-goal count (upserting their totals row)."""
    if delta:
        await session.execute(text(ADJUST_ACTIVE_GOALS_SQL), {"user_id": user_id, "delta": delta})


async def complete_reached_goals(session: AsyncSession, user_id: uuid.UUID) -> list[Goal]:
    """Complete the user's active goals whose progress reached their target; returns them.

    Runs inside the caller's transaction (so it sees the caller's uncommitted sets) as one
    statement: it measures the active goals, marks the reached ones completed (status,
    `completed_at`) and takes them off `user_progress.active_goals`. A goal completes
    exactly once: the UPDATE only touches rows still active, so a second call, or a
    concurrent one, returns nothing for it. A streak goal completes only until its end date.
    Callers announce each returned goal (`resolvers.training.announce`).
    """
    stmt = select(Goal).from_statement(text(COMPLETE_REACHED_SQL)).execution_options(populate_existing=True)
    return list((await session.execute(stmt, {"user_id": user_id})).scalars())


async def create_goal(
    ctx: Context,
    *,
    kind: str,
    title: str,
    target: float,
    unit: str,
    exercise_id: uuid.UUID | None,
    timeframe: str | None,
    target_date: date | None,
) -> Goal:
    viewer = await ctx.require_viewer()
    title = validation.text(title, "title", max_length=120, required=True)
    stored_target = _target(kind, target, unit)
    if kind == GoalKind.EXERCISE_WEIGHT.value and exercise_id is None:
        raise BadUserInput("An EXERCISE_WEIGHT goal needs 'exerciseId'", field="exerciseId")
    if kind != GoalKind.EXERCISE_WEIGHT.value and exercise_id is not None:
        raise BadUserInput("Only an EXERCISE_WEIGHT goal takes 'exerciseId'", field="exerciseId")
    if (timeframe is None) == (target_date is None):
        raise BadUserInput("Give exactly one of 'timeframe' and 'targetDate'", field="timeframe" if timeframe is None else "targetDate")
    today = local_today(viewer.timezone)
    if timeframe is not None:
        start, end = window(timeframe, today)
    else:
        start, end = today, _target_date(target_date, today)
    async with ctx.sessionmaker.begin() as session:
        await lock_user(session, viewer.id)  # ordered with the user's set and workout writes
        baseline = await _baseline(session, viewer.id, kind, today) if kind in BODY_KINDS else None
        if exercise_id is not None:
            exercise = await visible_exercise(ctx, session, exercise_id, "exerciseId")
            if exercise.tracking not in WEIGHTED_TRACKING:
                raise BadUserInput(
                    f"'{exercise.name}' is tracked by {exercise.tracking.replace('_', ' + ')}: a weight goal needs an exercise lifted with weight",
                    field="exerciseId",
                )
        goal = Goal(
            user_id=viewer.id, kind=kind, title=title, target_value=stored_target, exercise_id=exercise_id, baseline_value=baseline,
            timeframe=timeframe, start_date=start, end_date=end, status=GoalStatus.ACTIVE.value,
        )
        session.add(goal)
        await session.flush()
        await adjust_active_goals(session, viewer.id, +1)
        # A goal already reached (say 1,000 points this week, with 1,200 earned) completes at once.
        await announce(session, viewer.id, None, Outcome(goals=await complete_reached_goals(session, viewer.id)))
        await session.refresh(goal)
    ctx.committed()
    return goal


async def update_goal(
    ctx: Context, goal_id: uuid.UUID, *, title=UNSET, target=UNSET, unit: str = "kg", status=UNSET, target_date=UNSET
) -> Goal:
    viewer = await ctx.require_viewer()
    if status is not UNSET and status is not None and status not in SETTABLE_STATUSES:
        raise BadUserInput("'status' may be ACTIVE or ABANDONED; goals are completed by the system", field="status")
    if title is not UNSET:
        title = validation.text(title, "title", max_length=120, required=True)
    today = local_today(viewer.timezone)
    async with ctx.sessionmaker.begin() as session:
        await lock_user(session, viewer.id)
        goal = await writable(ctx, await session.get(Goal, goal_id, with_for_update=True), "Goal")
        if goal.status == GoalStatus.COMPLETED.value:
            for name, value in (("target", target), ("status", status), ("targetDate", target_date)):
                if value is not UNSET and value is not None:
                    raise BadUserInput(f"A completed goal keeps its '{name}'; only its title can change", field=name)
        if title is not UNSET:
            goal.title = title
        if target is not UNSET:
            goal.target_value = _target(goal.kind, target, unit)
        if target_date is not UNSET:
            if goal.timeframe is not None:
                raise BadUserInput(f"This goal's window is its {goal.timeframe} timeframe; it has no target date to change", field="targetDate")
            goal.end_date = _target_date(target_date, today)
        delta = 0
        if status is not UNSET and status is not None and status != goal.status:
            delta = 1 if status == GoalStatus.ACTIVE.value else -1
            goal.status = status
        await session.flush()
        await adjust_active_goals(session, viewer.id, delta)
        # A lower target, a later date or a goal taken up again may be reached already.
        await announce(session, viewer.id, None, Outcome(goals=await complete_reached_goals(session, viewer.id)))
        await session.refresh(goal)
    ctx.committed()
    return goal


async def delete_goal(ctx: Context, goal_id: uuid.UUID) -> Goal:
    viewer = await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        goal = await writable(ctx, await session.get(Goal, goal_id, with_for_update=True), "Goal")
        await session.execute(delete(Goal).where(Goal.id == goal.id))
        await adjust_active_goals(session, viewer.id, -1 if goal.status == GoalStatus.ACTIVE.value else 0)
    ctx.committed()
    return goal
