"""Bodyweight skill progressions: the rules of prescriptions, tempo, mastery and today's plan.

A ladder step (a category, a level 0–5, an exercise) prescribes sets, each a number of reps
or of seconds held, plus a tempo and the rest between sets. Every athlete works toward
that default with a current prescription of their own, which starts below it (half of
each set's target, rounded up). An exercise is mastered by a completed workout whose sets
of it meet the default: for the n sets prescribed, the workout's n best sets each reach
their target, the best set against the largest target and so on down (warm-ups never
count). The earliest such workout is when it was mastered; when its sets change, the
next one that qualifies takes its place, or the mastery goes.

Pure Python; the database side reads and writes what these functions decide
(resolvers/skills.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_LEVEL, MAX_LEVEL = 0, 5
MAX_SETS = 20
MAX_REPS = 1000
MAX_HOLD_SECONDS = 3600
MAX_REST_SECONDS = 3600

# Eccentric-pause-concentric-pause seconds ("3-2-3-1"; X is explosive), or "hold" for isometrics.
_TEMPO = re.compile(r"^(hold|(\d{1,2}|x)(-(\d{1,2}|x)){3})$", re.IGNORECASE)


class InvalidPrescription(ValueError):
    """A prescription that cannot be trained; `field` names the part at fault (as the API spells it)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SetTarget:
    """One set: `reps` repetitions, or `seconds` held (exactly one is given)."""

    reps: int | None = None
    seconds: int | None = None

    @property
    def value(self) -> int:
        return self.reps if self.reps is not None else self.seconds or 0

    def to_json(self) -> dict:
        return {"reps": self.reps} if self.reps is not None else {"seconds": self.seconds}

    @classmethod
    def from_json(cls, data: dict) -> SetTarget:
        return cls(reps=data.get("reps"), seconds=data.get("seconds"))


@dataclass(frozen=True)
class Prescription:
    sets: tuple[SetTarget, ...]
    tempo: str | None = None
    rest_seconds: int | None = None

    def sets_json(self) -> list[dict]:
        return [s.to_json() for s in self.sets]

    @classmethod
    def from_columns(cls, sets: Sequence[dict], tempo: str | None, rest_seconds: int | None) -> Prescription:
        return cls(tuple(SetTarget.from_json(s) for s in sets), tempo, rest_seconds)


def tempo(value: str | None, field: str = "tempo") -> str | None:
    """The tempo, normalised ("3-2-3-1", "2-0-X-0", "hold"), or InvalidPrescription."""
    if value is None:
        return None
    value = value.strip()
    if not _TEMPO.match(value):
        raise InvalidPrescription(
            "A tempo is four phases in seconds such as '3-2-3-1' (X for explosive), or 'hold'", field=field
        )
    return value.lower() if value.lower() == "hold" else value.upper()


def prescription(sets: Sequence[SetTarget], tempo_value: str | None, rest_seconds: int | None, prefix: str = "") -> Prescription:
    """A checked prescription: 1–20 sets, each of 1–1,000 reps or 1–3,600 seconds, one kind for all."""
    if not sets:
        raise InvalidPrescription("A prescription needs at least one set", field=f"{prefix}sets")
    if len(sets) > MAX_SETS:
        raise InvalidPrescription(f"At most {MAX_SETS} sets", field=f"{prefix}sets")
    for i, s in enumerate(sets):
        if (s.reps is None) == (s.seconds is None):
            raise InvalidPrescription("Each set gives either reps or holdSeconds", field=f"{prefix}sets.{i}")
        if s.reps is not None and not 1 <= s.reps <= MAX_REPS:
            raise InvalidPrescription(f"reps must be between 1 and {MAX_REPS}", field=f"{prefix}sets.{i}.reps")
        if s.seconds is not None and not 1 <= s.seconds <= MAX_HOLD_SECONDS:
            raise InvalidPrescription(
                f"holdSeconds must be between 1 and {MAX_HOLD_SECONDS}", field=f"{prefix}sets.{i}.holdSeconds"
            )
    if len({s.reps is None for s in sets}) > 1:
        raise InvalidPrescription("All sets count reps, or all count seconds held", field=f"{prefix}sets")
    if rest_seconds is not None and not 0 <= rest_seconds <= MAX_REST_SECONDS:
        raise InvalidPrescription(f"restSeconds must be between 0 and {MAX_REST_SECONDS}", field=f"{prefix}restSeconds")
    return Prescription(tuple(sets), tempo(tempo_value, f"{prefix}tempo"), rest_seconds)


def starting(default: Prescription) -> Prescription:
    """Where an athlete starts on a step: each set's target halved (rounded up), the same tempo and rest."""
    return Prescription(
        tuple(SetTarget(reps=math.ceil(s.reps / 2)) if s.reps is not None else SetTarget(seconds=math.ceil((s.seconds or 0) / 2))
              for s in default.sets),
        default.tempo,
        default.rest_seconds,
    )


@dataclass(frozen=True)
class LoggedSet:
    """What a logged set did, as far as a prescription cares."""

    reps: int | None
    seconds: int | None


def meets(target: Prescription, logged: Iterable[LoggedSet]) -> bool:
    """Whether these sets (one workout's, warm-ups left out) reach every set of `target`."""
    holds = target.sets[0].seconds is not None
    done = sorted(((s.seconds if holds else s.reps) or 0 for s in logged), reverse=True)
    wanted = sorted((s.value for s in target.sets), reverse=True)
    return len(done) >= len(wanted) and all(d >= w for d, w in zip(done, wanted))


def sets_done(target: Prescription, logged: Iterable[LoggedSet]) -> int:
    """How many of `target`'s sets these sets reach (matched best against largest, as `meets` does)."""
    holds = target.sets[0].seconds is not None
    done = sorted(((s.seconds if holds else s.reps) or 0 for s in logged), reverse=True)
    count = 0
    for want in sorted((s.value for s in target.sets)):
        # The smallest target first, each taking the weakest set that still reaches it.
        for i in range(len(done) - 1, -1, -1):
            if done[i] >= want:
                del done[i]
                count += 1
                break
    return count


@dataclass(frozen=True)
class Workout:
    """One completed workout's sets of one exercise, with when it ended."""

    session_id: object
    ended_at: object
    sets: tuple[LoggedSet, ...]


def first_mastery(default: Prescription, workouts: Iterable[Workout]) -> Workout | None:
    """The earliest workout (by end) whose sets meet the default, or None."""
    for workout in sorted(workouts, key=lambda w: (w.ended_at, str(w.session_id))):
        if meets(default, workout.sets):
            return workout
    return None


def can_advance(level: int, exercises_at_level: int, mastered_at_level: int) -> bool:
    """A level is done when every exercise on it is mastered; there is nothing above the top."""
    return level < MAX_LEVEL and exercises_at_level > 0 and mastered_at_level == exercises_at_level
