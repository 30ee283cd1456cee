"""Points, level and streaks: a user's training progress."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry

from domain.training import level_for
from domain.units import kg_to
from resolvers.training import current_streak
from schema.enums import WeightUnit


@strawberry.enum(description="Where a user's points place them.")
class TrainingLevel(Enum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


@strawberry.type(
    description="Points, level and streaks. Points: 1 per set plus 1 per 100 kg of its volume (or per 10 reps, "
    "minute or 500 m), warm-ups nothing; 10 per completed workout; plus achievement rewards. Levels at 0, 1,000, "
    "5,000 and 20,000 points. A day counts toward a streak when a workout started that day (in the user's time "
    "zone) was completed."
)
class TrainingProgress:
    row: strawberry.Private[Any]
    timezone: strawberry.Private[str]

    @strawberry.field(description="Total points.")
    def points(self) -> int:
        return int(self.row.points) if self.row else 0

    @strawberry.field(description="The level those points reach.")
    def level(self) -> TrainingLevel:
        return TrainingLevel(level_for(self.points())[0].name)

    @strawberry.field(description="The next level, null at the top.")
    def next_level(self) -> TrainingLevel | None:
        following = level_for(self.points())[1]
        return TrainingLevel(following.name) if following else None

    @strawberry.field(description="Percent of the way from this level to the next (100 at the top).")
    def level_progress(self) -> int:
        return level_for(self.points())[2]

    @strawberry.field(description="Points still needed for the next level (0 at the top).")
    def points_to_next_level(self) -> int:
        following = level_for(self.points())[1]
        return max(0, following.min_points - self.points()) if following else 0

    @strawberry.field(description="Consecutive days with a completed workout, ending today or yesterday.")
    def current_streak(self) -> int:
        return current_streak(self.row.streak_run, self.row.last_active_day, self.timezone) if self.row else 0

    @strawberry.field(description="The longest run of consecutive training days.")
    def longest_streak(self) -> int:
        return self.row.longest_streak if self.row else 0

    @strawberry.field(description="The last local day with a completed workout.")
    def last_active_day(self) -> date | None:
        return self.row.last_active_day if self.row else None

    @strawberry.field(description="Completed workouts.")
    def workouts(self) -> int:
        return self.row.workouts if self.row else 0

    @strawberry.field(description="Sets logged.")
    def sets(self) -> int:
        return self.row.sets if self.row else 0

    @strawberry.field(description="Weight × reps of every working set, in `unit`.")
    def total_volume(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.row.volume_kg, unit.value) if self.row else 0.0

    @strawberry.field(description="Personal records held.")
    def records_held(self) -> int:
        return self.row.records if self.row else 0

    @strawberry.field(description="Programs with a completed workout for every one of their days.")
    def programs_completed(self) -> int:
        return self.row.programs_completed if self.row else 0
