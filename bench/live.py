"""`make bench-live`: latency from a committed logSet to every subscriber, at scale.

One RepGraph server process (with Redis), subscribers in a separate process,
the writer (this process) logging sets over HTTP. Latency is measured from the
moment the logSet request is sent (an upper bound on commit time) to the moment
a subscriber's websocket delivers the event. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
import psutil
import psycopg
import redis

from bench.report import replace_section
from db.embedded import with_database
from db.setup import ensure_database, resolve_database_url
from tests.servers import AppServer, RedisServer

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { token } }"
START = "mutation { startWorkout(input: {name: \"Bench\"}) { session { id } } }"
LOG = "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }"
SQUAT = '{ exercises(filter: {search: "Barbell Squat"}, first: 1) { edges { node { id } } } }'


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


async def gql(http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def workouts(http: httpx.AsyncClient, count: int) -> list[tuple[str, str]]:
    """`count` (token, session id) pairs, one athlete each."""
    out = []
    for _ in range(count):
        suffix = uuid.uuid4().hex[:10]
        token = (await gql(http, REGISTER, {"i": {"email": f"b{suffix}@bench.dev", "username": f"b{suffix}", "password": "bench-password"}}))["register"]["token"]
        session = (await gql(http, START, token=token))["startWorkout"]["session"]["id"]
        out.append((token, session))
    return out


NODE_CLIENT = ROOT / "bench" / "node" / "subscribers.mjs"
NODE_WRITER = ROOT / "bench" / "node" / "writer.mjs"


class Subscribers:
    """The subscriber process: Node's `ws` by default (a Python client saturates its core first at 10,000)."""

    def __init__(self, url: str, plan: list, client: str = "node") -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="repgraph-bench-"))
        (self.dir / "plan.json").write_bytes(orjson.dumps(plan))
        self.out = self.dir / "receipts.json"
        program = ["node", str(NODE_CLIENT)] if client == "node" else [sys.executable, "-m", "bench.subscribers"]
        self.proc = subprocess.Popen(
            [*program, "--url", url.replace("http", "ws") + "/graphql",
             "--plan", str(self.dir / "plan.json"), "--out", str(self.out)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def wait_ready(self) -> int:
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"subscribers failed: {line!r}")
        return int(line.split()[1])

    def finish(self) -> list:
        self.proc.stdin.close()
        tail = self.proc.stdout.read()
        self.proc.wait(120)
        if "failed 0" not in tail:
            print("  subscriber process:", tail.strip())
        return orjson.loads(self.out.read_bytes())


async def log_sets(http: httpx.AsyncClient, targets: list[tuple[str, str]], exercise: str, rounds: int, interval: float) -> dict[str, float]:
    """Each round logs one set in every target workout, spread evenly over `interval` seconds."""
    sent: dict[str, float] = {}
    round_trips: list[float] = []
    spacing = interval / len(targets)
    start = time.perf_counter()

    async def one(token: str, session: str, at: float) -> None:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - start)))
        t0 = time.time()
        data = await gql(http, LOG, {"i": {"sessionId": session, "exerciseId": exercise, "reps": 5, "weight": 100}}, token)
        sent[data["logSet"]["setLog"]["id"]] = t0
        round_trips.append((time.time() - t0) * 1000)

    await asyncio.gather(*(one(t, s, r * interval + i * spacing) for r in range(rounds) for i, (t, s) in enumerate(targets)))
    return sent, round_trips


