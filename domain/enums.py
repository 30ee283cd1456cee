"""The domain's closed vocabularies.

The values are what PostgreSQL stores (CHECK constraints list them); the GraphQL
schema exposes the same enums under upper-case names.
"""

from __future__ import annotations

from enum import Enum


class Language(str, Enum):
    EN = "en"
    HE = "he"


class UnitSystem(str, Enum):
    METRIC = "metric"
    IMPERIAL = "imperial"


class Role(str, Enum):
    ATHLETE = "athlete"
    COACH = "coach"
    ADMIN = "admin"


class OrganizationRole(str, Enum):
    OWNER = "owner"
    COACH = "coach"
    MEMBER = "member"


class CoachingStatus(str, Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class Category(str, Enum):
    STRENGTH = "strength"
    CARDIO = "cardio"
    STRETCHING = "stretching"
    PLYOMETRICS = "plyometrics"
    POWERLIFTING = "powerlifting"
    OLYMPIC_WEIGHTLIFTING = "olympic_weightlifting"
    STRONGMAN = "strongman"
    CALISTHENICS = "calisthenics"


class MovementPattern(str, Enum):
    PUSH = "push"
    PULL = "pull"
    SQUAT = "squat"
    HINGE = "hinge"
    CORE = "core"
    CARRY = "carry"
    OTHER = "other"


class Force(str, Enum):
    PUSH = "push"
    PULL = "pull"
    STATIC = "static"


class Mechanic(str, Enum):
    COMPOUND = "compound"
    ISOLATION = "isolation"


class Level(str, Enum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    EXPERT = "expert"


class Equipment(str, Enum):
    BARBELL = "barbell"
    DUMBBELL = "dumbbell"
    BODY_ONLY = "body_only"
    CABLE = "cable"
    MACHINE = "machine"
    KETTLEBELLS = "kettlebells"
    BANDS = "bands"
    MEDICINE_BALL = "medicine_ball"
    EXERCISE_BALL = "exercise_ball"
    FOAM_ROLL = "foam_roll"
    EZ_CURL_BAR = "ez_curl_bar"
    OTHER = "other"


class Muscle(str, Enum):
    ABDOMINALS = "abdominals"
    ABDUCTORS = "abductors"
    ADDUCTORS = "adductors"
    BICEPS = "biceps"
    CALVES = "calves"
    CHEST = "chest"
    FOREARMS = "forearms"
    GLUTES = "glutes"
    HAMSTRINGS = "hamstrings"
    LATS = "lats"
    LOWER_BACK = "lower_back"
    MIDDLE_BACK = "middle_back"
    NECK = "neck"
    QUADRICEPS = "quadriceps"
    SHOULDERS = "shoulders"
    TRAPS = "traps"
    TRICEPS = "triceps"


class Tracking(str, Enum):
    WEIGHT_REPS = "weight_reps"
    REPS = "reps"
    DURATION = "duration"
    DISTANCE = "distance"
    DISTANCE_DURATION = "distance_duration"


class ProgramStructure(str, Enum):
    WEEKLY = "weekly"
    CYCLIC = "cyclic"


class WorkoutStatus(str, Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SKIPPED = "skipped"
    ABANDONED = "abandoned"


class SetType(str, Enum):
    WARMUP = "warmup"
    WORKING = "working"
    DROP = "drop"
    FAILURE = "failure"


class RecordKind(str, Enum):
    HEAVIEST_WEIGHT = "heaviest_weight"
    ESTIMATED_ONE_REP_MAX = "estimated_one_rep_max"
    BEST_SET_VOLUME = "best_set_volume"
    MOST_REPS = "most_reps"
    REP_MAX_1 = "rep_max_1"
    REP_MAX_3 = "rep_max_3"
    REP_MAX_5 = "rep_max_5"
    REP_MAX_10 = "rep_max_10"
    LONGEST_DURATION = "longest_duration"
    LONGEST_DISTANCE = "longest_distance"
    BEST_SESSION_VOLUME = "best_session_volume"


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]


class GoalKind(str, Enum):
    POINTS = "points"
    WORKOUTS = "workouts"
    STREAK = "streak"
    EXERCISE_WEIGHT = "exercise_weight"
    VOLUME = "volume"
    DURATION = "duration"
    BODY_WEIGHT = "body_weight"
    BODY_FAT = "body_fat"


class GoalTimeframe(str, Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class GoalStatus(str, Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class StatsGrouping(str, Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class MealType(str, Enum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"
    SNACK = "snack"
    PRE_WORKOUT = "pre_workout"
    POST_WORKOUT = "post_workout"
    OTHER = "other"


class MealAdherence(str, Enum):
    ON_PLAN = "on_plan"
    PARTIAL = "partial"
    OFF_PLAN = "off_plan"


class PhotoKind(str, Enum):
    FRONT = "front"
    SIDE = "side"
    BACK = "back"
    FLEX = "flex"
    COMPARISON = "comparison"
    OTHER = "other"
