"""Skill progressions: reading an athlete's standing, changing it, and deriving mastery from sets.

Mastery is derived, like personal records: whenever sets of a ladder exercise are logged
into a finished workout, changed or deleted, and whenever a workout finishes, `rederive`
reads the athlete's sets of the exercises concerned (completed workouts only) and lets
domain/skills.py decide which workout first met each default; what changed is written
back, so deleting or editing the sets that made a mastery moves it to the next workout
that qualifies, or removes it. Achievements once awarded stay (as everywhere), and so
does a level once advanced.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text

from domain import skills
from live import events
from loaders.skills import Catalogue, SkillCatalogueLoader, SkillExerciseByIdLoader, SkillStandingByUserIdLoader
from resolvers.access import acting_for, readable
from resolvers.context import Context
from resolvers.errors import BadUserInput, NotFound

# --- reading --------------------------------------------------------------------------------


def default_prescription(step: Any) -> skills.Prescription:
    return skills.Prescription.from_columns(step.default_sets, step.default_tempo, step.default_rest_seconds)


def current_prescription(step: Any, standing: Any | None) -> skills.Prescription:
    """The athlete's own prescription when one was set, else where everyone starts."""
    if standing is not None and standing.current_sets is not None:
        return skills.Prescription.from_columns(standing.current_sets, standing.current_tempo, standing.current_rest_seconds)
    return skills.starting(default_prescription(step))


@dataclass(frozen=True)
class Progress:
    """One athlete on one step."""

    user_id: uuid.UUID
    step: Any  # skill_exercises row
    prescription: skills.Prescription
    customized: bool
    mastered_at: Any
    mastered_session_id: uuid.UUID | None


@dataclass(frozen=True)
class Standing:
    """One athlete in one category: the level and its steps."""

    category: Any
    level: Any
    exercises: list[Progress]

    @property
    def can_advance(self) -> bool:
        mastered = sum(1 for p in self.exercises if p.mastered_at is not None)
        return skills.can_advance(self.level.level, len(self.exercises), mastered)


async def catalogue(ctx: Context) -> Catalogue:
    return await ctx.loaders.get(SkillCatalogueLoader).load(0)


async def progress_of(ctx: Context, user: Any) -> list[Progress]:
    """Every step with the user's prescription and mastery, in ladder order (readers of their training only)."""
    await readable(ctx, user, "User")
    ladder = await catalogue(ctx)
    rows = {r.skill_exercise_id: r for r in await ctx.loaders.get(SkillStandingByUserIdLoader).load(user.id)}
    out = []
    for step in ladder.steps:
        row = rows.get(step.id)
        out.append(Progress(user.id, step, current_prescription(step, row), row is not None and row.current_sets is not None,
                            row.mastered_at if row else None, row.mastered_session_id if row else None))
    return out


async def user_levels(ctx: Context, user_id: uuid.UUID) -> dict[str, int]:
    rows = await ctx.loaders.get(SkillStandingByUserIdLoader).load(user_id)
    return {r.category: r.user_level for r in rows}


async def standings(ctx: Context, user: Any) -> list[Standing]:
    """Today's plan: each category at the user's level, its steps with the user's prescriptions."""
    ladder = await catalogue(ctx)
    progress = await progress_of(ctx, user)
    levels = await user_levels(ctx, user.id)
    out = []
    for category in ladder.categories:
        level = levels.get(category.code, 0)
        steps = [p for p in progress if p.step.category == category.code and p.step.level == level]
        out.append(Standing(category, ladder.levels[level], steps))
    return out


def category_code(ladder: Catalogue, value: str | None, field: str) -> str | None:
    if value is None:
        return None
    code = value.strip().lower()
    if ladder.category(code) is None:
        known = ", ".join(c.code.upper() for c in ladder.categories)
        raise BadUserInput(f"Unknown category '{value}': one of {known}", field=field)
    return code


def level_number(value: int | None, field: str) -> int | None:
    if value is not None and not skills.MIN_LEVEL <= value <= skills.MAX_LEVEL:
        raise BadUserInput(f"'{field}' must be between {skills.MIN_LEVEL} and {skills.MAX_LEVEL}", field=field)
    return value


# --- deriving mastery -----------------------------------------------------------------------

# The steps concerned (by exercise, or those performed in a session), the user's stored
# mastery of each, and every set of theirs that could count: warm-ups excepted, in
# completed workouts only.
_MASTERY_SETS = text(
    """
    WITH steps AS (
        SELECT se.id, se.exercise_id, se.default_sets, se.default_tempo, se.default_rest_seconds
        FROM skill_exercises se
        WHERE se.exercise_id = ANY(CAST(:exercise_ids AS uuid[]))
           OR se.exercise_id IN (SELECT exercise_id FROM set_logs WHERE session_id = CAST(:session_id AS uuid))
    )
    SELECT st.id AS skill_exercise_id, st.default_sets, st.default_tempo, st.default_rest_seconds,
           p.mastered_at AS old_at, p.mastered_session_id AS old_session,
           x.session_id, x.ended_at, x.reps, x.duration_seconds
    FROM steps st
    LEFT JOIN user_skill_progress p ON p.user_id = :user_id AND p.skill_exercise_id = st.id
    LEFT JOIN LATERAL (
        SELECT s.session_id, w.ended_at, s.reps, s.duration_seconds
        FROM set_logs s JOIN workout_sessions w ON w.id = s.session_id AND w.status = 'completed'
        WHERE s.user_id = :user_id AND s.exercise_id = st.exercise_id AND s.set_type <> 'warmup'
    ) x ON true
    """
)

