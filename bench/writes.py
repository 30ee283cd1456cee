"""`python -m bench.writes`: what each hot write costs, through the app in process, on the bench database.

A writer goes through a workout `--rounds` times (after a warm-up): startWorkout, two
logSets, updateSet of the first set, deleteSet of the second, finishWorkout. Each call is
timed on its own: the statements it sends (the last round's), and the process's CPU per call
(the in-process client's share included) and wall-clock, medians over the rounds. The writer
and everything it wrote are removed at the end, as bench.logset's are. Needs `make bench`'s
dataset (built on first use).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

import psycopg

from bench import dataset
from bench import run as bench
from bench.capture import Capture
from db.setup import resolve_database_url
from resolvers.ids import encode_id

ROOT = Path(__file__).resolve().parent.parent
# A writer takes this many rounds (6 requests each), within the per-user rate limit (600 a minute).
ROUNDS_PER_WRITER = 80
WRITES = ("startWorkout", "logSet", "updateSet", "deleteSet", "finishWorkout")
START = "mutation Start($i: StartWorkoutInput!) { startWorkout(input: $i) { session { id status } } }"
LOG = "mutation Log($i: LogSetInput!) { logSet(input: $i) { setLog { id position reps weight } } }"
UPDATE = "mutation Update($i: UpdateSetInput!) { updateSet(input: $i) { setLog { id reps weight } } }"
DELETE = "mutation Delete($i: DeleteSetInput!) { deleteSet(input: $i) { deletedSetLogId } }"
FINISH = "mutation Finish($i: FinishWorkoutInput!) { finishWorkout(input: $i) { session { id status endedAt } } }"


async def measure(url: str, rounds: int, warmup: int = 5) -> dict[str, dict]:
    writers = bench.setup_writers(url, 1 + (warmup + rounds) // ROUNDS_PER_WRITER)
    exercise = _exercise(url)
    cpu: dict[str, list[float]] = {w: [] for w in WRITES}
    wall: dict[str, list[float]] = {w: [] for w in WRITES}
    plans: dict[str, list] = {}
    try:
        async with Capture(url, bench.SECRET) as cap:

            async def call(write: str, query: str, variables: dict, timed: bool) -> dict:
                t, c = time.perf_counter(), time.process_time()
                payload, plan = await cap.request(bench.body(query, {"i": variables}), token)
                if timed:
                    wall[write].append((time.perf_counter() - t) * 1000)
                    cpu[write].append((time.process_time() - c) * 1000)
                    plans[write] = plan
                return payload["data"]

            for n in range(warmup + rounds):
                timed = n >= warmup
                token = writers[n // ROUNDS_PER_WRITER][0]
                session = (await call("startWorkout", START, {"name": "Bench writes"}, timed))["startWorkout"]["session"]["id"]
                sets = []
                for weight in (100, 90):
                    logged = await call("logSet", LOG, {"sessionId": session, "exerciseId": exercise, "reps": 5, "weight": weight}, timed)
                    sets.append(logged["logSet"]["setLog"]["id"])
                await call("updateSet", UPDATE, {"setLogId": sets[0], "reps": 6, "weight": 105}, timed)
                await call("deleteSet", DELETE, {"setLogId": sets[1]}, timed)
                await call("finishWorkout", FINISH, {"sessionId": session, "perceivedExertion": 7}, timed)
    finally:
        bench.remove_writers(url)
    return {w: {"statements": len(plans[w]), "cpu": statistics.median(cpu[w]), "wall": statistics.median(wall[w]),
                "plan": [" ".join(s.split())[:100] for s, _ in plans[w]]} for w in WRITES}


def _exercise(url: str) -> str:
    """The library exercise bench.logset logs (weight and reps)."""
    with psycopg.connect(url) as conn:
        (exercise,) = conn.execute(bench.LOGGED_EXERCISE).fetchone()
    return encode_id("Exercise", exercise)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writes")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--plans", action="store_true", help="print each write's statements")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    url = dataset.ensure(dataset.with_database(server_url, "postgres"), bench.DATABASE)
    bench.BENCH_URL.append(url)
    results = asyncio.run(measure(url, args.rounds))
    for write, r in results.items():
        print(f"{write}: {r['statements']} statements; process CPU {r['cpu']:.2f} ms, wall {r['wall']:.2f} ms per call "
              f"(median of {args.rounds})")
        if args.plans:
            for statement in r["plan"]:
                print(f"  {statement}")


if __name__ == "__main__":
    main()
