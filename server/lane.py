"""The compiled lane: /graphql queries the compiler covers, answered by one SQL statement.

It sits where the GraphQL view sits, behind the same middlewares (CORS, request ids, rate
limits, body limit and persisted queries), so those behave the same on both paths. A request
it can answer costs: the body parsed with orjson, the plan found by the document, the
variables coerced, the token verified, one prepared statement (the sign-in's validity and
the viewer's grants are CTEs of it) and PostgreSQL's JSON bytes written as they come.
A `logSet` mutation goes to the write lane (server/writes.py). Everything else — other
mutations, subscriptions, introspection, invalid documents, fields without
SQL, a statement reporting an inactive sign-in or a missing root object, an SQL error —
goes to the view, which answers as it always has (reads are pure, so running one there
after the statement is safe).

With `read_path_verify`, every compiled answer is compared with the executor's; a
difference is refused with a 500 (`COMPILED_ANSWER_DIFFERS`) and logged with both answers.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import Any
from urllib.parse import parse_qs

import orjson

from compiler.plans import PlanCache
from compiler.run import StatementRunner
from db.outages import POSTGRES, outages
from schema.observe import shadow_run
from server.auth import authorization_of, credentials
from server.observed import Observed
from server.persisted import replay_body
from server.writes import WriteLane

LANES: weakref.WeakSet = weakref.WeakSet()  # lanes that verify (read_path_verify), for the test suite's report
compiler_log = logging.getLogger("repgraph.compiler")

GRAPHQL_RESPONSE = "application/graphql-response+json"


class CompiledLane:
    def __init__(self, view: Any, state: Any, plans: PlanCache, tracer_provider: Any = None) -> None:
        self.view = view
        # Compiled operations get a span of their own (the executor's come from Strawberry's extension).
        tracer = tracer_provider.get_tracer("repgraph.compiler") if tracer_provider is not None else None
        self.state = state
        self.plans = plans
        self.observed = Observed(state, tracer, "query", "read_path", "compiled")
        self.writes = WriteLane(state, plans, Observed(state, tracer, "mutation", "write_path", "lane"))
        self.verified = 0  # compiled answers compared with the executor's (read_path_verify)
        self.differences: list[dict] = []
        # With read_path_verify: each query document seen → "compiled" or why the executor answered it.
        self.outcomes: dict[str, str] = {}
        self.last_reason = ""
        if state.settings.read_path_verify:
            LANES.add(self)

    @property
    def runner(self) -> StatementRunner:
        return self.state.statement_runner

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            return await self.view(scope, receive, send)
        body = b""
        if scope["method"] == "POST":
            body = await _read(receive)
        started = time.perf_counter()
        request = _request(scope, body)
        op = self.plans.operation(request[0], request[1]) if request is not None else None
        if op is not None and op.write and scope["method"] == "POST":
            written = await self.writes.answer(scope, op, request[2])
            if written is None:
                return await self.view(scope, replay_body(body, receive), send)
            return await self.respond(scope, send, self.framed(written[0], {"writePath": "lane", "sql": written[1]}))
        answer = await self.answer(scope, op, request) if request is not None else None
        if answer is None:
            return await self.view(scope, replay_body(body, receive), send)
        data, name, plan_sql, viewer_id = answer
        payload = self.framed(data, {"readPath": "compiled", "sql": plan_sql})
        if self.state.settings.read_path_verify:
            differs = await self.verify(scope, body, payload)
            if differs is not None:
                return await _send(send, 500, differs, "application/json")
        self.observed.ok(name, started, viewer_id, 1, plan_sql)
        await self.respond(scope, send, payload)

    def framed(self, data: bytes, debug: dict) -> bytes:
        """The response body around `data` (with PLAN_DEBUG, `debug` as its extensions)."""
        payload = b'{"data":' + data
        if self.state.settings.plan_debug:
            payload += b',"extensions":' + orjson.dumps(debug)
        return payload + b"}"

    async def respond(self, scope, send, payload: bytes) -> None:
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        await _send(send, 200, payload, GRAPHQL_RESPONSE if prefers_graphql_response(accept) else "application/json")

    async def answer(self, scope, op, request: tuple[str, str | None, dict]) -> tuple[bytes, str | None, str, Any] | None:
        query, _, raw_variables = request
        answer = await self._answer(scope, op, raw_variables)
        if self.state.settings.read_path_verify and op.operation is not None and self.outcomes.get(query) != "compiled":
            self.outcomes[query] = "compiled" if answer is not None else self.last_reason
        return answer

    async def _answer(self, scope, op, raw_variables: dict) -> tuple[bytes, str | None, str, Any] | None:
        if op.write:  # a mutation sent with GET: the view refuses it
            return self.fallback(op.name, "mutation")
        if outages.is_down(POSTGRES) and op.executor_reason is None:  # the executor answers SERVICE_UNAVAILABLE, and notices recovery
            return self.fallback(op.name, "postgres unavailable")
        variables = self.plans.admit(op, raw_variables)
        if isinstance(variables, str):
            return self.fallback(op.name, variables)
        settings = self.state.settings
        authorization = authorization_of(scope)
        viewer_id, session_id, auth_error = credentials(settings.secret_key, authorization)
        if auth_error is not None:
            return self.fallback(op.name, "token")
        plan = self.plans.plan(op, variables, viewer_id is not None)
        if isinstance(plan, str):
            return self.fallback(op.name, plan)
        try:
            params = plan.bind(variables, viewer_id, session_id)
        except Exception:  # noqa: BLE001 - a bad argument: the executor reports it
            return self.fallback(op.name, "arguments")
        try:
            ok, data = await self.runner.fetch(plan.sql, params)
        except Exception as exc:  # noqa: BLE001 - reads are pure: the executor answers (and reports a real fault)
            if not outages.report(exc):  # an outage is logged once (the executor answers SERVICE_UNAVAILABLE)
                compiler_log.warning("compiled statement failed (%s); answering on the executor", op.name, exc_info=True,
                                     extra={"statement": plan.sql[:4000]})
            return self.fallback(op.name, "statement failed")
        if not ok:
            return self.fallback(op.name, "hidden or signed out")
        return data, op.name, plan.sql, viewer_id

    def fallback(self, name: str | None, reason: str) -> None:
        """Count and note an operation the executor answers (returns None: no compiled answer)."""
        self.last_reason = reason
        return self.observed.fallback(name, reason)

    async def verify(self, scope, body: bytes, compiled: bytes) -> bytes | None:
        """The executor's answer to the same request; None when it equals the compiled one."""
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        async def never():  # the executor reads the body once; nothing else arrives
            return {"type": "http.disconnect"}

        token = shadow_run.set(True)
        try:
            await self.view(scope, replay_body(body, never), capture)
        finally:
            shadow_run.reset(token)
        executor = b"".join(chunks)
        self.verified += 1
        if _canonical(executor, drop_extensions=False) == _canonical(compiled, drop_extensions=True):
            return None
        difference = {"request": body.decode("utf-8", "replace") or scope.get("query_string", b"").decode(),
                      "compiled": compiled.decode(), "executor": executor.decode("utf-8", "replace")}
        self.differences.append(difference)
        compiler_log.error("compiled answer differs from the executor's", extra=difference)
        return orjson.dumps({"errors": [{"message": "The compiled answer differs from the executor's",
                                         "extensions": {"code": "COMPILED_ANSWER_DIFFERS", **difference}}]})