_WRITE_MASTERY = text(
    """
    INSERT INTO user_skill_progress AS p (user_id, skill_exercise_id, mastered_at, mastered_session_id)
    SELECT :user_id, m.skill_exercise_id, m.mastered_at, m.session_id
    FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[]), CAST(:sessions AS uuid[])) AS m(skill_exercise_id, mastered_at, session_id)
    ON CONFLICT (user_id, skill_exercise_id) DO UPDATE SET
        mastered_at = EXCLUDED.mastered_at, mastered_session_id = EXCLUDED.mastered_session_id, updated_at = now()
    """
)

_COUNT_MASTERED = text(
    """
    INSERT INTO user_progress AS p (user_id, skills_mastered)
    VALUES (:user_id, (SELECT count(*) FROM user_skill_progress WHERE user_id = :user_id AND mastered_at IS NOT NULL))
    ON CONFLICT (user_id) DO UPDATE SET skills_mastered = EXCLUDED.skills_mastered, updated_at = now()
    """
)


@dataclass(frozen=True)
class Mastery:
    skill_exercise_id: uuid.UUID
    session_id: uuid.UUID | None


async def rederive(
    session, user_id: uuid.UUID, *, exercise_ids: list[uuid.UUID] | None = None, session_id: uuid.UUID | None = None,
    recount: bool = False,
) -> list[Mastery]:
    """Bring the user's masteries of these exercises (or of those done in `session_id`) in line with
    their sets (user lock held); the masteries that are new."""
    params = {"user_id": user_id, "exercise_ids": list(exercise_ids or []), "session_id": session_id}
    steps: dict[uuid.UUID, Any] = {}
    workouts: dict[uuid.UUID, dict] = defaultdict(dict)
    for row in (await session.execute(_MASTERY_SETS, params)).all():
        steps[row.skill_exercise_id] = row
        if row.session_id is not None:
            w = workouts[row.skill_exercise_id].setdefault(row.session_id, (row.ended_at, []))
            w[1].append(skills.LoggedSet(row.reps, row.duration_seconds))
    changed, new = [], []
    for step_id, step in steps.items():
        done = [skills.Workout(sid, ended, tuple(sets)) for sid, (ended, sets) in workouts[step_id].items()]
        first = skills.first_mastery(default_prescription(step), done)
        at, sid = (first.ended_at, first.session_id) if first else (None, None)
        if (at, sid) != (step.old_at, step.old_session):
            changed.append((step_id, at, sid))
            if step.old_at is None and at is not None:
                new.append(Mastery(step_id, sid))
    if changed:
        await session.execute(_WRITE_MASTERY, {"user_id": user_id, "ids": [c[0] for c in changed],
                                               "ats": [c[1] for c in changed], "sessions": [c[2] for c in changed]})
    if changed or recount:
        await session.execute(_COUNT_MASTERED, {"user_id": user_id})
    return new


# --- writes ---------------------------------------------------------------------------------

_SET_LEVEL = text(
    """
    INSERT INTO user_skill_levels AS l (user_id, category, level) VALUES (:user_id, :category, :level)
    ON CONFLICT (user_id, category) DO UPDATE SET level = EXCLUDED.level, updated_at = now()
    """
)


async def set_level(ctx: Context, category: str, level: int) -> Any:
    """Place the viewer on a level of a category (their choice at the start, or a change of mind)."""
    viewer = await ctx.require_viewer()
    ladder = await catalogue(ctx)
    code = category_code(ladder, category, "category")
    level_number(level, "level")
    async with ctx.sessionmaker.begin() as session:
        await session.execute(_SET_LEVEL, {"user_id": viewer.id, "category": code, "level": level})
    ctx.fresh_loaders()
    return viewer


_SET_PRESCRIPTION = text(
    """
    INSERT INTO user_skill_progress AS p (user_id, skill_exercise_id, current_sets, current_tempo, current_rest_seconds, prescribed_by)
    VALUES (:user_id, :step_id, CAST(:sets AS jsonb), :tempo, :rest, :by)
    ON CONFLICT (user_id, skill_exercise_id) DO UPDATE SET
        current_sets = EXCLUDED.current_sets, current_tempo = EXCLUDED.current_tempo,
        current_rest_seconds = EXCLUDED.current_rest_seconds, prescribed_by = EXCLUDED.prescribed_by, updated_at = now()
    """
)


