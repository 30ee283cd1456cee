"""The Starlette application: GraphQL over HTTP at /graphql, GraphiQL, health."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLSyntaxError, parse
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from compiler.plans import PlanCache
from compiler.renders import CompiledRenders
from compiler.run import StatementRunner
from db.engine import create_engine, create_sessionmaker
from db.outages import POSTGRES, STATEMENT_BEGAN, Outages, outages
from live import Live
from resolvers.context import Context
from resolvers.sessions import SessionGate
from resolvers.stats import stats_cache
from resolvers.errors import ApiError
from resolvers.outages import unavailable
from schema import build_schema
from schema import schema as default_schema
from schema.broadcast import Broadcasts
from schema.errors import INTERNAL_ERROR_MESSAGE, FastMaskErrors, should_mask
from schema.limits import Limits
from server import graphiql, tracing
from server.auth import credentials
from server.context import request_context
from server.documents import open_documents
from server.photos import photo_file
from server.health import healthz, migration_head, readyz
from server.http_errors import OutageScope, error_response, failure_response
from server.lane import GRAPHQL_RESPONSE, CompiledLane, prefers_graphql_response
from server.logs import attach_request_ids
from server.metrics import Metrics, metrics_endpoint, watch_slow_queries
from server.persisted import MemoryStore, PersistedQueryMiddleware, RedisStore, load_manifest
from server.ratelimit import MemoryCounter, RateLimitMiddleware, RedisCounter
from server.request_id import RequestIdMiddleware
from server.settings import Settings
from server.streaming import HTTP_STREAM_PROTOCOLS, TRANSPORTS
from server.websockets import LegacyWSHandler, TransportWSHandler, rejection_reason

log = logging.getLogger("repgraph")
BLANK_MEANS_NONE = ("variables", "extensions", "operationName")
_masker = FastMaskErrors(should_mask_error=should_mask, error_message=INTERNAL_ERROR_MESSAGE)
# A frontend's dev server (`CORS_LOCALHOST`, on outside production): any port of these hosts.
LOCALHOST_ORIGIN = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


def wants_graphql_response(request: Request) -> bool:
    return prefers_graphql_response(request.headers.get("accept", ""))


class CodedHTTPException(HTTPException):
    """An HTTP refusal with its own `extensions.code` (others get one from their status)."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


