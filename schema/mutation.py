"""The root Mutation: each field is one transaction taking one `input` and returning a payload."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from loaders.records import PersonalRecordByIdLoader, UserAchievementByIdLoader
from loaders.workouts import WorkoutSessionByIdLoader
from resolvers import accounts, coaching, exercises, programs, validation, workouts
from resolvers.ids import decode_id, encode_id
from resolvers.stats import invalidate_stats
from schema.common import Info
from schema.enums import Language, ProgramStructure, Role, SetType, WeightUnit
from schema.conversations import ConversationMutations
from schema.exercise_inputs import CreateExerciseInput, new_exercise_fields
from schema.exercises import Exercise
from schema.goals import GoalMutations
from schema.health import HealthMutations
from schema.skills import SkillMutations
from schema.library import LibraryMutations
from schema.organizations import OrganizationMutations
from schema.programs import Program, ProgramDay, ProgramExercise
from schema.records import PersonalRecord, UserAchievement
from schema.users import CoachingRelationship, User
from schema.workouts import SetLog, WorkoutSession

UNSET = strawberry.UNSET


def given(value):
    """strawberry.UNSET → the resolvers' own UNSET marker (the field was not sent)."""
    return validation.UNSET if value is UNSET else value


# --- accounts -----------------------------------------------------------------------------


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str = strawberry.field(description="Sign-in e-mail; unique regardless of case.")
    username: str = strawberry.field(description="3-40 letters, digits, '_', '.' or '-'; unique regardless of case.")
    password: str = strawberry.field(description="At least 8 characters.")
    display_name: str | None = strawberry.field(default=None, description="Shown name; defaults to the username.")
    language: Language | None = strawberry.field(default=None, description="Preferred language; default EN.")
    timezone: str | None = strawberry.field(default=None, description="IANA time zone; default UTC.")
    role: Role = strawberry.field(default=Role.ATHLETE, description="ATHLETE or COACH (administrators are appointed, not registered).")


@strawberry.input(description="Credentials.")
class LoginInput:
    login: str = strawberry.field(description="E-mail or username.")
    password: str = strawberry.field(description="The password.")


@strawberry.type(description="A signed-in session: send `Authorization: Bearer <token>` with later requests.")
class AuthPayload:
    token: str = strawberry.field(description="Access token (short-lived; see `expiresIn`).")
    refresh_token: str = strawberry.field(
        description="Exchange it with `refreshToken` for new tokens before the access token expires. It works once."
    )
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    user: User = strawberry.field(description="The signed-in user.")

    @classmethod
    def of(cls, tokens: accounts.Tokens, user) -> AuthPayload:
        return cls(token=tokens.access, refresh_token=tokens.refresh, expires_in=tokens.expires_in, user=User.from_row(user))


@strawberry.input(description="A refresh token from `register`, `login` or an earlier `refreshToken`.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="The refresh token.")


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="At least 8 characters.")


@strawberry.input(description="A sign-in to end.")
class RevokeSessionInput:
    session_id: strawberry.ID = strawberry.field(description="An id from `viewer.sessions`.")


@strawberry.type(description="Sign-ins that ended.")
class LogoutPayload:
    ended_session_ids: list[strawberry.ID] = strawberry.field(description="The sign-ins ended by this request.")


@strawberry.type(description="The account after a password change.")
class ChangePasswordPayload:
    user: User = strawberry.field(description="The user.")
    ended_session_ids: list[strawberry.ID] = strawberry.field(description="The other sign-ins, now ended.")


# --- programs -----------------------------------------------------------------------------


@strawberry.input(description="An exercise to plan on a program day, with its prescription.")
class PlannedExerciseInput:
    exercise_id: strawberry.ID = strawberry.field(description="The exercise (library or your own).")
    sets: int = strawberry.field(default=3, description="Number of sets, 1-50.")
    reps_min: int | None = strawberry.field(default=None, description="Lower end of the rep range.")
    reps_max: int | None = strawberry.field(default=None, description="Upper end of the rep range.")
    target_weight: float | None = strawberry.field(default=None, description="Target load, in `weightUnit`.")
    weight_unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `targetWeight`.")
    target_rpe: float | None = strawberry.field(default=None, description="Target RPE, 1-10.")
    rest_seconds: int | None = strawberry.field(default=None, description="Rest between sets, 0-3600 s.")
    tempo: str | None = strawberry.field(default=None, description='Tempo such as "3-1-1-0".')
    superset_group: str | None = strawberry.field(default=None, description="Same label = same superset.")
    notes: str | None = strawberry.field(default=None, description="Notes.")


