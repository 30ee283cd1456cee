"""Health and coaching: a user's health profile, daily body metrics, meals, progress photos and
coaching sessions with action items.

Reads and writes go through the one access rule (resolvers/access.py): everything here is the
user's (the athlete's) and readable by their accepted coaches; a progress photo not shared with
the coach is the user's alone. The user writes their profile, metrics, meals and photos; a
coaching session is written by the coach (who must be coaching the athlete, accepted, at the
time of the write) and rated, and its action items ticked, by the athlete.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from db.engine import read_sessionmaker
from db.models import BodyMetric, CoachingActionItem, CoachingSession, HealthProfile, MealLog
from domain import enums
from domain.units import to_kg
from live import events
from live.outbox import record
from resolvers import validation
from resolvers.access import coached_athletes, writable
from resolvers.context import Context
from resolvers.errors import BadUserInput, NotFound
from resolvers.goals import complete_reached_goals, local_today
from resolvers.training import Outcome, announce, lock_user
from resolvers.validation import UNSET

CM_PER_IN = 2.54
ML_PER_FL_OZ = 29.5735295625


def to_cm(value: float | None, unit: str) -> float | None:
    return None if value is None else value * CM_PER_IN if unit == "in" else value


def cm_to(value: Any, unit: str) -> float | None:
    if value is None:
        return None
    return round(float(value) / CM_PER_IN, 2) if unit == "in" else round(float(value), 1)


def _number(value: Any, field: str, low: float, high: float, *, whole: bool = False) -> Any:
    if value is None:
        return None
    validation.in_range(value, field, low, high)
    if whole and value != int(value):
        raise BadUserInput(f"'{field}' must be a whole number", field=field)
    return int(value) if whole else Decimal(str(round(value, 2)))


def _day(value: date | None, today: date, field: str) -> date:
    day = value or today
    if day > today:
        raise BadUserInput(f"'{field}' must not be in the future (today is {today.isoformat()} in your time zone)", field=field)
    if day < date(1900, 1, 1):
        raise BadUserInput(f"'{field}' is too far in the past", field=field)
    return day


# --- the health profile -----------------------------------------------------------------------


async def profile_of(ctx: Context, user_id: uuid.UUID) -> HealthProfile | None:
    async with read_sessionmaker(ctx.sessionmaker)() as session:
        return await session.get(HealthProfile, user_id)


async def update_profile(ctx: Context, *, height=UNSET, height_unit: str = "cm", calories=UNSET, protein=UNSET, carbs=UNSET,
                         fat=UNSET, water=UNSET) -> HealthProfile:
    viewer = await ctx.require_viewer()
    values: dict[str, Any] = {}
    if height is not UNSET:
        values["height_cm"] = _number(to_cm(height, height_unit), "height", 50, 280)
    for name, value, column, high, whole in (
        ("calorieTarget", calories, "calories_target", 20000, True), ("proteinTarget", protein, "protein_target_g", 1000, False),
        ("carbsTarget", carbs, "carbs_target_g", 2000, False), ("fatTarget", fat, "fat_target_g", 1000, False),
        ("waterTarget", water, "water_target_ml", 20000, True),
    ):
        if value is not UNSET:
            values[column] = _number(value, name, 0, high, whole=whole)
    async with ctx.sessionmaker.begin() as session:
        stmt = insert(HealthProfile).values(user_id=viewer.id, **values)
        if values:
            stmt = stmt.on_conflict_do_update(index_elements=["user_id"], set_={**values, "updated_at": datetime.now(UTC)})
        else:
            stmt = stmt.on_conflict_do_nothing()
        await session.execute(stmt)
        row = await session.get(HealthProfile, viewer.id, populate_existing=True)
    ctx.fresh_loaders()
    return row


# --- body metrics -----------------------------------------------------------------------------


@dataclass
class MetricsInput:
    """What `logBodyMetrics` sets (UNSET: left as it is; None: cleared). Lengths and weights in the given units."""

    weight: Any = UNSET
    body_fat: Any = UNSET
    muscle_mass: Any = UNSET
    waist: Any = UNSET
    chest: Any = UNSET
    arms: Any = UNSET
    thighs: Any = UNSET
    hips: Any = UNSET
    neck: Any = UNSET
    resting_heart_rate: Any = UNSET
    systolic: Any = UNSET
    diastolic: Any = UNSET
    energy: Any = UNSET
    mood: Any = UNSET
    sleep_quality: Any = UNSET
    stress: Any = UNSET
    notes: Any = UNSET


# input field → (column, client's field name, low, high, whole, kind of unit)
METRIC_COLUMNS = {
    "weight": ("weight_kg", "weight", 20, 400, False, "weight"),
    "body_fat": ("body_fat_pct", "bodyFat", 2, 70, False, None),
    "muscle_mass": ("muscle_mass_kg", "muscleMass", 5, 200, False, "weight"),
    "waist": ("waist_cm", "waist", 20, 300, False, "length"),
    "chest": ("chest_cm", "chest", 20, 300, False, "length"),
    "arms": ("arms_cm", "arms", 5, 150, False, "length"),
    "thighs": ("thighs_cm", "thighs", 10, 200, False, "length"),
    "hips": ("hips_cm", "hips", 20, 300, False, "length"),
    "neck": ("neck_cm", "neck", 10, 100, False, "length"),
    "resting_heart_rate": ("resting_heart_rate", "restingHeartRate", 30, 220, True, None),
    "systolic": ("bp_systolic", "bloodPressure.systolic", 70, 250, True, None),
    "diastolic": ("bp_diastolic", "bloodPressure.diastolic", 40, 150, True, None),
    "energy": ("energy", "energy", 1, 10, True, None),
    "mood": ("mood", "mood", 1, 10, True, None),
    "sleep_quality": ("sleep_quality", "sleepQuality", 1, 10, True, None),
    "stress": ("stress", "stress", 1, 10, True, None),
}


def _metric_values(data: MetricsInput, weight_unit: str, length_unit: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (column, field, low, high, whole, kind) in METRIC_COLUMNS.items():
        given = getattr(data, name)
        if given is UNSET:
            continue
        if given is not None and kind is not None:
            stored = to_kg(given, weight_unit) if kind == "weight" else to_cm(given, length_unit)
            if not low <= stored <= high:
                unit = "kg" if kind == "weight" else "cm"
                raise BadUserInput(f"'{field}' must be between {low} and {high} {unit}", field=field)
            given = stored
        values[column] = _number(given, field, low, high, whole=whole)
    if data.notes is not UNSET:
        values["notes"] = validation.text(data.notes, "notes", max_length=2000)
    return values


async def log_metrics(ctx: Context, day: date | None, data: MetricsInput, weight_unit: str, length_unit: str) -> BodyMetric:
    """Upsert the viewer's metrics of `day` (default today, in their time zone): given fields replace, others stay."""
    viewer = await ctx.require_viewer()
    day = _day(day, local_today(viewer.timezone), "date")
    values = _metric_values(data, weight_unit, length_unit)
    async with ctx.sessionmaker.begin() as session:
        await lock_user(session, viewer.id)  # ordered with the user's other writes that complete goals
        existing = (await session.execute(
            select(BodyMetric).where(BodyMetric.user_id == viewer.id, BodyMetric.recorded_on == day).with_for_update()
        )).scalar_one_or_none()
        merged = {c: getattr(existing, c) if existing else None for c in ("bp_systolic", "bp_diastolic")} | values
        if (merged["bp_systolic"] is None) != (merged["bp_diastolic"] is None):
            missing = "bloodPressure.diastolic" if merged["bp_diastolic"] is None else "bloodPressure.systolic"
            raise BadUserInput("Blood pressure needs both 'systolic' and 'diastolic'", field=missing)
        if merged["bp_systolic"] is not None and merged["bp_systolic"] <= merged["bp_diastolic"]:
            raise BadUserInput("'systolic' must be higher than 'diastolic'", field="bloodPressure.systolic")
        stmt = insert(BodyMetric).values(user_id=viewer.id, recorded_on=day, **values)
        stmt = stmt.on_conflict_do_update(constraint="uq_body_metrics_user_day", set_={**values, "updated_at": datetime.now(UTC)}) \
            if values else stmt.on_conflict_do_nothing()
        await session.execute(stmt)
        row = (await session.execute(
            select(BodyMetric).where(BodyMetric.user_id == viewer.id, BodyMetric.recorded_on == day).execution_options(populate_existing=True)
        )).scalar_one()
        # A body-weight or body-fat goal may be reached by this entry (announced as GoalCompleted).
        await announce(session, viewer.id, None, Outcome(goals=await complete_reached_goals(session, viewer.id)))
    ctx.committed()
    return row


