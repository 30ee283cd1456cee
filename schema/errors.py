"""Which errors clients see as they are, and how unexpected ones are logged."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from resolvers.errors import ApiError

log = logging.getLogger("repgraph.errors")


def is_expected(error: GraphQLError) -> bool:
    """Our own coded errors and GraphQL's syntax/validation errors (no original error) pass through."""
    original = error.original_error
    return original is None or isinstance(original, ApiError)


def should_mask(error: GraphQLError) -> bool:
    return not is_expected(error)


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if not is_expected(error):
            original = error.original_error
            log.error(
                "unexpected error at %s: %s",
                ".".join(str(p) for p in error.path or ()),
                error.message,
                exc_info=(type(original), original, original.__traceback__) if original else None,
            )
