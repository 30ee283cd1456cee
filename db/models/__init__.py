"""SQLAlchemy models: the tables RepGraph stores, with their constraints and indexes."""

from db.models.accounts import CoachingRelationship, RefreshToken, SignInThrottle, UserSession
from db.models.base import Base
from db.models.exercises import Exercise
from db.models.health import BodyMetric, CoachingActionItem, CoachingSession, HealthProfile, MealLog, ProgressPhoto
from db.models.organizations import Organization, OrganizationMember
from db.models.outbox import OutboxEvent
from db.models.programs import Program, ProgramDay, ProgramExercise
from db.models.records import Achievement, PersonalRecord, UserAchievement
from db.models.skills import PlannedSkillExercise, SkillCategory, SkillExercise, SkillLevel, UserSkillLevel, UserSkillProgress
from db.models.training import Goal, UserProgress
from db.models.users import User
from db.models.workouts import PlannedExercise, SetLog, WorkoutSession

__all__ = [
    "Base",
    "User",
    "Exercise",
    "Program",
    "ProgramDay",
    "ProgramExercise",
    "WorkoutSession",
    "PlannedExercise",
    "SetLog",
    "PersonalRecord",
    "Achievement",
    "UserAchievement",
    "OutboxEvent",
    "UserSession",
    "RefreshToken",
    "SignInThrottle",
    "CoachingRelationship",
    "Organization",
    "OrganizationMember",
    "UserProgress",
    "Goal",
    "SkillLevel",
    "SkillCategory",
    "SkillExercise",
    "UserSkillLevel",
    "UserSkillProgress",
    "PlannedSkillExercise",
    "HealthProfile",
    "BodyMetric",
    "MealLog",
    "ProgressPhoto",
    "CoachingSession",
    "CoachingActionItem",
]