async def _delete_own(ctx: Context, model: Any, key: uuid.UUID, type_name: str) -> Any:
    """Delete one of the viewer's own rows (NOT_FOUND for anyone else's); the row as it was."""
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        row = await writable(ctx, await session.get(model, key, with_for_update=True), type_name)
        await session.execute(delete(model).where(model.id == row.id))
    ctx.fresh_loaders()
    return row


async def delete_metrics(ctx: Context, metric_id: uuid.UUID) -> BodyMetric:
    return await _delete_own(ctx, BodyMetric, metric_id, "BodyMetrics")


# --- meals ------------------------------------------------------------------------------------


@dataclass
class MealInput:
    date: date | None = None
    time: time | None = None
    meal_type: str = enums.MealType.OTHER.value
    calories: Any = None
    protein: Any = None
    carbs: Any = None
    fat: Any = None
    fiber: Any = None
    sugar: Any = None
    sodium: Any = None
    water: Any = None
    water_unit: str = "ml"
    description: str | None = None
    foods: list[str] | None = None
    adherence: str | None = None
    satisfaction: Any = None
    hunger_before: Any = None
    hunger_after: Any = None
    notes: str | None = None


async def log_meal(ctx: Context, data: MealInput) -> MealLog:
    viewer = await ctx.require_viewer()
    today = local_today(viewer.timezone)
    day = _day(data.date, today, "date")
    at = data.time
    if at is None:  # now, for a meal of today; else noon
        at = datetime.now(ZoneInfo(viewer.timezone)).time().replace(microsecond=0) if day == today else time(12, 0)
    water = data.water * ML_PER_FL_OZ if data.water is not None and data.water_unit == "fl_oz" else data.water
    foods = [validation.text(f, f"foods.{i}", max_length=120, required=True) for i, f in enumerate(data.foods or [])]
    if len(foods) > 50:
        raise BadUserInput("At most 50 foods per meal", field="foods")
    row = MealLog(
        user_id=viewer.id, eaten_on=day, eaten_at=at, meal_type=data.meal_type,
        calories=_number(data.calories, "calories", 0, 20000, whole=True),
        protein_g=_number(data.protein, "protein", 0, 2000), carbs_g=_number(data.carbs, "carbs", 0, 2000),
        fat_g=_number(data.fat, "fat", 0, 2000), fiber_g=_number(data.fiber, "fiber", 0, 2000),
        sugar_g=_number(data.sugar, "sugar", 0, 2000), sodium_mg=_number(data.sodium, "sodium", 0, 100000, whole=True),
        water_ml=_number(round(water) if water is not None else None, "water", 0, 20000, whole=True),
        description=validation.text(data.description, "description", max_length=500), foods=foods,
        adherence=data.adherence, satisfaction=_number(data.satisfaction, "satisfaction", 1, 10, whole=True),
        hunger_before=_number(data.hunger_before, "hungerBefore", 1, 10, whole=True),
        hunger_after=_number(data.hunger_after, "hungerAfter", 1, 10, whole=True),
        notes=validation.text(data.notes, "notes", max_length=2000),
    )
    async with ctx.sessionmaker.begin() as session:
        session.add(row)
        await session.flush()
        await session.refresh(row)
    ctx.fresh_loaders()
    return row


