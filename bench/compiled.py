"""`make bench`, compiled reads: the same queries on the executor and on the compiled path, one run.

On the bench database (bench.dataset), two server processes side by side — READ_PATH=executor
and READ_PATH=compiled — take the same requests from the load generator; the executor's
loader statements and the compiled statement are each replayed with bare psycopg at the
same concurrency. The targets (issue: compiled read path) are ratios within this one run:

- dashboard: compiled ≥ 2× the replay of the executor's loader statements, ≥ 15× the executor;
- single object and exercise search: compiled ≥ 0.8× the replay of its own statement at c=8
  (≥ 0.6× at c=1), and ≥ 12× the executor's single object;
- no stalls: single objects beside dashboards (4 + 4 connections) keep p99 ≤ 5× their p50 alone;
- Python CPU per request on a cached plan, the database's time aside.

Also: the compiled answers equal the executor's (compared before measuring), and EXPLAIN of the
dashboard's statement names the indexes it uses. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import orjson
import psutil
import psycopg

from bench import dataset
from bench.capture import Capture, busy_seconds, replay
from bench.report import replace_section
from bench.run import DATABASE, ROOT, SECRET, BENCH_URL, build_requests, load, start_server
from db.embedded import with_database
from db.setup import resolve_database_url

SECTION = "## Compiled reads (`make bench`)"
CASES = ("dashboard", "session by node, one object", "exercise search", "session by node")


async def capture(url: str, requests: dict[str, list[dict]]) -> tuple[dict, dict]:
    """Per case: each request's statements on each path; the answers must be equal."""
    plans: dict[str, dict[str, list]] = {"executor": {}, "compiled": {}}
    answers: dict[str, list] = {}
    for path in ("executor", "compiled"):
        async with Capture(url, SECRET, read_path=path) as cap:
            for case in CASES:
                plans[path][case] = []
                for req in requests[case]:
                    payload, plan = await cap.request(req["body"], req["token"])
                    plans[path][case].append(plan)
                    answers.setdefault(case, []).append(payload)
    for case in CASES:
        half = len(answers[case]) // 2
        if answers[case][:half] != answers[case][half:]:
            raise SystemExit(f"{case}: the compiled answers differ from the executor's")
        if any(len(plan) != 1 for plan in plans["compiled"][case]):
            raise SystemExit(f"{case}: not one statement on the compiled path")
    return plans, answers


def load_with_cpu(server, reqs: list[dict], concurrency: int, duration: float) -> dict:
    """The load's figures, and CPU ms per request: the server's (`cpu_ms`), the load generator's
    (`loadgen_ms`) and all cores' busy time (`machine_ms`: the two, PostgreSQL and the kernel)."""
    proc = psutil.Process(server.proc.pid)
    before, machine = proc.cpu_times(), busy_seconds()
    result = load(server, reqs, concurrency, duration)
    after = proc.cpu_times()
    cpu = (after.user - before.user) + (after.system - before.system)
    # The load generator's 1 s warm-up is not counted in its requests: leave it out of the CPU too.
    share = 1000 * result["seconds"] / (result["seconds"] + 1.0) / max(result["requests"], 1)
    result["cpu_ms"] = cpu * share
    result["machine_ms"] = (busy_seconds() - machine) * share
    result["loadgen_ms"] = result.pop("cpu", 0.0) * share
    return result


def target(concurrency: int) -> float:
    """The share of its replay's rate a light compiled request must reach (the issue: 0.6 at c=1, 0.8 at c=8)."""
    return 0.6 if concurrency == 1 else 0.8


def budget(row: dict) -> dict:
    """Where a compiled request's CPU goes beside its replay's, and what the server may spend to reach its target.

    With the cores as busy as the replay kept them, a share t of its rate leaves each request 1/t of
    the replay's CPU per statement; the server gets what the load generator and PostgreSQL (with
    the kernel) leave of that. At c=1 the chain is serial, so CPU per request is also its latency."""
    co, rp = row["compiled"], row["compiled_replay_cpu"]
    rest = co["machine_ms"] - co["cpu_ms"] - co["loadgen_ms"]
    return {"server": co["cpu_ms"], "loadgen": co["loadgen_ms"], "postgres": rest, "machine": co["machine_ms"],
            "replay_client": rp["client_ms"], "replay_postgres": rp["machine_ms"] - rp["client_ms"], "replay": rp["machine_ms"],
            "allowed": rp["machine_ms"] / target(row["concurrency"]) - co["loadgen_ms"] - rest}


