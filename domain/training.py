"""The rules that turn training into points, levels, streaks and achievements.

Points and volume are generated columns (PostgreSQL computes them from the set), so
live writes, stats, goals and the backfill all read one formula. This module holds
those formulas as SQL, the level ladder and the achievement catalogue as data.

Points:
- a set (warm-ups earn nothing): 1, plus
  - weight × reps: one point per 100 kg of volume (100 kg × 5 reps → 1 + 5 = 6);
  - reps without weight: one per 10 reps;
  - a duration: one per full minute; a distance: one per 500 m;
- a completed workout: 10 (an abandoned one: 0);
- an achievement: its `points_reward`.

Estimated one-rep max: Epley, e1RM = weight × (1 + reps / 30), trusted for 2–10 reps
(a single is its own one-rep max); sets of more than 10 reps give no estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

SET_POINTS_SQL = (
    "CASE WHEN set_type = 'warmup' THEN 0"
    " WHEN weight_kg > 0 AND reps > 0 THEN 1 + floor(weight_kg * reps / 100)::integer"
    " WHEN reps > 0 THEN 1 + reps / 10"
    " WHEN duration_seconds > 0 THEN 1 + duration_seconds / 60"
    " WHEN distance_m > 0 THEN 1 + floor(distance_m / 500)::integer"
    " ELSE 0 END"
)
SET_VOLUME_SQL = (
    "CASE WHEN set_type <> 'warmup' AND weight_kg > 0 AND reps > 0 THEN weight_kg * reps ELSE 0 END"
)
WORKOUT_POINTS = 10
COMPLETION_POINTS_SQL = f"CASE WHEN status = 'completed' THEN {WORKOUT_POINTS} ELSE 0 END"

EPLEY_MAX_REPS = 10


@dataclass(frozen=True)
class Level:
    name: str
    min_points: int


LEVELS = (
    Level("beginner", 0),
    Level("intermediate", 1_000),
    Level("advanced", 5_000),
    Level("expert", 20_000),
)


def level_for(points: int) -> tuple[Level, Level | None, int]:
    """The level `points` reach, the next one (None at the top) and percent of the way there."""
    current = LEVELS[0]
    for level in LEVELS:
        if points >= level.min_points:
            current = level
    index = LEVELS.index(current)
    if index + 1 == len(LEVELS):
        return current, None, 100
    following = LEVELS[index + 1]
    span = following.min_points - current.min_points
    return current, following, min(99, (points - current.min_points) * 100 // span)


# What an achievement's rule can measure: columns of user_progress.
METRICS = ("workouts", "longest_streak", "points", "records", "volume_kg", "programs_completed", "skills_mastered", "skill_level")


@dataclass(frozen=True)
class AchievementSpec:
    code: str
    name: str
    name_he: str
    description: str
    description_he: str
    icon: str
    badge_color: str
    points_reward: int
    metric: str
    at_least: int

    @property
    def rule(self) -> dict:
        return {"metric": self.metric, "at_least": self.at_least}


def _workouts(n: int, reward: int, color: str) -> AchievementSpec:
    if n == 1:
        return AchievementSpec("FIRST_WORKOUT", "First workout", "אימון ראשון", "Complete your first workout.",
                               "השלימו את האימון הראשון.", "dumbbell", "green", 10, "workouts", 1)
    return AchievementSpec(f"WORKOUTS_{n}", f"{n} workouts", f"{n} אימונים", f"Complete {n} workouts.",
                           f"השלימו {n} אימונים.", "dumbbell", color, reward, "workouts", n)


def _streak(n: int, reward: int, color: str) -> AchievementSpec:
    return AchievementSpec(f"STREAK_{n}", f"{n}-day streak", f"רצף של {n} ימים",
                           f"Train {n} days in a row.", f"התאמנו {n} ימים ברציפות.", "flame", color, reward, "longest_streak", n)


def _points(n: int, color: str) -> AchievementSpec:
    return AchievementSpec(f"POINTS_{n}", f"{n:,} points", f"{n:,} נקודות", f"Earn {n:,} points.",
                           f"צברו {n:,} נקודות.", "star", color, 0, "points", n)


def _records(n: int, reward: int, color: str) -> AchievementSpec:
    if n == 1:
        return AchievementSpec("FIRST_RECORD", "First personal record", "שיא אישי ראשון", "Set your first personal record.",
                               "קבעו את השיא האישי הראשון.", "trophy", "green", reward, "records", 1)
    return AchievementSpec(f"RECORDS_{n}", f"{n} personal records", f"{n} שיאים אישיים", f"Hold {n} personal records.",
                           f"החזיקו {n} שיאים אישיים.", "trophy", color, reward, "records", n)


def _volume(tonnes: int, reward: int, color: str) -> AchievementSpec:
    return AchievementSpec(f"VOLUME_{tonnes}T", f"{tonnes:,} tonnes lifted", f"{tonnes:,} טון הורמו",
                           f"Lift {tonnes:,} tonnes in total (weight × reps).", f"הרימו {tonnes:,} טון בסך הכול (משקל × חזרות).",
                           "weight", color, reward, "volume_kg", tonnes * 1000)


def _skill_level(n: int, reward: int, color: str) -> AchievementSpec:
    return AchievementSpec(f"SKILL_LEVEL_{n}", f"Skill level {n}", f"רמת מיומנות {n}",
                           f"Advance to level {n} of the skill ladder in any category.",
                           f"התקדמו לרמה {n} בסולם המיומנויות בקטגוריה כלשהי.", "ladder", color, reward, "skill_level", n)


# Points milestones reward nothing, so earning points never cascades into more points.
ACHIEVEMENTS: tuple[AchievementSpec, ...] = (
    _workouts(1, 10, "green"),
    _workouts(10, 25, "blue"),
    _workouts(50, 100, "purple"),
    _workouts(100, 200, "orange"),
    _workouts(500, 1000, "gold"),
    _streak(3, 15, "green"),
    _streak(7, 50, "blue"),
    _streak(30, 200, "purple"),
    _streak(100, 1000, "gold"),
    _points(100, "green"),
    _points(500, "blue"),
    _points(1000, "purple"),
    _points(5000, "gold"),
    _records(1, 10, "green"),
    _records(10, 50, "blue"),
    _records(50, 200, "purple"),
    _volume(10, 50, "blue"),
    _volume(100, 200, "purple"),
    _volume(1000, 1000, "gold"),
    AchievementSpec("FIRST_PROGRAM_COMPLETED", "Program completed", "תוכנית הושלמה",
                    "Complete a workout for every day of one of your programs.",
                    "השלימו אימון לכל אחד מימי אחת התוכניות שלכם.", "flag", "gold", 100, "programs_completed", 1),
    AchievementSpec("FIRST_SKILL_MASTERED", "First skill mastered", "מיומנות ראשונה",
                    "Meet the default prescription of an exercise on the skill ladder.",
                    "עמדו במרשם ברירת המחדל של תרגיל בסולם המיומנויות.", "medal", "green", 20, "skills_mastered", 1),
    _skill_level(1, 25, "green"),
    _skill_level(2, 50, "blue"),
    _skill_level(3, 100, "purple"),
    _skill_level(4, 200, "orange"),
    _skill_level(5, 500, "gold"),
)
