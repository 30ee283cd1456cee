"""The chaos run at a small size (tests/chaos.py; `make chaos` runs it large and prints the same figures)."""

from __future__ import annotations

from tests.chaos import SMALL, check, run


async def test_nothing_lost_or_duplicated_while_postgres_redis_and_mongodb_restart():
    figures = await run(SMALL)
    check(figures)
    # The outages happened under load: some requests were told to retry, and writes kept landing.
    assert sum(figures["retryable_answers"].values()) + figures["reads"].get("retryable", 0) + figures["subscriber_resumes"] > 0
    for key, writes in figures["confirmed"].items():
        assert len(writes) >= 2, (key, writes)
    assert len(figures["confirmed"]) == 2 * SMALL.writers  # every workout and every conversation
