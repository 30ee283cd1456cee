"""Live events and the root Subscription: workouts as they happen, and the viewer's activity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Union

import strawberry

from live import events as ev
from live.hub import SlowConsumer
from loaders import Loaders
from loaders.goals import GoalByIdLoader
from loaders.health import CoachingSessionByIdLoader
from loaders.records import PersonalRecordByIdLoader, UserAchievementByIdLoader
from loaders.skills import SkillExerciseByIdLoader
from loaders.users import UserByIdLoader
from loaders.workouts import SetLogByIdLoader, WorkoutSessionByIdLoader
from resolvers import skills
from resolvers.access import can_read, coached_athletes
from resolvers.errors import ApiError, BadUserInput, NotFound
from resolvers.ids import decode_id, encode_id
from schema.broadcast import Sink, current_sink
from schema.common import Info, load_visible
from schema.conversations import ConversationSubscriptions
from schema.enums import WorkoutStatus
from schema.goals import Goal
from schema.health import CoachingSession
from schema.records import PersonalRecord, UserAchievement
from schema.skills import SkillCategory, SkillExercise, SkillLevel
from schema.users import User
from schema.workouts import SetLog, WorkoutSession


class SlowConsumerError(ApiError):
    code = "SLOW_CONSUMER"


class TooManySubscriptions(ApiError):
    code = "TOO_MANY_SUBSCRIPTIONS"


@strawberry.enum(description="What happened to a workout's status.")
class WorkoutChange(Enum):
    STARTED = "started"
    FINISHED = "finished"
    ABANDONED = "abandoned"


@strawberry.enum(description="Whose activity a feed follows.")
class ActivityScope(Enum):
    MINE = "mine"
    ATHLETES = "athletes"


@strawberry.interface(description="Something that happened, delivered in order on a live stream.")
class LiveEvent:
    event: strawberry.Private[ev.Event]

    @strawberry.field(description="Whose training it is (the athlete, on a coach's feed). Never null: an event is shown only to who may read its user.")
    async def user(self, info: Info) -> User:
        row = await load_visible(info, UserByIdLoader, self.event.user_id)
        if row is None:  # shown() let the event through, so this cannot happen; fail loudly if it does
            raise NotFound("User")
        return User.from_row(row)

    @strawberry.field(description="Opaque, ordered id: pass the last one received as `after` to resume without gaps.")
    def event_id(self) -> str:
        return ev.encode_event_id(self.event.id)

    @strawberry.field(description="When the change was made.")
    def occurred_at(self) -> datetime:
        return self.event.occurred_at

    @strawberry.field(description="The workout session concerned; null for events about no single workout (a completed goal, an achievement earned by a goal write) or once the session is deleted.")
    async def session(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, _uuid(self.event.data.get("session_id")))
        return WorkoutSession.from_row(row) if row else None


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


async def _set_log(info: Info, event: ev.Event) -> SetLog | None:
    row = await load_visible(info, SetLogByIdLoader, _uuid(event.data["set_log_id"]))
    return SetLog.from_row(row) if row else None


@strawberry.type(description="A set was logged.")
class SetLogged(LiveEvent):
    @strawberry.field(description="The set as it is now (null if it has since been deleted).")
    async def set_log(self, info: Info) -> SetLog | None:
        return await _set_log(info, self.event)


@strawberry.type(description="A logged set was changed.")
class SetUpdated(LiveEvent):
    @strawberry.field(description="The set as it is now (null if it has since been deleted).")
    async def set_log(self, info: Info) -> SetLog | None:
        return await _set_log(info, self.event)


@strawberry.type(description="A logged set was deleted.")
class SetDeleted(LiveEvent):
    @strawberry.field(description="ID of the deleted set.")
    def set_log_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("SetLog", uuid.UUID(self.event.data["set_log_id"])))


@strawberry.type(description="A workout started, finished or was abandoned.")
class WorkoutStatusChanged(LiveEvent):
    @strawberry.field(description="What happened.")
    def change(self) -> WorkoutChange:
        return WorkoutChange(self.event.data["change"])

    @strawberry.field(description="The status after the change.")
    def status(self) -> WorkoutStatus:
        return WorkoutStatus(self.event.data["status"])


@strawberry.type(description="A personal record was set.")
class PersonalRecordSet(LiveEvent):
    @strawberry.field(description="The record.")
    async def personal_record(self, info: Info) -> PersonalRecord | None:
        row = await load_visible(info, PersonalRecordByIdLoader, _uuid(self.event.data.get("personal_record_id")))
        return PersonalRecord.from_row(row) if row else None


@strawberry.type(description="An achievement was unlocked.")
class AchievementUnlocked(LiveEvent):
    @strawberry.field(description="The award.")
    async def user_achievement(self, info: Info) -> UserAchievement | None:
        row = await load_visible(info, UserAchievementByIdLoader, _uuid(self.event.data.get("user_achievement_id")))
        return UserAchievement.from_row(row) if row else None


@strawberry.type(description="A goal reached its target and was completed.")
class GoalCompleted(LiveEvent):
    @strawberry.field(description="The goal, as it is now (null if it has since been deleted).")
    async def goal(self, info: Info) -> Goal | None:
        row = await load_visible(info, GoalByIdLoader, _uuid(self.event.data.get("goal_id")))
        return Goal.from_row(row) if row else None


@strawberry.type(description="An exercise of the skill ladder was mastered: a finished workout's sets met its default prescription.")
class SkillMastered(LiveEvent):
    @strawberry.field(description="The step mastered.")
    async def skill_exercise(self, info: Info) -> SkillExercise | None:
        row = await info.context.loaders.get(SkillExerciseByIdLoader).load(_uuid(self.event.data.get("skill_exercise_id")))
        return SkillExercise.from_row(row) if row else None


@strawberry.type(description="An athlete moved up a level of the skill ladder.")
class SkillLevelUp(LiveEvent):
    @strawberry.field(description="The category.")
    async def category(self, info: Info) -> SkillCategory | None:
        row = (await skills.catalogue(info.context)).category(self.event.data["category"])
        return SkillCategory(row=row) if row else None

    @strawberry.field(description="The level reached.")
    async def level(self, info: Info) -> SkillLevel:
        return SkillLevel(row=(await skills.catalogue(info.context)).levels[self.event.data["level"]])


@strawberry.type(description="A coach scheduled a coaching session with the athlete, or changed one (on the athlete's activity feed).")
class CoachingSessionChanged(LiveEvent):
    @strawberry.field(description="SCHEDULED (created) or UPDATED.")
    def change(self) -> str:
        return str(self.event.data.get("change", "updated")).upper()

    @strawberry.field(description="The session, as it is now (null if the viewer may no longer read it).")
    async def coaching_session(self, info: Info) -> CoachingSession | None:
        row = await load_visible(info, CoachingSessionByIdLoader, _uuid(self.event.data.get("coaching_session_id")))
        return CoachingSession.from_row(row) if row else None


WorkoutEvent = Annotated[
    Union[SetLogged, SetUpdated, SetDeleted, WorkoutStatusChanged, PersonalRecordSet, AchievementUnlocked, SkillMastered],
    strawberry.union("WorkoutEvent", description="Everything that happens to one workout session."),
]
ActivityEvent = Annotated[
    Union[WorkoutStatusChanged, PersonalRecordSet, AchievementUnlocked, GoalCompleted, SkillMastered, SkillLevelUp, CoachingSessionChanged],
    strawberry.union(
        "ActivityEvent",
        description="A user's workout starts and finishes, records, achievements, completed goals, skills mastered, levels reached "
        "and coaching sessions scheduled or changed.",
    ),
]

EVENT_TYPES: dict[str, type[LiveEvent]] = {
    ev.SET_LOGGED: SetLogged,
    ev.SET_UPDATED: SetUpdated,
    ev.SET_DELETED: SetDeleted,
    ev.WORKOUT_STATUS_CHANGED: WorkoutStatusChanged,
    ev.PERSONAL_RECORD_SET: PersonalRecordSet,
    ev.ACHIEVEMENT_UNLOCKED: AchievementUnlocked,
    ev.GOAL_COMPLETED: GoalCompleted,
    ev.SKILL_MASTERED: SkillMastered,
    ev.SKILL_LEVEL_UP: SkillLevelUp,
    ev.COACHING_SESSION_CHANGED: CoachingSessionChanged,
}


def _after(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        return ev.decode_event_id(after)
    except ValueError as exc:
        raise BadUserInput("'after' is not an event id", field="after") from exc


async def _deliver(info: Info, channel: str, after: int | None) -> AsyncGenerator[Any, None]:
    ctx = info.context
    sink = current_sink.get()
    open_streams = ctx.live.streams_by_user
    limit = ctx.settings.ws_max_subscriptions_per_user
    if open_streams[ctx.viewer_id] >= limit:
        raise TooManySubscriptions(f"At most {limit} live subscriptions per user are open at once; close one first", max=limit)
    open_streams[ctx.viewer_id] += 1
    try:
        if sink is not None and ctx.live.broadcasts is not None:
            async for item in _broadcast(ctx, sink, channel, after):
                yield item
            return
        async for event in ctx.live.stream(channel, after):
            ctx.forget_grants()  # each event asks afresh
            if await shown(ctx, event):
                yield _event(ctx, event)
    except SlowConsumer as exc:
        raise SlowConsumerError("Subscriber fell too far behind; resubscribe with `after` set to the last eventId") from exc
    finally:
        open_streams[ctx.viewer_id] -= 1
        if not open_streams[ctx.viewer_id]:
            del open_streams[ctx.viewer_id]


async def shown(ctx: Any, event: ev.Event) -> bool:
    """Whether the subscriber may see this event now (access is asked per event, not only on subscribing):
    a workout's events while its session is readable, a coach's feed while the athlete is coached."""
    if ev.is_coach_channel(event.channel):
        return event.user_id in await coached_athletes(ctx)
    session_id = ev.workout_of(event.channel)
    if session_id is not None:
        return await can_read(ctx, await ctx.loaders.get(WorkoutSessionByIdLoader).load(session_id))
    return True


def _event(ctx: Any, event: ev.Event) -> LiveEvent:
    # One loader cache per event, shared by every local subscriber it fans out to:
    # 10,000 subscribers cost the queries of one.
    ctx.loaders = event.shared.setdefault("loaders", Loaders(ctx.sessionmaker))
    return EVENT_TYPES[event.type](event=event)


async def _broadcast(ctx: Any, sink: Sink, channel: str, after: int | None) -> AsyncGenerator[Any, None]:
    """Replay what the subscriber asked for through this stream, then hand it to its group (schema.broadcast)."""
    live = ctx.live
    group = await live.broadcasts.acquire(channel, sink, ctx.viewer_id, ctx)
    member = None
    try:
        last = after if after is not None else await live.last_event_id(channel)
        while after is not None or group.last > last:
            after = None
            async for event in live.replay(channel, last):
                last = event.id
                if await shown(ctx, event):
                    yield _event(ctx, event)
        member = group.join(sink, last)  # no await since the check above: nothing slips between
        await member.done  # closed: unsubscribed, cut off, or the client went away
        if member.overflowed:
            raise SlowConsumer(channel)
    finally:
        group.release(member)


@strawberry.type(
    description="Live streams, over websockets (graphql-transport-ws or graphql-ws) or HTTP (multipart/mixed or server-sent events)."
)
class Subscription(ConversationSubscriptions):
    @strawberry.subscription(
        description="Events of one workout session, in order. With `after`, first the events since that eventId."
    )
    async def workout_events(self, info: Info, session_id: strawberry.ID, after: str | None = None) -> AsyncGenerator[WorkoutEvent, None]:
        await info.context.require_viewer()  # over HTTP streams as over websockets: signed in, or refused
        key = decode_id(session_id, "WorkoutSession", "sessionId")
        if await load_visible(info, WorkoutSessionByIdLoader, key) is None:
            raise NotFound("WorkoutSession", field="sessionId")
        async for item in _deliver(info, ev.workout_channel(key), _after(after)):
            yield item

    @strawberry.subscription(
        description="Workout starts and finishes, records, achievements and completed goals: the viewer's own "
        "(`MINE`), or those of every athlete the viewer coaches (`ATHLETES`; `user` says whose)."
    )
    async def activity_feed(
        self, info: Info, after: str | None = None, scope: ActivityScope = ActivityScope.MINE
    ) -> AsyncGenerator[ActivityEvent, None]:
        viewer = await info.context.require_viewer()
        channel = ev.user_channel(viewer.id) if scope is ActivityScope.MINE else ev.coach_channel(viewer.id)
        async for item in _deliver(info, channel, _after(after)):
            yield item
