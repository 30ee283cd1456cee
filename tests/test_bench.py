"""The benchmark's guarantees at small scale: the dataset generator, N+1-free loaders, keyset pages.

The same queries `make bench` measures, on a tiny dataset made by the same generator:
statements per request stay fixed however many rows a response holds (the naive,
unbatched baseline grows with them), every loader mode answers identically, and the
deepest page of a long history costs the statements of the first.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from bench import dataset
from bench.capture import Capture, replay_async
from bench.dataset import session_token
from bench.run import DASHBOARD, HISTORY, SESSION, body
from db.embedded import with_database
from resolvers.ids import encode_id

SECRET = "bench-test-secret-" + uuid.uuid4().hex
TINY = dataset.Scale(users=3, sessions=60, set_logs=1200, heavy_sessions=30, records_per_user=3)


@pytest.fixture(scope="module")
def bench_database(database_server):
    name = f"repgraph_bench_test_{uuid.uuid4().hex[:8]}"
    messages: list[str] = []
    url = dataset.ensure(with_database(database_server, "postgres"), name, TINY, log=messages.append)
    messages.append(name)
    yield url, messages
    with psycopg.connect(with_database(database_server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def users(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(a typical user, the heavy user)."""
    with psycopg.connect(url) as conn:
        typical = conn.execute("SELECT id FROM users WHERE username = 'bench_00001'").fetchone()[0]
        heavy = conn.execute("SELECT id FROM users WHERE username = %s", (dataset.HEAVY_USERNAME,)).fetchone()[0]
    return typical, heavy


def test_dataset_generator_writes_the_requested_rows(bench_database, database_server):
    url, messages = bench_database
    assert dataset.counts(url) == {"users": 3, "workout_sessions": 60, "set_logs": 1200, "heavy_sessions": 30}
    with psycopg.connect(url) as conn:
        # Every set belongs to a session of the same user; every session has its 20 sets in positions 0..19.
        assert conn.execute("SELECT count(*) FROM set_logs l JOIN workout_sessions s ON s.id = l.session_id AND s.user_id = l.user_id").fetchone()[0] == 1200
        assert conn.execute("SELECT count(DISTINCT (session_id, position)), max(position) FROM set_logs").fetchone() == (1200, 19)
        assert conn.execute("SELECT count(*) FROM personal_records").fetchone()[0] == 9
    # A second call finds the same counts and reuses the database.
    again: list[str] = []
    assert dataset.ensure(with_database(database_server, "postgres"), messages[-1], TINY, log=again.append) == url
    assert again and "reusing" in again[0]


async def run_in_modes(url: str, requests: list[tuple[str, str]]) -> dict[str, list[tuple[dict, int]]]:
    out = {}
    for mode in ("batched", "uncached", "naive"):
        async with Capture(url, SECRET, loader_mode=mode) as cap:
            out[mode] = []
            for document, tok in requests:
                payload, plan = await cap.request(document, tok)
                out[mode].append((payload, len(plan)))
    return out


async def test_dashboard_statements_fixed_by_depth_and_identical_in_every_loader_mode(bench_database):
    url, _ = bench_database
    typical, _ = users(url)
    tok = session_token(url, SECRET, typical)
    small = DASHBOARD.replace("workoutSessions(first: 20)", "workoutSessions(first: 2)")
    results = await run_in_modes(url, [(body(DASHBOARD), tok), (body(small), tok)])

    (full, full_count), (part, part_count) = results["batched"]
    sessions = full["data"]["viewer"]["workoutSessions"]["edges"]
    assert len(sessions) == 15 and all(len(s["node"]["sets"]["edges"]) == 20 for s in sessions)
    # viewer, sessions, sets, records, and the exercises: one statement, or two when the records'
    # exercises are asked for in an earlier event-loop turn than the sets' (timing decides).
    assert 5 <= full_count <= 6 and 5 <= part_count <= 6, "statements must not grow with the rows of a response"
    # The naive baseline pays per key: per session its sets, and each of its 4 distinct exercises.
    naive_full, naive_count = results["naive"][0]
    assert naive_count >= 15 * 5 > full_count
    assert results["naive"][1][1] < naive_count
    for mode in ("uncached", "naive"):
        assert [payload for payload, _ in results[mode]] == [payload for payload, _ in results["batched"]], mode


