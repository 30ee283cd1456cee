"""Bodyweight skill progressions: the ladder, an athlete's standing on it, planned against done."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from domain import skills as rules
from loaders.exercises import ExerciseByIdLoader
from loaders.records import UserAchievementByIdLoader
from loaders.skills import PlannedSkillExercisesBySessionIdLoader, SetLogsBySessionIdLoader, SkillExerciseByIdLoader
from loaders.users import UserByIdLoader
from loaders.workouts import WorkoutSessionByIdLoader
from resolvers import skills
from resolvers.ids import decode_id
from schema.common import Info, load_visible, viewer_language
from schema.enums import Language
from schema.exercises import Exercise
from schema.records import UserAchievement
from schema.workouts import SetLog, WorkoutSession


async def _in(info: Info, lang: Language | None, row: Any, column: str) -> str:
    language = lang.value if lang is not None else await viewer_language(info)
    return getattr(row, f"{column}_he") if language == "he" else getattr(row, column)


@strawberry.type(description="One set of a prescription: a number of reps, or of seconds held.")
class SkillSetTarget:
    reps: int | None = strawberry.field(description="Repetitions (null for a hold).")
    hold_seconds: int | None = strawberry.field(description="Seconds held (null for reps).")


@strawberry.type(description="Sets (each of reps or of seconds held), tempo and rest for one exercise.")
class SkillPrescription:
    value: strawberry.Private[rules.Prescription]

    @strawberry.field(description="The sets, in order.")
    def sets(self) -> list[SkillSetTarget]:
        return [SkillSetTarget(reps=s.reps, hold_seconds=s.seconds) for s in self.value.sets]

    @strawberry.field(description='Tempo: eccentric-pause-concentric-pause seconds such as "3-2-3-1" (X: explosive), or "hold".')
    def tempo(self) -> str | None:
        return self.value.tempo

    @strawberry.field(description="Rest between sets, in seconds.")
    def rest_seconds(self) -> int | None:
        return self.value.rest_seconds


@strawberry.type
class _Translated:
    """A catalogue row named and described in English and Hebrew (`name_he`, `description_he`)."""

    row: strawberry.Private[Any]

    @strawberry.field(description="The name in `lang`, else in the viewer's language.")
    async def name(self, info: Info, lang: Language | None = None) -> str:
        return await _in(info, lang, self.row, "name")

    @strawberry.field(description="What it is about, in `lang`, else in the viewer's language.")
    async def description(self, info: Info, lang: Language | None = None) -> str:
        return await _in(info, lang, self.row, "description")


@strawberry.type(description="A level of the skill ladder, 0 (Foundation) to 5 (Expert).")
class SkillLevel(_Translated):
    @strawberry.field(description="0-5.")
    def level(self) -> int:
        return self.row.level


@strawberry.type(description="A movement category of the skill ladder: PUSH, PULL or SQUAT.")
class SkillCategory(_Translated):
    @strawberry.field(description='The code inputs take, e.g. "PUSH".')
    def code(self) -> str:
        return self.row.code.upper()


@strawberry.type(description="A step of the skill ladder: an exercise on one level of one category, with its default prescription (public).")
class SkillExercise(relay.Node):
    id: relay.NodeID[str]
    row: strawberry.Private[Any]
    position: int = strawberry.field(description="Order within its level, from 0.")
    equipment: str | None = strawberry.field(description="What it needs, in words.")
    notes: str | None = strawberry.field(description="How to do it well.")
    tags: list[str] = strawberry.field(description="Free-form tags, e.g. wall, band, assisted.")

    @classmethod
    def from_row(cls, row: Any) -> SkillExercise:
        return cls(id=str(row.id), row=row, position=row.position, equipment=row.equipment, notes=row.notes, tags=list(row.tags))

    @strawberry.field(description="Its category.")
    async def category(self, info: Info) -> SkillCategory:
        return SkillCategory(row=(await skills.catalogue(info.context)).category(self.row.category))

    @strawberry.field(description="Its level.")
    async def level(self, info: Info) -> SkillLevel:
        return SkillLevel(row=(await skills.catalogue(info.context)).levels[self.row.level])

    @strawberry.field(description="The exercise (from the library).")
    async def exercise(self, info: Info) -> Exercise | None:
        row = await load_visible(info, ExerciseByIdLoader, self.row.exercise_id)
        return Exercise.from_row(row) if row else None

    @strawberry.field(description="What mastering it takes: every set of this, in one finished workout.")
    def default_prescription(self) -> SkillPrescription:
        return SkillPrescription(value=skills.default_prescription(self.row))


@strawberry.type(description="The skill ladder: levels, categories and the steps on each.")
class SkillLadder:
    @strawberry.field(description="Levels 0-5.")
    async def levels(self, info: Info) -> list[SkillLevel]:
        ladder = await skills.catalogue(info.context)
        return [SkillLevel(row=ladder.levels[n]) for n in sorted(ladder.levels)]

    @strawberry.field(description="The categories, in display order.")
    async def categories(self, info: Info) -> list[SkillCategory]:
        return [SkillCategory(row=c) for c in (await skills.catalogue(info.context)).categories]

    @strawberry.field(description="The steps, by category, level and position; `category` and `level` narrow them.")
    async def exercises(self, info: Info, category: str | None = None, level: int | None = None) -> list[SkillExercise]:
        ladder = await skills.catalogue(info.context)
        code = skills.category_code(ladder, category, "category")
        skills.level_number(level, "level")
        return [SkillExercise.from_row(s) for s in ladder.steps
                if (code is None or s.category == code) and (level is None or s.level == level)]


@strawberry.type(description="An athlete on one step: their current prescription and whether they have mastered it.")
class SkillProgress:
    value: strawberry.Private[skills.Progress]

    @strawberry.field(description="The step.")
    def skill_exercise(self) -> SkillExercise:
        return SkillExercise.from_row(self.value.step)

    @strawberry.field(description="What the athlete does now: half the default's targets at first, until they or their coach change it.")
    def prescription(self) -> SkillPrescription:
        return SkillPrescription(value=self.value.prescription)

    @strawberry.field(description="True once the athlete or their coach has set the prescription.")
    def customized(self) -> bool:
        return self.value.customized

    @strawberry.field(description="True while a finished workout's sets meet the default prescription.")
    def mastered(self) -> bool:
        return self.value.mastered_at is not None

    @strawberry.field(description="When the first workout that met the default finished.")
    def mastered_at(self) -> datetime | None:
        return self.value.mastered_at

    @strawberry.field(description="That workout.")
    async def mastered_in(self, info: Info) -> WorkoutSession | None:
        row = await load_visible(info, WorkoutSessionByIdLoader, self.value.mastered_session_id)
        return WorkoutSession.from_row(row) if row else None


@strawberry.type(description="An athlete in one category: their level and its steps, with their prescriptions.")
class SkillStanding:
    value: strawberry.Private[skills.Standing]

    @strawberry.field(description="The category.")
    def category(self) -> SkillCategory:
        return SkillCategory(row=self.value.category)

    @strawberry.field(description="The athlete's level in it (0 until chosen).")
    def level(self) -> SkillLevel:
        return SkillLevel(row=self.value.level)

    @strawberry.field(description="The level's steps, in order.")
    def exercises(self) -> list[SkillProgress]:
        return [SkillProgress(value=p) for p in self.value.exercises]

    @strawberry.field(description="True when every step of the level is mastered and a level lies above: `advanceSkillLevel` may go on.")
    def can_advance(self) -> bool:
        return self.value.can_advance


async def skill_plan_of(info: Info, user: Any) -> list[SkillStanding]:
    return [SkillStanding(value=s) for s in await skills.standings(info.context, user)]


async def skill_progress_of(info: Info, user: Any, category: str | None, level: int | None) -> list[SkillProgress]:
    code = skills.category_code(await skills.catalogue(info.context), category, "category")
    skills.level_number(level, "level")
    return [SkillProgress(value=p) for p in await skills.progress_of(info.context, user)
            if (code is None or p.step.category == code) and (level is None or p.step.level == level)]


@strawberry.type(description="A step planned for a session started from the skill plan, against what was done.")
class PlannedSkillExercise:
    row: strawberry.Private[Any]

    @strawberry.field(description="Order within the session, from 0.")
    def position(self) -> int:
        return self.row.position

    @strawberry.field(description="The step.")
    async def skill_exercise(self, info: Info) -> SkillExercise | None:
        row = await info.context.loaders.get(SkillExerciseByIdLoader).load(self.row.skill_exercise_id)
        return SkillExercise.from_row(row) if row else None

    @strawberry.field(description="The prescription planned: the athlete's when the session started.")
    def planned(self) -> SkillPrescription:
        return SkillPrescription(value=self._planned())

    def _planned(self) -> rules.Prescription:
        return rules.Prescription.from_columns(self.row.sets, self.row.tempo, self.row.rest_seconds)

    async def _done(self, info: Info) -> list[Any]:
        rows = await info.context.loaders.get(SetLogsBySessionIdLoader).load(self.row.session_id)
        return [r for r in rows if r.exercise_id == self.row.exercise_id and r.set_type != "warmup"]

    @strawberry.field(description="The sets of its exercise logged in the session (warm-ups excepted), in order.")
    async def sets(self, info: Info) -> list[SetLog]:
        return [SetLog.from_row(r) for r in await self._done(info)]

    @strawberry.field(description="How many of the planned sets those sets reach.")
    async def sets_done(self, info: Info) -> int:
        done = [rules.LoggedSet(r.reps, r.duration_seconds) for r in await self._done(info)]
        return rules.sets_done(self._planned(), done)

    @strawberry.field(description="True when every planned set is reached.")
    async def completed(self, info: Info) -> bool:
        done = [rules.LoggedSet(r.reps, r.duration_seconds) for r in await self._done(info)]
        return rules.meets(self._planned(), done)


async def planned_skill_exercises(info: Info, session_id: uuid.UUID) -> list[PlannedSkillExercise]:
    rows = await info.context.loaders.get(PlannedSkillExercisesBySessionIdLoader).load(session_id)
    return [PlannedSkillExercise(row=r) for r in rows]


@strawberry.type(description="One local day (the user's time zone) of training.")
class DailySummary:
    date: date = strawberry.field(description="The day.")
    sessions: int = strawberry.field(description="Workouts started that day (any status).")
    completed_sessions: int = strawberry.field(description="Of those, the ones completed.")
    sets: int = strawberry.field(description="Sets in those workouts, warm-ups excepted.")
    reps: int = strawberry.field(description="Reps over those sets.")
    hold_seconds: int = strawberry.field(description="Seconds over those sets (holds and other timed sets).")
    categories: list[str] = strawberry.field(
        description="Categories trained (PUSH, PULL, SQUAT): a ladder exercise's, else the exercise's movement pattern when it is one."
    )
    exercises_mastered: int = strawberry.field(description="Ladder steps first mastered by a workout that finished that day.")

    @classmethod
    def from_row(cls, row: Any) -> DailySummary:
        return cls(date=row.day, sessions=row.sessions, completed_sessions=row.completed, sets=row.sets, reps=row.reps,
                   hold_seconds=row.held, categories=sorted(c.upper() for c in row.categories), exercises_mastered=row.mastered)


# --- mutations ------------------------------------------------------------------------------


@strawberry.input(description="One set of a prescription: give `reps` or `holdSeconds`.")
class SkillSetInput:
    reps: int | None = strawberry.field(default=None, description="Repetitions, 1-1000.")
    hold_seconds: int | None = strawberry.field(default=None, description="Seconds held, 1-3600.")


@strawberry.input(description="Place yourself on a level of a category (at the start, or to change your mind).")
class SetSkillLevelInput:
    category: str = strawberry.field(description="PUSH, PULL or SQUAT.")
    level: int = strawberry.field(description="0-5.")


@strawberry.input(description="An athlete's current prescription of one step.")
class SetSkillPrescriptionInput:
    skill_exercise_id: strawberry.ID = strawberry.field(description="The step.")
    sets: list[SkillSetInput] = strawberry.field(description="At least one; all reps, or all holds, as the step counts.")
    tempo: str | None = strawberry.field(default=None, description='E.g. "3-2-3-1" or "hold".')
    rest_seconds: int | None = strawberry.field(default=None, description="Rest between sets, 0-3600 s.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="An athlete you coach; default yourself.")


@strawberry.input(description="The category to move up one level in.")
class AdvanceSkillLevelInput:
    category: str = strawberry.field(description="PUSH, PULL or SQUAT.")


@strawberry.type(description="Where you stand in the category now.")
class SkillStandingPayload:
    standing: SkillStanding = strawberry.field(description="Your level and its steps.")
    achievements: list[UserAchievement] = strawberry.field(description="Achievements this unlocked.")


@strawberry.type(description="The prescription set.")
class SetSkillPrescriptionPayload:
    progress: SkillProgress = strawberry.field(description="The athlete on the step, now.")


async def _standing(info: Info, user: Any, code: str, achievements: list | None = None) -> SkillStandingPayload:
    user = await info.context.loaders.get(UserByIdLoader).load(user.id)
    (standing,) = [s for s in await skills.standings(info.context, user) if s.category.code == code]
    awards = []
    if achievements:
        awards = [UserAchievement.from_row(r) for r in await info.context.loaders.get(UserAchievementByIdLoader).load_many(achievements)]
    return SkillStandingPayload(standing=SkillStanding(value=standing), achievements=awards)


@strawberry.type
class SkillMutations:
    @strawberry.mutation(description="Choose your level in a category (default 0). Advancing by mastery is `advanceSkillLevel`.")
    async def set_skill_level(self, info: Info, input: SetSkillLevelInput) -> SkillStandingPayload:
        user = await skills.set_level(info.context, input.category, input.level)
        return await _standing(info, user, input.category.strip().lower())

    @strawberry.mutation(description="Set the current prescription of a step: your own, or (as their accepted coach) an athlete's.")
    async def set_skill_prescription(self, info: Info, input: SetSkillPrescriptionInput) -> SetSkillPrescriptionPayload:
        user_id = decode_id(input.user_id, "User", "userId") if input.user_id else None
        sets = [rules.SetTarget(reps=s.reps, seconds=s.hold_seconds) for s in input.sets]
        athlete_id, step = await skills.set_prescription(
            info.context, decode_id(input.skill_exercise_id, "SkillExercise", "skillExerciseId"), user_id, sets, input.tempo, input.rest_seconds
        )
        athlete = await info.context.loaders.get(UserByIdLoader).load(athlete_id)
        (progress,) = [p for p in await skills.progress_of(info.context, athlete) if p.step.id == step.id]
        return SetSkillPrescriptionPayload(progress=SkillProgress(value=progress))

    @strawberry.mutation(description="Move up one level in a category once every step of your level is mastered; announces SkillLevelUp.")
    async def advance_skill_level(self, info: Info, input: AdvanceSkillLevelInput) -> SkillStandingPayload:
        user, outcome = await skills.advance(info.context, input.category)
        return await _standing(info, user, input.category.strip().lower(), outcome.achievements)
