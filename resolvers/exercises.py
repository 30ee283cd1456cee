"""Searching the exercise library and creating custom exercises (the administrators' library writes: resolvers/library.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from db.models import Exercise
from loaders.base import Keyset, Page, PageRequest, to_page
from resolvers import validation
from resolvers.context import Context
from resolvers.errors import BadUserInput


@dataclass(frozen=True)
class ExerciseFilterSpec:
    search: str | None = None
    muscle: str | None = None
    equipment: str | None = None
    category: str | None = None
    movement_pattern: str | None = None
    level: str | None = None


KEYSET = Keyset([Exercise.name, Exercise.id], descending=False)


def _visible_filtered(ctx: Context, spec: ExerciseFilterSpec):
    owner = Exercise.owner_id.is_(None)
    if ctx.viewer_id is not None:
        owner = or_(owner, Exercise.owner_id == ctx.viewer_id)
    conditions = [owner, Exercise.archived_at.is_(None)]  # archived library rows: readable by id, never listed
    if spec.search:
        pattern = "%" + spec.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Exercise.name.ilike(pattern), Exercise.name_he.ilike(pattern)))
    if spec.muscle:
        conditions.append(
            or_(Exercise.primary_muscles.contains([spec.muscle]), Exercise.secondary_muscles.contains([spec.muscle]))
        )
    for column, value in (
        (Exercise.equipment, spec.equipment),
        (Exercise.category, spec.category),
        (Exercise.movement_pattern, spec.movement_pattern),
        (Exercise.level, spec.level),
    ):
        if value:
            conditions.append(column == value)
    return conditions


async def exercise_page(ctx: Context, spec: ExerciseFilterSpec, page: PageRequest) -> Page:
    if ctx.viewer_id is not None:
        await ctx.viewer()  # a bad or revoked token fails here, not silently as anonymous
    stmt = KEYSET.apply(select(Exercise).where(*_visible_filtered(ctx, spec)), page)
    async with ctx.sessionmaker() as session:
        rows = list((await session.execute(stmt)).scalars())
    return to_page(rows, page)


async def exercise_count(ctx: Context, spec: ExerciseFilterSpec) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Exercise).where(*_visible_filtered(ctx, spec)))


def exercise_values(
    *,
    name: str,
    name_he: str | None,
    category: str,
    movement_pattern: str,
    tracking: str,
    primary_muscles: list[str],
    secondary_muscles: list[str],
    contributions: dict[str, float] | None,
    equipment: str | None,
    force: str | None,
    mechanic: str | None,
    level: str,
    tags: list[str],
) -> dict:
    """Validated column values for an exercise (custom or library); BAD_USER_INPUT names the field at fault."""
    name = validation.text(name, "name", max_length=120, required=True)
    name_he = validation.text(name_he, "nameHe", max_length=120)
    if not primary_muscles:
        raise BadUserInput("'primaryMuscles' needs at least one muscle", field="primaryMuscles")
    secondary = [m for m in dict.fromkeys(secondary_muscles) if m not in primary_muscles]
    shares = {m: 1.0 for m in primary_muscles} | {m: 0.5 for m in secondary}
    for muscle, share in (contributions or {}).items():
        if muscle not in shares:
            raise BadUserInput(f"contribution given for '{muscle}', which is not among the exercise's muscles", field="muscleContributions")
        validation.in_range(share, "muscleContributions", 0.05, 1.0)
        shares[muscle] = share
    if len(tags) > 20 or any(len(t) > 32 for t in tags):
        raise BadUserInput("at most 20 tags of at most 32 characters", field="tags")
    return dict(
        name=name,
        name_he=name_he,
        category=category,
        movement_pattern=movement_pattern,
        tracking=tracking,
        primary_muscles=list(dict.fromkeys(primary_muscles)),
        secondary_muscles=secondary,
        muscle_contributions=shares,
        equipment=equipment,
        force=force,
        mechanic=mechanic,
        level=level,
        tags=sorted({t.strip().lower() for t in tags if t.strip()}),
    )


async def create_exercise(ctx: Context, **fields) -> Exercise:
    """A custom exercise of the viewer's (fields as `exercise_values` takes them)."""
    viewer = await ctx.require_viewer()
    row = Exercise(owner_id=viewer.id, **exercise_values(**fields))
    try:
        async with ctx.sessionmaker.begin() as session:
            session.add(row)
            await session.flush()
            await session.refresh(row)
    except IntegrityError as exc:
        raise BadUserInput("You already have an exercise with that name", field="name") from exc
    return row