async def test_session_node_identical_in_every_loader_mode(bench_database):
    url, _ = bench_database
    typical, _ = users(url)
    with psycopg.connect(url) as conn:
        session = conn.execute("SELECT id FROM workout_sessions WHERE user_id = %s LIMIT 1", (typical,)).fetchone()[0]
    request = (body(SESSION, {"id": encode_id("WorkoutSession", session)}), session_token(url, SECRET, typical))
    results = await run_in_modes(url, [request])
    payload, count = results["batched"][0]
    assert len(payload["data"]["node"]["sets"]["edges"]) == 20
    assert count == 4  # viewer, session, sets, totals
    assert results["uncached"][0] == (payload, count)
    assert results["naive"][0][0] == payload


async def test_deepest_history_page_costs_the_statements_of_the_first(bench_database):
    url, _ = bench_database
    _, heavy = users(url)
    tok = session_token(url, SECRET, heavy)
    document = HISTORY.replace("first: 20", "first: 7")
    counts, seen, after, plans = [], [], None, []
    async with Capture(url, SECRET) as cap:
        while True:
            payload, plan = await cap.request(body(document, {"after": after}), tok)
            connection = payload["data"]["viewer"]["workoutSessions"]
            seen += [e["node"]["id"] for e in connection["edges"]]
            counts.append(len(plan))
            plans.append(plan)
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
    assert len(counts) == 5 and len(seen) == len(set(seen)) == 30
    assert counts[-1] == counts[0] == 2
    # The captured statements replay as they are through bare psycopg (the bench's efficiency denominator).
    result = await replay_async(url, [plans[0], plans[-1]], concurrency=2, duration=0.3, warmup=0.0)
    assert result["requests"] > 0


async def test_exercises_attached_to_sets_through_fragments_and_only_when_asked(bench_database):
    url, _ = bench_database
    typical, _ = users(url)
    with psycopg.connect(url) as conn:
        session = conn.execute("SELECT id FROM workout_sessions WHERE user_id = %s LIMIT 1", (typical,)).fetchone()[0]
    tok = session_token(url, SECRET, typical)
    sid = encode_id("WorkoutSession", session)
    plain = "query($id: ID!) { node(id: $id) { ... on WorkoutSession { sets { edges { node { id exercise { id name } } } } } } }"
    fragment = """query($id: ID!) { node(id: $id) { ...S } }
      fragment S on WorkoutSession { sets { edges { node { ...L } } } }
      fragment L on SetLog { id ... on SetLog { exercise { id name } } }"""
    without = "query($id: ID!) { node(id: $id) { ... on WorkoutSession { sets { edges { node { id } } } } } }"
    async with Capture(url, SECRET) as cap:
        a, a_plan = await cap.request(body(plain, {"id": sid}), tok)
        b, b_plan = await cap.request(body(fragment, {"id": sid}), tok)
        c, c_plan = await cap.request(body(without, {"id": sid}), tok)
    assert a == b
    assert all(e["node"]["exercise"]["name"] for e in a["data"]["node"]["sets"]["edges"])
    assert len(a_plan) == len(b_plan) == len(c_plan) + 1  # the exercises: one statement, only when selected
    assert not any("FROM exercises" in stmt for stmt, _ in c_plan)


async def test_floors_reproduce_the_real_answers_without_the_gateway(bench_database):
    """bench.floors' executor floor runs the dashboard over its real answer, and its servers answer as RepGraph's do."""
    import httpx

    from bench.floors import FloorServer, count_fields, executor_floor

    url, _ = bench_database
    typical, _ = users(url)
    async with Capture(url, SECRET) as cap:
        answer, _ = await cap.request(body(DASHBOARD), session_token(url, SECRET, typical))
    floor = executor_floor(DASHBOARD, answer)  # raises unless graphql-core reproduces the answer
    sessions = answer["data"]["viewer"]["workoutSessions"]["edges"]
    assert floor["fields"] == count_fields(answer["data"]) > 20 * len(sessions) and floor["ms"] > 0
    with pytest.raises(RuntimeError, match="did not reproduce"):
        executor_floor(DASHBOARD.replace("displayName", "displayName username"), answer)

    fixed = b'{"data":{"node":{"id":"x"}}}'
    with FloorServer(fixed) as plain, FloorServer(b"{}", "--factory bench.floor_app:strawberry_app") as framework:
        async with httpx.AsyncClient() as http:
            reply = await http.post(f"http://127.0.0.1:{plain.port}/graphql", content=body("{ anything }"))
            assert reply.status_code == 200 and reply.content == fixed
            reply = await http.post(f"http://127.0.0.1:{framework.port}/graphql", json={"query": "{ __typename }"})
            assert reply.json() == {"data": {"__typename": "Query"}}
