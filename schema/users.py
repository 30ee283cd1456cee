"""Users and the lists hanging off them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from loaders.goals import GoalCountByUserIdLoader, GoalFilterSpec, GoalPageByUserIdLoader
from loaders.programs import ProgramCountByOwnerIdLoader, ProgramPageByOwnerIdLoader
from loaders.records import (
    PersonalRecordCountByUserIdLoader,
    PersonalRecordPageByUserIdLoader,
    RecordFilterSpec,
    UserAchievementCountByUserIdLoader,
    UserAchievementPageByUserIdLoader,
)
from loaders.workouts import SessionFilterSpec, WorkoutSessionCountByUserIdLoader, WorkoutSessionPageByUserIdLoader
from loaders.users import UserByIdLoader, UserProgressByUserIdLoader
from compiler import codecs
from compiler.declare import Conn, SortKey, columns, declare
from resolvers import accounts, coaching
from resolvers.errors import BadUserInput, NotFound
from resolvers.ids import decode_id
from resolvers.pagination import page_request
from schema.common import Info, load_visible
from schema.connection import Connection, build_connection
from schema.conversations import Conversation, ConversationFilter, inbox
from schema.enums import Language, RecordKind, Role, StatsGrouping, UnitSystem, WorkoutStatus
from schema.goals import Goal, GoalStatus
from schema.health import (
    BodyMetrics,
    BodyMetricsTrend,
    CoachingSession,
    HealthProfile,
    MealLog,
    ProgressPhoto,
    body_metrics_of,
    coaching_sessions_of,
    meals_of,
    photos_of,
    profile_of,
    trend_of,
)
from schema.organizations import Organization, organizations_of
from schema.programs import Program
from schema.records import PersonalRecord, UserAchievement
from schema.skills import SkillProgress, SkillStanding, skill_plan_of, skill_progress_of
from schema.stats import StatsRange, UserStats
from schema.training import TrainingProgress
from schema.workouts import WorkoutSession


# The sort key of every list on a user: (a time, the id), newest first.
NEWEST_FIRST = (datetime, uuid.UUID)


@strawberry.input(description="Narrows a user's workout sessions.")
class WorkoutSessionFilter:
    from_: datetime | None = strawberry.field(name="from", default=None, description="Started at or after this instant.")
    to: datetime | None = strawberry.field(default=None, description="Started before this instant.")
    status: list[WorkoutStatus] | None = strawberry.field(default=None, description="Any of these statuses.")


@strawberry.type(description="A sign-in on one device (seed 004's user sessions). Its id goes to `revokeSession` to sign that device out.")
class SignInSession(relay.Node):
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> SignInSession:
        return cls(row=row)

    @classmethod
    def resolve_id(cls, root: SignInSession, *, info: Info) -> str:
        return str(root.row.id)

    @strawberry.field(description="True for the sign-in making this request.")
    def current(self, info: Info) -> bool:
        return self.row.id == info.context.session_id

    @strawberry.field(description="The device, as its browser or app named itself (User-Agent).")
    def device(self) -> str | None:
        return self.row.device

    @strawberry.field(description="The address it signed in from.")
    def ip_address(self) -> str | None:
        return self.row.ip

    @strawberry.field(description="When it signed in.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When it was last used (to the minute).")
    def last_seen_at(self) -> datetime:
        return self.row.last_seen_at

    @strawberry.field(description="When it ends unless used (each refresh extends it).")
    def expires_at(self) -> datetime:
        return self.row.expires_at


@strawberry.enum(description="Where a coaching relationship stands.")
class CoachingStatus(Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


@strawberry.type(description="A coach and an athlete. While accepted, the coach reads the athlete's training data.")
class CoachingRelationship(relay.Node):
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> CoachingRelationship:
        return cls(row=row)

    @classmethod
    async def build(cls, info: Info, row: Any) -> CoachingRelationship:
        return cls(row=row)

    @classmethod
    def resolve_id(cls, root: CoachingRelationship, *, info: Info) -> str:
        return str(root.row.id)  # for `respondToCoaching` and `endCoaching`

    @strawberry.field(description="The coach.")
    async def coach_username(self, info: Info) -> str:
        return (await info.context.loaders.get(UserByIdLoader).load(self.row.coach_id)).username

    @strawberry.field(description="The athlete.")
    async def athlete_username(self, info: Info) -> str:
        return (await info.context.loaders.get(UserByIdLoader).load(self.row.athlete_id)).username

    @strawberry.field(description="Where it stands.")
    def status(self) -> CoachingStatus:
        return CoachingStatus(self.row.status)

    @strawberry.field(description="When the coach sent the invitation.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="True when the viewer is the coach in it.")
    def viewer_is_coach(self, info: Info) -> bool:
        return self.row.coach_id == info.context.viewer_id

    @strawberry.field(description="The athlete, with their training data, when the viewer may read it (the accepted coach).")
    async def athlete(self, info: Info) -> User | None:
        row = await load_visible(info, UserByIdLoader, self.row.athlete_id)
        return User.from_row(row) if row else None


@strawberry.type(
    description="A RepGraph user. Only the user themself, their accepted coaches and, while the user shares their training "
    "with an organization, its owners and coaches can see their data."
)
class User(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    username: str = strawberry.field(description="Unique handle.")
    display_name: str = strawberry.field(description="Name shown to others.")
    email: str = strawberry.field(description="Sign-in e-mail address.")
    language: Language = strawberry.field(description="Preferred language for names and messages.")
    timezone: str = strawberry.field(description="IANA time zone, e.g. Asia/Jerusalem; days and streaks follow it.")
    unit_system: UnitSystem = strawberry.field(description="Preferred units.")
    role: Role = strawberry.field(description="Athlete, coach or admin.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=str(row.id),
            row=row,
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            language=Language(row.language),
            timezone=row.timezone,
            unit_system=UnitSystem(row.unit_system),
            role=Role(row.role),
            created_at=row.created_at,
        )

    async def _connection(self, info: Info, page_loader: type, count_loader: type, spec: Any, to_node, sort_key, args) -> Connection:
        request = page_request(*args, key=NEWEST_FIRST)
        loaders = info.context.loaders
        page = await loaders.get(page_loader, request, spec).load(self.row.id)
        return build_connection(page, request, to_node, sort_key, lambda: loaders.get(count_loader, spec).load(self.row.id))

    @strawberry.field(description="Open coaching relationships (pending or accepted), as coach and as athlete.")
    async def coaching(self, info: Info) -> list[CoachingRelationship]:
        ctx = info.context
        if ctx.viewer_id != self.row.id:
            raise NotFound("User")
        return [await CoachingRelationship.build(info, row) for row in await coaching.open_relationships(ctx)]

    @strawberry.field(description="The organizations the user belongs to, earliest joined first (only the user themself sees this list).")
    async def organizations(self, info: Info) -> list[Organization]:
        if info.context.viewer_id != self.row.id:
            raise NotFound("User")
        return await organizations_of(info, self.row.id)

    @strawberry.field(description="The user's active sign-ins, most recently used first.")
    async def sessions(self, info: Info) -> list[SignInSession]:
        ctx = info.context
        if ctx.viewer_id != self.row.id:
            raise NotFound("User")
        return [SignInSession.from_row(row) for row in await accounts.active_sessions(ctx)]

    @strawberry.field(description="The user's training programs, newest first.")
    async def programs(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[Program]:
        return await self._connection(
            info, ProgramPageByOwnerIdLoader, ProgramCountByOwnerIdLoader, None, Program.from_row,
            lambda r: (r.created_at, r.id), (first, after, last, before),
        )

    @strawberry.field(description="The user's workout sessions, most recent first.")
    async def workout_sessions(
        self,
        info: Info,
        filter: WorkoutSessionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WorkoutSession]:
        spec = SessionFilterSpec()
        if filter is not None:
            if filter.from_ and filter.to and filter.from_ >= filter.to:
                raise BadUserInput("'from' must be before 'to'", field="filter.from")
            spec = SessionFilterSpec(
                started_from=filter.from_,
                started_to=filter.to,
                statuses=tuple(sorted(s.value for s in filter.status or ())),
            )
        return await self._connection(
            info, WorkoutSessionPageByUserIdLoader, WorkoutSessionCountByUserIdLoader, spec, WorkoutSession.from_row,
            lambda r: (r.started_at, r.id), (first, after, last, before),
        )

    @strawberry.field(description="The user's current personal records, most recent first.")
    async def personal_records(
        self,
        info: Info,
        exercise_id: strawberry.ID | None = None,
        kind: list[RecordKind] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PersonalRecord]:
        spec = RecordFilterSpec(
            exercise_id=decode_id(exercise_id, "Exercise", "exerciseId") if exercise_id else None,
            kinds=tuple(sorted(k.value for k in kind or ())),
        )
        return await self._connection(
            info, PersonalRecordPageByUserIdLoader, PersonalRecordCountByUserIdLoader, spec, PersonalRecord.from_row,
            lambda r: (r.achieved_at, r.id), (first, after, last, before),
        )

    @strawberry.field(
        description="The user's conversations, latest activity first (only the user themself sees this list). Null, with a "
        "SERVICE_UNAVAILABLE error, while their store is unreachable: the rest of the answer stands."
    )
    async def conversations(
        self, info: Info, first: int | None = None, after: str | None = None, filter: ConversationFilter | None = None
    ) -> Connection[Conversation] | None:
        return await inbox(info, self.row.id, filter, first, after)

    @strawberry.field(description="Points, level, streaks and totals.")
    async def progress(self, info: Info) -> TrainingProgress:
        row = await info.context.loaders.get(UserProgressByUserIdLoader).load(self.row.id)
        return TrainingProgress(row=row, timezone=self.row.timezone)

    @strawberry.field(description="Achievements the user has unlocked, most recent first.")
    async def achievements(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[UserAchievement]:
        return await self._connection(
            info, UserAchievementPageByUserIdLoader, UserAchievementCountByUserIdLoader, None, UserAchievement.from_row,
            lambda r: (r.unlocked_at, r.id), (first, after, last, before),
        )

    @strawberry.field(description="The user's goals, newest first; `status` narrows them (e.g. ACTIVE).")
    async def goals(
        self,
        info: Info,
        status: GoalStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Goal]:
        spec = GoalFilterSpec(statuses=(status.value,) if status else ())
        return await self._connection(
            info, GoalPageByUserIdLoader, GoalCountByUserIdLoader, spec, Goal.from_row,
            lambda r: (r.created_at, r.id), (first, after, last, before),
        )

    @strawberry.field(
        description="Today's skill session: each category at the user's level, its exercises with the user's current prescriptions."
    )
    async def skill_plan(self, info: Info) -> list[SkillStanding]:
        return await skill_plan_of(info, self.row)

    @strawberry.field(description="The user on every step of the skill ladder (prescription, mastery); `category` and `level` narrow it.")
    async def skill_progress(self, info: Info, category: str | None = None, level: int | None = None) -> list[SkillProgress]:
        return await skill_progress_of(info, self.row, category, level)

    @strawberry.field(description="Height and daily nutrition targets.")
    async def health_profile(self, info: Info) -> HealthProfile:
        return await profile_of(info, self.row)

    @strawberry.field(description="Days of body metrics, latest first; `range` (local days) narrows them.")
    async def body_metrics(
        self, info: Info, range: StatsRange | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[BodyMetrics]:
        return await body_metrics_of(info, self.row, range, first, after)

    @strawberry.field(description="Weight over `range`: each day's weight with its 7-day moving average, and the change over the range.")
    async def body_metrics_trend(self, info: Info, range: StatsRange) -> BodyMetricsTrend:
        return await trend_of(info, self.row, range)

    @strawberry.field(description="Meals, latest first; `range` (local days) narrows them.")
    async def meals(self, info: Info, range: StatsRange | None = None, first: int | None = None, after: str | None = None) -> Connection[MealLog]:
        return await meals_of(info, self.row, range, first, after)

    @strawberry.field(description="Progress photos, latest first (a coach sees the ones shared with them); `range` narrows them.")
    async def progress_photos(
        self, info: Info, range: StatsRange | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[ProgressPhoto]:
        return await photos_of(info, self.row, range, first, after)

    @strawberry.field(description="Coaching sessions of the user as athlete, latest first; `range` narrows them.")
    async def coaching_sessions(
        self, info: Info, range: StatsRange | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[CoachingSession]:
        return await coaching_sessions_of(info, self.row, range, first, after)

    @strawberry.field(
        description="Training statistics over `range` (local days in the user's time zone), bucketed by `groupBy`: "
        "totals, volume per muscle, the favourite exercise and this week against last."
    )
    async def stats(self, info: Info, range: StatsRange, group_by: StatsGrouping = StatsGrouping.WEEK) -> UserStats:
        return await UserStats.load(info, self.row, range, group_by)


# --- compiled reads (compiler/): each field's SQL -------------------------------------------


def _session_filters(b, alias: str, sel) -> list[str]:
    """SessionFilterSpec as SQL (WorkoutSessionPageByUserIdLoader.where)."""
    given = sel.arg("filter") or {}

    def spec(args):
        f = args.get("filter") or {}
        if f.get("from") is not None and f.get("to") is not None and f["from"] >= f["to"]:
            raise BadUserInput("'from' must be before 'to'", field="filter.from")
        return f

    conditions = []
    if given.get("from") is not None:
        conditions.append(f"{alias}.started_at >= {sel.param('timestamptz', lambda args: spec(args)['from'])}")
    if given.get("to") is not None:
        conditions.append(f"{alias}.started_at < {sel.param('timestamptz', lambda args: spec(args)['to'])}")
    if given.get("status"):
        statuses = ", ".join(sorted(codecs.literal(getattr(s, "value", s)) for s in given["status"]))
        conditions.append(f"{alias}.status IN ({statuses})")
    return conditions


def _record_filters(b, alias: str, sel) -> list[str]:
    """RecordFilterSpec as SQL (PersonalRecordPageByUserIdLoader.where)."""
    conditions = []
    if sel.arg("exerciseId") is not None:
        key = sel.param("uuid", lambda args: decode_id(args["exerciseId"], "Exercise", "exerciseId"))
        conditions.append(f"{alias}.exercise_id = {key}")
    if sel.arg("kind"):
        kinds = ", ".join(sorted(codecs.literal(k) for k in sel.arg("kind")))
        conditions.append(f"{alias}.kind IN ({kinds})")
    return conditions


def _goal_filters(b, alias: str, sel) -> list[str]:
    status = sel.enum_arg("status")
    return [f"{alias}.status = {codecs.literal(status)}"] if status else []


NEWEST = (SortKey("created_at", "datetime"), SortKey("id", "uuid"))

# `coaching`, `organizations` and `sessions` are the viewer's own account; `progress` and
# `stats` are computed in Python: all left to the executor.
declare(User, table="users", owner="id", fields={
    **columns("username", "display_name", "email", "language", "timezone", "unit_system", "role", "created_at"),
    "programs": Conn("Program", "owner_id", NEWEST, descending=True),
    "workoutSessions": Conn(
        "WorkoutSession", "user_id", (SortKey("started_at", "datetime"), SortKey("id", "uuid")), descending=True,
        filters=_session_filters,
    ),
    "personalRecords": Conn(
        "PersonalRecord", "user_id", (SortKey("achieved_at", "datetime"), SortKey("id", "uuid")), descending=True,
        filters=_record_filters,
    ),
    "achievements": Conn("UserAchievement", "user_id", (SortKey("unlocked_at", "datetime"), SortKey("id", "uuid")), descending=True),
    "goals": Conn("Goal", "user_id", NEWEST, descending=True, filters=_goal_filters),
})
