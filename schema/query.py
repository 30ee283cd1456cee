"""The root Query: the viewer, the exercise library and Relay's node lookups."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry import relay

from compiler import codecs
from compiler.declare import Conn, SortKey
from loaders.exercises import ExerciseByIdLoader
from loaders.goals import GoalByIdLoader
from loaders.health import BodyMetricByIdLoader, CoachingSessionByIdLoader, MealLogByIdLoader, ProgressPhotoByIdLoader
from loaders.organizations import OrganizationByIdLoader, OrganizationMemberByKeyLoader
from loaders.programs import ProgramByIdLoader, ProgramDayByIdLoader, ProgramExerciseByIdLoader
from loaders.records import AchievementByIdLoader, PersonalRecordByIdLoader, UserAchievementByIdLoader
from loaders.skills import SkillExerciseByIdLoader
from loaders.users import CoachingRelationshipByIdLoader, SignInSessionByIdLoader, UserByIdLoader
from loaders.workouts import SetLogByIdLoader, WorkoutSessionByIdLoader
from resolvers.errors import BadUserInput, NotFound
from resolvers.exercises import ExerciseFilterSpec, exercise_count, exercise_page
from resolvers.ids import decode_id, parse_node_id
from resolvers.pagination import MAX_PAGE, page_request
from schema.common import Info, load_visible
from schema.connection import Connection, build_connection
from schema.conversations import Conversation, Message
from schema.enums import Category, Equipment, Level, MovementPattern, Muscle
from schema.exercises import Exercise
from schema.goals import Goal
from schema.health import BodyMetrics, CoachingSession, MealLog, ProgressPhoto
from schema.organizations import Organization, OrganizationMember
from schema.programs import Program, ProgramDay, ProgramExercise
from schema.records import Achievement, PersonalRecord, UserAchievement
from schema.skills import SkillExercise, SkillLadder
from schema.users import CoachingRelationship, SignInSession, User
from schema.workouts import SetLog, WorkoutSession

# Every Node type: how to load it and how to present it. `node`, `nodes` and ID
# arguments all go through the same access rule (resolvers.access).
NODE_TYPES: dict[str, tuple[type, Any]] = {
    "User": (UserByIdLoader, User),
    "Exercise": (ExerciseByIdLoader, Exercise),
    "Program": (ProgramByIdLoader, Program),
    "ProgramDay": (ProgramDayByIdLoader, ProgramDay),
    "ProgramExercise": (ProgramExerciseByIdLoader, ProgramExercise),
    "WorkoutSession": (WorkoutSessionByIdLoader, WorkoutSession),
    "SetLog": (SetLogByIdLoader, SetLog),
    "PersonalRecord": (PersonalRecordByIdLoader, PersonalRecord),
    "Achievement": (AchievementByIdLoader, Achievement),
    "UserAchievement": (UserAchievementByIdLoader, UserAchievement),
    "Goal": (GoalByIdLoader, Goal),
    "Organization": (OrganizationByIdLoader, Organization),
    "SkillExercise": (SkillExerciseByIdLoader, SkillExercise),
    "BodyMetrics": (BodyMetricByIdLoader, BodyMetrics),
    "MealLog": (MealLogByIdLoader, MealLog),
    "ProgressPhoto": (ProgressPhotoByIdLoader, ProgressPhoto),
    "CoachingSession": (CoachingSessionByIdLoader, CoachingSession),
    # Documents in MongoDB: the type applies its own access rule (`resolve_visible`).
    "Conversation": (None, Conversation),
    "Message": (None, Message),
    "OrganizationMember": (OrganizationMemberByKeyLoader, OrganizationMember),
    "SignInSession": (SignInSessionByIdLoader, SignInSession),
    "CoachingRelationship": (CoachingRelationshipByIdLoader, CoachingRelationship),
}


async def resolve_node(info: Info, global_id: str, field: str = "id") -> relay.Node:
    type_name, key = parse_node_id(global_id, field)
    if type_name not in NODE_TYPES:
        raise NotFound("Object", field=field)
    loader, node_type = NODE_TYPES[type_name]
    if loader is None:
        node = await node_type.resolve_visible(info, key)
        if node is None:
            raise NotFound(type_name, field=field)
        return node
    row = await load_visible(info, loader, key)
    if row is None:
        raise NotFound(type_name, field=field)
    if node_type is OrganizationMember:
        return OrganizationMember.of(row, await info.context.loaders.get(UserByIdLoader).load(row.user_id))
    return node_type.from_row(row)


@strawberry.input(description="Narrows the exercise list; all given conditions must hold.")
class ExerciseFilter:
    search: str | None = strawberry.field(default=None, description="Part of the English or Hebrew name, any case.")
    muscle: Muscle | None = strawberry.field(default=None, description="Trains this muscle (primary or secondary).")
    equipment: Equipment | None = strawberry.field(default=None, description="Uses this equipment.")
    category: Category | None = strawberry.field(default=None, description="Belongs to this category.")
    movement_pattern: MovementPattern | None = strawberry.field(default=None, description="Trains this movement.")
    level: Level | None = strawberry.field(default=None, description="Suits this level.")


@strawberry.type(description="Read access to RepGraph.")
class Query:
    @strawberry.field(description="Any object by its global ID. Objects that are not yours answer NOT_FOUND.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Several objects by global ID, in the order asked; each missing one is null with a NOT_FOUND error.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_PAGE:
            raise BadUserInput(f"At most {MAX_PAGE} ids per call", field="ids")
        # Awaitable items: graphql-core resolves them together and reports errors per index.
        return [resolve_node(info, gid, "ids") for gid in ids]  # type: ignore[misc]

    @strawberry.field(description="The signed-in user; null when the request carries no token.")
    async def viewer(self, info: Info) -> User | None:
        user = await info.context.viewer()
        return User.from_row(user) if user else None

    @strawberry.field(description="The exercise library plus your own custom exercises, by name.")
    async def exercises(
        self,
        info: Info,
        filter: ExerciseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Exercise]:
        request = page_request(first, after, last, before, key=(str, uuid.UUID))
        f = filter or ExerciseFilter()
        search = (f.search or "").strip()[:100] or None
        spec = ExerciseFilterSpec(
            search=search,
            muscle=f.muscle.value if f.muscle else None,
            equipment=f.equipment.value if f.equipment else None,
            category=f.category.value if f.category else None,
            movement_pattern=f.movement_pattern.value if f.movement_pattern else None,
            level=f.level.value if f.level else None,
        )
        page = await exercise_page(info.context, spec, request)
        return build_connection(page, request, Exercise.from_row, lambda r: (r.name, r.id), lambda: exercise_count(info.context, spec))

    @strawberry.field(description="The bodyweight skill ladder: levels 0-5, categories, and each level's exercises with default prescriptions.")
    def skill_ladder(self) -> SkillLadder:
        return SkillLadder()

    @strawberry.field(description="One exercise by ID (library or your own).")
    async def exercise(self, info: Info, id: strawberry.ID) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, decode_id(id, "Exercise", "id"))
        if row is None:
            raise NotFound("Exercise", field="id")
        return Exercise.from_row(row)


# --- compiled reads (compiler/): the exercise list's SQL -------------------------------------


def _exercise_filters(b, alias: str, sel) -> list[str]:
    """`_visible_filtered` of resolvers/exercises.py: the library and your own, unarchived, filtered."""
    mine = f" OR {alias}.owner_id = %(viewer)s::uuid" if b.signed_in else ""
    conditions = [f"({alias}.owner_id IS NULL{mine})", f"{alias}.archived_at IS NULL"]
    given = sel.arg("filter") or {}

    def pattern(args) -> str | None:
        search = ((args.get("filter") or {}).get("search") or "").strip()[:100] or None
        if search is None:
            return None
        return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    if given.get("search") is not None:
        p = sel.param("text", pattern)
        conditions.append(f"({p} IS NULL OR {alias}.name ILIKE {p} OR {alias}.name_he ILIKE {p})")
    if given.get("muscle") is not None:
        muscle = codecs.literal(getattr(given["muscle"], "value", given["muscle"]))
        conditions.append(f"({alias}.primary_muscles @> ARRAY[{muscle}]::varchar[] OR {alias}.secondary_muscles @> ARRAY[{muscle}]::varchar[])")
    for name, column in (("equipment", "equipment"), ("category", "category"), ("movementPattern", "movement_pattern"), ("level", "level")):
        if given.get(name) is not None:
            conditions.append(f"{alias}.{column} = {codecs.literal(getattr(given[name], 'value', given[name]))}")
    return conditions


EXERCISES_SQL = Conn("Exercise", None, (SortKey("name", "text"), SortKey("id", "uuid")), filters=_exercise_filters)


def exercise_connection_sql(b, sel) -> str:
    return EXERCISES_SQL.sql(b, None, sel)