def mixed(server, dashboards: list[dict], singles: list[dict], duration: float) -> tuple[dict, dict]:
    """Single objects on 4 connections while dashboards run on 4 more (two load generators at once)."""
    def spawn(reqs, concurrency):
        cfg = {"host": "127.0.0.1", "port": server.port, "requests": reqs, "concurrency": concurrency, "duration": duration, "warmup": 1.0}
        f = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)
        f.write(orjson.dumps(cfg))
        f.close()
        return f.name, subprocess.Popen([sys.executable, "-m", "bench.loadgen", f.name], cwd=ROOT, stdout=subprocess.PIPE)

    jobs = [spawn(dashboards, 4), spawn(singles, 4)]
    out = []
    for name, proc in jobs:
        stdout, _ = proc.communicate(timeout=duration + 120)
        os.unlink(name)
        result = orjson.loads(stdout)
        lat = result.pop("latencies")
        result.update(rps=result["requests"] / result["seconds"], p50=_pct(lat, 0.5), p99=_pct(lat, 0.99))
        out.append(result)
    return out[0], out[1]


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def python_cost(url: str, request: dict) -> dict:
    """Microseconds of the lane's own Python per request on a cached plan: find, coerce, verify, bind, frame."""
    from compiler.plans import PlanCache
    from schema import schema
    from schema.limits import Limits
    from server.auth import credentials

    plans = PlanCache(schema._schema, Limits())
    parsed = orjson.loads(request["body"])
    op = plans.operation(parsed["query"], None)
    header = f"Bearer {request['token']}"

    def one() -> None:
        body = orjson.loads(request["body"])
        found = plans.operation(body["query"], body.get("operationName"))
        variables = plans.coerce(found, body.get("variables") or {})
        viewer, session, _ = credentials(SECRET, header)
        plan = plans.plan(found, variables, viewer is not None)
        plan.bind(variables, viewer, session)
        b'{"data":' + b"x" * 200 + b"}"

    one()
    runs = 2000
    seconds = min(timeit.repeat(one, number=runs, repeat=5)) / runs
    return {"us": seconds * 1e6, "plans": len(op.plans)}


def explain(url: str, plan: list) -> dict:
    statement, params = plan[0]
    with psycopg.connect(url) as conn:
        text = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params))
        conn.rollback()  # the sign-in's "last seen" CTE
    return {
        "indexes": sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", text))),
        "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", text))),
        "ms": float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compiled")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x]
    started = time.perf_counter()
    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    url = dataset.ensure(with_database(server_url, "postgres"), DATABASE)
    BENCH_URL.append(url)
    requests = build_requests(url, [])
    plans, _ = asyncio.run(capture(url, requests))
    print("compiled answers equal the executor's on every captured request; one statement each")
    rows = []
    servers = {path: start_server(url, read_path=path) for path in ("executor", "compiled")}
    try:
        for case in CASES:
            for c in levels:
                row = {"case": case, "concurrency": c}
                for path, server in servers.items():
                    r = load_with_cpu(server, requests[case], c, args.duration)
                    row[path] = r
                row["loader_replay"] = replay(url, plans["executor"][case], c, args.duration)["rps"]
                row["compiled_replay_cpu"] = replay(url, plans["compiled"][case], c, args.duration)
                row["compiled_replay"] = row["compiled_replay_cpu"]["rps"]
                rows.append(row)
                ex, co = row["executor"], row["compiled"]
                print(f"  {case:28s} c={c:<2d} executor {ex['rps']:8.1f} req/s  compiled {co['rps']:8.1f} req/s "
                      f"(× {co['rps'] / ex['rps']:.1f})  loader replay {row['loader_replay']:8.1f}  compiled replay "
                      f"{row['compiled_replay']:8.1f}  CPU/request {ex['cpu_ms']:.2f} → {co['cpu_ms']:.2f} ms", flush=True)
                if case != "dashboard":
                    b = budget(row)
                    print(f"    all cores per request: compiled {b['machine']:.3f} ms (server {b['server']:.3f}, load generator "
                          f"{b['loadgen']:.3f}, PostgreSQL and kernel {b['postgres']:.3f}); replay {b['replay']:.3f} ms (client "
                          f"{b['replay_client']:.3f}, PostgreSQL and kernel {b['replay_postgres']:.3f}); {target(c)}× leaves the server "
                          f"{b['allowed']:.3f} ms", flush=True)
        alone = load(servers["compiled"], requests["session by node, one object"], 4, args.duration)
        dash, single = mixed(servers["compiled"], requests["dashboard"], requests["session by node, one object"], args.duration)
        print(f"  mixed: single objects alone p50 {alone['p50']:.2f} p99 {alone['p99']:.2f} ms; beside dashboards p50 "
              f"{single['p50']:.2f} p99 {single['p99']:.2f} ms (p99 / alone p50 = {single['p99'] / alone['p50']:.1f}); "
              f"dashboards {dash['rps']:.1f} req/s")
    finally:
        for server in servers.values():
            server.stop()
    cost = python_cost(url, requests["session by node, one object"][0])
    print(f"  Python per compiled request (cached plan, no I/O): {cost['us']:.0f} µs")
    plan = explain(url, plans["compiled"]["dashboard"][0])
    print(f"  EXPLAIN dashboard: indexes {', '.join(plan['indexes'])}; seq scans {', '.join(plan['seq_scans']) or '-'}; {plan['ms']:.2f} ms")
    write(Path(args.report), rows, alone, dash, single, cost, plan, (time.perf_counter() - started) / 60)


