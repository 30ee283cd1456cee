"""Personal records, the achievement catalogue and a user's unlocked achievements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from compiler import codecs
from compiler.declare import Expr, One, columns, declare
from domain.units import kg_to
from loaders.exercises import ExerciseByIdLoader
from loaders.records import AchievementByIdLoader, RecordHistoryByUserExerciseKindLoader
from loaders.workouts import SetLogByIdLoader, WorkoutSessionByIdLoader
from schema.common import Info, load_visible, viewer_language
from schema.enums import Language, RecordKind, WeightUnit
from schema.exercises import Exercise
from schema.workouts import SetLog, WorkoutSession

WEIGHT_KINDS = {"heaviest_weight", "estimated_one_rep_max", "best_set_volume", "rep_max_1", "rep_max_3", "rep_max_5", "rep_max_10", "best_session_volume"}


def _record_value(kind: str, value: Any, unit: WeightUnit) -> float | None:
    if value is None:
        return None
    return kg_to(value, unit.value) if kind in WEIGHT_KINDS else float(value)


@strawberry.type(
    description="A personal best of one kind on one exercise. Weights and volumes convert with `unit`; "
    "reps are counts, durations seconds, distances metres."
)
class PersonalRecord(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    kind: RecordKind = strawberry.field(description="What the record measures.")
    achieved_at: datetime = strawberry.field(description="When it was set.")

    @classmethod
    def from_row(cls, row: Any) -> PersonalRecord:
        return cls(id=str(row.id), row=row, kind=RecordKind(row.kind), achieved_at=row.achieved_at)

    @strawberry.field(description="The record's value.")
    def value(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _record_value(self.row.kind, self.row.value, unit) or 0.0

    @strawberry.field(description="The value it beat, if there was one.")
    def previous_value(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _record_value(self.row.kind, self.row.previous_value, unit)

    @strawberry.field(description="The exercise.")
    async def exercise(self, info: Info) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, self.row.exercise_id)
        return Exercise.from_row(row) if row else None

    @strawberry.field(description="The set that set it (null once that set is deleted).")
    async def set_log(self, info: Info) -> SetLog | None:
        row = await load_visible(info, SetLogByIdLoader, self.row.set_log_id)
        return SetLog.from_row(row) if row else None

    @strawberry.field(description="The session it was set in.")
    async def session(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.row.session_id)
        return WorkoutSession.from_row(row) if row else None

    @strawberry.field(
        description="Every best this record has been, oldest first: each set that beat all before it. "
        "Derived from the sets, so edited and deleted sets rewrite it."
    )
    async def history(self, info: Info) -> list[RecordHistoryEntry]:
        key = (self.row.user_id, self.row.exercise_id, self.row.kind)
        rows = await info.context.loaders.get(RecordHistoryByUserExerciseKindLoader).load(key)
        return [RecordHistoryEntry(row=row) for row in rows]


@strawberry.type(description="One step of a record's history.")
class RecordHistoryEntry:
    row: strawberry.Private[Any]

    @strawberry.field(description="The best it became.")
    def value(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return _record_value(self.row.kind, self.row.value, unit) or 0.0

    @strawberry.field(description="The best it beat (null for the first).")
    def previous_value(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return _record_value(self.row.kind, self.row.previous_value, unit)

    @strawberry.field(description="When.")
    def achieved_at(self) -> datetime:
        return self.row.achieved_at

    @strawberry.field(description="The set that did it.")
    async def set_log(self, info: Info) -> SetLog | None:
        row = await load_visible(info, SetLogByIdLoader, self.row.set_log_id)
        return SetLog.from_row(row) if row else None

    @strawberry.field(description="Its session.")
    async def session(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.row.session_id)
        return WorkoutSession.from_row(row) if row else None


@strawberry.type(description="An achievement anyone can unlock (the catalogue is public).")
class Achievement(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    code: str = strawberry.field(description="Stable machine name, e.g. FIRST_WORKOUT.")
    icon: str = strawberry.field(description="Icon name for display.")
    badge_color: str = strawberry.field(description="Badge colour for display.")
    points_reward: int = strawberry.field(description="Points awarded on unlocking.")

    @classmethod
    def from_row(cls, row: Any) -> Achievement:
        return cls(
            id=str(row.id), row=row, code=row.code, icon=row.icon, badge_color=row.badge_color, points_reward=row.points_reward
        )

    @strawberry.field(description="The name in `lang`, else in the viewer's language.")
    async def name(self, info: Info, lang: Language | None = None) -> str:
        language = lang.value if lang is not None else await viewer_language(info)
        return self.row.name_he if language == "he" else self.row.name

    @strawberry.field(description="The description in `lang`, else in the viewer's language.")
    async def description(self, info: Info, lang: Language | None = None) -> str:
        language = lang.value if lang is not None else await viewer_language(info)
        return self.row.description_he if language == "he" else self.row.description


@strawberry.type(description="An achievement a user has unlocked.")
class UserAchievement(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    unlocked_at: datetime = strawberry.field(description="When it was unlocked.")

    @classmethod
    def from_row(cls, row: Any) -> UserAchievement:
        return cls(id=str(row.id), row=row, unlocked_at=row.unlocked_at)

    @strawberry.field(description="The achievement unlocked.")
    async def achievement(self, info: Info) -> Achievement:
        row = await info.context.loaders.get(AchievementByIdLoader).load(self.row.achievement_id)
        return Achievement.from_row(row)

    @strawberry.field(description="The session that unlocked it, if any.")
    async def session(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.row.session_id)
        return WorkoutSession.from_row(row) if row else None


# --- compiled reads (compiler/): each field's SQL -------------------------------------------


def _record_value_sql(column: str):
    """`_record_value`: weights convert with `unit`; counts, seconds and metres print as floats."""
    kinds = ", ".join(codecs.literal(k) for k in sorted(WEIGHT_KINDS))

    def sql(b, alias: str, sel) -> str:
        weight = codecs.weight(f"{alias}.{column}", sel.enum_arg("unit"))
        return f"(CASE WHEN {alias}.kind IN ({kinds}) THEN {weight} ELSE {codecs.number(f'{alias}.{column}')} END)"

    return Expr(sql)


def _in_language(column: str):
    def sql(b, alias: str, sel) -> str:
        lang = sel.enum_arg("lang")
        language = codecs.literal(lang) if lang is not None else b.viewer_language()
        return f"(CASE WHEN {language} = 'he' THEN {alias}.{column}_he ELSE {alias}.{column} END)"

    return Expr(sql)


# `history` is derived from the sets by resolvers/records.py: left to the executor.
declare(PersonalRecord, table="personal_records", owner="user_id", fields={
    **columns("kind", "achieved_at"),
    "value": _record_value_sql("value"),
    "previousValue": _record_value_sql("previous_value"),
    "exercise": One("Exercise", "exercise_id"),
    "setLog": One("SetLog", "set_log_id"),
    "session": One("WorkoutSession", "session_id"),
})
declare(Achievement, table="achievements", fields={
    **columns("code", "icon", "badge_color", "points_reward"),
    "name": _in_language("name"),
    "description": _in_language("description"),
})
declare(UserAchievement, table="user_achievements", owner="user_id", fields={
    **columns("unlocked_at"),
    "achievement": One("Achievement", "achievement_id", checked=False),
    "session": One("WorkoutSession", "session_id"),
})
