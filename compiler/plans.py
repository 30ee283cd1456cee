"""The plan cache: documents parsed, validated and limit-checked once; one plan per shape.

A document (with its operation name) is looked up by its text. The first request parses and
validates it with the schema's own rules and limits (depth, aliases, tokens, and the cost
when no variable changes it); anything the executor would refuse, and anything that is not
a query, is marked for the executor, which gives the exact error. A query then has one plan
per *shape*: the values of the variables that change the statement (enum and Boolean values,
which inputs are given, the type inside each global ID) and whether a viewer signed in.
Everything else is a bind parameter. Both levels are bounded.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
    specified_rules,
    type_from_ast,
    validate,
    visit,
    Visitor,
)
from graphql.execution.values import VariableValues, get_variable_values

from compiler.build import Plan, compile_operation
from compiler.declare import Unsupported
from compiler.writes import compile_log_set, is_log_set
from resolvers.errors import ApiError
from resolvers.ids import parse_global_id
from schema.limits import Limits, operation_cost

log = logging.getLogger("repgraph.compiler")

PLANS_PER_OPERATION = 32


@dataclass
class Operation:
    """A document's operation as the compiled path sees it."""

    document: Any = None
    operation: OperationDefinitionNode | None = None
    name: str | None = None
    executor_reason: str | None = None  # set: always answered by the executor
    cost_depends_on_variables: bool = False
    plans: OrderedDict = field(default_factory=OrderedDict)  # shape → Plan | str (why not compiled)
    variable_types: tuple = ()  # (name, GraphQL input type) per variable, for the shape
    write: bool = False  # a logSet mutation (compiler/writes.py), for the write lane


class PlanCache:
    def __init__(self, schema: GraphQLSchema, limits: Limits, size: int = 512) -> None:
        self.schema = schema
        self.limits = limits
        self.size = size
        self.operations: OrderedDict[tuple[str, str | None], Operation] = OrderedDict()
        self.rules = [*specified_rules, *limits.validation_rules()]

    def operation(self, query: str, operation_name: str | None) -> Operation:
        key = (query, operation_name)
        found = self.operations.get(key)
        if found is not None:
            self.operations.move_to_end(key)
            return found
        found = self._prepare(query, operation_name)
        self.operations[key] = found
        if len(self.operations) > self.size:
            self.operations.popitem(last=False)
        return found

    def _prepare(self, query: str, operation_name: str | None) -> Operation:
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError:
            return Operation(executor_reason="does not parse")
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            chosen = operations[0] if len(operations) == 1 else None
        else:
            chosen = next((o for o in operations if o.name and o.name.value == operation_name), None)
        if chosen is None:
            return Operation(executor_reason="no single operation")
        name = operation_name or (chosen.name.value if chosen.name else None)
        write = is_log_set(chosen)
        if chosen.operation != OperationType.QUERY and not write:
            return Operation(executor_reason=chosen.operation.value, name=name)
        if validate(self.schema, document, self.rules):
            return Operation(executor_reason="invalid", name=name, write=write)
        if _introspects(document):
            return Operation(executor_reason="introspection", name=name)
        op = Operation(document, chosen, name, write=write)
        op.variable_types = tuple(
            (d.variable.name.value, type_from_ast(self.schema, d.type)) for d in chosen.variable_definitions or ()
        )
        op.cost_depends_on_variables = _paged_by_variables(document)
        if not op.cost_depends_on_variables and self.too_costly(op, {}):
            op.executor_reason = "too costly"
        return op

    def too_costly(self, op: Operation, variables: dict) -> bool:
        return operation_cost(self.schema, op.document, op.name, variables) > self.limits.max_cost

    def plan(self, op: Operation, variables: VariableValues, signed_in: bool) -> Plan | str:
        """The plan for these variables' shape, compiled on first use; else why the executor answers."""
        key = (signed_in, shape_of(op.variable_types, variables.coerced))
        found = op.plans.get(key)
        if found is not None:
            return found
        try:
            if op.write:
                plan = compile_log_set(self.schema, op.document, op.operation, variables)
            else:
                plan = compile_operation(self.schema, op.document, op.operation, variables, signed_in)
        except Unsupported as exc:
            log.debug("not compiled (%s): %s", op.name, exc)
            op.plans[key] = f"not compiled: {exc}"
            return op.plans[key]
        except ApiError:
            return "arguments"  # a bad value: the executor reports it; the next values may be fine
        op.plans[key] = plan
        if len(op.plans) > PLANS_PER_OPERATION:
            op.plans.popitem(last=False)
        return plan

    def admit(self, op: Operation, raw: dict[str, Any]) -> VariableValues | str:
        """The request's variables, coerced, or why the executor answers it."""
        if op.executor_reason is not None:
            return op.executor_reason
        variables = self.coerce(op, raw)
        if variables is None:
            return "variables"
        if op.cost_depends_on_variables and self.too_costly(op, raw):
            return "too costly"
        return variables

    def coerce(self, op: Operation, raw: dict[str, Any]) -> VariableValues | None:
        values = get_variable_values(self.schema, op.operation.variable_definitions or (), raw)
        return None if isinstance(values, list) else values


class _FieldNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.introspection = False
        self.paged_by_variable = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.introspection = True
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last") and isinstance(argument.value, VariableNode):
                self.paged_by_variable = True


def _introspects(document: Any) -> bool:
    names = _FieldNames()
    visit(document, names)
    return names.introspection


def _paged_by_variables(document: Any) -> bool:
    names = _FieldNames()
    visit(document, names)
    return names.paged_by_variable


def shape_of(variable_types: tuple, coerced: dict[str, Any]) -> tuple:
    return tuple(_shape(coerced.get(name), type_) for name, type_ in variable_types)


def _shape(value: Any, type_: Any) -> Any:
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return tuple(_shape(v, type_.of_type) for v in items)
    if isinstance(type_, GraphQLInputObjectType):
        return tuple((k, _shape(value[k], type_.fields[k].type)) for k in sorted(value) if k in type_.fields)
    if isinstance(type_, GraphQLEnumType):
        return value.value if isinstance(value, Enum) else value
    if type_.name == "Boolean":
        return value
    if type_.name == "ID":
        try:
            return parse_global_id(str(value))[0]
        except ApiError:
            return "?"
    return 1
