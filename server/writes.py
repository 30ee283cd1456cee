"""The write lane: `logSet` answered without the GraphQL executor.

Athletes log sets at live speed, and around each write the executor cost as much as the write
itself (argument conversion, the payload's completion, the view). The compiled lane
(server/lane.py) hands this lane the POSTs whose document is a `logSet` mutation it can frame
(compiler/writes.py): the document is parsed, validated and limit-checked once; per request
the variables are coerced by graphql-core, the input built, and `schema.mutation.log_set_from_input`
(the resolver's own implementation) runs with a payload statement that goes out with the
events and the COMMIT, so the answer is read in the write's transaction as a compiled read
would read it.

Anything it cannot answer goes to the view: documents it cannot frame, bad variables, no or a
bad token, a service key, PostgreSQL down, and every error the write raises. A write that
raises rolled back (nothing was written), so the view runs it again and answers with the
executor's own error.
"""

from __future__ import annotations

import time
from typing import Any

from graphql.execution.values import get_argument_values

from compiler.plans import PlanCache
from compiler.writes import ROOT_FIELD, bind
from db.outages import POSTGRES, outages
from resolvers.errors import ApiError
from schema.mutation import LogSetInput, log_set_from_input
from schema.observe import sql_statements
from server.auth import authorization_of, credentials, service_key_of
from server.context import request_context
from server.observed import Observed, compiler_log



class Framing:
    """The payload statement for one request (see `resolvers.workouts.log_set`)."""

    __slots__ = ("plan", "variables", "viewer_id", "rows")

    def __init__(self, plan: Any, variables: Any, viewer_id: Any) -> None:
        self.plan = plan
        self.variables = variables
        self.viewer_id = viewer_id
        self.rows: list | None = None

    def statement(self, row: Any, created: bool, outcome: Any) -> tuple[str, dict[str, Any]]:
        return self.plan.sql, bind(self.plan, self.variables, self.viewer_id, row, created, outcome)


class WriteLane:
    def __init__(self, state: Any, plans: PlanCache, observed: Observed) -> None:
        self.state = state
        self.plans = plans
        self.observed = observed
        self.fallback = observed.fallback
        self.field = plans.schema.mutation_type.fields[ROOT_FIELD]
        # LogSetInput's GraphQL field names → its Python ones (as Strawberry converts the argument).
        input_type = self.field.args["input"].type.of_type
        self.input_names = {name: f.extensions["strawberry-definition"].python_name for name, f in input_type.fields.items()}

    async def answer(self, scope, op: Any, raw_variables: dict) -> tuple[bytes, str] | None:
        """(the response's `data` and the payload statement) for a logSet, or None: the view answers."""
        if outages.is_down(POSTGRES) and op.executor_reason is None:
            return self.fallback(op.name, "postgres unavailable")
        variables = self.plans.admit(op, raw_variables)
        if isinstance(variables, str):
            return self.fallback(op.name, variables)
        authorization = authorization_of(scope)
        if service_key_of(authorization) is not None:
            return self.fallback(op.name, "service key")
        viewer_id, _, auth_error = credentials(self.state.settings.secret_key, authorization)
        if auth_error is not None or viewer_id is None:
            return self.fallback(op.name, "token")
        plan = self.plans.plan(op, variables, True)
        if isinstance(plan, str):
            return self.fallback(op.name, plan)
        try:
            arguments = get_argument_values(self.field, op.operation.selection_set.selections[0], variables)
            data = LogSetInput(**{self.input_names[k]: v for k, v in arguments["input"].items()})
        except Exception:  # noqa: BLE001 - a bad value: the executor reports it
            return self.fallback(op.name, "arguments")
        started = time.perf_counter()
        ctx = request_context(self.state, authorization)
        framing = Framing(plan, variables, viewer_id)
        counter = [0]
        token = sql_statements.set(counter)
        try:
            await log_set_from_input(ctx, data, payload=framing)
        except Exception as exc:  # noqa: BLE001 - rolled back: the executor runs it again and answers
            if framing.rows is not None:  # written: only an answer may follow
                raise
            if not isinstance(exc, ApiError) and not outages.report(exc):
                compiler_log.warning("logSet on the write lane failed; answering on the executor", exc_info=True)
            return self.fallback(op.name, "write refused")
        finally:
            sql_statements.reset(token)
        self.observed.ok(op.name, started, viewer_id, counter[0], plan.sql)
        return framing.rows[0][1], plan.sql