async def set_prescription(
    ctx: Context, step_id: uuid.UUID, for_user_id: uuid.UUID | None, sets: list[skills.SetTarget], tempo: str | None, rest: int | None
) -> Any:
    """Set the athlete's current prescription of a step: the athlete themself, or their accepted coach."""
    viewer = await ctx.require_viewer()
    athlete = await acting_for(ctx, viewer.id, for_user_id, "userId")
    step = await ctx.loaders.get(SkillExerciseByIdLoader).load(step_id)
    if step is None:
        raise NotFound("SkillExercise", field="skillExerciseId")
    try:
        chosen = skills.prescription(sets, tempo, rest)
    except skills.InvalidPrescription as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    if (chosen.sets[0].seconds is None) != (step.default_sets[0].get("seconds") is None):
        raise BadUserInput("This exercise counts " + ("seconds held" if step.default_sets[0].get("seconds") else "reps"),
                           field="sets")
    async with ctx.sessionmaker.begin() as session:
        await session.execute(_SET_PRESCRIPTION, {"user_id": athlete, "step_id": step.id, "sets": orjson.dumps(chosen.sets_json()).decode(),
                                                  "tempo": chosen.tempo, "rest": chosen.rest_seconds, "by": viewer.id})
    ctx.fresh_loaders()
    return athlete, step


_LEVEL_AND_MASTERY = text(
    """
    SELECT coalesce((SELECT level FROM user_skill_levels WHERE user_id = :user_id AND category = :category), 0) AS level,
           array(SELECT e.name FROM skill_exercises se JOIN exercises e ON e.id = se.exercise_id
                 LEFT JOIN user_skill_progress p ON p.user_id = :user_id AND p.skill_exercise_id = se.id
                 WHERE se.category = :category
                   AND se.level = coalesce((SELECT level FROM user_skill_levels WHERE user_id = :user_id AND category = :category), 0)
                   AND p.mastered_at IS NULL
                 ORDER BY se.position) AS unmastered
    """
)
_REACHED = text(
    """
    INSERT INTO user_progress AS p (user_id, skill_level) VALUES (:user_id, :level)
    ON CONFLICT (user_id) DO UPDATE SET skill_level = greatest(p.skill_level, EXCLUDED.skill_level), updated_at = now()
    """
)


async def advance(ctx: Context, category: str) -> tuple[Any, Any]:
    """Move the viewer up one level of a category once every exercise of their level is mastered."""
    from resolvers import training  # it applies these rules too, so it imports this module first

    viewer = await ctx.require_viewer()
    ladder = await catalogue(ctx)
    code = category_code(ladder, category, "category")
    async with ctx.sessionmaker.begin() as session:
        await training.lock_user(session, viewer.id)
        row = (await session.execute(_LEVEL_AND_MASTERY, {"user_id": viewer.id, "category": code})).one()
        if row.level >= skills.MAX_LEVEL:
            raise BadUserInput(f"Already at the top level ({skills.MAX_LEVEL}) of {code}", field="category")
        if row.unmastered:
            raise BadUserInput(f"Master every exercise of level {row.level} first; not yet: {', '.join(row.unmastered)}", field="category")
        level = row.level + 1
        await session.execute(_SET_LEVEL, {"user_id": viewer.id, "category": code, "level": level})
        await session.execute(_REACHED, {"user_id": viewer.id, "level": level})
        outcome = training.Outcome()
        await training.apply_progress(session, outcome, viewer.id, None)
        level_up = ([events.user_channel(viewer.id)], events.SKILL_LEVEL_UP, {"category": code, "level": level})
        await training.announce(session, viewer.id, None, outcome, first=[level_up])
    ctx.committed()
    return viewer, outcome


_PLAN_ROWS = text(
    """
    INSERT INTO planned_skill_exercises (session_id, position, skill_exercise_id, exercise_id, sets, tempo, rest_seconds)
    SELECT :session_id, m.position, m.step_id, se.exercise_id, m.sets, m.tempo, m.rest
    FROM unnest(CAST(:positions AS int[]), CAST(:step_ids AS uuid[]), CAST(:sets AS jsonb[]), CAST(:tempos AS text[]),
                CAST(:rests AS int[])) AS m(position, step_id, sets, tempo, rest)
    JOIN skill_exercises se ON se.id = m.step_id
    """
)


async def plan_session(ctx: Context, session, user: Any, session_id: uuid.UUID) -> None:
    """Copy today's plan, with the athlete's prescriptions as they are now, into a new session."""
    planned = [p for standing in await standings(ctx, user) for p in standing.exercises]
    await session.execute(_PLAN_ROWS, {
        "session_id": session_id,
        "positions": list(range(len(planned))),
        "step_ids": [p.step.id for p in planned],
        "sets": [orjson.dumps(p.prescription.sets_json()).decode() for p in planned],
        "tempos": [p.prescription.tempo for p in planned],
        "rests": [p.prescription.rest_seconds for p in planned],
    })
