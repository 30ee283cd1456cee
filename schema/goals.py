"""Goals: targets over a window of days, with progress measured from the training logged."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from domain import enums as d
from domain.goals import WEIGHT_KINDS, body_percent, body_remaining, percent
from compiler import codecs
from compiler.declare import Expr, One, columns, declare
from domain.units import kg_to
from loaders.exercises import ExerciseByIdLoader
from loaders.goals import GoalProgressByGoalIdLoader, GoalProgressValue
from loaders.users import UserByIdLoader
from resolvers import goals, validation
from resolvers.ids import decode_id
from schema.common import Info, load_visible
from schema.enums import WeightUnit
from schema.exercises import Exercise

GoalKind = strawberry.enum(
    d.GoalKind,
    description="What a goal measures over its window: POINTS earned (sets plus completed workouts), completed "
    "WORKOUTS, the current STREAK of training days, the heaviest EXERCISE_WEIGHT lifted on one exercise "
    "(working sets of at least one rep), VOLUME lifted (weight × reps), DURATION (minutes of completed workouts), "
    "or the latest BODY_WEIGHT or BODY_FAT (%) of the body metrics logged in it: these start from the latest value "
    "logged before the goal was set and head for the target from it, down or up.",
)
GoalTimeframe = strawberry.enum(
    d.GoalTimeframe,
    description="A goal's window: the day, the week (Monday to Sunday) or the month it was created in, in the user's time zone.",
)
GoalStatus = strawberry.enum(
    d.GoalStatus,
    description="ACTIVE until reached (COMPLETED, set by the system the moment progress reaches the target) or given up (ABANDONED).",
)

UNIT_NOTE = ("Weights (EXERCISE_WEIGHT, VOLUME, BODY_WEIGHT) in `unit`; points, workouts, days and minutes as counts and body "
             "fat in percent (`unit` ignored).")


def _value(kind: str, value: Any, unit: WeightUnit) -> float:
    return (kg_to(value, unit.value) or 0.0) if kind in WEIGHT_KINDS else float(value)


@strawberry.type(description=f"How far a goal has come, measured now from the training in its window. {UNIT_NOTE}")
class GoalProgress:
    row: strawberry.Private[Any]
    measured: strawberry.Private[GoalProgressValue]

    @strawberry.field(description="The value reached so far (the current streak, for STREAK goals).")
    def current(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _value(self.row.kind, self.measured.current, unit)

    @strawberry.field(description="The goal's target.")
    def target(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _value(self.row.kind, self.row.target_value, unit)

    @strawberry.field(
        description="`current` as a share of `target`, 0-100, rounded down to a tenth: 100 means reached. For BODY_WEIGHT and "
        "BODY_FAT, the share of the way from the baseline to the target."
    )
    def percent(self) -> float:
        if self.row.baseline_value is not None:
            return body_percent(self.measured.current, self.row.target_value, self.row.baseline_value)
        return percent(self.measured.current, self.row.target_value)

    @strawberry.field(description="What is left to reach the target (for body goals, in their direction); 0 once reached.")
    def remaining(self, unit: WeightUnit = WeightUnit.KG) -> float:
        if self.row.baseline_value is not None:
            return _value(self.row.kind, body_remaining(self.measured.current, self.row.target_value, self.row.baseline_value), unit)
        return _value(self.row.kind, max(self.row.target_value - self.measured.current, 0), unit)

    @strawberry.field(description="Where a BODY_WEIGHT or BODY_FAT goal started (the latest value before it was set); null for other kinds.")
    def baseline(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return None if self.row.baseline_value is None else _value(self.row.kind, self.row.baseline_value, unit)


@strawberry.type(
    description="A user's goal: a target for one measure of their training over a window of local dates "
    "(the user's time zone), `startDate` to `endDate` inclusive. With a timeframe the window is the day, week "
    "(Monday start) or month it was created in; with a target date, from its creation day to that date. Progress "
    "is measured live from the sets and workouts in the window; the goal completes, once, when it reaches the "
    "target (a GoalCompleted event on the owner's `activityFeed`). Only the owner and their accepted coaches see it."
)
class Goal(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    kind: GoalKind = strawberry.field(description="What it measures.")
    title: str = strawberry.field(description="The owner's name for it.")
    timeframe: GoalTimeframe | None = strawberry.field(description="The timeframe that set its window; null for a goal with a target date.")
    start_date: date = strawberry.field(description="First local date of its window (the day it was created, or the start of its week or month).")
    end_date: date = strawberry.field(description="Last local date of its window (its target date, or the end of its day, week or month).")
    status: GoalStatus = strawberry.field(description="Active, completed (by the system) or abandoned.")
    completed_at: datetime | None = strawberry.field(description="When it reached its target.")
    created_at: datetime = strawberry.field(description="When it was set.")

    @classmethod
    def from_row(cls, row: Any) -> Goal:
        return cls(
            id=str(row.id),
            row=row,
            kind=GoalKind(row.kind),
            title=row.title,
            timeframe=GoalTimeframe(row.timeframe) if row.timeframe else None,
            start_date=row.start_date,
            end_date=row.end_date,
            status=GoalStatus(row.status),
            completed_at=row.completed_at,
            created_at=row.created_at,
        )

    @strawberry.field(description=f"The target. {UNIT_NOTE}")
    def target(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _value(self.row.kind, self.row.target_value, unit)

    @strawberry.field(description="Progress towards the target, measured now (batched: one query for all the goals of a request).")
    async def progress(self, info: Info) -> GoalProgress:
        measured = await info.context.loaders.get(GoalProgressByGoalIdLoader).load(self.row.id)
        if measured is None:  # deleted since this request loaded it
            measured = GoalProgressValue(Decimal(0), self.row.start_date)
        return GoalProgress(row=self.row, measured=measured)

    async def _today(self, info: Info) -> date:
        owner = await info.context.loaders.get(UserByIdLoader).load(self.row.user_id)
        return goals.local_today(owner.timezone)

    @strawberry.field(description="Whole days from today (the owner's local date) to `endDate`: 0 on its last day and after it.")
    async def days_remaining(self, info: Info) -> int:
        return max(0, (self.row.end_date - await self._today(info)).days)

    @strawberry.field(description="True while the goal is active after its `endDate` has passed (it can no longer be met in time).")
    async def is_overdue(self, info: Info) -> bool:
        return self.row.status == d.GoalStatus.ACTIVE.value and await self._today(info) > self.row.end_date

    @strawberry.field(description="The exercise of an EXERCISE_WEIGHT goal; null for other kinds.")
    async def exercise(self, info: Info) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, self.row.exercise_id)
        return Exercise.from_row(row) if row else None


# --- mutations ----------------------------------------------------------------------------

UNSET = strawberry.UNSET


@strawberry.input(
    description="A new goal. Give exactly one of `timeframe` (this day, week or month, in your time zone) and "
    "`targetDate` (from today to that date)."
)
class CreateGoalInput:
    kind: GoalKind = strawberry.field(description="What to measure.")
    title: str = strawberry.field(description="A name for it, up to 120 characters.")
    target: float = strawberry.field(
        description="The value to reach, greater than 0: kilograms or pounds (`unit`) for EXERCISE_WEIGHT (at most "
        "2,000 kg) and VOLUME; a whole number of points, workouts, streak days or minutes for the others."
    )
    unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `target` for EXERCISE_WEIGHT and VOLUME goals; ignored otherwise.")
    exercise_id: strawberry.ID | None = strawberry.field(
        default=None, description="The exercise (library or your own, lifted with weight): required for EXERCISE_WEIGHT, refused for other kinds."
    )
    timeframe: GoalTimeframe | None = strawberry.field(default=None, description="Measure the current day, week (from Monday) or month.")
    target_date: date | None = strawberry.field(default=None, description="Measure from today to this date (today or later, in your time zone).")


@strawberry.input(description="Changes to one of your goals; omitted fields stay as they are.")
class UpdateGoalInput:
    goal_id: strawberry.ID = strawberry.field(description="The goal.")
    title: str | None = strawberry.field(default=UNSET, description="New name.")
    target: float | None = strawberry.field(default=UNSET, description="New target, in `unit` for weight goals (not for a completed goal).")
    unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `target` for EXERCISE_WEIGHT and VOLUME goals.")
    status: GoalStatus | None = strawberry.field(
        default=UNSET, description="ACTIVE or ABANDONED (give up, or take up again); COMPLETED is set by the system only."
    )
    target_date: date | None = strawberry.field(
        default=UNSET, description="New end date (today or later) of a goal with a target date; goals with a timeframe keep theirs."
    )


@strawberry.input(description="The goal to delete.")
class DeleteGoalInput:
    goal_id: strawberry.ID = strawberry.field(description="The goal.")


@strawberry.type(description="The goal as it is now (already COMPLETED if its target was reached).")
class GoalPayload:
    goal: Goal = strawberry.field(description="The goal.")


@strawberry.type(description="What was deleted.")
class DeleteGoalPayload:
    deleted_goal_id: strawberry.ID = strawberry.field(description="ID of the deleted goal.")


def _given(value):
    """strawberry.UNSET → the resolvers' own UNSET marker (the field was not sent)."""
    return validation.UNSET if value is UNSET else value


