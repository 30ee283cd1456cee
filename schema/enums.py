"""GraphQL enums: the domain vocabularies plus the API's unit and language choices."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain import enums as d

Language = strawberry.enum(d.Language, description="A language names and descriptions can be read in.")
UnitSystem = strawberry.enum(d.UnitSystem, description="The units a user prefers to see.")
Role = strawberry.enum(d.Role, description="What a user may do beyond their own data.")
OrganizationRole = strawberry.enum(
    d.OrganizationRole,
    description="A member's role in an organization: OWNERs manage it; OWNERs and COACHes read the training of members who share it.",
)
Category = strawberry.enum(d.Category, description="The kind of training an exercise belongs to.")
MovementPattern = strawberry.enum(d.MovementPattern, description="The basic movement an exercise trains.")
Force = strawberry.enum(d.Force, description="Whether the exercise pushes, pulls or holds.")
Mechanic = strawberry.enum(d.Mechanic, description="Compound (several joints) or isolation (one joint).")
Level = strawberry.enum(d.Level, description="How experienced one should be for an exercise.")
Equipment = strawberry.enum(d.Equipment, description="What an exercise is done with.")
Muscle = strawberry.enum(d.Muscle, description="A muscle group.")
Tracking = strawberry.enum(
    d.Tracking, description="What a set of the exercise records: weight and reps, reps, duration, distance, or both."
)
ProgramStructure = strawberry.enum(
    d.ProgramStructure, description="WEEKLY programs tie days to weekdays; CYCLIC ones repeat their days in order."
)
WorkoutStatus = strawberry.enum(d.WorkoutStatus, description="Where a workout session stands.")
SetType = strawberry.enum(d.SetType, description="The role of a set; warm-up sets never count towards records or volume.")
RecordKind = strawberry.enum(d.RecordKind, description="What a personal record measures.")
StatsGrouping = strawberry.enum(
    d.StatsGrouping, description="How statistics are bucketed: by local day, by week (Monday to Sunday) or by calendar month."
)


@strawberry.enum(description="A unit for weights (and volume, weight × reps).")
class WeightUnit(Enum):
    KG = "kg"
    LB = "lb"