def write(report: Path, rows, alone, dash, single, cost, plan, minutes: float) -> None:
    lines = [
        SECTION, "",
        f"`python -m bench.compiled` ({minutes:.0f} min; run by `make bench`): the bench database, two server processes side "
        f"by side (READ_PATH=executor and READ_PATH=compiled), the same requests from one load generator process, {os.cpu_count()} "
        "cores shared by all of them and PostgreSQL. *Loader replay*: the executor's own statements for the request, replayed "
        "with bare psycopg; *compiled replay*: the compiled statement replayed the same way. CPU: the server process's CPU "
        "time per request (user + system, psutil), PostgreSQL's not included.", "",
        "| case | c | executor req/s | compiled req/s | compiled ÷ executor | loader replay req/s | compiled ÷ loader replay "
        "| compiled replay req/s | compiled ÷ its replay | p50 / p99 ms executor | p50 / p99 ms compiled | CPU ms/request executor → compiled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ex, co = r["executor"], r["compiled"]
        lines.append(
            f"| {r['case']} | {r['concurrency']} | {ex['rps']:.1f} | {co['rps']:.1f} | {co['rps'] / ex['rps']:.1f} | "
            f"{r['loader_replay']:.1f} | {co['rps'] / r['loader_replay']:.2f} | {r['compiled_replay']:.1f} | "
            f"{co['rps'] / r['compiled_replay']:.2f} | {ex['p50']:.1f} / {ex['p99']:.1f} | {co['p50']:.2f} / {co['p99']:.2f} | "
            f"{ex['cpu_ms']:.2f} → {co['cpu_ms']:.2f} |"
        )
    lines += [
        "",
        "Where the CPU goes (all cores' busy time per request, ms; the server's share measured by psutil, the load "
        "generator's by its own rusage, the rest is PostgreSQL and the kernel). *Allowed*: what the server could spend per "
        "request and still reach its target share of the replay's rate (0.6× at c=1, 0.8× otherwise) with the cores as busy "
        "as the replay kept them.",
        "",
        "| case | c | compiled: all | server | load generator | PostgreSQL + kernel | replay: all | client | PostgreSQL + kernel "
        "| allowed for the server |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["case"] == "dashboard":
            continue
        b = budget(r)
        lines.append(f"| {r['case']} | {r['concurrency']} | {b['machine']:.3f} | {b['server']:.3f} | {b['loadgen']:.3f} | "
                     f"{b['postgres']:.3f} | {b['replay']:.3f} | {b['replay_client']:.3f} | {b['replay_postgres']:.3f} | "
                     f"{b['allowed']:.3f} |")
    lines += [
        "",
        f"Mixed (compiled): single objects on 4 connections alone p50 {alone['p50']:.2f} ms, p99 {alone['p99']:.2f} ms; beside "
        f"dashboards on 4 more connections p50 {single['p50']:.2f} ms, p99 {single['p99']:.2f} ms — p99 ÷ p50 alone = "
        f"{single['p99'] / alone['p50']:.1f} (target ≤ 5); dashboards meanwhile {dash['rps']:.1f} req/s.",
        "",
        f"Python per compiled request on a cached plan, without I/O (body parsed, plan found, variables coerced, token "
        f"verified, parameters bound, response framed; `timeit`, best of 5): **{cost['us']:.0f} µs**. The rest of a request's "
        "CPU is the HTTP server's (`make bench-floors`: bare uvicorn) and psycopg's round trip.",
        "",
        f"EXPLAIN (ANALYZE, BUFFERS) of the dashboard's one statement: indexes {', '.join(plan['indexes'])}; seq scans "
        f"{', '.join(plan['seq_scans']) or 'none'}; {plan['ms']:.2f} ms.",
        "",
    ]
    replace_section(report, SECTION, "\n".join(lines) + "\n")
    print(f"written to {report}")


if __name__ == "__main__":
    main()