@strawberry.type(description="Goal mutations (merged into the root Mutation).")
class GoalMutations:
    @strawberry.mutation(description="Set a goal. One already reached completes at once (and is announced on your activity feed).")
    async def create_goal(self, info: Info, input: CreateGoalInput) -> GoalPayload:
        row = await goals.create_goal(
            info.context,
            kind=input.kind.value,
            title=input.title,
            target=input.target,
            unit=input.unit.value,
            exercise_id=decode_id(input.exercise_id, "Exercise", "exerciseId") if input.exercise_id else None,
            timeframe=input.timeframe.value if input.timeframe else None,
            target_date=input.target_date,
        )
        return GoalPayload(goal=Goal.from_row(row))

    @strawberry.mutation(description="Change one of your goals: its title, target, end date, or give it up (ABANDONED) and take it up again.")
    async def update_goal(self, info: Info, input: UpdateGoalInput) -> GoalPayload:
        status = input.status.value if input.status not in (UNSET, None) else _given(input.status)
        row = await goals.update_goal(
            info.context,
            decode_id(input.goal_id, "Goal", "goalId"),
            title=_given(input.title),
            target=_given(input.target),
            unit=input.unit.value,
            status=status,
            target_date=_given(input.target_date),
        )
        return GoalPayload(goal=Goal.from_row(row))

    @strawberry.mutation(description="Delete one of your goals.")
    async def delete_goal(self, info: Info, input: DeleteGoalInput) -> DeleteGoalPayload:
        await goals.delete_goal(info.context, decode_id(input.goal_id, "Goal", "goalId"))
        return DeleteGoalPayload(deleted_goal_id=input.goal_id)


