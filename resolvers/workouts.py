"""Starting, logging and finishing workouts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text

from db import direct
from db.direct import driver_sql
from db.models import Exercise, ProgramDay, SetLog, WorkoutSession
from domain.units import to_kg
from live import events
from resolvers import skills, training, validation
from resolvers import workout_statements as statements
from resolvers.access import can_read, writable
from resolvers.context import Context
from resolvers.errors import ApiError, BadUserInput, NotFound
from resolvers.programs import visible_exercise
from resolvers.validation import UNSET

LOGGABLE = ("in_progress", "completed")


@dataclass
class SetInput:
    """Fields of a set; UNSET ones are left as they are (update) or empty (log)."""

    reps: object = UNSET
    weight: object = UNSET
    weight_unit: str = "kg"
    duration_seconds: object = UNSET
    distance_meters: object = UNSET
    rpe: object = UNSET
    rir: object = UNSET
    rest_seconds: object = UNSET
    set_type: object = UNSET
    notes: object = UNSET
    completed_at: object = UNSET
    exercise_id: object = UNSET


def _set_values(data: SetInput) -> dict:
    values: dict = {}
    if data.reps is not UNSET:
        values["reps"] = validation.in_range(data.reps, "reps", 0, 10000)
    if data.weight is not UNSET:
        kg = to_kg(data.weight, data.weight_unit)
        validation.in_range(kg, "weight", 0, 2000)
        values["weight_kg"] = Decimal(str(round(kg, 3))) if kg is not None else None
    if data.duration_seconds is not UNSET:
        values["duration_seconds"] = validation.in_range(data.duration_seconds, "durationSeconds", 0, 86400)
    if data.distance_meters is not UNSET:
        distance = validation.in_range(data.distance_meters, "distanceMeters", 0, 1_000_000)
        values["distance_m"] = Decimal(str(round(distance, 2))) if distance is not None else None
    if data.rpe is not UNSET:
        values["rpe"] = validation.in_range(data.rpe, "rpe", 1, 10)
    if data.rir is not UNSET:
        values["rir"] = validation.in_range(data.rir, "rir", 0, 10)
    if data.rest_seconds is not UNSET:
        values["rest_seconds"] = validation.in_range(data.rest_seconds, "restSeconds", 0, 3600)
    if data.set_type is not UNSET and data.set_type is not None:
        values["set_type"] = data.set_type
    if data.notes is not UNSET:
        values["notes"] = validation.text(data.notes, "notes", max_length=2000)
    if data.completed_at is not UNSET and data.completed_at is not None:
        values["completed_at"] = _not_future(data.completed_at, "completedAt")
    return values


def _not_future(moment: datetime, field_name: str) -> datetime:
    if moment.tzinfo is None:
        raise BadUserInput(f"'{field_name}' needs a time zone offset", field=field_name)
    if moment > datetime.now(timezone.utc) + timedelta(minutes=5):
        raise BadUserInput(f"'{field_name}' must not be in the future", field=field_name)
    return moment


REQUIRED_BY_TRACKING = {
    "weight_reps": (("reps",), "reps"),
    "reps": (("reps",), "reps"),
    "duration": (("duration_seconds",), "durationSeconds"),
    "distance": (("distance_m",), "distanceMeters"),
    "distance_duration": (("distance_m", "duration_seconds"), "distanceMeters"),
}


def _check_measurement(exercise: Exercise, values: dict) -> None:
    columns, field_name = REQUIRED_BY_TRACKING[exercise.tracking]
    if all(values.get(c) is None for c in columns):
        raise BadUserInput(
            f"'{exercise.name}' is tracked by {exercise.tracking.replace('_', ' + ')}: '{field_name}' is required",
            field=field_name,
        )


async def _loggable_session(ctx: Context, session, session_id: uuid.UUID) -> WorkoutSession:
    return await _loggable_session_checks(ctx, await session.get(WorkoutSession, session_id, with_for_update=True))


async def _loggable_session_checks(ctx: Context, workout: WorkoutSession | None) -> WorkoutSession:
    workout = await writable(ctx, workout, "WorkoutSession")
    if workout.status not in LOGGABLE:
        raise BadUserInput(f"Sets cannot be logged in a workout that is {workout.status.replace('_', ' ')}", field="sessionId")
    return workout


async def start_workout(
    ctx: Context, *, program_day_id: uuid.UUID | None, name: str | None, started_at: datetime | None, notes: str | None,
    from_skill_plan: bool = False,
) -> Any:
    """A new workout in progress (from a program day, its plan copied in): one statement, then its event with the COMMIT."""
    viewer = await ctx.require_viewer()
    if from_skill_plan and program_day_id is not None:
        raise BadUserInput("Start from a program day or from the skill plan, not both", field="fromSkillPlan")
    name = validation.text(name, "name", max_length=120)
    notes = validation.text(notes, "notes", max_length=5000)
    start = _not_future(started_at, "startedAt") if started_at else None
    async with direct.transaction(ctx.sessionmaker.kw["bind"]) as tx:
        workout = await tx.one(statements.START, {
            "program_day_id": program_day_id, "user_id": viewer.id, "name": name, "notes": notes, "started_at": start,
            "default_name": "Skill session" if from_skill_plan else "Workout",
        })
        if program_day_id is not None:  # written only for the viewer's own day
            await writable(ctx, ProgramDay(owner_id=workout.day_owner_id) if workout.day_owner_id else None, "ProgramDay")
        if from_skill_plan:
            await skills.plan_session(ctx, tx, viewer, workout.id)
        await training.announce(tx, viewer.id, workout.id, training.Outcome(), first=[_status_event_of(workout, "started")],
                                commit=True)
    ctx.committed()
    return workout


def _status_event_of(workout: WorkoutSession, change: str) -> tuple:
    channels = [events.workout_channel(workout.id), events.user_channel(workout.user_id)]
    return channels, events.WORKOUT_STATUS_CHANGED, {"session_id": workout.id, "status": workout.status, "change": change}


def _set_event(row: SetLog, type: str) -> tuple:
    return [events.workout_channel(row.session_id)], type, {"session_id": row.session_id, "set_log_id": row.id}


async def log_set(
    ctx: Context, session_id: uuid.UUID, exercise_id: uuid.UUID, data: SetInput, client_id: str | None, payload: Any = None,
) -> tuple[Any, bool, training.Outcome]:
    """Log a set; a repeated `client_id` returns the set logged the first time (second value False).

    The hot write: three statements on the connection itself (db/direct.py) — the workout's row
    lock with the exercise and the user's lock, the insert with the records, totals and awards
    it causes (training.log_set_statement), and the events — plus the clientId lookup when one is
    given. What is rare (a back-dated set, a set into a finished workout, achievements that pay
    points, goals reached) goes on through the same functions as the other writes.

    `payload` (the write lane's, server/writes.py) frames the answer inside the transaction:
    `payload.statement(row, created, outcome)` gives a statement (psycopg's style) sent with
    the events and the COMMIT, or on its own for a repeated `client_id`; its rows go to
    `payload.rows`. If it fails, nothing was written.
    """
    viewer_id = await ctx.signed_in_id()  # the account is checked by the first statement (LOCK_FOR_SET, SET_BY_CLIENT_ID)
    try:
        client_id = validation.text(client_id, "clientId", max_length=64)
        values = _set_values(data)
    except ApiError:
        await ctx.require_viewer()  # a disabled account is refused before its input is
        raise
    async with direct.transaction(ctx.sessionmaker.kw["bind"]) as tx:
        if client_id is not None:
            existing = await _by_client_id(tx, viewer_id, client_id)
            if existing is not None:
                ctx.account_checked()
                return await _repeated(tx, existing, payload)
        found = await tx.one(LOCK_FOR_SET, {"session_id": session_id, "exercise_id": exercise_id, "ns": training.LOCK_NAMESPACE,
                                            "user_id": viewer_id})
        if found is None:  # the account is disabled, or one of them is missing: the checks say which
            await ctx.require_viewer()
            session = tx.session()
            await _loggable_session(ctx, session, session_id)
            await visible_exercise(ctx, session, exercise_id, "exerciseId")
            raise NotFound("Exercise", field="exerciseId")  # not reached: one of the two is missing
        ctx.account_checked()
        workout = await _loggable_session_checks(ctx, WorkoutSession(id=found.id, user_id=found.user_id, status=found.status))
        exercise = Exercise(id=found.exercise_id, owner_id=found.owner_id, name=found.name, tracking=found.tracking)
        if not await can_read(ctx, exercise):
            raise NotFound("Exercise", field="exerciseId")
        _check_measurement(exercise, values)
        completed = workout.status == "completed"
        columns = tuple(values)
        rows = await tx.execute(training.log_set_statement(columns), {
            **values, "session_id": workout.id, "user_id": viewer_id, "exercise_id": exercise.id, "client_id": client_id,
            "progress": not completed,
        })
        first = rows[0]
        if first.id is None:  # a concurrent retry with the same client_id won
            return await _repeated(tx, await _by_client_id(tx, viewer_id, client_id), payload)
        row = first  # the set's columns (and the statement's own, which nothing reads from `row`)
        outcome = await _logged_outcome(tx, row, rows, completed)
        if payload is not None:
            tx.trail(*payload.statement(row, True, outcome))
        await training.announce(tx, viewer_id, workout.id, outcome, first=[_set_event(row, events.SET_LOGGED)], commit=True)
        if payload is not None:
            payload.rows = tx.trailed
    ctx.committed()
    return row, True, outcome


async def _repeated(tx: direct.Direct, row: Any, payload: Any) -> tuple[Any, bool, training.Outcome]:
    """The answer to a repeated client_id: the first set, nothing created."""
    outcome = training.Outcome()
    if payload is not None:
        payload.rows = await tx.query(*payload.statement(row, False, outcome))
    return row, False, outcome


async def _logged_outcome(tx: direct.Direct, row: Any, rows: list, completed: bool) -> training.Outcome:
    """What the set caused, from the insert's rows, finishing what the statement left to Python."""
    first = rows[0]
    if not first.ok:  # back-dated: recompute its exercise's records, then the totals (as after_logged)
        return await training.after_logged(tx.session(), row, workout_completed=completed)
    records = [
        training.Record(r.record_id, row.user_id, r.record_kind, r.record_value, r.record_set_log_id, r.record_session_id, r.record_old_value)
        for r in rows if r.record_id is not None
    ]
    outcome = training.Outcome(records=records)
    if completed:  # a mastery first, then the totals (as after_logged)
        session = tx.session()
        outcome.masteries = await skills.rederive(session, row.user_id, exercise_ids=[row.exercise_id])
        added = sum(1 for r in records if r.old_value is None)
        await training.apply_progress(session, outcome, row.user_id, row.session_id, points=row.points or 0, sets=1,
                                      volume=row.volume_kg or Decimal(0), records=added)
        return outcome
    outcome.achievements.extend(first.awarded)
    if first.reward or first.active_goals:  # achievements that pay points, or goals to look at
        await training.after_awards(tx.session(), outcome, row.user_id, row.session_id, int(first.reward), first.active_goals)
    return outcome


# The workout (row-locked) and the exercise, with the user's training lock taken after the row
# lock; no row unless the viewer's account is active.
LOCK_FOR_SET = driver_sql(text(
    f"""
    SELECT w.id, w.user_id, w.status, e.id AS exercise_id, e.owner_id, e.name, e.tracking,
           {training.USER_LOCK_SQL} AS locked
    FROM workout_sessions w JOIN exercises e ON e.id = :exercise_id JOIN users u ON u.id = :user_id AND u.is_active
    WHERE w.id = :session_id
    FOR UPDATE OF w
    """
))
# The viewer's set with this clientId, while their account is active.
SET_BY_CLIENT_ID = driver_sql(text(
    "SELECT s.* FROM set_logs s JOIN users u ON u.id = s.user_id AND u.is_active WHERE s.user_id = :user_id AND s.client_id = :client_id"
))


async def _by_client_id(tx: direct.Direct, user_id: uuid.UUID, client_id: str) -> Any:
    return await tx.one(SET_BY_CLIENT_ID, {"user_id": user_id, "client_id": client_id})


async def update_set(ctx: Context, set_log_id: uuid.UUID, data: SetInput) -> Any:
    """Change a set: its locks, the exercise it is to be of and the change in one statement, the checks on
    what it returned, the records, masteries and totals of the exercises it touches recomputed
    (training.after_sets), then the events with the COMMIT."""
    viewer = await ctx.require_viewer()
    values = _set_values(data)
    given = [values[c] for c in statements.MEASURES if c in values]
    async with direct.transaction(ctx.sessionmaker.kw["bind"]) as tx:
        row = await tx.one(statements.update_set(tuple(values)), {
            **values, **_set_lock_params(viewer.id, set_log_id),
            "exercise_id": data.exercise_id if data.exercise_id not in (UNSET, None) else None,
            "measured": any(v is not None for v in given),
        })
        await _writable_set_checks(ctx, row)
        exercise = Exercise(id=row.exercise_found, owner_id=row.exercise_owner_id, name=row.exercise_name, tracking=row.exercise_tracking)
        if row.exercise_found is None or not await can_read(ctx, exercise):
            raise NotFound("Exercise", field="exerciseId")
        measured = {c: values[c] if c in values else getattr(row, f"old_{c}") for c in statements.MEASURES}
        _check_measurement(exercise, measured)
        if all(v is None for v in measured.values()):
            raise BadUserInput("A set needs reps, a duration or a distance", field="reps")
        before = training.Delta.of_set(SimpleNamespace(points=row.old_points, volume_kg=row.old_volume_kg))
        outcome = await training.after_sets(
            tx, row.user_id, [row.old_exercise_id, row.exercise_id], training.Delta.of_set(row) - before, row.session_id
        )
        await training.announce(tx, row.user_id, row.session_id, outcome, first=[_set_event(row, events.SET_UPDATED)], commit=True)
    ctx.committed()
    return row


async def delete_set(ctx: Context, set_log_id: uuid.UUID) -> Any:
    """Delete a set: its locks and the delete in one statement, the checks, then as update_set."""
    viewer = await ctx.require_viewer()
    async with direct.transaction(ctx.sessionmaker.kw["bind"]) as tx:
        row = await tx.one(statements.DELETE_SET, {**_set_lock_params(viewer.id, set_log_id), "exercise_id": None})
        await _writable_set_checks(ctx, row)
        outcome = await training.after_sets(tx, row.user_id, [row.exercise_id], training.Delta.of_set(row, -1), row.session_id)
        await training.announce(tx, row.user_id, row.session_id, outcome, first=[_set_event(row, events.SET_DELETED)], commit=True)
    ctx.committed()
    return row


def _set_lock_params(user_id: uuid.UUID, set_log_id: uuid.UUID) -> dict:
    return {"set_log_id": set_log_id, "user_id": user_id, "ns": training.LOCK_NAMESPACE, "loggable": list(LOGGABLE)}


async def _writable_set_checks(ctx: Context, found: Any) -> None:
    """The checks of a change to a set (on a row of statements.update_set or DELETE_SET), in their order:
    the set is the viewer's, and so is its workout, where sets may be logged."""
    await writable(ctx, SetLog(user_id=found.set_user_id) if found is not None else None, "SetLog")
    await _loggable_session_checks(ctx, WorkoutSession(user_id=found.workout_user_id, status=found.workout_status))


async def end_workout(ctx: Context, session_id: uuid.UUID, status: str, *, perceived_exertion: int | None = None, notes=UNSET) -> Any:
    """Finish or abandon a workout in progress: its locks and the change in one statement, then the
    recount, masteries and totals (training.after_workout) and the events with the COMMIT."""
    viewer = await ctx.require_viewer()
    validation.in_range(perceived_exertion, "perceivedExertion", 1, 10)
    notes_error = None
    if notes is not UNSET:
        try:
            notes = validation.text(notes, "notes", max_length=5000)
        except BadUserInput as error:  # raised after the workout's own checks, as it always was
            notes_error = error
    async with direct.transaction(ctx.sessionmaker.kw["bind"]) as tx:
        workout = await tx.one(statements.END, {
            "session_id": session_id, "user_id": viewer.id, "ns": training.LOCK_NAMESPACE, "status": status,
            "now": datetime.now(timezone.utc), "perceived_exertion": perceived_exertion,
            "set_notes": notes is not UNSET and notes_error is None, "notes": None if notes is UNSET else notes,
        })
        await writable(ctx, WorkoutSession(user_id=workout.workout_user_id) if workout is not None else None, "WorkoutSession")
        if workout.old_status != "in_progress":
            raise BadUserInput(f"Only a workout in progress can end; this one is {workout.old_status.replace('_', ' ')}", field="sessionId")
        if notes_error is not None:
            raise notes_error
        outcome = await training.after_workout(tx, workout.user_id, workout.id, workout.completion_points)
        change = "finished" if status == "completed" else "abandoned"
        await training.announce(tx, workout.user_id, workout.id, outcome, first=[_status_event_of(workout, change)], commit=True)
    ctx.committed()
    return workout
