"""Several server processes: uvicorn workers (`WORKERS=N`) and PgBouncer in front of PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import psutil
import psycopg
import pytest
import uvicorn

from server.app import create_app
from tests.conftest import _free_port
from tests.servers import ROOT, AppServer, PgBouncer
from tests.test_live import events, follow, http_log_set

REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { token } }"
START = 'mutation { startWorkout(input: {name: "Scaled"}) { session { id } } }'
SQUAT = '{ exercises(filter: {search: "Barbell Squat"}, first: 1) { edges { node { id } } } }'


def gql(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(url + "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=30).json()
    assert not body.get("errors"), body
    return body["data"]


async def live_story(url: str, suffix: str) -> None:
    """Sign up, start a workout, follow it over a websocket, log a set over HTTP, see it arrive."""
    token = gql(url, REGISTER, {"i": {"email": f"{suffix}@scale.dev", "username": suffix, "password": "scale-password"}})["register"]["token"]
    session = gql(url, START, token=token)["startWorkout"]["session"]["id"]
    squat = gql(url, SQUAT)["exercises"]["edges"][0]["node"]["id"]
    ws = await follow(url, token, session)
    logged = await http_log_set(url, token, session, squat, 8)
    (event,) = await events(ws, 1)
    assert event["__typename"] == "SetLogged" and event["setLog"]["id"] == logged["id"]
    await ws.close()


async def test_workers_serve_one_port_and_share_live_events(database_url, redis_url, settings):
    server = AppServer(database_url, redis_url, settings.secret_key, settings.mongo_url)
    server.env["WORKERS"] = "2"
    server.start()
    try:
        workers = [p for p in psutil.Process(server.proc.pid).children(recursive=True) if "python" in p.name()]
        assert len([p for p in workers if "spawn_main" in " ".join(p.cmdline())]) == 2, [p.cmdline() for p in workers]
        assert httpx.get(server.url + "/readyz", timeout=10).json()["status"] == "ready"
        for i in range(3):  # connections land on either worker; every story must work
            await live_story(server.url, f"worker{i}{server.port}")
    finally:
        server.stop()


def test_several_workers_without_redis_refuse_to_start(database_url, settings):
    server = AppServer(database_url, None, settings.secret_key, settings.mongo_url)
    server.env["WORKERS"] = "2"
    done = subprocess.run([sys.executable, "-m", "server"], cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "WORKERS=2 needs REDIS_URL" in done.stderr


@pytest.fixture(scope="module")
def pgbouncer(database_server):
    bouncer = PgBouncer(database_server)
    bouncer.start()
    yield bouncer
    bouncer.stop()


async def test_the_app_works_behind_pgbouncer_in_transaction_mode(pgbouncer, database_url, settings):
    """Queries, mutations, loaders, the outbox relay and a live subscription, all through PgBouncer."""
    database = urlsplit(database_url).path.lstrip("/")
    app = create_app(replace(settings, database_url=pgbouncer.url(database), db_pgbouncer=True, db_pool_size=4))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        await asyncio.sleep(0.05)
    try:
        url = f"http://127.0.0.1:{port}"
        for i in range(3):  # more transactions than PgBouncer has server connections per client
            await live_story(url, f"bouncer{i}{port}")
        assert httpx.get(url + "/readyz", timeout=10).json()["status"] == "ready"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{pgbouncer.port}/pgbouncer", autocommit=True, prepare_threshold=None) as admin:
            pools = [row for row in admin.execute("SHOW POOLS").fetchall()]
        assert any(database in row for row in pools), pools  # the traffic really went through PgBouncer
    finally:
        server.should_exit = True
        thread.join(timeout=10)
