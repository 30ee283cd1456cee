"""Input checks that answer BAD_USER_INPUT naming the offending field."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resolvers.errors import BadUserInput

# Marks an input field the client did not send (as opposed to an explicit null).
UNSET = object()


def text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise BadUserInput(f"'{field}' is required", field=field)
        return None
    value = value.strip()
    if required and not value:
        raise BadUserInput(f"'{field}' must not be empty", field=field)
    if len(value) > max_length:
        raise BadUserInput(f"'{field}' must be at most {max_length} characters", field=field)
    return value or None


def in_range(value, field: str, low, high):
    if value is not None and not low <= value <= high:
        raise BadUserInput(f"'{field}' must be between {low} and {high}", field=field)
    return value


def timezone(value: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadUserInput(f"'{field}' must be an IANA time zone such as 'Europe/London'", field=field) from exc
    return value
