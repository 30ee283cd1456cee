"""`python -m bench.logset`: what one logSet costs, through the app in process, on the bench database.

One writer logs the same set `--calls` times into one workout (after a warm-up), the way the
training rules see a real athlete's session: the statements it sends, wall-clock p50/p99 and
the process's CPU per call (the in-process client's share included). Needs `make bench`'s
dataset (built on first use).

With `--server`: one server process (uvicorn) taking logSets from `--concurrency` connections,
each its own workout, for `--duration` seconds: logSets/s, the server process's CPU per logSet,
the psycopg replay of the same statements at the same concurrency and the ratio of the two
(bench-floors' logSet table, on its own), on the server's default read path (compiled), where
logSet takes the write lane; `--profile FILE` records the server with py-spy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from pathlib import Path

from bench import dataset
from bench import run as bench
from bench.capture import Capture
from db.setup import resolve_database_url

ROOT = Path(__file__).resolve().parent.parent


async def measure(url: str, calls: int) -> dict:
    (writer,) = bench.setup_writers(url, 1)
    request = bench.build_requests(url, [writer])["logSet"][0]
    try:
        async with Capture(url, bench.SECRET, read_path="compiled") as cap:
            for _ in range(20):
                await cap.request(request["body"], request["token"])
            wall, cpu, plan = [], [], []
            for _ in range(calls):
                t, c = time.perf_counter(), time.process_time()
                _, plan = await cap.request(request["body"], request["token"])
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
    finally:
        bench.remove_writers(url)
    wall.sort()
    return {"statements": len(plan), "p50": statistics.median(wall), "p99": wall[int(len(wall) * 0.99) - 1],
            "cpu": statistics.mean(cpu), "plan": [" ".join(s.split())[:100] for s, _ in plan]}


def server(url: str, concurrency: int, duration: float, profile: str | None) -> None:
    from bench.capture import replay
    from bench.floors import logset_capacity

    writers = bench.setup_writers(url, concurrency)
    try:
        requests = bench.build_requests(url, writers)["logSet"]

        async def plans() -> list:  # on the server's default path (compiled), where logSet takes the write lane
            async with Capture(url, bench.SECRET, read_path="compiled") as cap:
                return [(await cap.request(r["body"], r["token"]))[1] for r in requests]

        captured = asyncio.run(plans())
        if profile:
            running = bench.start_server(url, read_path="compiled")
            try:
                bench.load(running, requests, concurrency, 2.0)
                spy = subprocess.Popen(["py-spy", "record", "-p", str(running.proc.pid), "-d", str(int(duration)), "-r", "200",
                                        "-f", "raw", "-o", profile], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                bench.load(running, requests, concurrency, duration)
                spy.wait()
            finally:
                running.stop()
            print(f"py-spy samples of the server written to {profile}")
            return
        cap = logset_capacity(url, requests, writers, concurrency, duration, read_path="compiled")
        rps = replay(url, captured, concurrency, duration)["rps"]
        print(f"logSet c={concurrency}: {cap['rps']:.1f}/s (p50 {cap['p50']:.1f} ms); server CPU {cap['server_cpu_ms']:.2f} ms per logSet; "
              f"psycopg replay of its {len(captured[0])} statements {rps:.1f}/s; ratio {cap['rps'] / rps:.2f}")
    finally:
        bench.remove_writers(url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.logset")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--server", action="store_true", help="measure one server process under load instead")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--profile", help="with --server: write py-spy's raw samples of the server here")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    url = dataset.ensure(dataset.with_database(server_url, "postgres"), bench.DATABASE)
    bench.BENCH_URL.append(url)
    if args.server:
        server(url, args.concurrency, args.duration, args.profile)
        return
    result = asyncio.run(measure(url, args.calls))
    print(f"logSet: {result['statements']} statements; wall p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms; "
          f"process CPU {result['cpu']:.2f} ms per call ({args.calls} calls)")
    for statement in result["plan"]:
        print(f"  {statement}")


if __name__ == "__main__":
    main()