# --- compiled reads (compiler/): each field's SQL -------------------------------------------


def _target(b, alias: str, sel) -> str:
    kinds = ", ".join(codecs.literal(k) for k in sorted(WEIGHT_KINDS))
    weight = codecs.weight(f"{alias}.target_value", sel.enum_arg("unit"))
    return f"(CASE WHEN {alias}.kind IN ({kinds}) THEN {weight} ELSE {alias}.target_value END)"


def _today(alias: str) -> str:
    """`goals.local_today` of the goal's owner: the date it is now in their time zone."""
    return f"(SELECT (now() AT TIME ZONE u.timezone)::date FROM users u WHERE u.id = {alias}.user_id)"


# `progress` is measured from the sets by loaders/goals.py: left to the executor.
declare(Goal, table="goals", owner="user_id", fields={
    **columns("kind", "title", "timeframe", "start_date", "end_date", "status", "completed_at", "created_at"),
    "target": Expr(_target),
    "daysRemaining": Expr(lambda b, alias, sel: f"greatest(0, {alias}.end_date - {_today(alias)})"),
    "isOverdue": Expr(lambda b, alias, sel: f"({alias}.status = 'active' AND {_today(alias)} > {alias}.end_date)"),
    "exercise": One("Exercise", "exercise_id"),
})
