"""N+1 guard: SQL statements per request depend on the query's depth, not on the rows."""

from __future__ import annotations

from tests.conftest import READ_PATH
from tests.stories import exercise_id, workout_with_sets

NESTED = """
query Dashboard {
  viewer {
    workoutSessions(first: 20) {
      edges { node {
        name
        totals { setCount volume }
        sets { edges { node { reps weight exercise { name primaryMuscles } } } }
      } }
    }
  }
}
"""


async def _statements_for(client, sql_counter, token) -> tuple[int, dict]:
    sql_counter.reset()
    data = await client.data(NESTED, token=token)
    return sql_counter.count, data


async def test_nested_query_statement_count_is_independent_of_rows(client, register, sql_counter, capsys):
    small, large = await register(), await register()
    exercises = [await exercise_id(client, name) for name in ("Barbell Squat", "Barbell Deadlift", "Barbell Curl", "Dumbbell Bench Press")]
    for i in range(2):
        await workout_with_sets(client, small.token, exercises[i % 4], 2)
    for i in range(20):
        await workout_with_sets(client, large.token, exercises[i % 4], 20)

    small_count, small_data = await _statements_for(client, sql_counter, small.token)
    large_count, large_data = await _statements_for(client, sql_counter, large.token)

    small_sessions = small_data["viewer"]["workoutSessions"]["edges"]
    large_sessions = large_data["viewer"]["workoutSessions"]["edges"]
    assert len(small_sessions) == 2 and len(large_sessions) == 20
    assert all(len(s["node"]["sets"]["edges"]) == 20 for s in large_sessions)
    assert all(e["node"]["exercise"]["name"] for s in large_sessions for e in s["node"]["sets"]["edges"])
    # Compiled: the one statement. Executor: viewer, sessions page, sets pages, totals, exercises, one each.
    assert small_count == large_count == (1 if READ_PATH == "compiled" else 5), sql_counter.statements
    with capsys.disabled():
        print(f"\n[dataloaders] nested query: {small_count} SQL statements for 2x2 sets, {large_count} for 20x20 sets")
