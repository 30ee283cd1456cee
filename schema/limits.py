"""Limits on what one GraphQL document may ask for, and the stable codes of their errors.

Depth, aliases and tokens are limited by Strawberry's own extensions; the query
cost is ours: every field costs 1, and a connection multiplies what it contains by
its page size (`first`/`last`, else that connection's default page), so
`sessions(first: 50) { sets(first: 100) { exercise { name } } }` costs
1 + 50 × (1 + 100 × 2) = 10,051. Introspection fields cost 1 each, however deep.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import AddValidationRules, DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from resolvers.pagination import DEFAULT_PAGE, MAX_PAGE

# Connections whose page size, when not given, is not the usual DEFAULT_PAGE.
DEFAULT_PAGES = {("WorkoutSession", "sets"): MAX_PAGE}


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_cost: int = 25_000
    introspection: bool = True

    def validation_rules(self) -> list:
        """Depth, aliases and introspection, as validation rules (the executor's and the compiled lane's)."""
        return [
            *map(refusing_empty_selections, QueryDepthLimiter(max_depth=self.max_depth).validation_rules),
            *MaxAliasesLimiter(max_alias_count=self.max_aliases).validation_rules,
            *([] if self.introspection else DisableIntrospection().validation_rules),
        ]

    def extensions(self) -> list:
        # The validation rules are built once: ValidationCache keys on the rule classes, and
        # Strawberry's limiters make new classes per instance, so one limiter instance per
        # request would miss the cache every time (a full validation, ~1 ms, per request).
        rules = self.validation_rules()
        return [
            lambda: MaxTokensLimiter(max_token_count=self.max_tokens),
            lambda: AddValidationRules(rules),
            lambda: QueryCostLimit(self.max_cost),
        ]


def refusing_empty_selections(rule: type[ValidationRule]) -> type[ValidationRule]:
    """`rule`, except that a document with an empty selection set (`{}`, which graphql-core's
    parser accepts) is refused with a validation error instead of reaching it: Strawberry's
    depth limiter fails on one with `max()` of nothing."""

    class Refusing(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            empty = [node for node in _selection_sets(context.document) if not node.selections]
            if empty:
                ValidationRule.__init__(self, context)
                context.report_error(GraphQLError("Selection sets may not be empty", empty[0]))
                return
            super().__init__(context)

    return Refusing


def _selection_sets(document: Node) -> Iterator[SelectionSetNode]:
    stack = [document]  # a loop, not recursion: documents may nest a thousand levels before the depth limit
    while stack:
        node = stack.pop()
        if isinstance(node, SelectionSetNode):
            yield node
        for key in node.keys:
            value = getattr(node, key, None)
            stack.extend(child for child in (value if isinstance(value, tuple | list) else (value,)) if isinstance(child, Node))


# Errors that graphql-core and Strawberry's limiters raise without a code, by message.
_CODES = [
    (re.compile(r"exceeds maximum operation depth"), "QUERY_TOO_DEEP"),
    (re.compile(r"aliases found\. Allowed"), "TOO_MANY_ALIASES"),
    (re.compile(r"Document contains more than \d+ tokens"), "TOO_MANY_TOKENS"),
    (re.compile(r"^Variable '\$\w+' (got invalid value|has invalid value|of required type|of non-null type)"), "BAD_USER_INPUT"),
]


def assign_code(error: GraphQLError) -> None:
    """Give a request error (parse, validation, limits) a stable `extensions.code`."""
    if (error.extensions or {}).get("code"):
        return
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return
    code = next((code for pattern, code in _CODES if pattern.search(error.message)), None)
    if code is None:
        if error.path:
            return
        code = "GRAPHQL_PARSE_FAILED" if isinstance(error, GraphQLSyntaxError) else "GRAPHQL_VALIDATION_FAILED"
    error.extensions = {**(error.extensions or {}), "code": code}


class QueryCostLimit(SchemaExtension):
    """Refuses, before execution, an operation whose cost exceeds `max_cost` (QUERY_TOO_COMPLEX)."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None:
            cost = operation_cost(ec.schema._schema, document, ec.operation_name, ec.variables or {})
            if cost > self.max_cost:
                raise GraphQLError(
                    f"This query would cost {cost}, more than the {self.max_cost} allowed: ask for smaller pages or fewer fields",
                    extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": self.max_cost},
                )
        yield


def operation_cost(schema: GraphQLSchema, document: Any, operation_name: str | None, variables: dict) -> int:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next((o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)), None)
    if operation is None:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    return _cost(operation.selection_set, root, schema, fragments, variables, frozenset())


def _cost(selection_set: SelectionSetNode, parent: Any, schema, fragments, variables, seen: frozenset) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            field = (getattr(parent, "fields", None) or {}).get(name)
            if name.startswith("__") or field is None:
                total += 1
                continue
            child = get_named_type(field.type)
            size = 1
            if child.name.endswith("Connection"):
                size = _page_size(selection, variables, DEFAULT_PAGES.get((parent.name, name), DEFAULT_PAGE))
            inner = _cost(selection.selection_set, child, schema, fragments, variables, seen) if selection.selection_set else 0
            total += 1 + size * inner
        elif isinstance(selection, InlineFragmentNode):
            target = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += _cost(selection.selection_set, target, schema, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            total += _cost(fragment.selection_set, target, schema, fragments, variables, seen | {name})
    return total


def _page_size(field: FieldNode, variables: dict, default: int) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            node = argument.value
            value = variables.get(node.name.value) if isinstance(node, VariableNode) else getattr(node, "value", None)
            try:
                return max(int(value), 0)
            except (TypeError, ValueError):
                continue
    return default
