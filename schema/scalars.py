"""DateTime and Date as clients see them: an exact format, named by @specifiedBy.

Strawberry's built-in definitions only say "isoformat", which leaves code generators
(GraphQL Code Generator's `strictScalars`) and readers guessing. These keep the same
Python types and wire format and say precisely what it is.
"""

from __future__ import annotations

import datetime as dt

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

RFC3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"


def _serialize_instant(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored instants are UTC; never send an instant without its offset
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat()


def _parse_instant(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected RFC 3339, e.g. 2025-03-01T09:30:00+02:00.') from None
    if parsed.tzinfo is None:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". It needs a UTC offset (Z or ±hh:mm).')
    return parsed


def _parse_day(value: object) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise StrawberryInputCoercionError(f'Value cannot represent a Date: "{value}". Expected YYYY-MM-DD.')
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise StrawberryInputCoercionError(f'Value cannot represent a Date: "{value}". Expected YYYY-MM-DD.') from None


DateTime = ScalarDefinition(
    name="DateTime",
    description=(
        "An instant: an RFC 3339 date-time string with its UTC offset. Sent in UTC as "
        "`YYYY-MM-DDThh:mm:ss[.ffffff]+00:00` (microseconds only when not zero), e.g. "
        "`2025-03-01T07:30:00.250000+00:00`; accepted with any offset (`Z` or `±hh:mm`), never without one."
    ),
    specified_by_url=RFC3339,
    serialize=_serialize_instant,
    parse_value=_parse_instant,
    parse_literal=None,
    origin=dt.datetime,
)

Date = ScalarDefinition(
    name="Date",
    description=(
        "A calendar day without a time or time zone (RFC 3339 `full-date`, `YYYY-MM-DD`, e.g. `2025-03-01`); "
        "days in RepGraph are the user's local days (their `timezone`)."
    ),
    specified_by_url=RFC3339,
    serialize=dt.date.isoformat,
    parse_value=_parse_day,
    parse_literal=None,
    origin=dt.date,
)



def _parse_time(value: object) -> dt.time:
    message = f'Value cannot represent a Time: "{value}". Expected hh:mm or hh:mm:ss, without a time zone.'
    if not isinstance(value, str) or len(value) not in (5, 8):
        raise StrawberryInputCoercionError(message)
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise StrawberryInputCoercionError(message) from None
    if parsed.tzinfo is not None:
        raise StrawberryInputCoercionError(message)
    return parsed


Time = ScalarDefinition(
    name="Time",
    description=(
        "A local time of day without a time zone (RFC 3339 `partial-time` without fractions, sent as `hh:mm:ss`, "
        "accepted as `hh:mm` too, e.g. `07:30:00`); read with a Date in the user's `timezone`."
    ),
    specified_by_url=RFC3339,
    serialize=lambda value: value.replace(microsecond=0).isoformat(),
    parse_value=_parse_time,
    parse_literal=None,
    origin=dt.time,
)

OVERRIDES = {dt.datetime: DateTime, dt.date: Date, dt.time: Time}
