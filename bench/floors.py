"""`make bench-floors`: the ceilings this machine puts on the efficiency and live targets.

`make bench` divides RepGraph's requests/s by a bare psycopg replay of the same SQL. Any
Python GraphQL server pays two costs the replay does not, whatever its own code does; they
bound the ratio from above, and they are measured here with the same load generator:

- **HTTP floor**: uvicorn (uvloop, httptools) answering each request with a fixed body
  (`bench.floor_app`: no framework, no GraphQL, no database); and the **Strawberry floor**:
  Strawberry's ASGI view answering `{ __typename }` over a one-field schema (its parser and
  validation caches; no middleware, no other extension, no database), the least a request through the fixed stack costs;
- **executor floor**: graphql-core executing the dashboard document over its finished
  answer held in memory (default resolvers, synchronous; no SQL, no Strawberry), the least
  a generic executor does for that many fields.

And for the live 200-workout case (200 logSets/s offered, each fanned out to subscribers):
how many logSets/s one server process serves when it does nothing else, its CPU per
logSet, and what the psycopg replay of its statements reaches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import orjson
import psutil
import psycopg

from bench import dataset
from bench import run as bench
from bench.capture import Capture, replay
from bench.report import replace_section
from db.embedded import with_database
from db.setup import resolve_database_url
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Ceilings on this machine"
CASES = ("dashboard", "session by node, one object", "logSet")
OFFERED_SETS_PER_S = 200  # bench-live's 200 workouts × one set per second


async def capture(url: str, requests: dict[str, list[dict]]) -> tuple[dict, dict]:
    """Each case's SQL plans, and its first answer."""
    plans, answers = {}, {}
    async with Capture(url, bench.SECRET) as cap:
        for case in CASES:
            runs = [await cap.request(r["body"], r["token"]) for r in requests[case]]
            answers[case] = runs[0][0]
            plans[case] = [plan for _, plan in runs]
    return plans, answers


class FloorServer:
    """A bench.floor_app app under uvicorn, with the options `python -m server` uses."""

    def __init__(self, body: bytes, target: str = "bench.floor_app:app") -> None:
        self.target = target
        self.body = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)
        self.body.write(body)
        self.body.close()
        self.port = free_port()

    def __enter__(self) -> FloorServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", *self.target.split(), "--host", "127.0.0.1", "--port", str(self.port),
             "--loop", "uvloop", "--http", "httptools", "--lifespan", "off", "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, "FLOOR_BODY": self.body.name},
        )
        wait_for_port(self.port, timeout=30, proc=self.proc)
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        os.unlink(self.body.name)


def executor_floor(document: str, answer: dict) -> dict:
    """ms per graphql-core execution of `document` over its own answer, and the fields it executes.

    Measured in a fresh process that imports graphql-core and nothing else, called from a
    function as a server calls it. The context moves the figure: the same loop ran about
    twice as slow in this process (which holds the whole app) and in a script run with
    `python -m`, and about 40 % faster written at a script's top level.
    """
    from schema import build_schema as repgraph_schema

    with tempfile.TemporaryDirectory(prefix="repgraph-floor-") as folder:
        (Path(folder) / "schema.graphql").write_text(str(repgraph_schema()))
        (Path(folder) / "query.graphql").write_text(document)
        (Path(folder) / "answer.json").write_bytes(orjson.dumps(answer))
        code = "import sys; from bench.floor_app import execute_over_answer; print(execute_over_answer(sys.argv[1]))"
        run = subprocess.run([sys.executable, "-c", code, folder], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}")
    return {"ms": float(run.stdout), "fields": count_fields(answer["data"])}


def count_fields(value) -> int:
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


