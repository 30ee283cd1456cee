"""The exact SQL one GraphQL request sends, captured in process, and replayed with bare psycopg.

`Capture` runs the app in this process (same code, same settings as the server) and
records every statement and its parameters through a `before_cursor_execute` listener;
the outbox relay's background polling is left out. `replay` sends those statements
straight through psycopg over N connections for a fixed time: the requests/s a gateway
could reach if its own work cost nothing (the denominator of the bench's efficiency).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import psutil
import psycopg
from asgi_lifespan import LifespanManager
from sqlalchemy import event

from compiler.build import COMPILED_HEAD
from server.app import create_app
from server.settings import Settings

Plan = list[tuple[str, Any]]
RELAY_MARKERS = ("pg_try_advisory_xact_lock", "published_at IS NULL", "UPDATE outbox_events SET published_at", "user_sessions")


class Capture:
    """An in-process app whose statements are recorded per request."""

    def __init__(self, database_url: str, secret: str, loader_mode: str = "batched", read_path: str = "executor") -> None:
        self.settings = Settings(
            database_url=database_url, secret_key=secret, loader_mode=loader_mode, db_pool_size=5, graphiql=False, read_path=read_path,
        )
        self.app = create_app(self.settings)
        self.plan: Plan = []

    def _listen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not any(marker in statement for marker in RELAY_MARKERS):
            self.plan.append((statement, parameters))

    async def __aenter__(self) -> Capture:
        self._lifespan = LifespanManager(self.app)
        await self._lifespan.__aenter__()
        event.listen(self.app.state.engine.sync_engine, "before_cursor_execute", self._listen)
        self.app.state.statement_runner.listeners.append(lambda statement, params: self.plan.append((statement, params)))
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://bench")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()
        await self._lifespan.__aexit__(*exc)

    async def request(self, body: str, token: str | None) -> tuple[dict, Plan]:
        """The response and the statements of one request."""
        headers = {"content-type": "application/json", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.plan = []
        response = await self.http.post("/graphql", content=body, headers=headers)
        plan, self.plan = self.plan, []
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            raise RuntimeError(f"bench request failed: {response.status_code} {payload}")
        return payload, plan


async def replay_async(url: str, plans: list[Plan], concurrency: int, duration: float, warmup: float) -> dict:
    # Reads go out in autocommit, one round trip each, as the server's loaders send them;
    # a request that writes runs in a transaction that is rolled back.
    # A compiled read (one statement headed by the viewer's CTEs; its "last seen" touch is the server's
    # autocommit too) counts as a read.
    writes = any(not stmt.lstrip().upper().startswith(("SELECT", COMPILED_HEAD.upper())) for plan in plans for stmt, _ in plan)
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=not writes) for _ in range(concurrency)]
    done = [0]
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + duration

    async def loop(conn: psycopg.AsyncConnection, offset: int) -> None:
        i = offset
        async with conn.cursor() as cur:
            while time.perf_counter() < stop:
                for stmt, params in plans[i % len(plans)]:
                    await cur.execute(stmt, params)
                    if cur.description is not None:
                        await cur.fetchall()
                if writes:  # undone, so every round sees the same data (and conflicts with nothing)
                    await conn.rollback()
                i += 1
                if time.perf_counter() >= measure_from:
                    done[0] += 1

    try:
        spread = max(1, len(plans) // concurrency)
        await asyncio.gather(*(loop(c, k * spread) for k, c in enumerate(conns)))
    finally:
        for conn in conns:
            await conn.close()
    seconds = time.perf_counter() - measure_from
    return {"requests": done[0], "seconds": seconds, "rps": done[0] / seconds}


def replay(url: str, plans: list[Plan], concurrency: int, duration: float = 5.0, warmup: float = 1.0) -> dict:
    """Requests/s of `plans` (one plan per request, cycled) sent directly with psycopg.

    Also the CPU per request, in ms: `client_ms` this process's, `machine_ms` all cores' (busy
    time, psutil), warm-up included in both and scaled to the measured requests."""
    machine, own = busy_seconds(), process_seconds()
    result = asyncio.run(replay_async(url, plans, concurrency, duration, warmup))
    share = result["seconds"] / (result["seconds"] + warmup) / max(result["requests"], 1) * 1000
    result["client_ms"] = (process_seconds() - own) * share
    result["machine_ms"] = (busy_seconds() - machine) * share
    return result


def busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def process_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system