def _canonical(payload: bytes, drop_extensions: bool) -> bytes:
    """The answer re-encoded: whitespace aside, equal answers give equal bytes (1 and 1.0 stay apart)."""
    try:
        parsed = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload
    if drop_extensions and isinstance(parsed, dict):
        parsed.pop("extensions", None)
    return orjson.dumps(parsed)


def _request(scope, body: bytes) -> tuple[str, str | None, dict] | None:
    """(query, operation name, variables) of a plain JSON or GET request; None for anything else."""
    headers = dict(scope["headers"])
    accept = headers.get(b"accept", b"").decode("latin-1")
    if "text/html" in accept or "text/event-stream" in accept:
        return None
    if scope["method"] == "POST":
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            return None
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    else:
        try:
            params = parse_qs(scope.get("query_string", b"").decode("latin-1"), strict_parsing=False)
            parsed = {k: v[0] for k, v in params.items() if len(v) == 1}
            for key in ("variables", "extensions"):
                if key in parsed:
                    parsed[key] = orjson.loads(parsed[key])
        except (UnicodeDecodeError, ValueError, orjson.JSONDecodeError):
            return None
    if not isinstance(parsed, dict):
        return None
    query, name, variables = parsed.get("query"), parsed.get("operationName"), parsed.get("variables")
    if not isinstance(query, str) or not (name is None or isinstance(name, str)):
        return None
    if not isinstance(parsed.get("extensions"), dict | None):  # the view refuses it
        return None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return None
    return query, name, variables


def prefers_graphql_response(accept: str) -> bool:
    """GraphQL-over-HTTP: the newer media type when the client accepts it before plain JSON."""
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media == GRAPHQL_RESPONSE:
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False


async def _read(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _send(send, status: int, payload: bytes, media_type: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode()),
    ]})
    await send({"type": "http.response.body", "body": payload})