def logset_capacity(url: str, requests: list[dict], writers: list[tuple[str, str]], concurrency: int, duration: float,
                    read_path: str = "executor") -> dict:
    """logSets/s of one server process doing nothing else, and its CPU per logSet."""
    server = bench.start_server(url, read_path=read_path)
    try:
        proc = psutil.Process(server.proc.pid)
        bench.load(server, requests, concurrency, 2.0)  # pools, caches and prepared statements warm
        with psycopg.connect(url) as conn:
            count = "SELECT count(*) FROM set_logs s JOIN users u ON u.id = s.user_id WHERE u.username LIKE %s"
            before = conn.execute(count, (bench.WRITER_PREFIX + "%",)).fetchone()[0]
            cpu0 = sum(proc.cpu_times()[:2])
            result = bench.load(server, requests, concurrency, duration)
            cpu1 = sum(proc.cpu_times()[:2])
            logged = conn.execute(count, (bench.WRITER_PREFIX + "%",)).fetchone()[0] - before
    finally:
        server.stop()
    return {**result, "server_cpu_ms": (cpu1 - cpu0) * 1000 / logged}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floors")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x]

    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    url = dataset.ensure(with_database(server_url, "postgres"), bench.DATABASE)
    bench.BENCH_URL.append(url)
    writers = bench.setup_writers(url, max(levels))
    try:
        requests = bench.build_requests(url, writers)
        plans, answers = asyncio.run(capture(url, requests))
        execution = executor_floor(bench.DASHBOARD, answers["dashboard"])
        print(f"executor floor: dashboard ({execution['fields']} fields) {execution['ms']:.1f} ms per execution", flush=True)
        rows = []
        typename = [{"body": bench.body("{ __typename }"), "token": None}]
        with FloorServer(orjson.dumps(answers["session by node, one object"])) as floor, \
                FloorServer(b"{}", "--factory bench.floor_app:strawberry_app") as framework:
            for c in levels:
                http = bench.load(SimpleNamespace(port=floor.port), requests["session by node, one object"], c, args.duration)
                gql = bench.load(SimpleNamespace(port=framework.port), typename, c, args.duration)
                one = replay(url, plans["session by node, one object"], c, args.duration)["rps"]
                dash = replay(url, plans["dashboard"], c, args.duration)["rps"]
                # At one connection a request's SQL waits and the server's own work add up; with more,
                # they overlap, and one process's core bounds it at its floor's rate.
                exec_rps = 1000 / execution["ms"]
                floor_rps = min(http["rps"], gql["rps"])
                one_bound = 1 / (1 / one + 1 / floor_rps) if c == 1 else floor_rps
                dash_bound = 1 / (1 / dash + 1 / exec_rps + 1 / floor_rps) if c == 1 else min(exec_rps, floor_rps)
                row = {"concurrency": c, "http_rps": http["rps"], "gql_rps": gql["rps"], "one_replay": one, "dash_replay": dash,
                       "one_ceiling": one_bound / one, "dash_ceiling": dash_bound / dash}
                rows.append(row)
                print(f"  c={c:<3d} HTTP floor {http['rps']:8.1f} req/s, Strawberry floor {gql['rps']:7.1f} req/s; replay: one object {one:8.1f}, "
                      f"dashboard {dash:7.1f} req/s; ceilings: one object {row['one_ceiling']:.2f} (target 0.7), "
                      f"dashboard {row['dash_ceiling']:.2f} (target 0.5)", flush=True)
        logset = []
        for c in [c for c in levels if c > 1] or levels:
            cap = logset_capacity(url, requests["logSet"], writers, c, args.duration)
            rp = replay(url, plans["logSet"], c, args.duration)["rps"]
            logset.append({"concurrency": c, **cap, "replay": rp})
            print(f"  logSet c={c:<3d} one process {cap['rps']:6.1f}/s (p50 {cap['p50']:.1f} ms); server CPU {cap['server_cpu_ms']:.2f} ms "
                  f"per logSet; psycopg replay {rp:6.1f}/s", flush=True)
    finally:
        bench.remove_writers(url)
    write(Path(args.report), execution, rows, logset)
    print(f"written to {args.report}")


def write(report: Path, execution: dict, rows: list[dict], logset: list[dict]) -> None:
    lines = [
        SECTION + " (`make bench-floors`)",
        "",
        "What any Python GraphQL server pays before its own code runs, measured with `make bench`'s load generator "
        f"and replay on this machine ({os.cpu_count()} cores). **HTTP floor**: uvicorn (uvloop, httptools) answering with "
        "the one-object answer as a fixed body (`bench/floor_app.py`: no framework, no GraphQL, no database). **Strawberry floor**: "
        "Strawberry's ASGI view answering `{ __typename }` over a one-field schema (parser and validation caches; no middleware, no other extension, no database). "
        f"**Executor floor**: graphql-core executing the dashboard document over its own finished answer in memory "
        f"({execution['fields']:,} fields, default resolvers, no SQL, no Strawberry): **{execution['ms']:.1f} ms** per execution. "
        "A ceiling is the best efficiency those floors allow. At one connection a request's SQL (the replay's time) and the "
        "server's own work (the Strawberry floor, plus the executor floor for the dashboard) add up; with more connections "
        "they can overlap, and the floors alone bound one process (one core): the lower floor, or the executor floor.",
        "",
        "| concurrency | HTTP floor req/s | Strawberry floor req/s | replay req/s, one object | ceiling, one object (target 0.7) | replay req/s, dashboard | ceiling, dashboard (target 0.5) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['concurrency']} | {r['http_rps']:.0f} | {r['gql_rps']:.0f} | {r['one_replay']:.0f} | {r['one_ceiling']:.2f} | "
                     f"{r['dash_replay']:.0f} | {r['dash_ceiling']:.2f} |")
    lines += [
        "",
        f"logSet, one server process doing nothing else (`make bench`'s logSet request, every connection its own workout); "
        f"the live 200-workout case offers {OFFERED_SETS_PER_S} logSets/s and fans each out on top:",
        "",
        "| concurrency | logSets/s | p50 ms | server CPU ms per logSet | server cores needed at 200/s | psycopg replay of its statements /s |",
        "|---|---|---|---|---|---|",
    ]
    for r in logset:
        lines.append(f"| {r['concurrency']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['server_cpu_ms']:.2f} | "
                     f"{OFFERED_SETS_PER_S * r['server_cpu_ms'] / 1000:.2f} | {r['replay']:.0f} |")
    lines.append("")
    replace_section(report, SECTION, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
