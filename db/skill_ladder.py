"""The bodyweight skill ladder, read from `db/data/skill_ladder.json`.

The file holds the levels (0–5), the movement categories, the ladder's steps (category,
level, exercise, default prescription, equipment, notes, tags) and the bodyweight
exercises the public-domain library lacks (wall, knee and archer push-ups, dead hangs,
negative and archer pull-ups, assisted, split, Bulgarian, shrimp and pistol squats),
which join the library under the key `skill:<key>`. Steps name their exercise by library
key. Like db/library.py this is pure Python: it refuses a file whose steps the rules of
domain/skills.py would not accept, so a bad edit fails at start, not in a workout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from db.library import EQUIPMENT, LEVELS, MOVEMENT_PATTERNS, MUSCLES, PRIMARY_SHARE, SECONDARY_SHARE, TRACKING
from domain import skills

LADDER_PATH = Path(__file__).parent / "data" / "skill_ladder.json"
SKILL_KEY_PREFIX = "skill:"


@dataclass(frozen=True)
class Ladder:
    levels: list[dict]
    categories: list[dict]
    exercises: list[dict]  # library rows, shaped like db.library's
    steps: list[dict]  # `exercise_key` names the library row


def _exercise_row(source: dict) -> dict:
    key = SKILL_KEY_PREFIX + source["key"]
    primary, secondary = source["primary"], source.get("secondary", [])
    for value, allowed, what in (
        (source["pattern"], MOVEMENT_PATTERNS, "movement pattern"), (source["level"], LEVELS, "level"),
        (source["equipment"], EQUIPMENT, "equipment"), (source["tracking"], TRACKING, "tracking"),
        *((m, MUSCLES, "muscle") for m in primary + secondary),
    ):
        if value not in allowed:
            raise ValueError(f"{key}: unknown {what} {value!r}")
    return {
        "source_key": key,
        "name": source["name"],
        "name_he": source["name_he"],
        "category": "calisthenics",
        "movement_pattern": source["pattern"],
        "force": source.get("force", source["pattern"] if source["pattern"] in ("push", "pull") else "push"),
        "mechanic": "compound",
        "level": source["level"],
        "equipment": source["equipment"],
        "primary_muscles": primary,
        "secondary_muscles": secondary,
        "muscle_contributions": {m: PRIMARY_SHARE for m in primary} | {m: SECONDARY_SHARE for m in secondary},
        "tags": sorted({"bodyweight", "compound", *source.get("tags", [])}),
        "tracking": source["tracking"],
    }


def _step_row(source: dict, categories: set[str], position: int) -> dict:
    key = source["key"]
    if source["category"] not in categories:
        raise ValueError(f"{key}: unknown category {source['category']!r}")
    if not skills.MIN_LEVEL <= source["level"] <= skills.MAX_LEVEL:
        raise ValueError(f"{key}: level {source['level']} outside {skills.MIN_LEVEL}-{skills.MAX_LEVEL}")
    try:
        default = skills.prescription([skills.SetTarget.from_json(s) for s in source["sets"]], source.get("tempo"), source.get("rest"))
    except skills.InvalidPrescription as exc:
        raise ValueError(f"{key}: {exc} ({exc.field})") from exc
    return {
        "source_key": key,
        "category": source["category"],
        "level": source["level"],
        "position": position,
        "exercise_key": source["exercise"],
        "default_sets": default.sets_json(),
        "default_tempo": default.tempo,
        "default_rest_seconds": default.rest_seconds,
        "equipment": source.get("equipment"),
        "notes": source.get("notes"),
        "tags": source.get("tags", []),
    }


def load_skill_ladder(library_keys: set[str] | None = None) -> Ladder:
    """The ladder's rows; with `library_keys`, also checks every step names a library exercise."""
    source = json.loads(LADDER_PATH.read_text(encoding="utf-8"))
    levels = source["levels"]
    if sorted(level["level"] for level in levels) != list(range(skills.MIN_LEVEL, skills.MAX_LEVEL + 1)):
        raise ValueError(f"the ladder needs exactly the levels {skills.MIN_LEVEL}-{skills.MAX_LEVEL}")
    categories = [{**c, "position": i} for i, c in enumerate(source["categories"])]
    codes = {c["code"] for c in categories}
    exercises = [_exercise_row(e) for e in source["exercises"]]
    positions: dict[tuple[str, int], int] = {}
    steps = []
    for s in source["steps"]:
        slot = (s["category"], s["level"])
        positions[slot] = positions.get(slot, 0) + 1
        steps.append(_step_row(s, codes, positions[slot] - 1))
    if any(n > 3 for n in positions.values()) or len(positions) != len(codes) * len(levels):
        raise ValueError("every category needs one to three exercises on every level")
    for what, keys in (("step", [s["source_key"] for s in steps]), ("exercise", [s["exercise_key"] for s in steps])):
        if len(set(keys)) != len(keys):
            raise ValueError(f"a {what} appears twice on the ladder")
    if library_keys is not None:
        known = library_keys | {e["source_key"] for e in exercises}
        if missing := [s["exercise_key"] for s in steps if s["exercise_key"] not in known]:
            raise ValueError(f"steps name exercises missing from the library: {missing}")
    return Ladder(levels, categories, exercises, steps)