class GraphQLView(GraphQL):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    stream_transport_classes_by_protocol = TRANSPORTS  # subscriptions over HTTP (server/streaming.py)

    def __init__(self, app_state: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app_state = app_state

    async def get_context(self, request, response) -> Context:
        return request_context(self.app_state, request.headers.get("authorization"), request=request, response=response)

    def is_websocket_origin_allowed(self, request, origin: str) -> bool:
        if self.app_state.settings.cors_localhost and re.fullmatch(LOCALHOST_ORIGIN, origin):
            return True
        return super().is_websocket_origin_allowed(request, origin)

    async def on_ws_connect(self, context: Context):
        """Websockets authenticate in `connection_init` ({"Authorization": "Bearer …"}) or the upgrade request."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header is None and params.get("token"):
            header = f"Bearer {params['token']}"
        if header is not None:
            context.viewer_id, context.session_id, context.auth_error = credentials(self.app_state.settings.secret_key, str(header))
            context.extra.pop("session_checked", None)
        try:
            viewer = await context.viewer()
        except ApiError as exc:
            log.info("websocket refused: %s", exc.message)
            raise self._refuse(context, exc.message, exc.extensions["code"]) from exc
        except Exception as exc:
            retry = unavailable(exc)
            if retry is None:
                raise
            raise self._refuse(context, retry.message, retry.extensions["code"]) from exc
        if viewer is None:
            raise self._refuse(context, "Sign in required", "UNAUTHENTICATED")
        return {"viewer": str(viewer.id)}

    @staticmethod
    def _refuse(context: Context, message: str, code: str) -> ConnectionRejectionError:
        reason = context.extra["ws_rejection"] = rejection_reason(message, code)
        return ConnectionRejectionError({"message": message, "code": code, "reason": reason})

    async def __call__(self, scope, receive, send) -> None:
        """HTTP answers are always GraphQL-shaped JSON with a code (server/http_errors.py), never plain text or a bare 500."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason, getattr(exc, "code", None))
        except Exception as exc:  # noqa: BLE001 - an outage answers 503 (retryable), a bug the masked 500
            response = failure_response(exc)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses invalid UTF-8 and nesting deeper than 1,024 with JSONDecodeError,
        # which the view answers with 400 (json.loads raised UnicodeDecodeError/RecursionError: 500).
        return orjson.loads(data)

    def parse_query_params(self, params) -> dict[str, Any]:
        # An empty `variables=`, `extensions=` or `operationName=` means none, as the compiled lane reads it.
        return super().parse_query_params({k: v for k, v in dict(params).items() if v or k not in BLANK_MEANS_NONE})

    def parse_json(self, data: str | bytes) -> object:
        """Bodies, GET variables and extensions: Strawberry reads what parses as a JSON object (a
        list is a batch, refused) and failed on a bare `0` or `null` with AttributeError."""
        parsed = super().parse_json(data)
        if parsed is None and isinstance(data, str):  # `variables=null` in a query string (bodies come as bytes): none
            return None
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "Expected a JSON object")
        return parsed

    async def parse_multipart(self, request) -> dict[str, str]:
        """A multipart body that is not the GraphQL multipart request spec's shape (unparsable parts,
        `operations`/`map` of the wrong shape, paths that lead nowhere) is the client's 400, not a 500."""
        try:
            parsed = await super().parse_multipart(request)
        except HTTPException:
            raise
        except StarletteHTTPException as exc:  # Starlette's form parser refuses a malformed body with its own kind
            raise HTTPException(400, f"Unable to parse the multipart body: {exc.detail}") from exc
        except (MultiPartException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise HTTPException(400, "Unable to parse the multipart body: expected the GraphQL multipart request spec") from exc
        if not isinstance(parsed, dict):
            raise HTTPException(400, "Expected a JSON object in 'operations'")
        return parsed

    async def execute_operation(self, request, request_adapter, request_data, context, root_value, sub_response):
        if not isinstance(request_data, list) and not isinstance(request_data.operation_name, str | None):
            # GraphQL-over-HTTP: a name that is not a string is the client's 400 (a stream failed mid-body on it).
            raise CodedHTTPException(400, "operationName must be a string", "BAD_REQUEST")
        if not isinstance(request_data, list) and self._get_stream_transport(request_data.protocol) is not None:
            # Strawberry's stream fails mid-body on a document it cannot parse: refuse it first.
            if not request_data.query:
                raise CodedHTTPException(400, "No GraphQL query found in the request", "GRAPHQL_PARSE_FAILED")
            try:
                parse(request_data.query, max_tokens=self.app_state.settings.max_tokens)
            except GraphQLSyntaxError as exc:
                raise CodedHTTPException(400, exc.message, "GRAPHQL_PARSE_FAILED") from exc
        return await super().execute_operation(request, request_adapter, request_data, context, root_value, sub_response)

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        """Strawberry's, with a subscription in a plain JSON request refused (streams and websockets serve them)."""
        method = request_adapter.method
        allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query, root_value=root_value, variable_values=request_data.variables, context_value=context,
                operation_name=request_data.operation_name, allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type == OperationType.SUBSCRIPTION:
                raise CodedHTTPException(400, "Subscriptions are served over websockets at /graphql (graphql-transport-ws or "
                                              "graphql-ws), or over HTTP as a stream: Accept text/event-stream or "
                                              "multipart/mixed;subscriptionSpec=1.0", "SUBSCRIPTION_NEEDS_STREAM") from exc
            # GraphQL-over-HTTP: a mutation sent with GET is 405 Method Not Allowed.
            raise HTTPException(405, exc.as_http_error_reason(method)) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise CodedHTTPException(400, "No GraphQL query found in the request", "GRAPHQL_PARSE_FAILED") from exc

    async def get_sub_response(self, request):
        sub_response = await super().get_sub_response(request)
        sub_response.graphql_response = wants_graphql_response(request)  # type: ignore[attr-defined]
        return sub_response

    def create_response(self, response_data, sub_response) -> Response:
        graphql_response = getattr(sub_response, "graphql_response", False) and isinstance(response_data, dict)
        request_error = False
        if graphql_response:
            # A request error (parsing or validation failed: no data, no error with a path) has
            # no `data` entry and is a client error; field errors keep 200.
            errors = response_data.get("errors") or []
            request_error = response_data.get("data") is None and errors and not any(e.get("path") for e in errors)
            if request_error:
                response_data = {k: v for k, v in response_data.items() if k != "data"}
        response = super().create_response(response_data, sub_response)
        if graphql_response:
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if request_error:
                response.status_code = 400
        return response

    async def process_result(self, request, result):
        # Errors raised before execution (while validating, say) skip the schema's masking extension.
        if result.errors:
            result.errors = _masker._process_errors(result.errors)
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> str:
        # A str, not bytes: websocket messages must go out as text frames for browsers'
        # graphql-ws clients (bytes would be sent as binary frames).
        return orjson.dumps(data).decode()

    async def render_graphql_ide(self, request) -> HTMLResponse:
        return HTMLResponse(graphiql.render_page())


def create_app(settings: Settings | None = None, *, database_url: str | None = None, tracer_provider=None) -> Starlette:
    """The ASGI app. `database_url` must point at a migrated database (see db.setup)."""
    settings = settings or Settings.from_env()
    settings.validate()
    provider = tracer_provider or tracing.tracer_provider(settings)
    limits = Limits(settings.max_query_depth, settings.max_aliases, settings.max_tokens, settings.max_query_cost, settings.introspection)
    schema = build_schema(limits=limits, tracer_provider=provider) if provider is not None or limits != Limits() else default_schema
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("create_app needs a database URL (db.setup.resolve_database_url finds one)")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.outages = Outages()
        scope = outages.use(app.state.outages)  # the relay's, the broker's and the pools' tasks inherit it
        engine = create_engine(
            url, pool_size=settings.db_pool_size, prepared_statements=not settings.db_pgbouncer,
            pool_timeout=settings.db_pool_timeout, connect_timeout=settings.db_connect_timeout,
            statement_timeout_ms=None if settings.db_pgbouncer else settings.statement_timeout_ms,
        )
        app.state.engine = engine
        if app.state.metrics is not None:
            event.listen(engine.sync_engine, "before_cursor_execute", app.state.metrics.count_statement)
        # A statement that ran is the evidence PostgreSQL is back after an outage (logged once),
        # unless it began before the outage did.
        event.listen(engine.sync_engine, "before_cursor_execute", lambda conn, *_: conn.info.__setitem__(STATEMENT_BEGAN, time.monotonic()))
        event.listen(engine.sync_engine, "after_cursor_execute", lambda conn, *_: outages.recovered(POSTGRES, conn.info.get(STATEMENT_BEGAN)))
        if settings.slow_query_ms > 0:
            watch_slow_queries(engine, settings.slow_query_ms)
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.statement_runner = StatementRunner(
            url, size=settings.db_pool_size, statement_timeout_ms=settings.statement_timeout_ms, prepare=not settings.db_pgbouncer,
            slow_ms=settings.slow_query_ms, timeout=settings.db_pool_timeout, connect_timeout=settings.db_connect_timeout,
        )
        await app.state.statement_runner.open()
        app.state.live = Live(app.state.sessionmaker, settings.redis_url)
        if settings.live_groups:
            app.state.live.broadcasts = Broadcasts(app.state.live, schema._schema)
            if settings.read_path == "compiled":
                app.state.live.broadcasts.compiled = CompiledRenders(app.state.compiled_lane.plans, app.state)
        await app.state.live.start()
        broker_redis = getattr(app.state.live.broker, "redis", None)
        app.state.sessions = SessionGate(app.state.sessionmaker, broker_redis)
        app.state.stats_cache = stats_cache(broker_redis)
        app.state.rate_counter = RedisCounter(broker_redis) if broker_redis is not None else MemoryCounter()
        if settings.persisted_queries == "apq":
            app.state.persisted_store = RedisStore(broker_redis) if broker_redis is not None else MemoryStore()
        app.state.documents = await open_documents(settings, app.state.live)
        try:
            yield
        finally:
            if app.state.documents is not None:
                await app.state.documents.close()
            await app.state.live.stop()
            await app.state.statement_runner.close()
            await engine.dispose()
            outages.reset(scope)

    app = Starlette(lifespan=lifespan)
    # Outermost last: CORS headers on every answer, then the request id, rate limits,
    # and the body limit with persisted queries right in front of the GraphQL view.
    app.add_middleware(PersistedQueryMiddleware, state=app.state)
    app.add_middleware(RateLimitMiddleware, state=app.state)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(OutageScope, state=app.state)
    if settings.cors_origins or settings.cors_localhost:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_origin_regex=LOCALHOST_ORIGIN if settings.cors_localhost else None,
            allow_headers=["authorization", "content-type", "x-request-id"], expose_headers=["x-request-id", "retry-after"],
            max_age=600,
        )
    app.state.persisted_store = None
    app.state.documents = None
    app.state.persisted_allowlist = load_manifest(settings.persisted_queries_file) if settings.persisted_queries == "allowlist" else None
    attach_request_ids()
    app.state.settings = settings
    app.state.metrics = Metrics(app.state) if settings.metrics else None
    app.state.migration_head = migration_head()
    view = GraphQLView(
        app.state,
        schema=schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL, *HTTP_STREAM_PROTOCOLS),
        keep_alive_interval=settings.ws_keepalive_seconds,
        max_subscriptions_per_connection=settings.ws_max_subscriptions_per_connection,
        allowed_origins=settings.cors_origins,
        multipart_uploads_enabled=True,  # progress photos (GraphQL multipart request spec); the lane leaves them to the view
    )
    endpoint = view
    if settings.read_path == "compiled":
        endpoint = app.state.compiled_lane = CompiledLane(
            view, app.state, PlanCache(schema._schema, limits, settings.plan_cache_size), tracer_provider=provider,
        )
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/photos/{photo_id}/{variant}", photo_file, methods=["GET"]),
        WebSocketRoute("/graphql", view),
    ]
    if settings.metrics:
        routes.append(Route("/metrics", metrics_endpoint))
    if settings.graphiql:
        routes.append(Mount("/graphiql-assets", app=graphiql.assets_app()))
    app.router.routes.extend(routes)
    return app
