"""Which errors clients see as they are, and how unexpected ones are logged."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from db.outages import outages, service_of
from documents.store import is_unavailable
from resolvers.errors import ApiError, ServiceUnavailable
from resolvers.outages import UNAVAILABLE_MESSAGE
from server.request_id import current_request_id

log = logging.getLogger("repgraph.errors")

INTERNAL_ERROR_MESSAGE = "Internal server error"


def code_unavailable(error: GraphQLError) -> None:
    """MongoDB unreachable (wherever it surfaced: a loader, a write) → SERVICE_UNAVAILABLE; the rest of the answer stands."""
    if is_unavailable(error.original_error):
        outages.report(error.original_error)  # logged once per outage
        coded = ServiceUnavailable("Conversations are unavailable right now (their store does not answer); try again shortly")
        error.original_error, error.message, error.extensions = coded, coded.message, coded.extensions


def code_request_error(error: GraphQLError) -> None:
    """A request without a runnable operation (no query, nothing parseable, an operation type the
    transport refuses) reached over an HTTP stream is the client's error, coded as the view codes it."""
    original = error.original_error
    if isinstance(original, MissingQueryError):
        error.message, error.extensions = "No GraphQL query found in the request", {"code": "GRAPHQL_PARSE_FAILED"}
    elif isinstance(original, CannotGetOperationTypeError):
        error.message, error.extensions = original.as_http_error_reason(), {"code": "BAD_REQUEST"}
    elif isinstance(original, InvalidOperationTypeError):
        error.extensions = {"code": "BAD_REQUEST"}
    else:
        return
    error.original_error = None


def is_expected(error: GraphQLError) -> bool:
    """Our own coded errors and GraphQL's request errors (syntax, validation, variable values) pass through."""
    original = error.original_error
    return original is None or isinstance(original, (ApiError, GraphQLError))


def should_mask(error: GraphQLError) -> bool:
    return not is_expected(error)


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Tracebacks for bugs; an outage (PostgreSQL, Redis or MongoDB down) is logged once per outage by `db.outages`."""
    for error in errors:
        code_unavailable(error)
        code_request_error(error)
        if not is_expected(error):
            original = error.original_error
            if original is not None and outages.report(original):
                continue
            log.error(
                "unexpected error at %s: %s",
                ".".join(str(p) for p in error.path or ()),
                error.message,
                exc_info=(type(original), original, original.__traceback__) if original else None,
            )


class FastMaskErrors(MaskErrors):
    """MaskErrors without a runtime `Protocol` isinstance check per result.

    Strawberry checks every result against a runtime-checkable Protocol, which
    costs more than the rest of masking; with one result per subscriber per live
    event that check was ~9% of a fan-out's CPU.
    """

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """The generic message, a stable code, and the request id that finds the logged detail.

        An outage answers SERVICE_UNAVAILABLE (retryable) instead: not a bug, and worth a retry.
        """
        if error.original_error is not None and service_of(error.original_error) is not None:
            retry = ServiceUnavailable(UNAVAILABLE_MESSAGE)
            return GraphQLError(retry.message, nodes=error.nodes, source=error.source, positions=error.positions,
                                path=error.path, original_error=None, extensions=retry.extensions)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": current_request_id()}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        from schema.limits import assign_code

        for error in errors:
            code_unavailable(error)
            code_request_error(error)
            assign_code(error)
        return super()._process_errors(errors)

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]
