"""Live workout events rendered by one compiled statement per event and group.

A live group (schema/broadcast.py) renders each event of its workout once for its viewer.
On the executor that costs the access check's load of the session, then the subscription's
selection executed field by field (the set, then its exercise: one loader statement each,
one after the other). When the selection, for the event's type, asks only for `__typename`,
`eventId`, `occurredAt` and the set (`setLog { … }` of SetLogged and SetUpdated), the group renders it as a query
of two nodes instead — the workout (null: the viewer may not see the event now) and the set —
which the read lane's plan cache compiles and keeps like any query: one prepared statement,
the viewer's sign-in and grants at its head, applied at every table it touches.

Anything else is rendered by the executor: another selection, a named operation's
variables the plan cannot carry, an event on another channel, a statement reporting an
inactive sign-in or failing. With `read_path_verify` every compiled render is compared
with the executor's, as the lane does for queries.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from graphql import FragmentSpreadNode, VariableNode, print_ast, visit, Visitor
from graphql.execution.collect_fields import FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import get_variable_values

from live import events as ev
from resolvers.ids import encode_id

if TYPE_CHECKING:  # the plan cache imports the schema, whose live groups import this module
    from compiler.plans import Operation, PlanCache

log = logging.getLogger("repgraph.compiler")
RENDERERS: weakref.WeakSet = weakref.WeakSet()  # those that verify (read_path_verify), for the test suite's report

SET_EVENTS = {ev.SET_LOGGED: "SetLogged", ev.SET_UPDATED: "SetUpdated"}
TYPENAME_ONLY = {ev.SET_DELETED: "SetDeleted", ev.WORKOUT_STATUS_CHANGED: "WorkoutStatusChanged",
                 ev.PERSONAL_RECORD_SET: "PersonalRecordSet", ev.ACHIEVEMENT_UNLOCKED: "AchievementUnlocked",
                 ev.SKILL_MASTERED: "SkillMastered"}
EVENT_FIELDS = ("__typename", "eventId", "occurredAt", "setLog")
WORKOUT = "rgWorkout"  # the document's own variables: refused if the subscription uses these names
SET = "rgSet"


class Unrenderable(Exception):
    """The compiled path does not render this event for this group: the executor does."""


@dataclass(frozen=True)
class RenderPlan:
    """For one group and event type: the query of the two nodes, and how its answer is framed."""

    operation: Operation
    root_key: str
    fields: tuple[tuple[str, str], ...]  # (response key, field name)
    variables: dict  # the subscription's variables the set's selection uses

    @property
    def names(self) -> set[str]:
        return {name for _, name in self.fields}


class CompiledRenders:
    def __init__(self, plans: PlanCache, state: Any) -> None:
        self.plans = plans
        self.state = state
        self.rendered = 0  # events rendered by a compiled statement
        self.verified = 0  # … and found equal to the executor's render (read_path_verify)
        self.date_time = plans.schema.get_type("DateTime")
        if state.settings.read_path_verify:
            RENDERERS.add(self)

    def plan(self, group: Any, event_type: str) -> RenderPlan | None:
        """The group's render plan for this event type (None: the executor renders it), made once."""
        plans = group.__dict__.setdefault("compiled_renders", {})
        if event_type not in plans:
            try:
                plans[event_type] = self._plan(group, event_type)
            except Unrenderable as exc:
                log.debug("live event %s rendered by the executor: %s", event_type, exc)
                plans[event_type] = None
        return plans[event_type]

    def _plan(self, group: Any, event_type: str) -> RenderPlan:
        type_name = SET_EVENTS.get(event_type) or TYPENAME_ONLY.get(event_type)
        if type_name is None:
            raise Unrenderable("event type")
        schema = self.plans.schema
        document = group.document
        operations = [d for d in document.definitions if d.kind == "operation_definition"]
        operation = next((o for o in operations if group.operation_name is None or (o.name and o.name.value == group.operation_name)), None)
        if operation is None:
            raise Unrenderable("operation")
        variables = get_variable_values(schema, operation.variable_definitions or (), group.variables or {})
        if isinstance(variables, list):
            raise Unrenderable("variables")
        fragments = {d.name.value: FragmentDetails(d) for d in document.definitions if d.kind == "fragment_definition"}
        roots = collect_fields(schema, fragments, variables, schema.subscription_type, operation).grouped_field_set
        if len(roots) != 1:
            raise Unrenderable("root fields")
        ((root_key, root_details),) = roots.items()
        if root_details[0].node.name.value != "workoutEvents":
            raise Unrenderable("subscription")
        event_object = schema.get_type(type_name)
        grouped = collect_subfields(schema, fragments, variables, operation, event_object, root_details).grouped_field_set
        fields, set_nodes = [], []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name == "setLog" and event_type in SET_EVENTS and not set_nodes:
                set_nodes = [d.node for d in details]
            elif name not in EVENT_FIELDS:
                raise Unrenderable(f"field {name}")
            fields.append((key, name))
        selection = " ".join(f"... on SetLog {print_ast(node.selection_set)}" for node in set_nodes)
        used = _used(set_nodes, fragments)
        if {WORKOUT, SET} & {d.variable.name.value for d in operation.variable_definitions or ()}:
            raise Unrenderable("variable names")
        definitions = [f"${WORKOUT}: ID!"] + ([f"${SET}: ID!"] if set_nodes else []) + [
            print_ast(d) for d in operation.variable_definitions or () if d.variable.name.value in used.variables
        ]
        query = f"query({', '.join(definitions)}) {{ shown: node(id: ${WORKOUT}) {{ __typename }}"
        if set_nodes:
            query += f" set: node(id: ${SET}) {{ {selection} }}"
        query += " }" + "".join(" " + print_ast(fragments[name].definition) for name in sorted(used.fragments))
        op = self.plans.operation(query, None)
        if op.executor_reason is not None:
            raise Unrenderable(op.executor_reason)
        return RenderPlan(op, root_key, tuple(fields), {k: v for k, v in (group.variables or {}).items() if k in used.variables})

    async def render(self, group: Any, event: ev.Event, plan: RenderPlan) -> str | None:
        """The event's frame for the group (None: not theirs to see). Unrenderable: the executor renders it."""
        workout = ev.workout_of(event.channel)
        if workout is None:
            raise Unrenderable("channel")
        raw = {**plan.variables, WORKOUT: encode_id("WorkoutSession", workout)}
        if any(name == "setLog" for _, name in plan.fields):
            raw[SET] = encode_id("SetLog", uuid.UUID(event.data["set_log_id"]))
        variables = self.plans.coerce(plan.operation, raw)
        if variables is None:
            raise Unrenderable("variables")
        context = group.context
        compiled = self.plans.plan(plan.operation, variables, True)
        if isinstance(compiled, str):
            raise Unrenderable(compiled)
        ok, data = await self.state.statement_runner.fetch(compiled.sql, compiled.bind(variables, context.viewer_id, context.session_id))
        if not ok:
            raise Unrenderable("hidden or signed out")
        answer = orjson.loads(data)
        if answer["shown"] is None:
            return None
        values = {
            "__typename": SET_EVENTS.get(event.type) or TYPENAME_ONLY[event.type],
            "eventId": ev.encode_event_id(event.id),  # LiveEvent's own resolvers, as the executor runs them
            "occurredAt": self.date_time.serialize(event.occurred_at) if "occurredAt" in plan.names else None,
            "setLog": answer.get("set"),
        }
        self.rendered += 1
        return orjson.dumps({"data": {plan.root_key: {key: values[name] for key, name in plan.fields}}}).decode()


@dataclass
class _Used:
    variables: set
    fragments: set


def _used(nodes: list, fragments: dict) -> _Used:
    """The variables and named fragments a selection uses, through the fragments it spreads."""
    used = _Used(set(), set())

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            used.variables.add(node.name.value)

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name not in used.fragments and name in fragments:
                used.fragments.add(name)
                visit(fragments[name].definition, self)

    for node in nodes:
        visit(node, Collect())
    return used
