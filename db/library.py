"""The global exercise library, read from the data files shipped in db/data/.

`exercises.json` is the public-domain Free Exercise DB (Unlicense), kept byte-identical to
the source; `exercises_he.json` maps its ids to Hebrew names. The source spells its
vocabularies loosely ("e-z curl bar", "lower back", "olympic weightlifting") and lacks what
RepGraph needs (movement pattern, what a set records, muscle shares, tags). This module turns
each source row into exactly the values the database's CHECK constraints accept, derives the
missing fields by the rules documented below, and refuses a data file it does not understand.
It is pure Python with no database access, so the seeder and the tests share it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

LIBRARY_PATH = Path(__file__).parent / "data" / "exercises.json"
HEBREW_PATH = Path(__file__).parent / "data" / "exercises_he.json"

MUSCLES = (
    "abdominals", "abductors", "adductors", "biceps", "calves", "chest", "forearms", "glutes", "hamstrings",
    "lats", "lower_back", "middle_back", "neck", "quadriceps", "shoulders", "traps", "triceps",
)
CATEGORIES = (
    "strength", "cardio", "stretching", "plyometrics", "powerlifting", "olympic_weightlifting", "strongman",
    "calisthenics",
)
MOVEMENT_PATTERNS = ("push", "pull", "squat", "hinge", "core", "carry", "other")
EQUIPMENT = (
    "barbell", "dumbbell", "other", "body_only", "cable", "machine", "kettlebells", "bands", "medicine_ball",
    "exercise_ball", "foam_roll", "ez_curl_bar",
)
TRACKING = ("weight_reps", "reps", "duration", "distance", "distance_duration")
FORCES = ("push", "pull", "static")
MECHANICS = ("compound", "isolation")
LEVELS = ("beginner", "intermediate", "expert")

PRIMARY_SHARE = 1.0
SECONDARY_SHARE = 0.5

_ALIASES = {"e-z curl bar": "ez_curl_bar"}

# Matched against the name lower-cased, with every run of punctuation turned into one space.
_CORE = re.compile(
    r"\b(plank|crunch(es)?|sit ups?|rollout|ab roller|russian twists?|wood chop|pallof|side bends?|dead bug"
    r"|flutter kicks|mountain climbers|turkish get up)\b"
)
_CARRY = re.compile(r"\b(farmer|yoke|carry|conan|sled (drags?|push)|(backward|forward) drag)\b")
_WALK = re.compile(r"\bwalk\b")
_SQUAT = re.compile(r"\b(squats?|lunges?|leg press|step ups?|snatch balance)\b")
_HINGE = re.compile(
    r"\b(deadlifts?|good mornings?|hip thrust|(?<!sledgehammer )swings?|hyperextensions?|romanian"
    r"|glute ham raise|pull through|rack pulls?|stiff legs?|glute bridge|hip bridge|butt lift|hip lift"
    r"|cleans?|snatch(es)?|high pull|atlas stones?|keg load|sandbag load|tire flip)\b"
)
_PUSH_NAME = re.compile(r"\b(press|push ups?|dips?)\b")
_PULL_NAME = re.compile(r"\b(pull ups?|chin ups?|curls?|rows?|pulldowns?)\b")
_HOLD = re.compile(r"\bhold\b")
_DISTANCE_CARDIO = re.compile(r"\b(running|jogging|walking|rowing|bicycling|bike|elliptical|skating|sprint)\b")
_UNILATERAL = re.compile(r"\b(single|one) (arm|leg|legged|handed)\b")


def _words(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def _vocab(value: str, allowed: tuple[str, ...], what: str, source_key: str) -> str:
    normalised = _ALIASES.get(value, value.replace(" ", "_"))
    if normalised not in allowed:
        raise ValueError(f"{source_key}: unknown {what} {value!r}")
    return normalised


def _optional(value: str | None, allowed: tuple[str, ...], what: str, source_key: str) -> str | None:
    return None if value is None else _vocab(value, allowed, what, source_key)


def _muscles(values: list[str], source_key: str) -> list[str]:
    return list(dict.fromkeys(_vocab(m, MUSCLES, "muscle", source_key) for m in values))


def movement_pattern(name: str, category: str, force: str | None, equipment: str | None, primary: list[str]) -> str:
    """The movement pattern; the first rule that applies wins.

    1. Stretching and cardio → other.
    2. Named core work (plank, crunch, sit-up, rollout, Russian twist, wood chop, Pallof press,
       side bend, dead bug, flutter kicks, mountain climbers, Turkish get-up) → core.
    3. Carries (farmer's walk, yoke, any "carry", Conan's wheel, sled drags and pushes, and a
       "walk" under load, so not with bands or bodyweight as in a monster walk) → carry.
    4. Squat, lunge, leg press, step-up, snatch balance → squat, unless calves are the primary
       muscle (calf raises on the leg press).
    5. Deadlift, good morning, hip thrust, glute/hip bridge, swing (not a sledgehammer's),
       hyperextension, Romanian, glute-ham raise, pull-through, rack pull, stiff-leg, cleans,
       snatches, high pulls and the strongman floor lifts (Atlas stones, keg and sandbag loads,
       tire flip) → hinge.
    6. Abdominals among the primary muscles → core.
    7. The source's force: push → push, pull → pull. Without a force, the name decides:
       press, push-up, dip → push; pull-up, chin-up, curl, row, pulldown → pull.
    8. Anything else (static holds, balance and agility drills) → other.
    """
    words = _words(name)
    if category in ("stretching", "cardio"):
        return "other"
    if _CORE.search(words):
        return "core"
    if _CARRY.search(words) or (_WALK.search(words) and equipment not in (None, "body_only", "bands")):
        return "carry"
    if _SQUAT.search(words) and "calves" not in primary:
        return "squat"
    if _HINGE.search(words):
        return "hinge"
    if "abdominals" in primary:
        return "core"
    if force is None:
        force = "push" if _PUSH_NAME.search(words) else "pull" if _PULL_NAME.search(words) else None
    return force if force in ("push", "pull") else "other"


def tracking(name: str, category: str, force: str | None, equipment: str | None, pattern: str) -> str:
    """What a logged set records; the first rule that applies wins.

    1. Stretching → duration.
    2. Static holds (force "static": plank, side bridge, isometrics, crucifix, plate pinch; or
       "hold" in the name) → duration.
    3. Cardio → distance_duration for running, jogging, walking, rowing, cycling, elliptical,
       skating and sprints; anything else (rope jumping, stair machines) → duration.
    4. Carries (the carry movement pattern: farmer's walk, yoke, sled drags) → distance.
    5. Plyometrics, and strength work without equipment (body only or none listed) → reps.
    6. Everything else → weight_reps.
    """
    words = _words(name)
    if category == "stretching" or force == "static" or _HOLD.search(words):
        return "duration"
    if category == "cardio":
        return "distance_duration" if _DISTANCE_CARDIO.search(words) else "duration"
    if pattern == "carry":
        return "distance"
    if category == "plyometrics" or (category == "strength" and equipment in (None, "body_only")):
        return "reps"
    return "weight_reps"


def _tags(name: str, equipment: str | None, mechanic: str | None) -> list[str]:
    tags = {mechanic} if mechanic else set()
    if equipment == "body_only":
        tags.add("bodyweight")
    elif equipment and equipment != "other":
        tags.add(equipment)
    if _UNILATERAL.search(_words(name)):
        tags.add("unilateral")
    return sorted(tags)


def _row(source: dict, hebrew: dict[str, str]) -> dict:
    key = source["id"]
    category = _vocab(source["category"], CATEGORIES, "category", key)
    equipment = _optional(source["equipment"], EQUIPMENT, "equipment", key)
    force = _optional(source["force"], FORCES, "force", key)
    mechanic = _optional(source["mechanic"], MECHANICS, "mechanic", key)
    primary = _muscles(source["primaryMuscles"], key)
    if not primary:
        raise ValueError(f"{key}: no primary muscle")
    # A muscle the source lists as both primary and secondary counts as primary only.
    secondary = [m for m in _muscles(source["secondaryMuscles"], key) if m not in primary]
    pattern = movement_pattern(source["name"], category, force, equipment, primary)
    return {
        "source_key": key,
        "name": source["name"],
        "name_he": hebrew.get(key),
        "category": category,
        "movement_pattern": pattern,
        "force": force,
        "mechanic": mechanic,
        "level": _vocab(source["level"], LEVELS, "level", key),
        "equipment": equipment,
        "primary_muscles": primary,
        "secondary_muscles": secondary,
        "muscle_contributions": {m: PRIMARY_SHARE for m in primary} | {m: SECONDARY_SHARE for m in secondary},
        "tags": _tags(source["name"], equipment, mechanic),
        "tracking": tracking(source["name"], category, force, equipment, pattern),
    }


def load_exercise_library() -> list[dict]:
    """One row per library exercise, in file order, ready to upsert by `source_key`."""
    source = json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))
    hebrew = json.loads(HEBREW_PATH.read_text(encoding="utf-8"))
    keys = [s["id"] for s in source]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate exercise ids in {LIBRARY_PATH.name}")
    if unknown := set(hebrew) - set(keys):
        raise ValueError(f"Hebrew names for unknown exercises: {sorted(unknown)}")
    return [_row(s, hebrew) for s in source]