def node_log_sets(url: str, targets: list[tuple[str, str]], exercise: str, rounds: int, interval: float) -> tuple[dict[str, float], list[float]]:
    """The same schedule as `log_sets`, sent by bench/node/writer.mjs (a Python client costs a core at 200 sets/s)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as plan:
        plan.write(orjson.dumps([[t, s] for t, s in targets]))
    out = subprocess.run(
        ["node", str(NODE_WRITER), "--url", url, "--plan", plan.name, "--exercise", exercise,
         "--rounds", str(rounds), "--interval", str(interval)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    result = orjson.loads(out.stdout)
    if result["errors"]:
        print(f"  writer: {result['errors']} logSet errors")
    return result["sent"], result["roundTrips"]


def latencies(sent: dict[str, float], receipts: list) -> tuple[list[float], int]:
    values = [(t - sent[set_id]) * 1000 for set_id, t in receipts if set_id in sent]
    return values, len(values)


def redis_clients(url: str) -> tuple[int, int]:
    r = redis.Redis.from_url(url)
    try:
        return len(r.client_list()), len(r.client_list(_type="pubsub"))
    finally:
        r.close()


def start_profiler(pid: int, path: str | None) -> subprocess.Popen | None:
    """py-spy on the server during the measured phase only (collapsed stacks, for `--profile`)."""
    if not path:
        return None
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--nonblocking", "--format", "raw", "--rate", "250", "-o", path, "--pid", str(pid)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def scenario(server: AppServer, redis_url: str, name: str, workouts_n: int, per_workout: int, rounds: int, interval: float, profile: str | None = None, client: str = "node", writes_to: AppServer | None = None) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=64)) as http:
        exercise = (await gql(http, SQUAT))["exercises"]["edges"][0]["node"]["id"]
        targets = await workouts(http, workouts_n)
        proc = psutil.Process(server.proc.pid)
        rss_before = proc.memory_info().rss
        subs = Subscribers(server.url, [[t, s, per_workout] for t, s in targets], client)
        t_connect = time.perf_counter()
        ready = subs.wait_ready()
        connect_s = time.perf_counter() - t_connect
        await asyncio.sleep(1.0)
        rss_idle = proc.memory_info().rss
        clients, pubsub = redis_clients(redis_url)
        # One unmeasured round first: connection pools and caches fill as in a running service,
        # and each workout's first set, which sets a record of every kind (nine events, 90,000
        # frames at 10,000 subscribers), is delivered before measuring. The measured sets are
        # like it, so each announces itself and the workout's growing volume.
        warm_up = {"reps": 5, "weight": 100}
        await asyncio.gather(*(gql(http, LOG, {"i": {"sessionId": s, "exerciseId": exercise, **warm_up}}, t) for t, s in targets))
        if writes_to is not None:
            async with httpx.AsyncClient(base_url=writes_to.url, timeout=60) as other:
                await asyncio.gather(*(gql(other, LOG, {"i": {"sessionId": s, "exerciseId": exercise, **warm_up}}, t) for t, s in targets))
        await asyncio.sleep(3.0)
        profiler = start_profiler(server.proc.pid, profile)
        cpu_before = proc.cpu_times()
        if client == "node":
            sent, round_trips = await asyncio.to_thread(node_log_sets, (writes_to or server).url, targets, exercise, rounds, interval)
        else:
            sent, round_trips = await log_sets(http, targets, exercise, rounds, interval)
        await asyncio.sleep(max(3.0, interval))
        cpu_after = proc.cpu_times()
        if profiler:
            profiler.send_signal(2)
            profiler.wait(60)
        receipts = subs.finish()
        (subs.dir / "sent.json").write_bytes(orjson.dumps(sent))  # with receipts.json: the raw data behind the figures
        values, delivered = latencies(sent, receipts)
    expected = len(sent) * per_workout
    result = {
        "name": name, "subscribers": ready, "events": len(sent), "delivered": delivered, "expected": expected,
        "p50": pct(values, 0.5), "p99": pct(values, 0.99), "max": max(values) if values else float("nan"),
        "mem_per_sub_kb": (rss_idle - rss_before) / max(ready, 1) / 1024, "connect_s": connect_s,
        # The server's CPU for the measured sets, their events and every frame they made (the process
        # that takes the logSets, which with `writes_to` is another one, is not this one's CPU).
        "server_cpu_ms": ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) * 1000 / max(len(sent), 1),
        "redis_clients": clients, "redis_pubsub": pubsub, "mutation_p50": pct(round_trips, 0.5), "mutation_p99": pct(round_trips, 0.99),
    }
    print(f"  {name}: {ready} subscribers, {len(sent)} sets -> {delivered}/{expected} deliveries; "
          f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms "
          f"(logSet round trip p50 {result['mutation_p50']:.1f}, p99 {result['mutation_p99']:.1f} ms); "
          f"server CPU {result['server_cpu_ms']:.2f} ms per set; "
          f"{result['mem_per_sub_kb']:.1f} KiB/idle subscriber; redis connections {clients} (pub/sub {pubsub})", flush=True)
    return result


def write_report(results: list[dict], path: Path) -> None:
    lines = [
        "## Live fan-out (`make bench-live`)",
        "",
        f"One server process per case (uvicorn, Redis broker, started fresh), subscribers in a separate process "
        f"(Node `ws`, graphql-transport-ws), sets logged over HTTP by a third (Node), after one unmeasured warm-up "
        f"round. {os.cpu_count()} cores shared by all of them and PostgreSQL. Latency: logSet request sent → event "
        "received by a subscriber (every delivery counted). Server CPU: the subscribers' server process over the measured "
        "window (the sets, their events and frames, and its background work meanwhile: the relay's polls and keep-alives, "
        "which weigh most in the cases of 10 sets) per set.",
        "",
        "| case | subscribers | sets | deliveries | p50 ms | p99 ms | max ms | logSet round trip p50 / p99 ms | server CPU ms per set | KiB per idle subscriber | Redis connections (pub/sub) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['subscribers']} | {r['events']} | {r['delivered']}/{r['expected']} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['max']:.1f} | {r['mutation_p50']:.1f} / {r['mutation_p99']:.1f} | {r['server_cpu_ms']:.2f} | {r['mem_per_sub_kb']:.1f} | {r['redis_clients']} ({r['redis_pubsub']}) |"
        )
    replace_section(path, "## Live fan-out", "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--sizes", default="100,1000,10000", help="subscriber counts on one workout")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workouts", type=int, default=200)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--client", choices=["node", "python"], default="node", help="the subscriber and writer processes")
    parser.add_argument("--profile", help="write py-spy collapsed stacks of the server's measured phase here (needs py-spy)")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    database = ensure_database(with_database(server_url, "postgres"), "repgraph_bench")
    # The bench database outlives its runs. Where autovacuum is off (as on this machine's own
    # PostgreSQL), what earlier runs published and changed stays dead, in the outbox's index of
    # unpublished events too, which the relay's every drain then walks: measure a maintained one.
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    own_redis = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        own_redis = RedisServer()
        own_redis.start()
        redis_url = own_redis.url
    secret = "bench-secret-" + uuid.uuid4().hex
    started: list[AppServer] = []

    def fresh_server() -> AppServer:
        """Each case gets a server process of its own, so none inherits another's heap or sockets."""
        for old in started:
            old.stop()
        started.clear()
        server = AppServer(database, redis_url, secret)
        server.env["LOG_LEVEL"] = "warning"
        server.start()
        started.append(server)
        return server

    cases = [(f"1 workout × {n}", 1, n, 1.5, str(n), False) for n in (int(x) for x in args.sizes.split(",") if x)]
    if args.workouts:
        cases.append((f"{args.workouts} workouts × 5, 1 set/s each", args.workouts, 5, 1.0, "workouts", False))
        # The same load with the sets logged through a second server process (same database and
        # Redis), as a deployment with several processes spreads them: the subscribers' process
        # then does the fan-out only.
        cases.append((f"{args.workouts} workouts × 5, sets logged via a 2nd process", args.workouts, 5, 1.0, "workouts-2", True))
    results = []
    try:
        for name, workouts_n, per_workout, interval, tag, second in cases:
            server = fresh_server()
            writer = None
            if second:
                writer = AppServer(database, redis_url, secret)
                writer.env["LOG_LEVEL"] = "warning"
                writer.start()
                started.append(writer)
            profile = f"{args.profile}.{tag}" if args.profile else None
            results.append(asyncio.run(scenario(server, redis_url, name, workouts_n, per_workout, args.rounds, interval, profile, args.client, writes_to=writer)))
    finally:
        for server in started:
            server.stop()
        if own_redis:
            own_redis.stop()
    write_report(results, Path(args.report))
    print(f"written to {args.report}")


if __name__ == "__main__":
    main()
