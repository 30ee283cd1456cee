"""Health and coaching: the health profile, body metrics and their trend, meals and daily nutrition,
progress photos, coaching sessions with action items."""

from __future__ import annotations

import uuid
from enum import Enum
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from domain import enums as d
from domain import health as rules
from domain.units import kg_to
from loaders.health import (
    ActionItemsBySessionIdLoader,
    BodyMetricCountByUserIdLoader,
    BodyMetricPageByUserIdLoader,
    CoachingSessionCountByUserIdLoader,
    CoachingSessionPageByUserIdLoader,
    DateRangeSpec,
    HealthProfileByUserIdLoader,
    MealCountByUserIdLoader,
    MealPageByUserIdLoader,
    MetricsInRangeByUserLoader,
    NutritionDaysByUserLoader,
    PhotoCountByUserIdLoader,
    PhotoPageByUserIdLoader,
    WorkoutEnergyBySessionIdLoader,
)
from loaders.users import UserByIdLoader
from resolvers import health, photos, validation
from resolvers.goals import local_today
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import page_request
from resolvers.stats import stats_spec
from schema.common import Info, load_visible
from schema.connection import Connection, build_connection
from schema.enums import WeightUnit

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]

MealType = strawberry.enum(d.MealType, description="Which meal of the day: breakfast, lunch, dinner, snack, before or after a workout, other.")
MealAdherence = strawberry.enum(d.MealAdherence, description="How a meal kept to the user's plan.")
PhotoKind = strawberry.enum(d.PhotoKind, description="What a progress photo shows: front, side, back, a flex, a comparison, other.")


@strawberry.enum(description="A unit for body lengths (measurements, height).")
class LengthUnit(Enum):
    CM = "cm"
    IN = "in"


@strawberry.enum(description="A unit for water.")
class WaterUnit(Enum):
    ML = "ml"
    FL_OZ = "fl_oz"


