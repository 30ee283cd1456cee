"""Relay pagination arguments → a validated `PageRequest`; opaque keyset cursors."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

import orjson

from loaders.base import PageRequest
from resolvers.errors import BadUserInput

MAX_PAGE = 100
DEFAULT_PAGE = 20
_PREFIX = b"c1:"


def encode_cursor(values: tuple) -> str:
    tagged = []
    for value in values:
        if isinstance(value, datetime):
            tagged.append(["d", value.astimezone(timezone.utc).isoformat()])  # one text whatever the session's time zone
        elif isinstance(value, date):
            tagged.append(["D", value.isoformat()])
        elif isinstance(value, time):
            tagged.append(["t", value.isoformat()])
        elif isinstance(value, uuid.UUID):
            tagged.append(["u", str(value)])
        elif isinstance(value, Decimal):
            tagged.append(["n", str(value)])
        else:
            tagged.append(["v", value])
    return base64.urlsafe_b64encode(_PREFIX + orjson.dumps(tagged)).decode().rstrip("=")


def decode_cursor(cursor: str, argument: str, key: tuple[type, ...] | None = None) -> tuple:
    """The sort key inside `cursor`; with `key` (the list's sort column types), a cursor of another list is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(_PREFIX):
            raise ValueError("unknown cursor version")
        values: list[Any] = []
        for tag, value in orjson.loads(raw[len(_PREFIX):]):
            if tag == "d":
                values.append(datetime.fromisoformat(value))
            elif tag == "D":
                values.append(date.fromisoformat(value))
            elif tag == "t":
                values.append(time.fromisoformat(value))
            elif tag == "u":
                values.append(uuid.UUID(value))
            elif tag == "n":
                values.append(Decimal(value))
            elif tag == "v":
                values.append(value)
            else:
                raise ValueError(tag)
        if key is not None and not _fits(values, key):
            raise ValueError("a cursor of another list")
        return tuple(values)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadUserInput(f"'{argument}' is not a valid cursor", field=argument) from exc


def _fits(values: list[Any], key: tuple[type, ...]) -> bool:
    return len(values) == len(key) and all(
        isinstance(v, t) and not (t is int and isinstance(v, bool)) for v, t in zip(values, key)
    )


def page_request(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    *,
    default: int = DEFAULT_PAGE,
    key: tuple[type, ...] | None = None,
) -> PageRequest:
    if first is not None and last is not None:
        raise BadUserInput("Pass either 'first' or 'last', not both", field="first")
    if after is not None and before is not None:
        raise BadUserInput("Pass either 'after' or 'before', not both", field="after")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise BadUserInput(f"'{name}' must be between 0 and {MAX_PAGE}", field=name, max=MAX_PAGE)
    backward = last is not None or (before is not None and first is None)
    if backward:
        return PageRequest(
            limit=last if last is not None else default,
            cursor=decode_cursor(before, "before", key) if before else None,
            backward=True,
        )
    return PageRequest(limit=first if first is not None else default, cursor=decode_cursor(after, "after", key) if after else None)
