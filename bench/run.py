"""`make bench`: requests/s, latency, SQL per request and efficiency of RepGraph's main queries.

1. A dataset of its own (bench.dataset: 2,000 users, 200,000 sessions, 4,000,000 sets,
   one heavy user with 1,500 sessions), reused when it is already there.
2. Each request the load will send is first run once in process (bench.capture) to
   record its exact SQL; the responses of the dashboard and the session page are compared
   across loader modes (batched, uncached, naive): they must be identical.
3. A RepGraph server process (uvicorn) and a load-generator process (bench.loadgen) at
   concurrency 1, 8 and 32 for a fixed time per point; then the captured SQL replayed
   directly with psycopg at the same concurrency. efficiency = server req/s ÷ replay req/s.
4. The naive baseline (LOADER_MODE=naive: no batching, no cache) on the dashboard.
5. The heavy user's first and deepest history page: statements, latency and EXPLAIN.
6. Live fan-out through bench.live's scenario (subscribers over websockets).
Results: printed, and written to docs/benchmarks.md (+ docs/bench-latency.png).
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
import uuid
from pathlib import Path

import orjson
import psycopg

from bench import dataset
from bench.capture import Capture, Plan, replay
from db.embedded import with_database
from db.setup import resolve_database_url
from resolvers.ids import encode_id
from tests.servers import AppServer

ROOT = Path(__file__).resolve().parent.parent
# BENCH_DATABASE gives a run a bench database of its own (two benches side by side would otherwise
# see each other's writers in the row counts and rebuild the database under each other).
DATABASE = os.environ.get("BENCH_DATABASE", "repgraph_bench_data")
SECRET = "bench-secret-not-for-production-use-only"
BENCH_URL: list[str] = []  # the bench database's URL, once known (tokens need sign-ins stored there)
WRITER_PREFIX = "bench_writer_"
LOGGED_EXERCISE = "SELECT id FROM exercises WHERE source_key IS NOT NULL ORDER BY source_key LIMIT 1"  # what the writers log

DASHBOARD = """query Dashboard {
  viewer {
    id displayName
    workoutSessions(first: 20) {
      edges { node { id name status startedAt
        sets { edges { node { id position setType reps weight exercise { id name } } } } } }
      pageInfo { hasNextPage endCursor }
    }
    personalRecords(first: 10) { edges { node { id kind value achievedAt exercise { id name } } } }
  }
}"""
SEARCH = """query Search($q: String!) {
  exercises(filter: {search: $q}, first: 20) { edges { node { id name category equipment primaryMuscles } } totalCount }
}"""
SESSION = """query Session($id: ID!) {
  node(id: $id) { id ... on WorkoutSession { name status startedAt endedAt
    totals { setCount reps volume } sets { edges { node { id position reps weight } } } } }
}"""
SESSION_ONLY = """query SessionOnly($id: ID!) {
  node(id: $id) { id ... on WorkoutSession { name status startedAt endedAt notes perceivedExertion } }
}"""
HISTORY = """query History($after: String) {
  viewer { workoutSessions(first: 20, after: $after) {
    edges { cursor node { id name status startedAt } } pageInfo { hasNextPage endCursor } } }
}"""
LOG_SET = """mutation Log($i: LogSetInput!) { logSet(input: $i) { setLog { id position reps weight } } }"""
SEARCH_TERMS = ["press", "squat", "curl", "row", "deadlift", "raise", "pull", "fly", "lunge", "extension"]


def body(query: str, variables: dict | None = None) -> str:
    return orjson.dumps({"query": query, "variables": variables or {}}).decode()


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def token(user_id) -> str:
    return dataset.session_token(BENCH_URL[0], SECRET, user_id)


# --- the requests -----------------------------------------------------------------------

def setup_writers(url: str, count: int) -> list[tuple[str, str]]:
    """`count` writer accounts, each with a workout in progress: (token, session global id)."""
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM users WHERE username LIKE %s", (WRITER_PREFIX + "%",))
        password = conn.execute("SELECT password_hash FROM users LIMIT 1").fetchone()[0]
        out = []
        for i in range(count):
            name = f"{WRITER_PREFIX}{i:03d}"
            uid = conn.execute(
                "INSERT INTO users (email, username, password_hash, display_name) VALUES (%s, %s, %s, %s) RETURNING id",
                (f"{name}@bench.dev", name, password, name),
            ).fetchone()[0]
            sid = conn.execute(
                "INSERT INTO workout_sessions (user_id, name, status) VALUES (%s, 'Bench writes', 'in_progress') RETURNING id", (uid,)
            ).fetchone()[0]
            out.append((uid, sid))
        conn.commit()  # the sign-ins below reference these users from another connection
    return [(token(uid), encode_id("WorkoutSession", sid)) for uid, sid in out]


def remove_writers(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM users WHERE username LIKE %s", (WRITER_PREFIX + "%",))


def build_requests(url: str, writers: list[tuple[str, str]]) -> dict[str, list[dict]]:
    with psycopg.connect(url) as conn:
        sample = conn.execute("SELECT id FROM users WHERE username LIKE 'bench\\_0%%' ORDER BY username LIMIT 32").fetchall()
        heavy = conn.execute("SELECT id FROM users WHERE username = %s", (dataset.HEAVY_USERNAME,)).fetchone()[0]
        sessions = conn.execute(
            "SELECT DISTINCT ON (user_id) id, user_id FROM workout_sessions WHERE user_id = ANY(%s) ORDER BY user_id, started_at DESC",
            ([u for (u,) in sample],),
        ).fetchall()
        exercise = conn.execute(LOGGED_EXERCISE).fetchone()[0]
    tokens = {uid: token(uid) for (uid,) in sample}
    ex = encode_id("Exercise", exercise)
    return {
        "dashboard": [{"body": body(DASHBOARD), "token": tokens[uid]} for (uid,) in sample],
        "exercise search": [{"body": body(SEARCH, {"q": q}), "token": tokens[sample[i % len(sample)][0]]} for i, q in enumerate(SEARCH_TERMS)],
        "session by node": [{"body": body(SESSION, {"id": encode_id("WorkoutSession", sid)}), "token": tokens[uid]} for sid, uid in sessions],
        "session by node, one object": [{"body": body(SESSION_ONLY, {"id": encode_id("WorkoutSession", sid)}), "token": tokens[uid]}
                                         for sid, uid in sessions],
        "heavy history (all pages)": [{"body": body(HISTORY, {"after": None}), "token": token(heavy)}],  # pages added by walking
        "logSet": [{"body": body(LOG_SET, {"i": {"sessionId": sid, "exerciseId": ex, "reps": 5, "weight": 100}}), "token": tok}
                   for tok, sid in writers],
    }


async def capture_all(url: str, requests: dict[str, list[dict]]) -> dict[str, list[Plan]]:
    """Each request's SQL (and the heavy user's pages, walked to the end to find their cursors)."""
    plans: dict[str, list[Plan]] = {}
    async with Capture(url, SECRET) as cap:
        for case, reqs in requests.items():
            plans[case] = []
            if case.startswith("heavy history"):
                tok, after, pages = reqs[0]["token"], None, []
                while True:
                    req = {"body": body(HISTORY, {"after": after}), "token": tok}
                    payload, plan = await cap.request(req["body"], tok)
                    pages.append(req)
                    plans[case].append(plan)
                    info = payload["data"]["viewer"]["workoutSessions"]["pageInfo"]
                    if not info["hasNextPage"]:
                        break
                    after = info["endCursor"]
                reqs[:] = pages
                continue
            for req in reqs:
                plans[case].append((await cap.request(req["body"], req["token"]))[1])
    return plans


async def identical_across_modes(url: str, requests: dict[str, list[dict]]) -> dict[str, dict]:
    """Dashboard and session responses from every loader mode, with the statements each cost."""
    out: dict[str, dict] = {}
    checks = requests["dashboard"][:3] + requests["session by node"][:3]
    for mode in ("batched", "uncached", "naive"):
        async with Capture(url, SECRET, loader_mode=mode) as cap:
            responses, statements = [], []
            for req in checks:
                payload, plan = await cap.request(req["body"], req["token"])
                responses.append(payload)
                statements.append(len(plan))
            out[mode] = {"responses": responses, "statements": statements}
    return out


# --- load -------------------------------------------------------------------------------

def load(server: AppServer, reqs: list[dict], concurrency: int, duration: float) -> dict:
    cfg = {"host": "127.0.0.1", "port": server.port, "requests": reqs, "concurrency": concurrency, "duration": duration, "warmup": 1.0}
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(orjson.dumps(cfg))
    try:
        proc = subprocess.run([sys.executable, "-m", "bench.loadgen", f.name], cwd=ROOT, capture_output=True, timeout=duration + 120)
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {proc.stderr.decode()[-2000:]}")
    if proc.stderr:
        print("  " + proc.stderr.decode().strip()[:600])
    result = orjson.loads(proc.stdout)
    lat = result.pop("latencies")
    result.update(rps=result["requests"] / result["seconds"], p50=pct(lat, 0.5), p99=pct(lat, 0.99))
    return result


def interleaved(server: AppServer, a: dict, b: dict, rounds: int = 150) -> tuple[dict, dict]:
    """Latency of requests `a` and `b` taken alternately on one connection (noise hits both alike)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    times: tuple[list[float], list[float]] = ([], [])
    try:
        for i in range(rounds + 10):
            for k, req in enumerate((a, b)):
                t0 = time.perf_counter()
                conn.request("POST", "/graphql", req["body"], {"Content-Type": "application/json", "Authorization": f"Bearer {req['token']}"})
                payload = conn.getresponse().read()
                if b'"errors"' in payload:
                    raise RuntimeError(payload[:300])
                if i >= 10:
                    times[k].append((time.perf_counter() - t0) * 1000)
    finally:
        conn.close()
    return tuple({"p50": pct(sorted(t), 0.5), "p99": pct(sorted(t), 0.99), "requests": len(t)} for t in times)  # type: ignore[return-value]


