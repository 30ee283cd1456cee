"""The client's side of an outage: `SERVICE_UNAVAILABLE` with `extensions.retryable: true`.

Raised (or substituted for the masked internal error) when `db.outages.service_of`
recognises the failure: PostgreSQL, Redis or MongoDB unreachable, restarting or timed out. A
client retries the same request; writes carrying a `clientId` never duplicate.
"""

from __future__ import annotations

from db.outages import outages
from resolvers.errors import ServiceUnavailable

UNAVAILABLE_MESSAGE = "A service RepGraph depends on is unavailable or timed out; retry shortly"
RETRY_AFTER_SECONDS = 1


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The client's error for `exc` when it is an outage (recorded once per outage); None for anything else."""
    return ServiceUnavailable(UNAVAILABLE_MESSAGE) if outages.report(exc) else None
