"""The RepGraph GraphQL schema: types, inputs and the root Query and Mutation."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from schema.errors import INTERNAL_ERROR_MESSAGE, FastMaskErrors, log_unexpected, should_mask
from schema.limits import Limits, assign_code
from schema.live import Subscription
from schema.mutation import Mutation
from schema.observe import ObserveOperations
from schema.query import Query
from schema.scalars import OVERRIDES as SCALARS
from schema.sharing import SharedEventExecutor


class RepGraphSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        for error in errors:
            assign_code(error)  # request errors (parse, validation, limits) get stable codes too
        log_unexpected(errors)


def build_schema(*, limits: Limits = Limits(), tracer_provider=None) -> strawberry.Schema:
    """The schema with its request limits; with a tracer provider, every operation is traced (OpenTelemetry)."""
    tracing = []
    if tracer_provider is not None:
        from strawberry.extensions.tracing import OpenTelemetryExtension

        tracing = [lambda: OpenTelemetryExtension(tracer_provider=tracer_provider)]
    return RepGraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(relay_max_results=100),
        execution_context_class=SharedEventExecutor,
        scalar_overrides=SCALARS,
        extensions=[
            *limits.extensions(),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: FastMaskErrors(should_mask_error=should_mask, error_message=INTERNAL_ERROR_MESSAGE),
            ObserveOperations,
            *tracing,
        ],
    )


schema = build_schema()