async def delete_meal(ctx: Context, meal_id: uuid.UUID) -> MealLog:
    return await _delete_own(ctx, MealLog, meal_id, "MealLog")


# --- coaching sessions ------------------------------------------------------------------------


@dataclass
class ActionItemInput:
    text: str
    due_date: date | None = None


def _topics(topics: list[str] | None) -> list[str]:
    out = [validation.text(t, f"topics.{i}", max_length=120, required=True) for i, t in enumerate(topics or [])]
    if len(out) > 20:
        raise BadUserInput("At most 20 topics", field="topics")
    return out


def _items(items: list[ActionItemInput], offset: int = 0) -> list[tuple[str, date | None]]:
    if offset + len(items) > 50:
        raise BadUserInput("At most 50 action items per session", field="actionItems")
    return [(validation.text(item.text, f"actionItems.{i}.text", max_length=500, required=True), item.due_date)
            for i, item in enumerate(items)]


def _announce(session, athlete_id: uuid.UUID, coaching_session_id: uuid.UUID, change: str):
    """The athlete's live event (activityFeed): a session scheduled or changed."""
    return record(session, [events.user_channel(athlete_id)], events.COACHING_SESSION_CHANGED, athlete_id,
                  coaching_session_id=str(coaching_session_id), change=change)


