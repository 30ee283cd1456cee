"""A user's training statistics (`User.stats`): buckets, totals, muscles, favourite, weekly progress."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import strawberry

from domain.units import kg_to
from loaders.exercises import ExerciseByIdLoader
from loaders.skills import DailySummariesByUserLoader
from resolvers import stats
from schema.common import Info, load_visible
from schema.enums import Muscle, StatsGrouping, WeightUnit
from schema.exercises import Exercise

if TYPE_CHECKING:
    from schema.health import NutritionDay
    from schema.skills import DailySummary

INT_MAX = 2**31 - 1  # GraphQL's Int is 32-bit; sums that large are clamped rather than failing


def _int(value: Any) -> int:
    return min(int(value), INT_MAX)


@strawberry.input(description="Local days in the user's time zone, both inclusive; at most three years.")
class StatsRange:
    from_: date = strawberry.field(name="from", description="The first day.")
    to: date = strawberry.field(description="The last day; not before `from`.")


@strawberry.type(
    description="Training over a span of local days. A workout counts on the day it started, in the user's time zone, "
    "and its sets count with it."
)
class StatsTotals:
    workouts: int = strawberry.field(description="Completed workouts started in the span.")
    sets: int = strawberry.field(description="Sets logged in workouts started in the span (completed, in progress or abandoned), warm-ups excepted.")
    reps: int = strawberry.field(description="Reps over those sets.")
    duration_seconds: int = strawberry.field(description="Start to finish of the completed workouts, summed, in whole seconds.")
    points: int = strawberry.field(
        description="Points earned: each set's points plus 10 per completed workout (achievement rewards not included)."
    )
    volume_kg: strawberry.Private[float]

    @staticmethod
    def figures(doc: dict) -> dict[str, Any]:
        return {
            "workouts": _int(doc["workouts"]),
            "sets": _int(doc["sets"]),
            "reps": _int(doc["reps"]),
            "duration_seconds": _int(doc["seconds"]),
            "points": _int(doc["points"]),
            "volume_kg": float(doc["volume"]),
        }

    @strawberry.field(description="Volume over those sets: weight × reps.")
    def volume(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.volume_kg, unit.value) or 0.0


@strawberry.type(description="One day, week or month of training. Only days inside the range count.")
class StatsBucket(StatsTotals):
    start: date = strawberry.field(
        description="The period's first day (a Monday for weeks, the 1st for months); the first bucket may start before the range."
    )
    end: date = strawberry.field(description="The period's last day; the last bucket may end after the range.")


def _period_end(start: date, grouping: str) -> date:
    if grouping == "week":
        return start + timedelta(days=6)
    if grouping == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


@strawberry.type(description="A muscle group's share of the volume: each set's volume split over its exercise's muscles by their shares.")
class MuscleVolume:
    muscle: Muscle = strawberry.field(description="The muscle group.")
    volume_kg: strawberry.Private[float]

    @strawberry.field(description="Its volume.")
    def volume(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.volume_kg, unit.value) or 0.0


def _change(current: float, previous: float) -> float | None:
    return round((current - previous) * 100 / previous, 1) if previous else None


@strawberry.type(description="A figure this week against the week before.")
class CountChange:
    current: int = strawberry.field(description="This week.")
    previous: int = strawberry.field(description="The week before.")

    @strawberry.field(description="(current − previous) / previous, in percent to one decimal; null when previous is 0.")
    def change_percent(self) -> float | None:
        return _change(self.current, self.previous)


@strawberry.type(description="Volume this week against the week before.")
class VolumeChange:
    current_kg: strawberry.Private[float]
    previous_kg: strawberry.Private[float]

    @strawberry.field(description="This week.")
    def current(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.current_kg, unit.value) or 0.0

    @strawberry.field(description="The week before.")
    def previous(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.previous_kg, unit.value) or 0.0

    @strawberry.field(description="(current − previous) / previous, in percent to one decimal; null when previous is 0.")
    def change_percent(self) -> float | None:
        return _change(self.current_kg, self.previous_kg)


@strawberry.type(
    description="The whole week (Monday to Sunday, local) holding the range's last day against the week before it, "
    "counted like the buckets."
)
class WeeklyProgress:
    current_week_start: date = strawberry.field(description="Monday of the week holding `to`.")
    previous_week_start: date = strawberry.field(description="Monday of the week before.")
    workouts: CountChange = strawberry.field(description="Completed workouts.")
    points: CountChange = strawberry.field(description="Points (sets' points plus completion points).")
    volume: VolumeChange = strawberry.field(description="Volume.")


@strawberry.type(description="A user's training over a range of local days, in their time zone.")
class UserStats:
    doc: strawberry.Private[dict]
    spec: strawberry.Private[Any]
    user: strawberry.Private[Any] = None

    @classmethod
    async def load(cls, info: Info, user: Any, range: StatsRange, group_by: StatsGrouping) -> UserStats:
        spec = stats.stats_spec(range.from_, range.to, group_by.value)
        return cls(doc=orjson.loads(await stats.user_stats(info.context, user, spec)), spec=spec, user=user)

    @strawberry.field(name="from", description="The range's first day.")
    def from_(self) -> date:
        return self.spec.start

    @strawberry.field(description="The range's last day.")
    def to(self) -> date:
        return self.spec.end

    @strawberry.field(description="How the buckets are grouped.")
    def group_by(self) -> StatsGrouping:
        return StatsGrouping(self.spec.grouping)

    @strawberry.field(description="One bucket per day, week or month covering the range, oldest first; empty ones hold zeros.")
    def buckets(self) -> list[StatsBucket]:
        grouping = self.spec.grouping
        out = []
        for b in self.doc["buckets"]:
            start = date.fromisoformat(b["start"])
            out.append(StatsBucket(start=start, end=_period_end(start, grouping), **StatsTotals.figures(b)))
        return out

    @strawberry.field(description="The whole range.")
    def totals(self) -> StatsTotals:
        return StatsTotals(**StatsTotals.figures(self.doc["totals"]))

    @strawberry.field(description="Volume per muscle group over the range, largest first; muscles with no volume are left out.")
    def volume_by_muscle(self) -> list[MuscleVolume]:
        return [MuscleVolume(muscle=Muscle(m["muscle"]), volume_kg=float(m["volume"])) for m in self.doc["muscles"]]

    @strawberry.field(
        description="The exercise with the most sets (warm-ups excepted) in the range; ties go to more volume, then to the "
        "name. Null when nothing was logged."
    )
    async def favourite_exercise(self, info: Info) -> Exercise | None:
        favourite = self.doc["favourite"]
        row = await load_visible(info, ExerciseByIdLoader, uuid.UUID(favourite)) if favourite else None
        return Exercise.from_row(row) if row else None

    @strawberry.field(
        description="Each local day of the range with a workout or a mastery, oldest first: sessions, sets, reps, seconds held, "
        "categories trained and ladder steps mastered."
    )
    async def daily_summaries(self, info: Info) -> list[Annotated["DailySummary", strawberry.lazy("schema.skills")]]:
        from schema.skills import DailySummary

        loader = info.context.loaders.get(DailySummariesByUserLoader, self.spec.start, self.spec.end)
        return [DailySummary.from_row(r) for r in await loader.load((self.user.id, self.user.timezone))]

    @strawberry.field(
        description="Each local day of the range with a meal or a completed workout, oldest first: what was eaten against the "
        "user's daily targets, and the workouts' estimated energy beside it (energy balance)."
    )
    async def nutrition(self, info: Info) -> list[Annotated["NutritionDay", strawberry.lazy("schema.health")]]:
        from schema.health import nutrition_of

        return await nutrition_of(info, self.user, self.spec.start, self.spec.end)

    @strawberry.field(description="This week against last week: the week holding `to`, Monday to Sunday, and the one before.")
    def weekly_progress(self) -> WeeklyProgress:
        week = self.spec.week
        current, previous = self.doc["weekly"]["current"], self.doc["weekly"]["previous"]
        return WeeklyProgress(
            current_week_start=week,
            previous_week_start=week - timedelta(days=7),
            workouts=CountChange(current=_int(current["workouts"]), previous=_int(previous["workouts"])),
            points=CountChange(current=_int(current["points"]), previous=_int(previous["points"])),
            volume=VolumeChange(current_kg=float(current["volume"]), previous_kg=float(previous["volume"])),
        )
