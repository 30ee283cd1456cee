"""Errors clients may see, each with a stable `extensions.code`.

Anything else raised while resolving is an internal error: masked for clients
and logged with its detail (see `schema.errors`).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ApiError(GraphQLError):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(ApiError):
    """Invalid input; `field` names the offending input field (as the client spelled it)."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions["field"] = field
        super().__init__(message, **extensions)


class NotFound(ApiError):
    """Missing, or not the viewer's to see: the two answer alike."""

    code = "NOT_FOUND"

    def __init__(self, what: str = "Object", **extensions: Any) -> None:
        super().__init__(f"{what} not found", **extensions)


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Sign in required: send 'Authorization: Bearer <token>'", **extensions: Any) -> None:
        super().__init__(message, **extensions)


class Forbidden(ApiError):
    code = "FORBIDDEN"


class Conflict(ApiError):
    code = "CONFLICT"


class ServiceUnavailable(ApiError):
    """A store the field needs (PostgreSQL, Redis, MongoDB) is unreachable or timed out: `retryable`
    tells the client that the same request may succeed in a moment (see resolvers/outages.py)."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retryable: bool = True, **extensions: Any) -> None:
        super().__init__(message, retryable=retryable, **extensions)
