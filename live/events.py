"""Event envelopes: what travels from the outbox to subscribers."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

# Event types (the GraphQL union members they become).
SET_LOGGED = "SetLogged"
SET_UPDATED = "SetUpdated"
SET_DELETED = "SetDeleted"
WORKOUT_STATUS_CHANGED = "WorkoutStatusChanged"
PERSONAL_RECORD_SET = "PersonalRecordSet"
ACHIEVEMENT_UNLOCKED = "AchievementUnlocked"
GOAL_COMPLETED = "GoalCompleted"
SKILL_MASTERED = "SkillMastered"
SKILL_LEVEL_UP = "SkillLevelUp"
COACHING_SESSION_CHANGED = "CoachingSessionChanged"


def workout_channel(session_id: uuid.UUID) -> str:
    return f"workout:{session_id}"


def workout_of(channel: str) -> uuid.UUID | None:
    """The session of a workout channel, None for other channels."""
    return uuid.UUID(channel[len("workout:"):]) if channel.startswith("workout:") else None


def user_channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def coach_channel(coach_id: uuid.UUID) -> str:
    """What reached the user channels of a coach's athletes (accepted when it was written)."""
    return f"coach:{coach_id}"


def is_coach_channel(channel: str) -> bool:
    return channel.startswith("coach:")


@dataclass
class Event:
    id: int
    channel: str
    type: str
    user_id: uuid.UUID
    data: dict[str, Any]
    occurred_at: datetime
    # Per-process cache shared by every subscriber the event fans out to, so objects
    # are loaded once per event, not once per subscriber.
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"id": self.id, "channel": self.channel, "type": self.type, "user_id": str(self.user_id),
             "data": self.data, "occurred_at": self.occurred_at.isoformat()}
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> Event:
        d = orjson.loads(raw)
        return cls(d["id"], d["channel"], d["type"], uuid.UUID(d["user_id"]), d["data"], datetime.fromisoformat(d["occurred_at"]))

    @classmethod
    def from_row(cls, row: Any) -> Event:
        return cls(row.id, row.channel, row.type, row.user_id, row.data, row.occurred_at)


def encode_event_id(event_id: int, kind: str = "evt") -> str:
    """Opaque event id; `kind` tells logs apart (conversations number their own events)."""
    return base64.urlsafe_b64encode(f"{kind}:{event_id}".encode()).decode().rstrip("=")


def decode_event_id(value: str, kind: str = "evt") -> int:
    """The outbox id (or other log's number, by `kind`) inside an opaque event id; ValueError when it is not one."""
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    prefix, _, number = raw.partition(":")
    if prefix != kind or not number.isdigit():
        raise ValueError("not an event id")
    return int(number)
