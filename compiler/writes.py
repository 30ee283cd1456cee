"""The `logSet` mutation as the write lane answers it (server/writes.py): which documents qualify,
and the one statement that frames the payload.

A mutation qualifies when its one root field is `logSet` (aliases, fragments, @skip/@include
allowed) and every field of its payload has SQL in the compiler's declarations. The payload
statement runs inside the write's transaction, after the insert (it goes out with the events
and the COMMIT): the set, its session, and the records and achievements the write returned, in
the order the write returned them, with the same codecs as a compiled read, so the bytes are
the executor's. `created` and the ids are parameters the lane binds from
what the write returned. Those roots are the viewer's own (the write checked it) and, as in the
executor's payload, are read without the access rule; what they lead to (the exercise, say) is
read through it.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLSchema, OperationDefinitionNode, OperationType, get_named_type
from graphql.execution.collect_fields import FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import VariableValues

from compiler import codecs
from compiler.build import Build, Plan, statement, typename
from compiler.declare import Unsupported

ROOT_FIELD = "logSet"
HEAD = ["v AS (SELECT u.id, u.language FROM users u WHERE u.id = %(viewer)s::uuid)"]


def is_log_set(operation: OperationDefinitionNode) -> bool:
    """A mutation whose selection is one field, `logSet` (what fragments or directives would add is checked when compiled)."""
    selections = operation.selection_set.selections
    return (
        operation.operation == OperationType.MUTATION and len(selections) == 1 and isinstance(selections[0], FieldNode)
        and selections[0].name.value == ROOT_FIELD
    )


def _ordered(table: str) -> str:
    """The rows of `table` whose ids the write returned (`%(…)s`), with their place in that list as `rg_order`."""
    return (f"(SELECT x.*, o.rg_order FROM unnest(%({table})s::uuid[]) WITH ORDINALITY o(id, rg_order) "
            f"JOIN {table} x ON x.id = o.id)")


def compile_log_set(schema: GraphQLSchema, document: Any, operation: OperationDefinitionNode, variables: VariableValues) -> Plan:
    """The statement answering `{"data": …}` for this document once the set is written (raises Unsupported)."""
    fragments = {d.name.value: FragmentDetails(d) for d in document.definitions if d.kind == "fragment_definition"}
    b = Build(schema, operation, fragments, variables, signed_in=True)
    root = schema.mutation_type
    grouped = collect_fields(schema, fragments, variables, root, operation).grouped_field_set
    if len(grouped) != 1:
        raise Unsupported("not one logSet")
    ((key, details),) = grouped.items()
    if details[0].node.name.value != ROOT_FIELD or len(details) != 1:
        raise Unsupported("not one logSet")
    payload_type = get_named_type(root.fields[ROOT_FIELD].type)
    fields = collect_subfields(schema, fragments, variables, operation, payload_type, details).grouped_field_set
    pairs = []
    for name_key, field_details in fields.items():
        name = field_details[0].node.name.value
        if name == "__typename":
            value = typename(payload_type.name)
        elif name == "created":
            value = codecs.scalar("%(created)s::boolean")
        elif name == "setLog":
            value = b.one("SetLog", "set_logs", lambda a: f"{a}.id = %(set_log)s::uuid", field_details)
        elif name == "session":
            value = b.one("WorkoutSession", "workout_sessions", lambda a: f"{a}.id = %(workout)s::uuid", field_details)
        elif name == "personalRecords":
            value = b.many("PersonalRecord", _ordered("personal_records"), lambda a: "true", field_details, lambda a: f"{a}.rg_order")
        elif name == "achievements":
            value = b.many("UserAchievement", _ordered("user_achievements"), lambda a: "true", field_details, lambda a: f"{a}.rg_order")
        else:
            raise Unsupported(f"LogSetPayload.{name}")
        pairs.append((name_key, value))
    column = f"{codecs.json_object(pairs)} AS c0"
    return Plan(statement(b, list(HEAD), [], [(key, "r.c0")], [column]), b.getters)


def bind(plan: Plan, variables: VariableValues, viewer_id: Any, row: Any, created: bool, outcome: Any) -> dict[str, Any]:
    params = plan.bind(variables, viewer_id, None)
    params.update(created=created, set_log=row.id, workout=row.session_id, personal_records=[r.id for r in outcome.records],
                  user_achievements=list(outcome.achievements))
    return params
