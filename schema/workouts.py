"""Workout sessions and the sets logged in them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from compiler import codecs
from compiler.declare import Col, Conn, Expr, Many, Nested, One, SortKey, columns, declare, weight_field
from domain.units import kg_to
from loaders.base import PageRequest
from loaders.exercises import ExerciseByIdLoader
from loaders.programs import ProgramDayByIdLoader
from loaders.workouts import (
    ExerciseIdsBySessionIdLoader,
    PlannedExercisesBySessionIdLoader,
    SessionTotals,
    SetLogCountBySessionIdLoader,
    SetLogPageBySessionIdLoader,
    TotalsBySessionIdLoader,
    WorkoutSessionByIdLoader,
)
from resolvers.access import can_read
from resolvers.pagination import MAX_PAGE, page_request
from resolvers.errors import NotFound
from schema.common import Info, load_visible
from schema.connection import Connection, build_connection
from schema.enums import SetType, WeightUnit, WorkoutStatus
from schema.exercises import Exercise
from schema.programs import PRESCRIPTION_SQL, Prescription, ProgramDay

if TYPE_CHECKING:
    from schema.skills import PlannedSkillExercise


@strawberry.type(description="An exercise planned for a session, copied from its program day when the workout started.")
class PlannedExercise(Prescription):
    @classmethod
    def from_row(cls, row: Any) -> PlannedExercise:
        return cls(row=row)


@strawberry.type(description="Totals over a session's sets. Warm-up sets count in `setCount` only.")
class WorkoutTotals:
    totals: strawberry.Private[SessionTotals]
    session_row: strawberry.Private[Any]

    @strawberry.field(description="All sets logged, warm-ups included.")
    def set_count(self) -> int:
        return self.totals.set_count

    @strawberry.field(description="Sets other than warm-ups.")
    def working_set_count(self) -> int:
        return self.totals.working_set_count

    @strawberry.field(description="Reps over working sets.")
    def reps(self) -> int:
        return self.totals.reps

    @strawberry.field(description="Volume: the sum of weight × reps over working sets.")
    def volume(self, unit: WeightUnit = WeightUnit.KG) -> float:
        return kg_to(self.totals.volume_kg, unit.value) or 0.0

    @strawberry.field(description="Time under work: the sum of the sets' durations, in seconds.")
    def set_duration_seconds(self) -> int:
        return self.totals.set_duration_seconds

    @strawberry.field(description="Distance covered over all sets, in metres.")
    def distance_meters(self) -> float:
        return self.totals.distance_m

    @strawberry.field(description="Elapsed time from start to finish (or to now, while in progress), in seconds.")
    def duration_seconds(self) -> int | None:
        start, end = self.session_row.started_at, self.session_row.ended_at
        if start is None:
            return None
        if end is None:
            if self.session_row.status != "in_progress":
                return None
            end = datetime.now(timezone.utc)
        return max(0, int((end - start).total_seconds()))


@strawberry.type(description="One set of one exercise, logged in a workout session.")
class SetLog(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    position: int = strawberry.field(description="Order within the session, from 0.")
    set_type: SetType = strawberry.field(description="Warm-up, working, drop or failure set.")
    reps: int | None = strawberry.field(description="Repetitions done.")
    duration_seconds: int | None = strawberry.field(description="Time the set took, in seconds.")
    rir: int | None = strawberry.field(description="Reps in reserve.")
    rest_seconds: int | None = strawberry.field(description="Rest taken before this set, in seconds.")
    notes: str | None = strawberry.field(description="Free-form notes.")
    client_id: str | None = strawberry.field(description="The idempotency key the client sent with `logSet`.")
    completed_at: datetime = strawberry.field(description="When the set was done.")
    # (Exercise | None,) when the list this set came in loaded the exercises in batch.
    attached_exercise: strawberry.Private[tuple | None] = None

    @classmethod
    def from_row(cls, row: Any) -> SetLog:
        return cls(
            id=str(row.id),
            row=row,
            position=row.position,
            set_type=SetType(row.set_type),
            reps=row.reps,
            duration_seconds=row.duration_seconds,
            rir=row.rir,
            rest_seconds=row.rest_seconds,
            notes=row.notes,
            client_id=row.client_id,
            completed_at=row.completed_at,
        )

    @strawberry.field(description="Load lifted.")
    def weight(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        return kg_to(self.row.weight_kg, unit.value)

    @strawberry.field(description="Weight × reps (null unless both are set).")
    def volume(self, unit: WeightUnit = WeightUnit.KG) -> float | None:
        if self.row.weight_kg is None or self.row.reps is None:
            return None
        return kg_to(self.row.weight_kg * self.row.reps, unit.value)

    @strawberry.field(description="Distance covered, in metres.")
    def distance_meters(self) -> float | None:
        return float(self.row.distance_m) if self.row.distance_m is not None else None

    @strawberry.field(description="Rate of perceived exertion, 1-10.")
    def rpe(self) -> float | None:
        return float(self.row.rpe) if self.row.rpe is not None else None

    @strawberry.field(
        description="The exercise performed. Null only for a set on an exercise the viewer can no longer read "
        "(a coach's own set on an athlete's custom exercise, after the coaching ended)."
    )
    def exercise(self, info: Info) -> Exercise | None:
        if self.attached_exercise is not None:
            return self.attached_exercise[0]
        return self._load_exercise(info)  # type: ignore[return-value]  # graphql-core awaits it

    async def _load_exercise(self, info: Info) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, self.row.exercise_id)
        return Exercise.from_row(row) if row else None

    @strawberry.field(description="The session the set belongs to (never null: a set and its session have one owner).")
    async def session(self, info: Info) -> WorkoutSession:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.row.session_id)
        if row is None:  # cannot happen while sets and sessions share their owner; fail loudly if it does
            raise NotFound("WorkoutSession")
        return WorkoutSession.from_row(row)


@strawberry.type(description="A workout: planned, in progress or done, with the sets logged in it.")
class WorkoutSession(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    name: str = strawberry.field(description="The session's name.")
    status: WorkoutStatus = strawberry.field(description="Where the session stands.")
    started_at: datetime = strawberry.field(description="When it started (or is planned to).")
    ended_at: datetime | None = strawberry.field(description="When it was finished or abandoned.")
    notes: str | None = strawberry.field(description="Free-form notes.")
    perceived_exertion: int | None = strawberry.field(description="How hard it felt overall, 1-10.")

    @classmethod
    def from_row(cls, row: Any) -> WorkoutSession:
        return cls(
            id=str(row.id),
            row=row,
            name=row.name,
            status=WorkoutStatus(row.status),
            started_at=row.started_at,
            ended_at=row.ended_at,
            notes=row.notes,
            perceived_exertion=row.perceived_exertion,
        )

    @strawberry.field(description="The program day this session follows, if any.")
    async def program_day(self, info: Info) -> ProgramDay | None:
        row = await load_visible(info, ProgramDayByIdLoader, self.row.program_day_id)
        return ProgramDay.from_row(row) if row else None

    @strawberry.field(description="The exercises planned for this session (from its program day), in order.")
    async def planned_exercises(self, info: Info) -> list[PlannedExercise]:
        rows = await info.context.loaders.get(PlannedExercisesBySessionIdLoader).load(self.row.id)
        return [PlannedExercise.from_row(r) for r in rows]

    @strawberry.field(description=f"The sets logged, in order. Pages default to {MAX_PAGE} sets (the maximum).")
    async def sets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SetLog]:
        request = page_request(first, after, last, before, default=MAX_PAGE, key=(int,))
        return await set_connection(info, self.row.id, request)

    @strawberry.field(description="The distinct exercises performed, in the order first performed.")
    async def exercises(self, info: Info) -> list[Exercise]:
        ids = await info.context.loaders.get(ExerciseIdsBySessionIdLoader).load(self.row.id)
        rows = await info.context.loaders.get(ExerciseByIdLoader).load_many(ids)
        # A set may name an exercise the viewer can no longer read (a coach's set on their
        # former athlete's custom exercise): the rule applies here as on every link.
        return [Exercise.from_row(r) for r in rows if await can_read(info.context, r)]

    @strawberry.field(description="The skill steps planned for this session (started from the skill plan), each against what was done.")
    async def skill_exercises(self, info: Info) -> list[Annotated["PlannedSkillExercise", strawberry.lazy("schema.skills")]]:
        from schema.skills import planned_skill_exercises

        return await planned_skill_exercises(info, self.row.id)

    @strawberry.field(
        description="Estimated energy burned (MET × body weight × time, see the README); null until the workout is completed."
    )
    async def energy(self, info: Info) -> Annotated["WorkoutEnergy", strawberry.lazy("schema.health")] | None:
        from schema.health import energy_of

        return await energy_of(info, self.row.id)

    @strawberry.field(description="Set count, reps, volume and duration of the session.")
    async def totals(self, info: Info) -> WorkoutTotals:
        totals = await info.context.loaders.get(TotalsBySessionIdLoader).load(self.row.id)
        return WorkoutTotals(totals=totals, session_row=self.row)


async def set_connection(info: Info, session_id: Any, request: PageRequest) -> Connection[SetLog]:
    loaders = info.context.loaders
    page = await loaders.get(SetLogPageBySessionIdLoader, request, None).load(session_id)
    connection = build_connection(
        page,
        request,
        SetLog.from_row,
        lambda r: (r.position,),
        lambda: loaders.get(SetLogCountBySessionIdLoader, None).load(session_id),
    )
    if selects(info.selected_fields[0].selections, ("edges", "node", "exercise")):
        await attach_exercises(info, [edge.node for edge in connection.edges])
    return connection


def selects(selections: list[Any], path: tuple[str, ...]) -> bool:
    """Whether the query selects `path` (field names, through fragments) below these selections."""
    for selection in selections:
        name = getattr(selection, "name", None)
        children = getattr(selection, "selections", None) or []
        if name is None or not hasattr(selection, "arguments"):  # a fragment: look inside
            if selects(children, path):
                return True
        elif name == path[0] and (len(path) == 1 or selects(children, path[1:])):
            return True
    return False


async def attach_exercises(info: Info, sets: list[SetLog]) -> None:
    """Load the sets' exercises in one batch (shared with every other list in the request)
    and attach them, so `exercise` is a plain value per set rather than a loader call each."""
    ids = list({s.row.exercise_id for s in sets})
    if not ids:
        return
    rows = await info.context.loaders.get(ExerciseByIdLoader).load_many(ids)
    shown = {key: Exercise.from_row(row) if await can_read(info.context, row) else None for key, row in zip(ids, rows)}
    for s in sets:
        s.attached_exercise = (shown[s.row.exercise_id],)


# --- compiled reads (compiler/): each field's SQL -------------------------------------------


def _session_exercises(b, alias: str, sel) -> str:
    """`WorkoutSession.exercises`: distinct exercises in the order first performed, each through the rule."""
    firsts = (
        f"(SELECT e.*, f.position AS first_position FROM (SELECT exercise_id, min(position) AS position FROM set_logs "
        f"WHERE session_id = {alias}.id GROUP BY exercise_id) f JOIN exercises e ON e.id = f.exercise_id)"
    )
    return b.many("Exercise", firsts, lambda e: b.access(b.type_sql("Exercise"), e), sel.details, lambda e: f"{e}.first_position")


# The aggregates of TotalsBySessionIdLoader, one row per session.
TOTALS_SQL = (
    "(SELECT count(*) AS set_count, count(*) FILTER (WHERE set_type <> 'warmup') AS working_set_count, "
    "coalesce(sum(reps) FILTER (WHERE set_type <> 'warmup'), 0) AS reps, "
    "coalesce(sum(reps * weight_kg) FILTER (WHERE set_type <> 'warmup'), 0) AS volume_kg, "
    "coalesce(sum(duration_seconds), 0) AS set_duration_seconds, coalesce(sum(distance_m), 0) AS distance_m "
    "FROM set_logs WHERE session_id = {parent}.id)"
)

declare(SetLog, table="set_logs", owner="user_id", fields={
    **columns("position", "set_type", "reps", "duration_seconds", "rir", "rest_seconds", "notes", "client_id", "completed_at", "rpe"),
    "weight": weight_field("weight_kg"),
    "volume": Expr(lambda b, alias, sel: codecs.weight(f"{alias}.weight_kg * {alias}.reps", sel.enum_arg("unit"))),
    "distanceMeters": Col("distance_m"),
    "exercise": One("Exercise", "exercise_id"),
    "session": One("WorkoutSession", "session_id"),
})
declare(WorkoutSession, table="workout_sessions", owner="user_id", fields={
    **columns("name", "status", "started_at", "ended_at", "notes", "perceived_exertion"),
    "programDay": One("ProgramDay", "program_day_id"),
    "plannedExercises": Many("PlannedExercise", "session_id"),
    "sets": Conn("SetLog", "session_id", (SortKey("position", "int"),), default_page=MAX_PAGE),
    "exercises": Expr(_session_exercises),
    "totals": Nested("WorkoutTotals", TOTALS_SQL),
})
declare(PlannedExercise, table="planned_exercises", fields=PRESCRIPTION_SQL)
# `durationSeconds` reads the clock while a workout runs: left to the executor.
declare(WorkoutTotals, table=None, fields={
    **columns("set_count", "working_set_count", "reps", "set_duration_seconds"),
    "volume": weight_field("volume_kg"),
    "distanceMeters": Col("distance_m"),
})