def start_server(url: str, mode: str = "batched", pool: int | None = None, read_path: str = "executor") -> AppServer:
    """A server process on the bench database; the executor's rows unless `read_path` says otherwise."""
    server = AppServer(url, None, SECRET)
    server.env.update(LOG_LEVEL="warning", LOADER_MODE=mode, GRAPHIQL="0", READ_PATH=read_path)
    if pool:
        server.env["DB_POOL_SIZE"] = str(pool)
    server.start()
    return server


def explain(url: str, plan: Plan) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement: indexes used, execution ms, buffers touched."""
    out = []
    with psycopg.connect(url) as conn:
        for stmt, params in plan:
            if not stmt.lstrip().upper().startswith("SELECT"):
                continue
            lines = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params)]
            text = "\n".join(lines)
            indexes = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? (?:using|on) (\w+)", text)))
            seq = sorted(set(re.findall(r"Seq Scan on (\w+)", text)))
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1))
            hits = sum(int(x) for x in re.findall(r"Buffers: shared hit=(\d+)", text)[:1])
            first_from = re.search(r"FROM (\w+)", stmt)
            out.append({"table": first_from.group(1) if first_from else "?", "indexes": indexes, "seq_scans": seq, "ms": ms,
                        "buffers": hits, "plan": text})
            conn.rollback()
    return out


# --- the run ----------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per point (after 1 s warm-up)")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--fanout", type=int, default=1000, help="subscribers for the fan-out case (0: skip)")
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x]
    started = time.perf_counter()

    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    try:  # writer accounts a previous run could not remove would spoil the row counts
        remove_writers(with_database(server_url, args.database))
    except psycopg.OperationalError:
        pass  # no such database yet
    url = dataset.ensure(with_database(server_url, "postgres"), args.database)
    BENCH_URL.append(url)
    writers = setup_writers(url, max(levels))
    results: list[dict] = []
    try:
        requests = build_requests(url, writers)
        plans = asyncio.run(capture_all(url, requests))
        modes = asyncio.run(identical_across_modes(url, requests))
        same = all(modes[m]["responses"] == modes["batched"]["responses"] for m in modes)
        print(f"results identical with and without caches (batched / uncached / naive): {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit("responses differ between loader modes")
        server = start_server(url)
        try:
            for case, reqs in requests.items():
                statements = sum(len(p) for p in plans[case]) / len(plans[case])
                for c in levels:
                    r = load(server, reqs, c, args.duration)
                    rp = replay(url, plans[case], c, args.duration)
                    row = {"case": case, "concurrency": c, **r, "statements": statements, "replay_rps": rp["rps"],
                           "efficiency": r["rps"] / rp["rps"] if rp["rps"] else float("nan")}
                    results.append(row)
                    print(f"  {case:28s} c={c:<3d} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                          f"SQL/req {statements:5.1f}  psycopg replay {rp['rps']:8.1f} req/s  efficiency {row['efficiency']:.2f}"
                          + (f"  ({r['failures']} failed)" if r["failures"] else ""), flush=True)
            pages = requests["heavy history (all pages)"]
            first, deepest = interleaved(server, pages[0], pages[-1])
        finally:
            server.stop()
        naive_server = start_server(url, "naive")
        try:
            naive = []
            # Once, for comparison: at 32 connections a naive request outlasts a measuring window.
            for c in [c for c in levels if c <= 8] or levels[:1]:
                r = load(naive_server, requests["dashboard"], c, max(args.duration, 5.0))
                r.update(case="dashboard, naive (no DataLoader)", concurrency=c, statements=sum(modes["naive"]["statements"][:3]) / 3)
                naive.append(r)
                print(f"  {r['case']:28s} c={c:<3d} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                      f"SQL/req {r['statements']:5.1f}", flush=True)
        finally:
            naive_server.stop()
        history = plans["heavy history (all pages)"]
        deep = {
            "pages": len(history), "first_statements": len(history[0]), "deepest_statements": len(history[-1]),
            "first": first, "deepest": deepest, "ratio": deepest["p50"] / first["p50"],
            "explain_first": explain(url, history[0]), "explain_deepest": explain(url, history[-1]),
            "explain_dashboard": explain(url, plans["dashboard"][0]),
        }
        print(f"heavy user: {deep['pages']} pages; first page {deep['first_statements']} statements, p50 {first['p50']:.2f} ms; "
              f"deepest {deep['deepest_statements']} statements, p50 {deepest['p50']:.2f} ms (× {deep['ratio']:.2f})")
        for label in ("explain_first", "explain_deepest", "explain_dashboard"):
            for e in deep[label]:
                print(f"  {label[8:]:8s} {e['table']:18s} indexes {', '.join(e['indexes']) or '-'}; seq scans {', '.join(e['seq_scans']) or '-'}; "
                      f"{e['ms']:.2f} ms, {e['buffers']} buffers")
    finally:
        remove_writers(url)
    fanout = run_fanout(server_url, args.fanout) if args.fanout else None
    conversations = run_conversations(url, levels, args.duration)
    minutes = (time.perf_counter() - started) / 60
    from bench.report import write  # matplotlib is imported only here

    write(Path(args.report), results, naive, modes, deep, fanout, minutes, conversations)
    print(f"written to {args.report} ({minutes:.1f} min)")


def run_conversations(url: str, levels: list[int], duration: float) -> dict | None:
    """The conversation cases (bench/conversations.py) on the bench database."""
    from bench.conversations import run

    try:
        return run(url, SECRET, levels, duration)
    except Exception as exc:  # the query table stands on its own
        print(f"conversation cases failed: {exc!r}")
        return None


def run_fanout(server_url: str, subscribers: int) -> dict | None:
    """One logSet fanned out to `subscribers` websockets, through bench.live's own scenario."""
    from bench.live import scenario
    from db.setup import ensure_database
    from tests.servers import RedisServer

    database = ensure_database(with_database(server_url, "postgres"), "repgraph_bench")
    redis_server = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_server = RedisServer()
        redis_server.start()
        redis_url = redis_server.url
    server = AppServer(database, redis_url, "bench-secret-" + uuid.uuid4().hex)
    server.env["LOG_LEVEL"] = "warning"
    try:
        server.start()
        return asyncio.run(scenario(server, redis_url, f"1 workout × {subscribers}", 1, subscribers, 10, 1.5))
    except Exception as exc:  # the query table stands on its own
        print(f"fan-out case failed: {exc!r}")
        return None
    finally:
        server.stop()
        if redis_server:
            redis_server.stop()


if __name__ == "__main__":
    main()
