"""The chaos run at a small size (tests/chaos.py; `make chaos` runs it large and prints the same figures)."""

from __future__ import annotations

from tests.chaos import SMALL, check, run


async def test_nothing_lost_or_duplicated_while_postgres_and_redis_restart():
    figures = await run(SMALL)
    check(figures)
    # The outages happened under load: some requests were told to retry, and writes kept landing.
    assert figures["retryable_answers"] + figures["reads"].get("retryable", 0) + figures["subscriber_resumes"] > 0
    assert len(figures["confirmed"]) == SMALL.writers and all(len(sets) >= 2 for sets in figures["confirmed"].values())
