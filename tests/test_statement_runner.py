"""The compiled lane's statement runner on a real PostgreSQL: statements that arrive together go
out as one pipeline, yet each request gets its own answer, its own error and its own transaction."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from compiler.run import HEAVY_MS, StatementRunner

NUMBER = "SELECT true AS ok, ('{\"n\":' || %(n)s::int || '}') AS data"
INVERSE = "SELECT %(n)s::int <> 7 AS ok, (100 / %(n)s::int)::text AS data"
SLEEPY = "SELECT true AS ok, (pg_sleep(%(s)s::float8 / 1000) IS NULL)::text AS data"
BACKEND = "SELECT true AS ok, pg_backend_pid()::text AS data"


@pytest.fixture
async def runner(database_url):
    runner = StatementRunner(database_url, size=2, statement_timeout_ms=5000)
    await runner.open()
    yield runner
    await runner.close()


async def test_requests_arriving_together_share_a_pipeline_and_each_gets_its_own_answer(runner):
    answers = await asyncio.gather(*(runner.fetch(NUMBER, {"n": n}) for n in range(12)))
    assert answers == [(True, b'{"n":%d}' % n) for n in range(12)]
    assert runner.pipelined == 12
    assert runner.pipelines < 12  # sent together, not one round trip each


async def test_one_failing_statement_leaves_the_others_in_its_pipeline_answered(runner):
    answers = await asyncio.gather(*(runner.fetch(INVERSE, {"n": n}) for n in (5, 0, 7, 4)), return_exceptions=True)
    assert answers[0] == (True, b"20")
    assert isinstance(answers[1], psycopg.errors.DivisionByZero)
    assert answers[2] == (False, b"14")  # the statement's own verdict travels with its data
    assert answers[3] == (True, b"25")
    assert await runner.fetch(INVERSE, {"n": 50}) == (True, b"2")  # the connections are clean afterwards


async def test_a_statement_postgresql_refuses_to_prepare_fails_alone_and_each_time(runner):
    broken = "SELECT true AS ok, %(n)s::int::text FROM nowhere_at_all"
    for _ in range(2):  # its name is not kept for a statement that never existed
        answers = await asyncio.gather(runner.fetch(broken, {"n": 1}), runner.fetch(NUMBER, {"n": 2}), return_exceptions=True)
        assert isinstance(answers[0], psycopg.errors.UndefinedTable)
        assert answers[1] == (True, b'{"n":2}')


async def test_a_statement_over_the_timeout_is_cancelled_without_holding_up_the_others(database_url):
    runner = StatementRunner(database_url, size=1, statement_timeout_ms=50)
    await runner.open()
    try:
        answers = await asyncio.gather(runner.fetch(NUMBER, {"n": 1}), runner.fetch(SLEEPY, {"s": 2000}),
                                       runner.fetch(NUMBER, {"n": 3}), return_exceptions=True)
        assert answers[0] == (True, b'{"n":1}') and answers[2] == (True, b'{"n":3}')
        assert isinstance(answers[1], psycopg.errors.QueryCanceled)
    finally:
        await runner.close()


async def test_a_heavy_statement_travels_alone_so_light_ones_are_not_queued_behind_it(runner):
    heavy = {"s": max(20, HEAVY_MS * 10)}
    for _ in range(3):  # measured heavy
        await runner.fetch(SLEEPY, heavy)
    finished: list[str] = []

    async def timed(label: str, sql: str, params: dict) -> None:
        await runner.fetch(sql, params)
        finished.append(label)

    await asyncio.gather(timed("heavy", SLEEPY, heavy), *(timed(f"light {n}", NUMBER, {"n": n}) for n in range(6)))
    assert finished[-1] == "heavy"  # in one pipeline with it, the light ones would have waited for it


async def test_a_connection_postgresql_ended_is_replaced_and_the_statement_answered(database_url):
    runner = StatementRunner(database_url, size=1, statement_timeout_ms=5000)
    await runner.open()
    try:
        _, pid = await runner.fetch(BACKEND, {})
        with psycopg.connect(database_url, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [int(pid)]).fetchone()[0]
        ok, again = await runner.fetch(NUMBER, {"n": 9})
        assert (ok, again) == (True, b'{"n":9}')
        _, new_pid = await runner.fetch(BACKEND, {})
        assert new_pid != pid
    finally:
        await runner.close()


async def test_behind_pgbouncer_statements_go_one_by_one_unprepared(database_url):
    runner = StatementRunner(database_url, size=2, statement_timeout_ms=5000, prepare=False)
    await runner.open()
    try:
        answers = await asyncio.gather(*(runner.fetch(NUMBER, {"n": n}) for n in range(4)))
        assert answers == [(True, b'{"n":%d}' % n) for n in range(4)]
        assert runner.pipelines == 0
    finally:
        await runner.close()


async def test_a_connection_keeps_a_bounded_number_of_prepared_statements(database_url, monkeypatch):
    monkeypatch.setattr("compiler.run.PREPARED_MAX", 3)
    runner = StatementRunner(database_url, size=1, statement_timeout_ms=5000)
    await runner.open()
    shapes = [f"SELECT true AS ok, ('{{\"n\":' || %(n)s::int * {k} || '}}') AS data" for k in range(1, 8)]
    count = "SELECT true AS ok, count(*)::text AS data FROM pg_prepared_statements"
    try:
        for _ in range(2):  # each shape again after it was evicted: prepared anew, same answer
            for k, sql in enumerate(shapes, 1):
                assert await runner.fetch(sql, {"n": 2}) == (True, b'{"n":%d}' % (2 * k))
                _, prepared = await runner.fetch(count, {})
                assert int(prepared) <= 3
        answers = await asyncio.gather(*(runner.fetch(sql, {"n": 1}) for sql in shapes))  # evictions inside one pipeline
        assert answers == [(True, b'{"n":%d}' % k) for k in range(1, 8)]
    finally:
        await runner.close()
