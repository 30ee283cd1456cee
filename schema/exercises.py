"""The exercise library and users' custom exercises."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from compiler import codecs
from compiler.declare import Col, Expr, columns, declare
from schema.common import Info, viewer_language
from loaders.records import MostRepsSetByUserExerciseWeightLoader, PersonalRecordByUserExerciseKindLoader
from domain.units import to_kg
from resolvers.errors import BadUserInput
from schema.enums import (
    Category, Equipment, Force, Language, Level, Mechanic, MovementPattern, Muscle, RecordKind, Tracking, WeightUnit,
)

if TYPE_CHECKING:
    from schema.records import PersonalRecord
    from schema.workouts import SetLog


@strawberry.type(description="How much one muscle works in an exercise (primary 1.0, secondary 0.5 unless set).")
class MuscleContribution:
    muscle: Muscle = strawberry.field(description="The muscle group.")
    share: float = strawberry.field(description="Its share of the work, 0-1.")


@strawberry.type(description="An exercise: from the global library (public) or a user's own (private).")
class Exercise(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    category: Category = strawberry.field(description="The kind of training.")
    movement_pattern: MovementPattern = strawberry.field(description="The basic movement trained.")
    force: Force | None = strawberry.field(description="Push, pull or static hold, when known.")
    mechanic: Mechanic | None = strawberry.field(description="Compound or isolation, when known.")
    level: Level = strawberry.field(description="Experience it calls for.")
    equipment: Equipment | None = strawberry.field(description="What it is done with, when any.")
    primary_muscles: list[Muscle] = strawberry.field(description="The muscles mainly trained.")
    secondary_muscles: list[Muscle] = strawberry.field(description="Muscles that assist.")
    tags: list[str] = strawberry.field(description="Free-form labels for search and grouping.")
    tracking: Tracking = strawberry.field(description="What a set of it records.")
    is_custom: bool = strawberry.field(description="True for a user's own exercise, false for the library.")
    created_at: datetime = strawberry.field(description="When it was added.")

    @classmethod
    def from_row(cls, row: Any) -> Exercise:
        return cls(
            id=str(row.id),
            row=row,
            category=Category(row.category),
            movement_pattern=MovementPattern(row.movement_pattern),
            force=Force(row.force) if row.force else None,
            mechanic=Mechanic(row.mechanic) if row.mechanic else None,
            level=Level(row.level),
            equipment=Equipment(row.equipment) if row.equipment else None,
            primary_muscles=[Muscle(m) for m in row.primary_muscles],
            secondary_muscles=[Muscle(m) for m in row.secondary_muscles],
            tags=list(row.tags),
            tracking=Tracking(row.tracking),
            is_custom=row.owner_id is not None,
            created_at=row.created_at,
        )

    @strawberry.field(description="The name in `lang`, else in the viewer's language; English where no translation exists.")
    def name(self, info: Info, lang: Language | None = None) -> str:
        # Synchronous once the viewer's language is known: in a list of hundreds of
        # exercises a coroutine per name costs more than the rest of the field.
        language = lang.value if lang is not None else info.context.extra.get("viewer_language")
        if language is None:
            return self._name_in_viewer_language(info)  # type: ignore[return-value]  # graphql-core awaits it
        return self._name_in(language)

    def _name_in(self, language: str) -> str:
        return (self.row.name_he if language == "he" else None) or self.row.name

    async def _name_in_viewer_language(self, info: Info) -> str:
        return self._name_in(await viewer_language(info))

    @strawberry.field(description="The English name.")
    def name_en(self) -> str:
        return self.row.name

    @strawberry.field(description="The Hebrew name, when one exists.")
    def name_he(self) -> str | None:
        return self.row.name_he

    @strawberry.field(description="The viewer's current record of `kind` on this exercise; null when signed out or none yet.")
    async def personal_record(
        self, info: Info, kind: RecordKind
    ) -> Annotated[PersonalRecord, strawberry.lazy("schema.records")] | None:
        from schema.records import PersonalRecord

        if info.context.viewer_id is None:
            return None
        key = (info.context.viewer_id, self.row.id, kind.value)
        row = await info.context.loaders.get(PersonalRecordByUserExerciseKindLoader).load(key)
        return PersonalRecord.from_row(row) if row else None

    @strawberry.field(
        description="When an administrator archived this library exercise: it is no longer listed in search, but whatever "
        "uses it keeps it. Null while it is listed."
    )
    def archived_at(self) -> datetime | None:
        return self.row.archived_at

    @strawberry.field(
        description="The viewer's set with the most reps at `weight` or heavier (warm-ups excluded; the earliest on "
        "ties): the most-reps record at a given weight. Null when signed out or there is none."
    )
    async def most_reps_at_weight(
        self, info: Info, weight: float, unit: WeightUnit = WeightUnit.KG
    ) -> Annotated[SetLog, strawberry.lazy("schema.workouts")] | None:
        from schema.workouts import SetLog
        from loaders.workouts import SetLogByIdLoader

        kg = to_kg(weight, unit.value)
        if kg is None or not 0 <= kg <= 2000:
            raise BadUserInput("'weight' must be between 0 and 2000 kg", field="weight")
        if info.context.viewer_id is None:
            return None
        key = (info.context.viewer_id, self.row.id, Decimal(str(round(kg, 3))))
        set_id = await info.context.loaders.get(MostRepsSetByUserExerciseWeightLoader).load(key)
        row = await info.context.loaders.get(SetLogByIdLoader).load(set_id) if set_id else None
        return SetLog.from_row(row) if row else None

    @strawberry.field(description="Each trained muscle with its share of the work.")
    def muscle_contributions(self) -> list[MuscleContribution]:
        items = sorted(self.row.muscle_contributions.items(), key=lambda kv: (-kv[1], kv[0]))
        return [MuscleContribution(muscle=Muscle(m), share=float(s)) for m, s in items]


# --- compiled reads (compiler/): each field's SQL -------------------------------------------


def _name(b, alias: str, sel) -> str:
    """`Exercise.name`: Hebrew when asked (or the viewer's language) and there is one, else English."""
    lang = sel.enum_arg("lang")
    language = codecs.literal(lang) if lang is not None else b.viewer_language()
    return f"(CASE WHEN {language} = 'he' THEN coalesce(nullif({alias}.name_he, ''), {alias}.name) ELSE {alias}.name END)"


def _personal_record(b, alias: str, sel) -> str:
    """The viewer's own current record of `kind` on this exercise (null when signed out)."""
    if not b.signed_in:
        return "NULL::json"
    r = b.alias()
    return (
        f"(SELECT {b.object('PersonalRecord', r, sel.details)} FROM personal_records {r} WHERE {r}.user_id = %(viewer)s::uuid "
        f"AND {r}.exercise_id = {alias}.id AND {r}.kind = {codecs.literal(sel.enum_arg('kind'))})"
    )


def _most_reps_at_weight(b, alias: str, sel) -> str:
    """MostRepsSetByUserExerciseWeightLoader: the viewer's set with the most reps at `weight` or heavier."""
    def kilograms(args) -> Decimal:
        kg = to_kg(args["weight"], args.get("unit") or "kg")
        if kg is None or not 0 <= kg <= 2000:
            raise BadUserInput("'weight' must be between 0 and 2000 kg", field="weight")
        return Decimal(str(round(kg, 3)))

    weight = sel.param("numeric", kilograms)
    if not b.signed_in:
        return "NULL::json"
    s = b.alias()
    return (
        f"(SELECT {b.object('SetLog', s, sel.details)} FROM set_logs {s} WHERE {s}.user_id = %(viewer)s::uuid "
        f"AND {s}.exercise_id = {alias}.id AND {s}.weight_kg >= {weight} AND {s}.set_type <> 'warmup' AND {s}.reps > 0 "
        f"ORDER BY {s}.reps DESC, {s}.completed_at, {s}.id LIMIT 1)"
    )


def _contributions(b, alias: str, sel) -> str:
    """Each muscle's share, largest first, then by the stored muscle name (as Python sorts them)."""
    kv = b.alias()
    return (
        f"(SELECT coalesce(json_agg({b.object('MuscleContribution', kv, sel.details)} "
        f"ORDER BY ({kv}.value)::numeric DESC, {kv}.key COLLATE \"C\"), '[]') FROM jsonb_each({alias}.muscle_contributions) {kv})"
    )


declare(Exercise, table="exercises", owner="owner_id", unowned_is_public=True, fields={
    **columns("category", "movement_pattern", "force", "mechanic", "level", "equipment", "primary_muscles",
              "secondary_muscles", "tags", "tracking", "created_at", "archived_at"),
    "isCustom": Expr(lambda b, alias, sel: f"({alias}.owner_id IS NOT NULL)"),
    "name": Expr(_name),
    "nameEn": Col("name"),
    "nameHe": Col("name_he"),
    "personalRecord": Expr(_personal_record),
    "mostRepsAtWeight": Expr(_most_reps_at_weight),
    "muscleContributions": Expr(_contributions),
})
declare(MuscleContribution, table=None, fields={
    "muscle": Col("key"),
    "share": Expr(lambda b, alias, sel: codecs.number(f"({alias}.value)::numeric")),
})