@strawberry.input(description="A program day created together with its program.")
class ProgramDayDraft:
    name: str = strawberry.field(description='E.g. "Push Day".')
    weekday: int | None = strawberry.field(default=None, description="0 = Monday … 6 = Sunday.")
    notes: str | None = strawberry.field(default=None, description="Notes.")
    exercises: list[PlannedExerciseInput] | None = strawberry.field(default=None, description="Its exercises, in order.")


@strawberry.input(description="A new training program, optionally with its days.")
class CreateProgramInput:
    name: str = strawberry.field(description="The program's name.")
    description: str | None = strawberry.field(default=None, description="What it is for.")
    structure: ProgramStructure = strawberry.field(default=ProgramStructure.WEEKLY, description="Weekly or cyclic.")
    frequency: int | None = strawberry.field(default=None, description="Training days per week or cycle, 1-14.")
    is_template: bool = strawberry.field(default=False, description="Mark as a template.")
    days: list[ProgramDayDraft] | None = strawberry.field(default=None, description="Days, in order.")
    for_user_id: strawberry.ID | None = strawberry.field(
        default=None, description="A coach may create a program for an athlete they coach; the athlete owns it."
    )


@strawberry.input(description="Changes to a program; omitted fields stay as they are.")
class UpdateProgramInput:
    program_id: strawberry.ID = strawberry.field(description="The program.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    description: str | None = strawberry.field(default=UNSET, description="New description (null clears it).")
    structure: ProgramStructure | None = strawberry.field(default=UNSET, description="New structure.")
    frequency: int | None = strawberry.field(default=UNSET, description="New frequency (null clears it).")
    is_template: bool | None = strawberry.field(default=UNSET, description="New template flag.")


@strawberry.input(description="The program to delete, with its days and planned exercises.")
class DeleteProgramInput:
    program_id: strawberry.ID = strawberry.field(description="The program.")


@strawberry.input(description="A new day for a program.")
class AddProgramDayInput:
    program_id: strawberry.ID = strawberry.field(description="The program.")
    name: str = strawberry.field(description='E.g. "Pull Day".')
    weekday: int | None = strawberry.field(default=None, description="0 = Monday … 6 = Sunday.")
    position: int | None = strawberry.field(default=None, description="Where to insert it (0 = first); default last.")
    notes: str | None = strawberry.field(default=None, description="Notes.")


@strawberry.input(description="A new planned exercise for a program day.")
class AddProgramExerciseInput(PlannedExerciseInput):
    program_day_id: strawberry.ID = strawberry.field(description="The program day.")
    position: int | None = strawberry.field(default=None, description="Where to insert it (0 = first); default last.")


@strawberry.type(description="The program created or changed.")
class ProgramPayload:
    program: Program = strawberry.field(description="The program.")


@strawberry.type(description="What was deleted.")
class DeleteProgramPayload:
    deleted_program_id: strawberry.ID = strawberry.field(description="ID of the deleted program.")


@strawberry.type(description="The day added.")
class AddProgramDayPayload:
    program_day: ProgramDay = strawberry.field(description="The new day.")


@strawberry.type(description="The planned exercise added.")
class AddProgramExercisePayload:
    program_exercise: ProgramExercise = strawberry.field(description="The new planned exercise.")


# --- exercises ----------------------------------------------------------------------------


@strawberry.type(description="The exercise created.")
class CreateExercisePayload:
    exercise: Exercise = strawberry.field(description="The new exercise.")


# --- workouts -----------------------------------------------------------------------------


@strawberry.input(description="Start a workout, empty or from a program day.")
class StartWorkoutInput:
    program_day_id: strawberry.ID | None = strawberry.field(default=None, description="Follow this program day: its exercises and targets are copied into the session.")
    name: str | None = strawberry.field(default=None, description="Defaults to the day's name, else \"Workout\".")
    started_at: datetime | None = strawberry.field(default=None, description="For logging a past workout; default now.")
    notes: str | None = strawberry.field(default=None, description="Notes.")
    from_skill_plan: bool = strawberry.field(
        default=False, description="Follow today's skill plan (`viewer.skillPlan`): its steps and your prescriptions are copied into the session."
    )


@strawberry.input(description="A set to log. Which measurement is required follows the exercise's `tracking`.")
class LogSetInput:
    session_id: strawberry.ID = strawberry.field(description="A workout in progress (or completed) of yours.")
    exercise_id: strawberry.ID = strawberry.field(description="The exercise performed.")
    reps: int | None = strawberry.field(default=None, description="Repetitions.")
    weight: float | None = strawberry.field(default=None, description="Load, in `weightUnit`.")
    weight_unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `weight`.")
    duration_seconds: int | None = strawberry.field(default=None, description="Duration in seconds.")
    distance_meters: float | None = strawberry.field(default=None, description="Distance in metres.")
    rpe: float | None = strawberry.field(default=None, description="RPE, 1-10.")
    rir: int | None = strawberry.field(default=None, description="Reps in reserve, 0-10.")
    rest_seconds: int | None = strawberry.field(default=None, description="Rest before the set, seconds.")
    set_type: SetType = strawberry.field(default=SetType.WORKING, description="Role of the set.")
    notes: str | None = strawberry.field(default=None, description="Notes.")
    completed_at: datetime | None = strawberry.field(default=None, description="When it was done; default now.")
    client_id: str | None = strawberry.field(
        default=None, description="Idempotency key (unique per user, up to 64 chars): a retry with the same key returns the first set instead of logging another."
    )


@strawberry.input(description="Changes to a set; omitted fields stay as they are, null clears.")
class UpdateSetInput:
    set_log_id: strawberry.ID = strawberry.field(description="The set.")
    exercise_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Another exercise.")
    reps: int | None = strawberry.field(default=UNSET, description="Repetitions.")
    weight: float | None = strawberry.field(default=UNSET, description="Load, in `weightUnit`.")
    weight_unit: WeightUnit = strawberry.field(default=WeightUnit.KG, description="Unit of `weight`.")
    duration_seconds: int | None = strawberry.field(default=UNSET, description="Duration in seconds.")
    distance_meters: float | None = strawberry.field(default=UNSET, description="Distance in metres.")
    rpe: float | None = strawberry.field(default=UNSET, description="RPE, 1-10.")
    rir: int | None = strawberry.field(default=UNSET, description="Reps in reserve.")
    rest_seconds: int | None = strawberry.field(default=UNSET, description="Rest before the set.")
    set_type: SetType | None = strawberry.field(default=UNSET, description="Role of the set.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes.")
    completed_at: datetime | None = strawberry.field(default=UNSET, description="When it was done.")


@strawberry.input(description="The set to delete.")
class DeleteSetInput:
    set_log_id: strawberry.ID = strawberry.field(description="The set.")


@strawberry.input(description="The workout to finish.")
class FinishWorkoutInput:
    session_id: strawberry.ID = strawberry.field(description="A workout in progress.")
    perceived_exertion: int | None = strawberry.field(default=None, description="How hard it felt, 1-10.")
    notes: str | None = strawberry.field(default=UNSET, description="Closing notes.")


@strawberry.input(description="The workout to abandon.")
class AbandonWorkoutInput:
    session_id: strawberry.ID = strawberry.field(description="A workout in progress.")


@strawberry.type(description="The workout session.")
class WorkoutSessionPayload:
    session: WorkoutSession = strawberry.field(description="The session.")


async def _payload_session(root, info: Info) -> WorkoutSession:
    """Loaded only when the client asks for it."""
    return await _session(info, root.session_id)


@strawberry.type(description="The set logged and its session.")
class LogSetPayload:
    session_id: strawberry.Private[uuid.UUID]
    set_log: SetLog = strawberry.field(description="The set (the first one, when `clientId` repeats).")
    session: WorkoutSession = strawberry.field(resolver=_payload_session, description="Its session.")
    created: bool = strawberry.field(description="False when `clientId` matched an earlier set and nothing new was logged.")
    record_ids: strawberry.Private[list]
    achievement_ids: strawberry.Private[list]

    @strawberry.field(description="Personal records this set just set (each also announced as `PersonalRecordSet`).")
    async def personal_records(self, info: Info) -> list[PersonalRecord]:
        rows = await info.context.loaders.get(PersonalRecordByIdLoader).load_many(self.record_ids)
        return [PersonalRecord.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Achievements this set unlocked (each also announced as `AchievementUnlocked`).")
    async def achievements(self, info: Info) -> list[UserAchievement]:
        rows = await info.context.loaders.get(UserAchievementByIdLoader).load_many(self.achievement_ids)
        return [UserAchievement.from_row(row) for row in rows if row is not None]


@strawberry.type(description="The set changed and its session.")
class UpdateSetPayload:
    session_id: strawberry.Private[uuid.UUID]
    set_log: SetLog = strawberry.field(description="The set.")
    session: WorkoutSession = strawberry.field(resolver=_payload_session, description="Its session.")


@strawberry.type(description="What was deleted.")
class DeleteSetPayload:
    session_id: strawberry.Private[uuid.UUID]
    deleted_set_log_id: strawberry.ID = strawberry.field(description="ID of the deleted set.")
    session: WorkoutSession = strawberry.field(resolver=_payload_session, description="The session it belonged to.")


async def log_set_from_input(ctx, input: LogSetInput, payload=None) -> tuple:
    """`logSet` itself, for the executor's resolver and the write lane (server/writes.py): (set row, created, outcome).

    `payload` (see `workouts.log_set`) is the lane's statement framing the answer in the same transaction."""
    row, created, outcome = await workouts.log_set(
        ctx,
        decode_id(input.session_id, "WorkoutSession", "sessionId"),
        decode_id(input.exercise_id, "Exercise", "exerciseId"),
        _set_input(input),
        input.client_id,
        payload=payload,
    )
    await invalidate_stats(ctx, row.user_id)
    return row, created, outcome


def _prescription(p: PlannedExerciseInput, field_prefix: str) -> programs.PrescriptionInput:
    return programs.PrescriptionInput(
        exercise_id=decode_id(p.exercise_id, "Exercise", f"{field_prefix}exerciseId"),
        sets=p.sets,
        reps_min=p.reps_min,
        reps_max=p.reps_max,
        target_weight=p.target_weight,
        weight_unit=p.weight_unit.value,
        target_rpe=p.target_rpe,
        rest_seconds=p.rest_seconds,
        tempo=p.tempo,
        superset_group=p.superset_group,
        notes=p.notes,
    )


def _set_input(data: LogSetInput | UpdateSetInput) -> workouts.SetInput:
    return workouts.SetInput(
        reps=given(data.reps),
        weight=given(data.weight),
        weight_unit=data.weight_unit.value,
        duration_seconds=given(data.duration_seconds),
        distance_meters=given(data.distance_meters),
        rpe=given(data.rpe),
        rir=given(data.rir),
        rest_seconds=given(data.rest_seconds),
        set_type=data.set_type.value if data.set_type not in (UNSET, None) else given(data.set_type),
        notes=given(data.notes),
        completed_at=given(data.completed_at),
    )


@strawberry.type(description="Changes to RepGraph. Each field runs in one transaction: all or nothing.")
class Mutation(GoalMutations, OrganizationMutations, LibraryMutations, SkillMutations, ConversationMutations, HealthMutations):
    @strawberry.mutation(description="Create an account and sign in.")
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        tokens, user = await accounts.register(
            info.context,
            email=input.email,
            username=input.username,
            password=input.password,
            display_name=input.display_name,
            language=input.language.value if input.language else None,
            timezone=input.timezone,
            role=input.role.value,
        )
        return AuthPayload.of(tokens, user)

    @strawberry.mutation(
        description="Sign in with e-mail or username and password. Five failures lock the name for 15 minutes (ACCOUNT_LOCKED)."
    )
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        tokens, user = await accounts.login(info.context, login=input.login, password=input.password)
        return AuthPayload.of(tokens, user)

    @strawberry.mutation(description="New tokens for a refresh token (which then stops working; reusing it ends the sign-in).")
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> AuthPayload:
        tokens, user = await accounts.refresh(info.context, input.refresh_token)
        return AuthPayload.of(tokens, user)

    @strawberry.mutation(description="Sign out this device: its tokens stop working at once, in every server process.")
    async def logout(self, info: Info) -> LogoutPayload:
        return LogoutPayload(ended_session_ids=_session_ids(await accounts.logout(info.context)))

    @strawberry.mutation(description="Sign out every device, this one included.")
    async def logout_everywhere(self, info: Info) -> LogoutPayload:
        return LogoutPayload(ended_session_ids=_session_ids(await accounts.logout(info.context, everywhere=True)))

    @strawberry.mutation(description="Sign out one of your other devices.")
    async def revoke_session(self, info: Info, input: RevokeSessionInput) -> LogoutPayload:
        ended = await accounts.revoke_session(info.context, decode_id(input.session_id, "SignInSession", "sessionId"))
        return LogoutPayload(ended_session_ids=_session_ids([ended]))

    @strawberry.mutation(description="Invite an athlete to be coached by you (coaches only; FORBIDDEN otherwise).")
    async def invite_athlete(self, info: Info, input: InviteAthleteInput) -> CoachingPayload:
        row = await coaching.invite(info.context, input.athlete)
        return CoachingPayload(relationship=await CoachingRelationship.build(info, row))

    @strawberry.mutation(description="Accept or decline an invitation from a coach.")
    async def respond_to_coaching(self, info: Info, input: RespondToCoachingInput) -> CoachingPayload:
        row = await coaching.respond(info.context, decode_id(input.invitation_id, "CoachingRelationship", "invitationId"), input.accept)
        return CoachingPayload(relationship=await CoachingRelationship.build(info, row))

    @strawberry.mutation(description="End a coaching relationship (either side; the coach's access stops at once).")
    async def end_coaching(self, info: Info, input: EndCoachingInput) -> CoachingPayload:
        row = await coaching.end(info.context, decode_id(input.relationship_id, "CoachingRelationship", "relationshipId"))
        return CoachingPayload(relationship=await CoachingRelationship.build(info, row))

    @strawberry.mutation(description="Change your password; every other sign-in ends.")
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        ctx = info.context
        before = {row.id for row in await accounts.active_sessions(ctx)}
        user = await accounts.change_password(ctx, current_password=input.current_password, new_password=input.new_password)
        return ChangePasswordPayload(user=User.from_row(user), ended_session_ids=_session_ids(sorted(before - {ctx.session_id})))

    @strawberry.mutation(description="Create a training program (optionally with days and exercises).")
    async def create_program(self, info: Info, input: CreateProgramInput) -> ProgramPayload:
        days = [
            programs.DayInput(
                name=d.name,
                weekday=d.weekday,
                notes=d.notes,
                exercises=[_prescription(e, f"days.{i}.exercises.{j}.") for j, e in enumerate(d.exercises or ())],
            )
            for i, d in enumerate(input.days or ())
        ]
        row = await programs.create_program(
            info.context,
            for_user_id=decode_id(input.for_user_id, "User", "forUserId") if input.for_user_id else None,
            name=input.name,
            description=input.description,
            structure=input.structure.value,
            frequency=input.frequency,
            is_template=input.is_template,
            days=days,
        )
        return ProgramPayload(program=Program.from_row(row))

    @strawberry.mutation(description="Change a program's details.")
    async def update_program(self, info: Info, input: UpdateProgramInput) -> ProgramPayload:
        row = await programs.update_program(
            info.context,
            decode_id(input.program_id, "Program", "programId"),
            name=given(input.name),
            description=given(input.description),
            structure=input.structure.value if input.structure not in (UNSET, None) else given(input.structure),
            frequency=given(input.frequency),
            is_template=given(input.is_template),
        )
        return ProgramPayload(program=Program.from_row(row))

    @strawberry.mutation(description="Delete a program with its days and planned exercises (past sessions stay).")
    async def delete_program(self, info: Info, input: DeleteProgramInput) -> DeleteProgramPayload:
        await programs.delete_program(info.context, decode_id(input.program_id, "Program", "programId"))
        return DeleteProgramPayload(deleted_program_id=input.program_id)

    @strawberry.mutation(description="Add a day to a program.")
    async def add_program_day(self, info: Info, input: AddProgramDayInput) -> AddProgramDayPayload:
        row = await programs.add_program_day(
            info.context,
            decode_id(input.program_id, "Program", "programId"),
            programs.DayInput(name=input.name, weekday=input.weekday, notes=input.notes),
            input.position,
        )
        return AddProgramDayPayload(program_day=ProgramDay.from_row(row))

    @strawberry.mutation(description="Plan an exercise on a program day.")
    async def add_program_exercise(self, info: Info, input: AddProgramExerciseInput) -> AddProgramExercisePayload:
        row = await programs.add_program_exercise(
            info.context,
            decode_id(input.program_day_id, "ProgramDay", "programDayId"),
            _prescription(input, ""),
            input.position,
        )
        return AddProgramExercisePayload(program_exercise=ProgramExercise.from_row(row))

    @strawberry.mutation(description="Create a custom exercise, visible only to you.")
    async def create_exercise(self, info: Info, input: CreateExerciseInput) -> CreateExercisePayload:
        row = await exercises.create_exercise(info.context, **new_exercise_fields(input))
        return CreateExercisePayload(exercise=Exercise.from_row(row))

    @strawberry.mutation(description="Start a workout; from a program day it carries the planned exercises and targets.")
    async def start_workout(self, info: Info, input: StartWorkoutInput) -> WorkoutSessionPayload:
        row = await workouts.start_workout(
            info.context,
            program_day_id=decode_id(input.program_day_id, "ProgramDay", "programDayId") if input.program_day_id else None,
            name=input.name,
            started_at=input.started_at,
            notes=input.notes,
            from_skill_plan=input.from_skill_plan,
        )
        await invalidate_stats(info.context, row.user_id)
        return WorkoutSessionPayload(session=WorkoutSession.from_row(row))

    @strawberry.mutation(description="Log a set. Retrying with the same `clientId` never logs it twice.")
    async def log_set(self, info: Info, input: LogSetInput) -> LogSetPayload:
        row, created, outcome = await log_set_from_input(info.context, input)
        return LogSetPayload(
            set_log=SetLog.from_row(row), session_id=row.session_id, created=created,
            record_ids=[r.id for r in outcome.records], achievement_ids=outcome.achievements,
        )

    @strawberry.mutation(description="Change a logged set.")
    async def update_set(self, info: Info, input: UpdateSetInput) -> UpdateSetPayload:
        data = _set_input(input)
        if input.exercise_id not in (UNSET, None):
            data.exercise_id = decode_id(input.exercise_id, "Exercise", "exerciseId")
        row = await workouts.update_set(info.context, decode_id(input.set_log_id, "SetLog", "setLogId"), data)
        await invalidate_stats(info.context, row.user_id)
        return UpdateSetPayload(set_log=SetLog.from_row(row), session_id=row.session_id)

    @strawberry.mutation(description="Delete a logged set.")
    async def delete_set(self, info: Info, input: DeleteSetInput) -> DeleteSetPayload:
        row = await workouts.delete_set(info.context, decode_id(input.set_log_id, "SetLog", "setLogId"))
        await invalidate_stats(info.context, row.user_id)
        return DeleteSetPayload(deleted_set_log_id=encode_id("SetLog", row.id), session_id=row.session_id)

    @strawberry.mutation(description="Finish a workout in progress.")
    async def finish_workout(self, info: Info, input: FinishWorkoutInput) -> WorkoutSessionPayload:
        row = await workouts.end_workout(
            info.context,
            decode_id(input.session_id, "WorkoutSession", "sessionId"),
            "completed",
            perceived_exertion=input.perceived_exertion,
            notes=given(input.notes),
        )
        await invalidate_stats(info.context, row.user_id)
        return WorkoutSessionPayload(session=WorkoutSession.from_row(row))

    @strawberry.mutation(description="Abandon a workout in progress (its sets stay).")
    async def abandon_workout(self, info: Info, input: AbandonWorkoutInput) -> WorkoutSessionPayload:
        row = await workouts.end_workout(info.context, decode_id(input.session_id, "WorkoutSession", "sessionId"), "abandoned")
        await invalidate_stats(info.context, row.user_id)
        return WorkoutSessionPayload(session=WorkoutSession.from_row(row))


@strawberry.input(description="The athlete to invite, by e-mail or username.")
class InviteAthleteInput:
    athlete: str = strawberry.field(description="E-mail or username.")


@strawberry.input(description="An answer to a coaching invitation.")
class RespondToCoachingInput:
    invitation_id: strawberry.ID = strawberry.field(description="From `viewer.coaching`.")
    accept: bool = strawberry.field(description="True to accept, false to decline.")


@strawberry.input(description="A coaching relationship to end.")
class EndCoachingInput:
    relationship_id: strawberry.ID = strawberry.field(description="From `viewer.coaching`.")


@strawberry.type(description="The coaching relationship as it is now.")
class CoachingPayload:
    relationship: CoachingRelationship = strawberry.field(description="The relationship.")


def _session_ids(ids) -> list[strawberry.ID]:
    return [strawberry.ID(encode_id("SignInSession", i)) for i in ids]


async def _session(info: Info, session_id) -> WorkoutSession:
    row = await info.context.loaders.get(WorkoutSessionByIdLoader).load(session_id)
    return WorkoutSession.from_row(row)
