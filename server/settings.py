"""Typed settings, read once from the environment.

Every other module receives a `Settings` object; none reads `os.environ` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    # Conversations' MongoDB (a database in the URL's path, else "repgraph"); `python -m server`
    # starts an embedded one when unset. Every MongoDB operation answers within the timeout.
    mongo_url: str | None = None
    mongo_timeout_ms: int = 1000
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"
    secret_key: str = DEFAULT_SECRET
    token_ttl_seconds: int = 15 * 60  # access tokens; clients renew them with refreshToken
    session_ttl_seconds: int = 30 * 24 * 3600  # a sign-in (and its refresh tokens) lasts this long unused
    data_dir: Path = field(default_factory=lambda: ROOT / ".data")
    db_pool_size: int = 10
    # Seconds a request waits for a pooled connection (up to twice DB_POOL_SIZE, db/engine.py)
    # before answering SERVICE_UNAVAILABLE; seconds to open one.
    db_pool_timeout: float = 5.0
    db_connect_timeout: float = 5.0
    db_pgbouncer: bool = False  # DATABASE_URL points at PgBouncer in transaction mode: no prepared statements
    graphiql: bool = True
    ws_keepalive_seconds: float = 15.0
    ws_ping_seconds: float = 60.0
    # Identical live subscriptions share one render per event (schema/broadcast.py); off runs
    # each through Strawberry's own per-operation stream.
    live_groups: bool = True
    log_level: str = "info"
    log_format: str = "text"  # "json" (one object per line; the default in production) or "text"
    slow_query_ms: float = 200.0  # statements slower than this are logged; 0 logs none
    metrics: bool = True  # Prometheus metrics at /metrics
    workers: int = 1  # server processes (uvicorn workers); more than one needs REDIS_URL
    otel: bool = False  # OpenTelemetry tracing of operations (server/tracing.py)
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_query_cost: int = 25_000
    rate_limit_user: int = 600  # GraphQL requests per window per signed-in user (0: no limit)
    rate_limit_ip: int = 1200  # GraphQL requests per window per client address (0: no limit)
    rate_limit_window: int = 60  # seconds
    ws_max_subscriptions_per_connection: int = 20
    ws_max_subscriptions_per_user: int = 100  # per process
    persisted_queries: str = "apq"  # "apq" (automatic persisted queries), "allowlist" or "off"
    persisted_queries_file: str | None = None  # the allow-list manifest: JSON {sha256: document}
    max_body_bytes: int = 1_048_576
    introspection: bool = True  # off by default in production
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API (CORS, websockets)
    # Pages on localhost/127.0.0.1/[::1] (any port: a frontend's dev server) may call the API and
    # open websockets; on by default outside production (CORS_LOCALHOST), off in production.
    cors_localhost: bool = False
    loader_mode: str = "batched"  # LOADER_MODE: batched | uncached | naive (benchmark baselines)
    # Queries the compiler covers run as one SQL statement (compiler/); "executor" sends every
    # operation through Strawberry's executor and the DataLoaders.
    read_path: str = "compiled"
    read_path_verify: bool = False  # also run each compiled query on the executor and refuse a different answer (tests)
    plan_debug: bool = False  # PLAN_DEBUG: compiled responses carry their SQL in `extensions`
    plan_cache_size: int = 512  # documents whose plans are kept
    # Statements (compiled and the executor's) run at most this long, then answer SERVICE_UNAVAILABLE;
    # behind PgBouncer the executor's engine cannot send it: set it on the role.
    statement_timeout_ms: int = 5000

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = env.get("APP_ENV") == "production"
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            mongo_url=env.get("MONGO_URL") or None,
            mongo_timeout_ms=int(env.get("MONGO_TIMEOUT_MS", cls.mongo_timeout_ms)),
            host=env.get("HOST", cls.host),
            port=int(env.get("PORT", cls.port)),
            environment=env.get("APP_ENV", cls.environment),
            secret_key=env.get("SECRET_KEY", DEFAULT_SECRET),
            token_ttl_seconds=int(env.get("TOKEN_TTL_SECONDS", cls.token_ttl_seconds)),
            session_ttl_seconds=int(env.get("SESSION_TTL_SECONDS", cls.session_ttl_seconds)),
            data_dir=Path(env.get("DATA_DIR", ROOT / ".data")),
            db_pool_size=int(env.get("DB_POOL_SIZE", cls.db_pool_size)),
            db_pool_timeout=float(env.get("DB_POOL_TIMEOUT", cls.db_pool_timeout)),
            db_connect_timeout=float(env.get("DB_CONNECT_TIMEOUT", cls.db_connect_timeout)),
            db_pgbouncer=env.get("DB_PGBOUNCER", "0") not in ("0", "false", "no"),
            graphiql=env.get("GRAPHIQL", "0" if production else "1") not in ("0", "false", "no"),
            ws_keepalive_seconds=float(env.get("WS_KEEPALIVE_SECONDS", cls.ws_keepalive_seconds)),
            ws_ping_seconds=float(env.get("WS_PING_SECONDS", cls.ws_ping_seconds)),
            live_groups=env.get("LIVE_GROUPS", "1") not in ("0", "false", "no"),
            log_level=env.get("LOG_LEVEL", cls.log_level),
            log_format=env.get("LOG_FORMAT", "json" if env.get("APP_ENV") == "production" else "text"),
            slow_query_ms=float(env.get("SLOW_QUERY_MS", cls.slow_query_ms)),
            metrics=env.get("METRICS", "1") not in ("0", "false", "no"),
            workers=int(env.get("WORKERS", cls.workers)),
            otel=env.get("OTEL_ENABLED", "0") not in ("0", "false", "no") or bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT")),
            max_query_depth=int(env.get("MAX_QUERY_DEPTH", cls.max_query_depth)),
            max_aliases=int(env.get("MAX_ALIASES", cls.max_aliases)),
            max_tokens=int(env.get("MAX_TOKENS", cls.max_tokens)),
            max_query_cost=int(env.get("MAX_QUERY_COST", cls.max_query_cost)),
            rate_limit_user=int(env.get("RATE_LIMIT_USER", cls.rate_limit_user)),
            rate_limit_ip=int(env.get("RATE_LIMIT_IP", cls.rate_limit_ip)),
            rate_limit_window=int(env.get("RATE_LIMIT_WINDOW", cls.rate_limit_window)),
            ws_max_subscriptions_per_connection=int(env.get("WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", cls.ws_max_subscriptions_per_connection)),
            ws_max_subscriptions_per_user=int(env.get("WS_MAX_SUBSCRIPTIONS_PER_USER", cls.ws_max_subscriptions_per_user)),
            persisted_queries=env.get("PERSISTED_QUERIES", cls.persisted_queries),
            persisted_queries_file=env.get("PERSISTED_QUERIES_FILE") or None,
            max_body_bytes=int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
            introspection=env.get("INTROSPECTION", "0" if production else "1") not in ("0", "false", "no"),
            cors_origins=tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()),
            cors_localhost=env.get("CORS_LOCALHOST", "0" if production else "1") not in ("0", "false", "no"),
            loader_mode=env.get("LOADER_MODE", cls.loader_mode),
            read_path=env.get("READ_PATH", cls.read_path),
            read_path_verify=env.get("READ_PATH_VERIFY", "0") not in ("0", "false", "no"),
            plan_debug=env.get("PLAN_DEBUG", "0") not in ("0", "false", "no"),
            plan_cache_size=int(env.get("PLAN_CACHE_SIZE", cls.plan_cache_size)),
            statement_timeout_ms=int(env.get("STATEMENT_TIMEOUT_MS", cls.statement_timeout_ms)),
        )

    def validate(self) -> None:
        if self.persisted_queries not in ("apq", "allowlist", "off"):
            raise RuntimeError("PERSISTED_QUERIES must be apq, allowlist or off")
        if self.read_path not in ("compiled", "executor"):
            raise RuntimeError("READ_PATH must be compiled or executor")
        if self.production and self.secret_key == DEFAULT_SECRET:
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