async def create_session(ctx: Context, athlete_id: uuid.UUID, *, day: date, duration: int | None, topics: list[str] | None,
                         discussion: str | None, feedback: str | None, items: list[ActionItemInput],
                         next_day: date | None) -> CoachingSession:
    """The coach schedules (or records) a session with an athlete they coach (accepted); anyone else: NOT_FOUND on athleteId."""
    viewer = await ctx.require_viewer()
    if athlete_id == viewer.id or athlete_id not in await coached_athletes(ctx):
        raise NotFound("User", field="athleteId")
    if next_day is not None and next_day < day:
        raise BadUserInput("'nextSessionDate' must not be before 'date'", field="nextSessionDate")
    row = CoachingSession(
        user_id=athlete_id, coach_id=viewer.id, session_on=day,
        duration_minutes=_number(duration, "durationMinutes", 1, 600, whole=True), topics=_topics(topics),
        discussion_notes=validation.text(discussion, "discussionNotes", max_length=10000),
        coach_feedback=validation.text(feedback, "coachFeedback", max_length=10000), next_session_on=next_day,
    )
    checked = _items(items)
    async with ctx.sessionmaker.begin() as session:
        session.add(row)
        await session.flush()
        session.add_all([CoachingActionItem(session_id=row.id, user_id=athlete_id, position=i, text=text, due_on=due)
                         for i, (text, due) in enumerate(checked)])
        await _announce(session, athlete_id, row.id, "scheduled")
        await session.flush()
        await session.refresh(row)
    ctx.committed()
    return row


async def _coach_session(ctx: Context, session, session_id: uuid.UUID) -> CoachingSession:
    """The session, locked, if the viewer is its coach and still coaches the athlete; else NOT_FOUND."""
    viewer = await ctx.require_viewer()
    row = await session.get(CoachingSession, session_id, with_for_update=True)
    if row is None or row.coach_id != viewer.id or row.user_id not in await coached_athletes(ctx):
        raise NotFound("CoachingSession", field="sessionId")
    return row


async def update_session(ctx: Context, session_id: uuid.UUID, *, day=UNSET, duration=UNSET, topics=UNSET, discussion=UNSET,
                         feedback=UNSET, next_day=UNSET, completed=UNSET, completion_notes=UNSET,
                         add_items: list[ActionItemInput] | None = None) -> CoachingSession:
    async with ctx.sessionmaker.begin() as session:
        row = await _coach_session(ctx, session, session_id)
        if day is not UNSET:
            if day is None:
                raise BadUserInput("'date' must not be null", field="date")
            row.session_on = day
        if duration is not UNSET:
            row.duration_minutes = _number(duration, "durationMinutes", 1, 600, whole=True)
        if topics is not UNSET:
            row.topics = _topics(topics)
        if discussion is not UNSET:
            row.discussion_notes = validation.text(discussion, "discussionNotes", max_length=10000)
        if feedback is not UNSET:
            row.coach_feedback = validation.text(feedback, "coachFeedback", max_length=10000)
        if next_day is not UNSET:
            row.next_session_on = next_day
        if row.next_session_on is not None and row.next_session_on < row.session_on:
            raise BadUserInput("'nextSessionDate' must not be before 'date'", field="nextSessionDate")
        if completed is not UNSET:
            if completed is None:
                raise BadUserInput("'completed' must not be null", field="completed")
            row.completed = completed
        if completion_notes is not UNSET:
            row.completion_notes = validation.text(completion_notes, "completionNotes", max_length=10000)
        if add_items:
            count = len((await session.execute(select(CoachingActionItem.id).where(CoachingActionItem.session_id == row.id))).all())
            session.add_all([CoachingActionItem(session_id=row.id, user_id=row.user_id, position=count + i, text=text, due_on=due)
                             for i, (text, due) in enumerate(_items(add_items, count))])
        row.updated_at = datetime.now(UTC)
        await _announce(session, row.user_id, row.id, "updated")
        await session.flush()
        await session.refresh(row)
    ctx.committed()
    return row


async def rate_session(ctx: Context, session_id: uuid.UUID, rating: int) -> CoachingSession:
    """The athlete's 1-10 rating of a session of theirs."""
    await ctx.require_viewer()
    validation.in_range(rating, "rating", 1, 10)
    async with ctx.sessionmaker.begin() as session:
        row = await writable(ctx, await session.get(CoachingSession, session_id, with_for_update=True), "CoachingSession")
        row.athlete_rating = rating
        row.updated_at = datetime.now(UTC)
    ctx.fresh_loaders()
    return row


async def set_item_done(ctx: Context, item_id: uuid.UUID, done: bool) -> CoachingActionItem:
    """The athlete ticks (or unticks) one of their action items."""
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        row = await writable(ctx, await session.get(CoachingActionItem, item_id, with_for_update=True), "CoachingActionItem")
        row.done = done
        row.done_at = datetime.now(UTC) if done else None
    ctx.fresh_loaders()
    return row