def _f(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _w(value: Any, unit: WeightUnit) -> float | None:
    return kg_to(value, unit.value)


def _len(value: Any, unit: LengthUnit) -> float | None:
    return health.cm_to(value, unit.value)


def _range(range: Any | None) -> DateRangeSpec:
    if range is None:
        return DateRangeSpec()
    spec = stats_spec(range.from_, range.to, "day")
    return DateRangeSpec(spec.start, spec.end)


async def _page(info: Info, owner_id: uuid.UUID, page_loader, count_loader, spec, to_node, sort_key, key, first, after) -> Connection:
    request = page_request(first, after, key=key)
    loaders = info.context.loaders
    page = await loaders.get(page_loader, request, spec).load(owner_id)
    return build_connection(page, request, to_node, sort_key, lambda: loaders.get(count_loader, spec).load(owner_id))


# --- the health profile -----------------------------------------------------------------------


@strawberry.type(description="What body metrics and nutrition need to know of the user: height (for BMI) and daily targets.")
class HealthProfile:
    row: strawberry.Private[Any]

    @strawberry.field(description="Height, in `unit`.")
    def height(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.height_cm if self.row else None, unit)

    @strawberry.field(description="Daily energy target, kcal.")
    def calorie_target(self) -> int | None:
        return self.row.calories_target if self.row else None

    @strawberry.field(description="Daily protein target, grams.")
    def protein_target(self) -> float | None:
        return _f(self.row.protein_target_g) if self.row else None

    @strawberry.field(description="Daily carbohydrate target, grams.")
    def carbs_target(self) -> float | None:
        return _f(self.row.carbs_target_g) if self.row else None

    @strawberry.field(description="Daily fat target, grams.")
    def fat_target(self) -> float | None:
        return _f(self.row.fat_target_g) if self.row else None

    @strawberry.field(description="Daily water target, millilitres.")
    def water_target(self) -> int | None:
        return self.row.water_target_ml if self.row else None


# --- body metrics -----------------------------------------------------------------------------


@strawberry.type(description="Body measurements of one day, in `unit`.")
class BodyMeasurements:
    row: strawberry.Private[Any]

    @strawberry.field(description="Waist.")
    def waist(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.waist_cm, unit)

    @strawberry.field(description="Chest.")
    def chest(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.chest_cm, unit)

    @strawberry.field(description="Upper arm.")
    def arms(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.arms_cm, unit)

    @strawberry.field(description="Thigh.")
    def thighs(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.thighs_cm, unit)

    @strawberry.field(description="Hips.")
    def hips(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.hips_cm, unit)

    @strawberry.field(description="Neck.")
    def neck(self, unit: LengthUnit = LengthUnit.CM) -> float | None:
        return _len(self.row.neck_cm, unit)


@strawberry.type(
    description="A user's body metrics of one local day (one entry per day; `logBodyMetrics` upserts it). Stored in SI units; "
    "weights and lengths take a `unit`. Private to the user and their coaches."
)
class BodyMetrics(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    date: date = strawberry.field(description="The local day.")
    body_fat: float | None = strawberry.field(description="Body fat, percent.")
    resting_heart_rate: int | None = strawberry.field(description="Resting heart rate, beats per minute (30-220).")
    systolic: int | None = strawberry.field(description="Blood pressure, systolic, mmHg (70-250).")
    diastolic: int | None = strawberry.field(description="Blood pressure, diastolic, mmHg (40-150).")
    energy: int | None = strawberry.field(description="Energy, 1-10.")
    mood: int | None = strawberry.field(description="Mood, 1-10.")
    sleep_quality: int | None = strawberry.field(description="Sleep quality, 1-10.")
    stress: int | None = strawberry.field(description="Stress, 1-10.")
    notes: str | None = strawberry.field(description="Notes.")

    @classmethod
    def from_row(cls, row: Any) -> BodyMetrics:
        return cls(id=str(row.id), row=row, date=row.recorded_on, body_fat=_f(row.body_fat_pct),
                   resting_heart_rate=row.resting_heart_rate, systolic=row.bp_systolic, diastolic=row.bp_diastolic,
                   energy=row.energy, mood=row.mood, sleep_quality=row.sleep_quality, stress=row.stress, notes=row.notes)

    @strawberry.field(description="Body weight.")
    def weight(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _w(self.row.weight_kg, unit)

    @strawberry.field(description="Muscle mass.")
    def muscle_mass(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _w(self.row.muscle_mass_kg, unit)

    @strawberry.field(description="Weight less fat mass (needs weight and body fat).")
    def lean_body_mass(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _w(rules.lean_mass(self.row.weight_kg, self.row.body_fat_pct), unit)

    @strawberry.field(description="Weight × body fat % (needs both).")
    def fat_mass(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _w(rules.fat_mass(self.row.weight_kg, self.row.body_fat_pct), unit)

    @strawberry.field(description="Body mass index, kg/m², from this weight and the user's height (null without either).")
    async def bmi(self, info: Info) -> float | None:
        profile = await info.context.loaders.get(HealthProfileByUserIdLoader).load(self.row.user_id)
        return rules.bmi(self.row.weight_kg, profile.height_cm if profile else None)

    @strawberry.field(description='Blood pressure as "systolic/diastolic", e.g. "120/80".')
    def blood_pressure(self) -> str | None:
        return rules.blood_pressure(self.row.bp_systolic, self.row.bp_diastolic)

    @strawberry.field(description="Measurements.")
    def measurements(self) -> BodyMeasurements:
        return BodyMeasurements(row=self.row)


@strawberry.type(description="One day's weight with the mean of the weights logged in the 7 days ending that day.")
class WeightTrendPoint:
    date: date = strawberry.field(description="The day.")
    weight_kg: strawberry.Private[float]
    average_kg: strawberry.Private[float]

    @strawberry.field(description="The weight logged that day.")
    def weight(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _w(self.weight_kg, unit) or 0.0

    @strawberry.field(description="7-day moving average: the mean of the weights logged in the 7 days ending that day.")
    def moving_average(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _w(self.average_kg, unit) or 0.0


@strawberry.type(description="Weight and body fat over a range of days: the 7-day moving average and the change from first to last entry.")
class BodyMetricsTrend:
    points: list[WeightTrendPoint] = strawberry.field(description="Each day of the range with a weight, oldest first.")
    first_kg: strawberry.Private[float | None]
    last_kg: strawberry.Private[float | None]
    body_fat_change: float | None = strawberry.field(description="Last minus first body fat % logged in the range (percentage points).")

    @strawberry.field(description="Last minus first weight logged in the range (negative: lost); null with fewer than two.")
    def weight_change(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        if self.first_kg is None or self.last_kg is None:
            return None
        return _w(self.last_kg - self.first_kg, unit)


async def trend_of(info: Info, user: Any, range: Any) -> BodyMetricsTrend:
    spec = stats_spec(range.from_, range.to, "day")
    # Six days before the range too, so the first day's average has its week.
    rows = await info.context.loaders.get(MetricsInRangeByUserLoader, spec.start - timedelta(days=6), spec.end).load(user.id)
    weights = [(r.recorded_on, float(r.weight_kg)) for r in rows if r.weight_kg is not None]
    points = [WeightTrendPoint(date=day, weight_kg=w, average_kg=avg)
              for day, w, avg in rules.moving_average(weights) if day >= spec.start]
    fats = [float(r.body_fat_pct) for r in rows if r.body_fat_pct is not None and r.recorded_on >= spec.start]
    return BodyMetricsTrend(
        points=points, first_kg=points[0].weight_kg if len(points) > 1 else None, last_kg=points[-1].weight_kg if len(points) > 1 else None,
        body_fat_change=round(fats[-1] - fats[0], 1) if len(fats) > 1 else None,
    )


# --- meals ------------------------------------------------------------------------------------


@strawberry.type(description="Energy from each macronutrient: 4 kcal per gram of protein and of carbohydrate, 9 per gram of fat.")
class MacroCalories:
    protein: float = strawberry.field(description="kcal from protein.")
    carbs: float = strawberry.field(description="kcal from carbohydrate.")
    fat: float = strawberry.field(description="kcal from fat.")

    @strawberry.field(description="Their sum.")
    def total(self) -> float:
        return round(self.protein + self.carbs + self.fat, 1)


@strawberry.type(description="A meal the user ate, at a local date and time (their time zone). Private to the user and their coaches.")
class MealLog(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    date: date = strawberry.field(description="The local day.")
    time: time = strawberry.field(description="The local time.")
    meal_type: MealType = strawberry.field(description="Which meal.")
    calories: int | None = strawberry.field(description="Energy, kcal.")
    protein: float | None = strawberry.field(description="Protein, g.")
    carbs: float | None = strawberry.field(description="Carbohydrate, g.")
    fat: float | None = strawberry.field(description="Fat, g.")
    fiber: float | None = strawberry.field(description="Fibre, g.")
    sugar: float | None = strawberry.field(description="Sugar, g.")
    sodium: int | None = strawberry.field(description="Sodium, mg.")
    description: str | None = strawberry.field(description="What it was.")
    foods: list[str] = strawberry.field(description="Its foods.")
    adherence: MealAdherence | None = strawberry.field(description="How it kept to the plan.")
    satisfaction: int | None = strawberry.field(description="Satisfaction, 1-10.")
    hunger_before: int | None = strawberry.field(description="Hunger before, 1-10.")
    hunger_after: int | None = strawberry.field(description="Hunger after, 1-10.")
    notes: str | None = strawberry.field(description="Notes.")

    @classmethod
    def from_row(cls, row: Any) -> MealLog:
        return cls(id=str(row.id), row=row, date=row.eaten_on, time=row.eaten_at, meal_type=MealType(row.meal_type),
                   calories=row.calories, protein=_f(row.protein_g), carbs=_f(row.carbs_g), fat=_f(row.fat_g), fiber=_f(row.fiber_g),
                   sugar=_f(row.sugar_g), sodium=row.sodium_mg, description=row.description, foods=list(row.foods),
                   adherence=MealAdherence(row.adherence) if row.adherence else None, satisfaction=row.satisfaction,
                   hunger_before=row.hunger_before, hunger_after=row.hunger_after, notes=row.notes)

    @strawberry.field(description="Water.")
    def water(self, unit: WaterUnit = WaterUnit.ML) -> float | None:
        ml = self.row.water_ml
        return None if ml is None else round(ml / health.ML_PER_FL_OZ, 1) if unit is WaterUnit.FL_OZ else float(ml)

    @strawberry.field(description="Energy from each macronutrient.")
    def macro_calories(self) -> MacroCalories:
        return MacroCalories(**rules.macro_calories(self.row.protein_g, self.row.carbs_g, self.row.fat_g))

    @strawberry.field(description='Protein/carbohydrate/fat shares of the macros\' energy, whole percents, e.g. "40/30/30".')
    def macro_ratio(self) -> str | None:
        return rules.macro_ratio(self.row.protein_g, self.row.carbs_g, self.row.fat_g)


@strawberry.type(
    description="One local day of eating against the user's own daily targets, beside the energy of the day's completed "
    "workouts (estimated by METs; see the README)."
)
class NutritionDay:
    date: date = strawberry.field(description="The day.")
    meals: int = strawberry.field(description="Meals logged.")
    calories: int = strawberry.field(description="Energy eaten, kcal.")
    protein: float = strawberry.field(description="Protein, g.")
    carbs: float = strawberry.field(description="Carbohydrate, g.")
    fat: float = strawberry.field(description="Fat, g.")
    fiber: float = strawberry.field(description="Fibre, g.")
    sugar: float = strawberry.field(description="Sugar, g.")
    sodium: int = strawberry.field(description="Sodium, mg.")
    water: int = strawberry.field(description="Water, ml.")
    calorie_target: int | None = strawberry.field(description="The user's daily energy target (null: none set).")
    protein_target: float | None = strawberry.field(description="The user's daily protein target, g.")
    carbs_target: float | None = strawberry.field(description="The user's daily carbohydrate target, g.")
    fat_target: float | None = strawberry.field(description="The user's daily fat target, g.")
    water_target: int | None = strawberry.field(description="The user's daily water target, ml.")
    calories_burned: float = strawberry.field(description="Estimated energy of the workouts completed that day (started that day), kcal.")

    @strawberry.field(description="Energy eaten minus `caloriesBurned` (exercise only: resting expenditure is not counted).")
    def energy_balance(self) -> float:
        return round(self.calories - self.calories_burned, 1)

    @strawberry.field(description="Energy eaten as a percent of the target, one decimal; null without a target.")
    def calorie_target_percent(self) -> float | None:
        return round(self.calories * 100 / self.calorie_target, 1) if self.calorie_target else None

    @strawberry.field(description='Protein/carbohydrate/fat shares of the day\'s macro energy, e.g. "40/30/30".')
    def macro_ratio(self) -> str | None:
        return rules.macro_ratio(self.protein, self.carbs, self.fat)


async def nutrition_of(info: Info, user: Any, start: date, end: date) -> list[NutritionDay]:
    ctx = info.context
    rows = await ctx.loaders.get(NutritionDaysByUserLoader, start, end).load((user.id, user.timezone))
    profile = await ctx.loaders.get(HealthProfileByUserIdLoader).load(user.id)
    days: dict[date, Any] = {r.day: r for r in rows if not r.workouts}
    worked = [(r.day, w) for r in rows if r.workouts for w in r.workouts]
    energies = await ctx.loaders.get(WorkoutEnergyBySessionIdLoader).load_many([w for _, w in worked])  # one batch for the range
    burned: dict[date, float] = {}
    for (day, _), energy in zip(worked, energies):
        burned[day] = burned.get(day, 0.0) + (energy.kcal if energy is not None else 0.0)
    out = []
    for day in sorted(set(days) | set(burned)):
        r = days.get(day)
        g = (lambda v: float(v or 0)) if r else (lambda v: 0.0)
        out.append(NutritionDay(
            date=day, meals=r.meals if r else 0, calories=int(r.calories or 0) if r else 0, protein=g(r and r.protein),
            carbs=g(r and r.carbs), fat=g(r and r.fat), fiber=g(r and r.fiber), sugar=g(r and r.sugar),
            sodium=int(r.sodium or 0) if r else 0, water=int(r.water or 0) if r else 0,
            calorie_target=profile.calories_target if profile else None,
            protein_target=_f(profile.protein_target_g) if profile else None, carbs_target=_f(profile.carbs_target_g) if profile else None,
            fat_target=_f(profile.fat_target_g) if profile else None, water_target=profile.water_target_ml if profile else None,
            calories_burned=round(burned.get(day, 0.0), 1),
        ))
    return out


# --- energy of a workout ----------------------------------------------------------------------


@strawberry.type(
    description="A completed workout's estimated energy: MET (Compendium of Physical Activities, by its exercises' kinds and "
    "the workout's exertion) × body weight (kg) × hours from start to finish. See the README for the method and sources."
)
class WorkoutEnergy:
    value: strawberry.Private[rules.Energy]

    @strawberry.field(description="Estimated energy, kcal.")
    def calories(self) -> float:
        return self.value.kcal

    @strawberry.field(description="The MET used: the mean over its sets of each exercise's MET at the workout's effort.")
    def met(self) -> float:
        return self.value.met

    @strawberry.field(description="Minutes of work counted (start to finish).")
    def minutes(self) -> float:
        return self.value.minutes

    @strawberry.field(description="The body weight used.")
    def body_weight(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _w(self.value.weight_kg, unit) or 0.0

    @strawberry.field(description="True when the body weight is the user's latest logged on or before the workout's day; false: the 70 kg default.")
    def body_weight_measured(self) -> bool:
        return self.value.weight_measured


async def energy_of(info: Info, session_id: uuid.UUID) -> WorkoutEnergy | None:
    value = await info.context.loaders.get(WorkoutEnergyBySessionIdLoader).load(session_id)
    return WorkoutEnergy(value=value) if value else None


# --- progress photos --------------------------------------------------------------------------


@strawberry.type(
    description="A progress photo: the image and its thumbnail are in GridFS, served by short-lived signed links. Seen by the "
    "user, and by their coaches only while `sharedWithCoach`."
)
class ProgressPhoto(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    date: date = strawberry.field(description="The local day it was taken.")
    kind: PhotoKind = strawberry.field(description="What it shows.")
    body_fat: float | None = strawberry.field(description="Body fat % of that day's metrics, when the photo was uploaded.")
    notes: str | None = strawberry.field(description="Notes.")
    shared_with_coach: bool = strawberry.field(description="True: the user's coaches see it; false: the user alone.")
    content_type: str = strawberry.field(description="image/jpeg, image/png or image/webp.")
    size_bytes: int = strawberry.field(description="Size of the stored image (re-encoded, metadata removed).")
    width: int = strawberry.field(description="Width, pixels (upright).")
    height: int = strawberry.field(description="Height, pixels (upright).")
    created_at: datetime = strawberry.field(description="When it was uploaded.")

    @classmethod
    def from_row(cls, row: Any) -> ProgressPhoto:
        return cls(id=str(row.id), row=row, date=row.taken_on, kind=PhotoKind(row.kind), body_fat=_f(row.body_fat_pct), notes=row.notes,
                   shared_with_coach=row.shared_with_coach, content_type=row.content_type, size_bytes=row.size_bytes,
                   width=row.width, height=row.height, created_at=row.created_at)

    @strawberry.field(description="Body weight of that day's metrics, when the photo was uploaded.")
    def weight(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _w(self.row.weight_kg, unit)

    @strawberry.field(description=f"A link to the image for the viewer, working for {photos.LINK_SECONDS // 60} minutes.")
    def url(self, info: Info) -> str:
        return photos.link_url(info.context, self.row, "image")

    @strawberry.field(description=f"A link to the thumbnail (at most 320 × 320) for the viewer, working for {photos.LINK_SECONDS // 60} minutes.")
    def thumbnail_url(self, info: Info) -> str:
        return photos.link_url(info.context, self.row, "thumbnail")


# --- coaching sessions ------------------------------------------------------------------------


@strawberry.type(description="A task from a coaching session: the coach sets it, the athlete ticks it.")
class CoachingActionItem:
    row: strawberry.Private[Any]

    @strawberry.field(description="ID for `setActionItemDone`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CoachingActionItem", self.row.id))

    @strawberry.field(description="What to do.")
    def text(self) -> str:
        return self.row.text

    @strawberry.field(description="By when (local date).")
    def due_date(self) -> date | None:
        return self.row.due_on

    @strawberry.field(description="Ticked by the athlete.")
    def done(self) -> bool:
        return self.row.done

    @strawberry.field(description="When it was ticked.")
    def done_at(self) -> datetime | None:
        return self.row.done_at

    @strawberry.field(description="Not done and its due date has passed (the athlete's local today).")
    async def is_overdue(self, info: Info) -> bool:
        if self.row.done or self.row.due_on is None:
            return False
        owner = await info.context.loaders.get(UserByIdLoader).load(self.row.user_id)
        return self.row.due_on < local_today(owner.timezone)


@strawberry.type(
    description="A coaching session between an athlete and their accepted coach. The coach creates and edits it; the athlete "
    "rates it and ticks its action items. The athlete's, readable by their coaches."
)
class CoachingSession(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    date: date = strawberry.field(description="The local day of the session.")
    duration_minutes: int | None = strawberry.field(description="How long, minutes.")
    topics: list[str] = strawberry.field(description="Topics.")
    discussion_notes: str | None = strawberry.field(description="What was discussed.")
    coach_feedback: str | None = strawberry.field(description="The coach's feedback.")
    next_session_date: date | None = strawberry.field(description="When the next session is planned.")
    completed: bool = strawberry.field(description="Held and closed by the coach.")
    completion_notes: str | None = strawberry.field(description="The coach's closing notes.")
    rating: int | None = strawberry.field(description="The athlete's rating, 1-10.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_row(cls, row: Any) -> CoachingSession:
        return cls(id=str(row.id), row=row, date=row.session_on, duration_minutes=row.duration_minutes, topics=list(row.topics),
                   discussion_notes=row.discussion_notes, coach_feedback=row.coach_feedback, next_session_date=row.next_session_on,
                   completed=row.completed, completion_notes=row.completion_notes, rating=row.athlete_rating,
                   created_at=row.created_at, updated_at=row.updated_at)

    @strawberry.field(description="The athlete.")
    async def athlete(self, info: Info) -> UserRef | None:
        from schema.users import User

        row = await load_visible(info, UserByIdLoader, self.row.user_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="The coach (their username: the coach's own training is theirs).")
    async def coach_username(self, info: Info) -> str:
        return (await info.context.loaders.get(UserByIdLoader).load(self.row.coach_id)).username

    @strawberry.field(description="Its action items, in order.")
    async def action_items(self, info: Info) -> list[CoachingActionItem]:
        return [CoachingActionItem(row=r) for r in await info.context.loaders.get(ActionItemsBySessionIdLoader).load(self.row.id)]

    @strawberry.field(description="Its action items not done whose due date has passed.")
    async def overdue_action_items(self, info: Info) -> list[CoachingActionItem]:
        items = [CoachingActionItem(row=r) for r in await info.context.loaders.get(ActionItemsBySessionIdLoader).load(self.row.id)]
        return [i for i in items if await i.is_overdue(info)]

    @strawberry.field(description="Days from the athlete's today to `nextSessionDate` (negative once passed); null without one.")
    async def days_until_next_session(self, info: Info) -> int | None:
        if self.row.next_session_on is None:
            return None
        owner = await info.context.loaders.get(UserByIdLoader).load(self.row.user_id)
        return (self.row.next_session_on - local_today(owner.timezone)).days


# --- the user's lists (fields of User, in schema/users.py) ------------------------------------


async def body_metrics_of(info: Info, user: Any, range, first, after) -> Connection[BodyMetrics]:
    return await _page(info, user.id, BodyMetricPageByUserIdLoader, BodyMetricCountByUserIdLoader, _range(range), BodyMetrics.from_row,
                       lambda r: (r.recorded_on, r.id), (date, uuid.UUID), first, after)


async def meals_of(info: Info, user: Any, range, first, after) -> Connection[MealLog]:
    return await _page(info, user.id, MealPageByUserIdLoader, MealCountByUserIdLoader, _range(range), MealLog.from_row,
                       lambda r: (r.eaten_on, r.eaten_at, r.id), (date, time, uuid.UUID), first, after)


async def photos_of(info: Info, user: Any, range, first, after) -> Connection[ProgressPhoto]:
    base = _range(range)
    spec = DateRangeSpec(base.start, base.end, shared_only=info.context.viewer_id != user.id)
    return await _page(info, user.id, PhotoPageByUserIdLoader, PhotoCountByUserIdLoader, spec, ProgressPhoto.from_row,
                       lambda r: (r.taken_on, r.id), (date, uuid.UUID), first, after)


async def coaching_sessions_of(info: Info, user: Any, range, first, after) -> Connection[CoachingSession]:
    return await _page(info, user.id, CoachingSessionPageByUserIdLoader, CoachingSessionCountByUserIdLoader, _range(range),
                       CoachingSession.from_row, lambda r: (r.session_on, r.id), (date, uuid.UUID), first, after)


async def profile_of(info: Info, user: Any) -> HealthProfile:
    return HealthProfile(row=await info.context.loaders.get(HealthProfileByUserIdLoader).load(user.id))


# --- mutations --------------------------------------------------------------------------------

UNSET = strawberry.UNSET


def _given(value):
    return validation.UNSET if value is UNSET else value


@strawberry.input(description="Your height and daily targets; omitted fields stay as they are, null clears.")
class UpdateHealthProfileInput:
    height: float | None = strawberry.field(default=UNSET, description="Height in `heightUnit` (50-280 cm).")
    height_unit: LengthUnit = strawberry.field(default=LengthUnit.CM, description="Unit of `height`.")
    calorie_target: int | None = strawberry.field(default=UNSET, description="Daily energy, kcal (0-20,000).")
    protein_target: float | None = strawberry.field(default=UNSET, description="Daily protein, g.")
    carbs_target: float | None = strawberry.field(default=UNSET, description="Daily carbohydrate, g.")
    fat_target: float | None = strawberry.field(default=UNSET, description="Daily fat, g.")
    water_target: int | None = strawberry.field(default=UNSET, description="Daily water, ml.")


@strawberry.type(description="Your health profile as it is now.")
class HealthProfilePayload:
    profile: HealthProfile = strawberry.field(description="The profile.")


@strawberry.input(description="Blood pressure: both values, mmHg.")
class BloodPressureInput:
    systolic: int = strawberry.field(description="70-250, above diastolic.")
    diastolic: int = strawberry.field(description="40-150.")


@strawberry.input(description="Body measurements in the input's `lengthUnit`; omitted ones stay as they are, null clears.")
class MeasurementsInput:
    waist: float | None = strawberry.field(default=UNSET, description="Waist (20-300 cm).")
    chest: float | None = strawberry.field(default=UNSET, description="Chest (20-300 cm).")
    arms: float | None = strawberry.field(default=UNSET, description="Upper arm (5-150 cm).")
    thighs: float | None = strawberry.field(default=UNSET, description="Thigh (10-200 cm).")
    hips: float | None = strawberry.field(default=UNSET, description="Hips (20-300 cm).")
    neck: float | None = strawberry.field(default=UNSET, description="Neck (10-100 cm).")


@strawberry.input(
    description="A day's body metrics (default today, in your time zone): the day's entry is created, or updated with the fields "
    "given (omitted ones stay, null clears)."
)
class LogBodyMetricsInput:
    date: date | None = strawberry.field(default=None, description="The local day; not in the future.")
    weight: float | None = strawberry.field(default=UNSET, description="Body weight in `weightUnit` (20-400 kg).")
    weight_unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `weight` and `muscleMass`.")
    body_fat: float | None = strawberry.field(default=UNSET, description="Body fat, percent (2-70).")
    muscle_mass: float | None = strawberry.field(default=UNSET, description="Muscle mass in `weightUnit` (5-200 kg).")
    measurements: MeasurementsInput | None = strawberry.field(default=None, description="Measurements.")
    length_unit: LengthUnit = strawberry.field(default=LengthUnit.CM, description="Unit of the measurements.")
    resting_heart_rate: int | None = strawberry.field(default=UNSET, description="Beats per minute (30-220).")
    blood_pressure: BloodPressureInput | None = strawberry.field(default=UNSET, description="Blood pressure (null clears it).")
    energy: int | None = strawberry.field(default=UNSET, description="1-10.")
    mood: int | None = strawberry.field(default=UNSET, description="1-10.")
    sleep_quality: int | None = strawberry.field(default=UNSET, description="1-10.")
    stress: int | None = strawberry.field(default=UNSET, description="1-10.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes, up to 2,000 characters.")


@strawberry.type(description="The day's entry as it is now.")
class BodyMetricsPayload:
    body_metrics: BodyMetrics = strawberry.field(description="The entry.")


@strawberry.input(description="The day's entry to delete.")
class DeleteBodyMetricsInput:
    body_metrics_id: strawberry.ID = strawberry.field(description="The entry.")


@strawberry.type(description="What was deleted.")
class DeleteBodyMetricsPayload:
    deleted_body_metrics_id: strawberry.ID = strawberry.field(description="ID of the deleted entry.")


@strawberry.input(description="A meal to log. Nutrients are per meal and never negative.")
class LogMealInput:
    date: date | None = strawberry.field(default=None, description="The local day (default today).")
    time: time | None = strawberry.field(default=None, description="The local time (default now, for today; else noon).")
    meal_type: MealType = strawberry.field(default=MealType.OTHER, description="Which meal.")
    calories: int | None = strawberry.field(default=None, description="kcal, 0-20,000.")
    protein: float | None = strawberry.field(default=None, description="g.")
    carbs: float | None = strawberry.field(default=None, description="g.")
    fat: float | None = strawberry.field(default=None, description="g.")
    fiber: float | None = strawberry.field(default=None, description="g.")
    sugar: float | None = strawberry.field(default=None, description="g.")
    sodium: int | None = strawberry.field(default=None, description="mg.")
    water: float | None = strawberry.field(default=None, description="In `waterUnit`.")
    water_unit: WaterUnit = strawberry.field(default=WaterUnit.ML, description="Unit of `water`.")
    description: str | None = strawberry.field(default=None, description="What it was, up to 500 characters.")
    foods: list[str] | None = strawberry.field(default=None, description="Its foods (at most 50).")
    adherence: MealAdherence | None = strawberry.field(default=None, description="How it kept to the plan.")
    satisfaction: int | None = strawberry.field(default=None, description="1-10.")
    hunger_before: int | None = strawberry.field(default=None, description="1-10.")
    hunger_after: int | None = strawberry.field(default=None, description="1-10.")
    notes: str | None = strawberry.field(default=None, description="Notes.")


@strawberry.type(description="The meal logged.")
class MealPayload:
    meal: MealLog = strawberry.field(description="The meal.")


@strawberry.input(description="The meal to delete.")
class DeleteMealInput:
    meal_id: strawberry.ID = strawberry.field(description="The meal.")


@strawberry.type(description="What was deleted.")
class DeleteMealPayload:
    deleted_meal_id: strawberry.ID = strawberry.field(description="ID of the deleted meal.")


@strawberry.input(
    description="A progress photo, sent as a file of a GraphQL multipart request: JPEG, PNG or WebP (checked by content), at most "
    "10 MB. Its EXIF (location included) is removed; a thumbnail is made."
)
class UploadProgressPhotoInput:
    file: Upload = strawberry.field(description="The image file.")
    date: date | None = strawberry.field(default=None, description="The local day it was taken (default today).")
    kind: PhotoKind = strawberry.field(default=PhotoKind.FRONT, description="What it shows.")
    notes: str | None = strawberry.field(default=None, description="Notes.")
    shared_with_coach: bool = strawberry.field(default=False, description="Let your coaches see it (default: private).")


@strawberry.type(description="The photo.")
class ProgressPhotoPayload:
    photo: ProgressPhoto = strawberry.field(description="The photo.")


@strawberry.input(description="Changes to one of your photos; omitted fields stay as they are.")
class UpdateProgressPhotoInput:
    photo_id: strawberry.ID = strawberry.field(description="The photo.")
    kind: PhotoKind | None = strawberry.field(default=UNSET, description="What it shows.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (null clears).")
    shared_with_coach: bool | None = strawberry.field(default=UNSET, description="Share with your coaches, or make private.")


@strawberry.input(description="The photo to delete, with its files.")
class DeleteProgressPhotoInput:
    photo_id: strawberry.ID = strawberry.field(description="The photo.")


@strawberry.type(description="What was deleted.")
class DeleteProgressPhotoPayload:
    deleted_photo_id: strawberry.ID = strawberry.field(description="ID of the deleted photo.")


@strawberry.input(description="An action item: what to do, and by when.")
class ActionItemInput:
    text: str = strawberry.field(description="What to do, up to 500 characters.")
    due_date: date | None = strawberry.field(default=None, description="By when (local date).")


@strawberry.input(description="A coaching session with an athlete you coach (accepted).")
class CreateCoachingSessionInput:
    athlete_id: strawberry.ID = strawberry.field(description="The athlete.")
    date: date = strawberry.field(description="The day of the session.")
    duration_minutes: int | None = strawberry.field(default=None, description="1-600.")
    topics: list[str] | None = strawberry.field(default=None, description="Topics (at most 20).")
    discussion_notes: str | None = strawberry.field(default=None, description="What was discussed.")
    coach_feedback: str | None = strawberry.field(default=None, description="Your feedback.")
    action_items: list[ActionItemInput] | None = strawberry.field(default=None, description="Action items (at most 50).")
    next_session_date: date | None = strawberry.field(default=None, description="The next session (not before `date`).")


@strawberry.input(description="Changes to a session you coach; omitted fields stay as they are.")
class UpdateCoachingSessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    date: date | None = strawberry.field(default=UNSET, description="The day.")
    duration_minutes: int | None = strawberry.field(default=UNSET, description="1-600.")
    topics: list[str] | None = strawberry.field(default=UNSET, description="Topics.")
    discussion_notes: str | None = strawberry.field(default=UNSET, description="What was discussed.")
    coach_feedback: str | None = strawberry.field(default=UNSET, description="Your feedback.")
    next_session_date: date | None = strawberry.field(default=UNSET, description="The next session.")
    completed: bool | None = strawberry.field(default=UNSET, description="Held and closed.")
    completion_notes: str | None = strawberry.field(default=UNSET, description="Closing notes.")
    add_action_items: list[ActionItemInput] | None = strawberry.field(default=None, description="Action items to add.")


@strawberry.input(description="Your rating of one of your coaching sessions.")
class RateCoachingSessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    rating: int = strawberry.field(description="1-10.")


@strawberry.input(description="Tick (or untick) one of your action items.")
class SetActionItemDoneInput:
    action_item_id: strawberry.ID = strawberry.field(description="The item.")
    done: bool = strawberry.field(default=True, description="Done or not.")


@strawberry.type(description="The coaching session as it is now.")
class CoachingSessionPayload:
    session: CoachingSession = strawberry.field(description="The session.")


@strawberry.type(description="The action item as it is now.")
class ActionItemPayload:
    action_item: CoachingActionItem = strawberry.field(description="The item.")


def _items(items: list[ActionItemInput] | None) -> list[health.ActionItemInput]:
    return [health.ActionItemInput(text=i.text, due_date=i.due_date) for i in items or []]


@strawberry.type
class HealthMutations:
    @strawberry.mutation(description="Set your height (for BMI) and daily nutrition targets.")
    async def update_health_profile(self, info: Info, input: UpdateHealthProfileInput) -> HealthProfilePayload:
        row = await health.update_profile(
            info.context, height=_given(input.height), height_unit=input.height_unit.value, calories=_given(input.calorie_target),
            protein=_given(input.protein_target), carbs=_given(input.carbs_target), fat=_given(input.fat_target),
            water=_given(input.water_target),
        )
        return HealthProfilePayload(profile=HealthProfile(row=row))

    @strawberry.mutation(description="Log a day's body metrics: one entry per day, created or updated.")
    async def log_body_metrics(self, info: Info, input: LogBodyMetricsInput) -> BodyMetricsPayload:
        m = input.measurements or MeasurementsInput()
        bp = input.blood_pressure
        data = health.MetricsInput(
            weight=_given(input.weight), body_fat=_given(input.body_fat), muscle_mass=_given(input.muscle_mass),
            waist=_given(m.waist), chest=_given(m.chest), arms=_given(m.arms), thighs=_given(m.thighs), hips=_given(m.hips),
            neck=_given(m.neck), resting_heart_rate=_given(input.resting_heart_rate),
            systolic=validation.UNSET if bp is UNSET else (bp.systolic if bp else None),
            diastolic=validation.UNSET if bp is UNSET else (bp.diastolic if bp else None),
            energy=_given(input.energy), mood=_given(input.mood), sleep_quality=_given(input.sleep_quality),
            stress=_given(input.stress), notes=_given(input.notes),
        )
        row = await health.log_metrics(info.context, input.date, data, input.weight_unit.value, input.length_unit.value)
        return BodyMetricsPayload(body_metrics=BodyMetrics.from_row(row))

    @strawberry.mutation(description="Delete one of your days of body metrics.")
    async def delete_body_metrics(self, info: Info, input: DeleteBodyMetricsInput) -> DeleteBodyMetricsPayload:
        await health.delete_metrics(info.context, decode_id(input.body_metrics_id, "BodyMetrics", "bodyMetricsId"))
        return DeleteBodyMetricsPayload(deleted_body_metrics_id=input.body_metrics_id)

    @strawberry.mutation(description="Log a meal.")
    async def log_meal(self, info: Info, input: LogMealInput) -> MealPayload:
        row = await health.log_meal(info.context, health.MealInput(
            date=input.date, time=input.time, meal_type=input.meal_type.value, calories=input.calories, protein=input.protein,
            carbs=input.carbs, fat=input.fat, fiber=input.fiber, sugar=input.sugar, sodium=input.sodium, water=input.water,
            water_unit=input.water_unit.value, description=input.description, foods=input.foods,
            adherence=input.adherence.value if input.adherence else None, satisfaction=input.satisfaction,
            hunger_before=input.hunger_before, hunger_after=input.hunger_after, notes=input.notes,
        ))
        return MealPayload(meal=MealLog.from_row(row))

    @strawberry.mutation(description="Delete one of your meals.")
    async def delete_meal(self, info: Info, input: DeleteMealInput) -> DeleteMealPayload:
        await health.delete_meal(info.context, decode_id(input.meal_id, "MealLog", "mealId"))
        return DeleteMealPayload(deleted_meal_id=input.meal_id)

    @strawberry.mutation(description="Upload a progress photo (GraphQL multipart request).")
    async def upload_progress_photo(self, info: Info, input: UploadProgressPhotoInput) -> ProgressPhotoPayload:
        row = await photos.upload_photo(info.context, input.file, day=input.date, kind=input.kind.value, notes=input.notes,
                                        shared=input.shared_with_coach)
        return ProgressPhotoPayload(photo=ProgressPhoto.from_row(row))

    @strawberry.mutation(description="Change one of your photos: its kind, notes, or whether your coaches see it.")
    async def update_progress_photo(self, info: Info, input: UpdateProgressPhotoInput) -> ProgressPhotoPayload:
        kind = input.kind.value if input.kind not in (UNSET, None) else _given(input.kind)
        row = await photos.update_photo(info.context, decode_id(input.photo_id, "ProgressPhoto", "photoId"), notes=_given(input.notes),
                                        shared=_given(input.shared_with_coach), kind=kind)
        return ProgressPhotoPayload(photo=ProgressPhoto.from_row(row))

    @strawberry.mutation(description="Delete one of your photos and its files.")
    async def delete_progress_photo(self, info: Info, input: DeleteProgressPhotoInput) -> DeleteProgressPhotoPayload:
        await photos.delete_photo(info.context, decode_id(input.photo_id, "ProgressPhoto", "photoId"))
        return DeleteProgressPhotoPayload(deleted_photo_id=input.photo_id)

    @strawberry.mutation(description="Schedule or record a coaching session with an athlete you coach; they get a CoachingSessionChanged event.")
    async def create_coaching_session(self, info: Info, input: CreateCoachingSessionInput) -> CoachingSessionPayload:
        row = await health.create_session(
            info.context, decode_id(input.athlete_id, "User", "athleteId"), day=input.date, duration=input.duration_minutes,
            topics=input.topics, discussion=input.discussion_notes, feedback=input.coach_feedback, items=_items(input.action_items),
            next_day=input.next_session_date,
        )
        return CoachingSessionPayload(session=CoachingSession.from_row(row))

    @strawberry.mutation(description="Change a session you coach (while you coach the athlete); they get a CoachingSessionChanged event.")
    async def update_coaching_session(self, info: Info, input: UpdateCoachingSessionInput) -> CoachingSessionPayload:
        row = await health.update_session(
            info.context, decode_id(input.session_id, "CoachingSession", "sessionId"), day=_given(input.date),
            duration=_given(input.duration_minutes), topics=_given(input.topics), discussion=_given(input.discussion_notes),
            feedback=_given(input.coach_feedback), next_day=_given(input.next_session_date), completed=_given(input.completed),
            completion_notes=_given(input.completion_notes), add_items=_items(input.add_action_items),
        )
        return CoachingSessionPayload(session=CoachingSession.from_row(row))

    @strawberry.mutation(description="Rate one of your coaching sessions, 1-10 (athletes).")
    async def rate_coaching_session(self, info: Info, input: RateCoachingSessionInput) -> CoachingSessionPayload:
        row = await health.rate_session(info.context, decode_id(input.session_id, "CoachingSession", "sessionId"), input.rating)
        return CoachingSessionPayload(session=CoachingSession.from_row(row))

    @strawberry.mutation(description="Tick one of your action items (athletes).")
    async def set_action_item_done(self, info: Info, input: SetActionItemDoneInput) -> ActionItemPayload:
        row = await health.set_item_done(info.context, decode_id(input.action_item_id, "CoachingActionItem", "actionItemId"), input.done)
        return ActionItemPayload(action_item=CoachingActionItem(row=row))
