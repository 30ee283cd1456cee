"""Training statistics: validating the range, the per-user cache and its invalidation.

The figures themselves come from one SQL statement per batch of users
(loaders/stats.py). Answers are cached per user in one Redis hash,
`repgraph:stats:<user id>`, one field per range, grouping and time zone, for an hour;
every write that changes a user's training (start, log, update, delete, finish, abandon)
deletes the hash after it commits. Without Redis (a single process) a small in-process
cache does the same.

A read that started before a write may finish after the write's invalidation; it must not
put its stale answer back. So an invalidation also bumps a per-user version, and a fresh
answer is stored only if the version is still the one read before the SQL ran.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from db.outages import outages
from loaders.stats import StatsByUserIdLoader, StatsSpec
from resolvers.access import readable
from resolvers.context import Context
from resolvers.errors import BadUserInput

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600
MAX_SPAN_YEARS = 3
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def stats_spec(start: date, end: date, grouping: str) -> StatsSpec:
    """The validated range: `to` not before `from`, at most three years, plausible dates."""
    for value, name in ((start, "range.from"), (end, "range.to")):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise BadUserInput(f"'{name.split('.')[1]}' must be between {FIRST_DAY} and {LAST_DAY}", field=name)
    if end < start:
        raise BadUserInput("'to' must not be before 'from'", field="range.to")
    if end >= _add_years(start, MAX_SPAN_YEARS):
        raise BadUserInput(f"A range spans at most {MAX_SPAN_YEARS} years", field="range.to")
    return StatsSpec(start, end, grouping)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def user_stats(ctx: Context, user: Any, spec: StatsSpec) -> str:
    """The stats document of `user` (JSON text), if the viewer may read their training."""
    await readable(ctx, user, "User")
    loader = ctx.loaders.get(StatsByUserIdLoader, spec, ctx.stats_cache)
    return await loader.load((user.id, user.timezone))


async def invalidate_stats(ctx: Context, user_id: uuid.UUID) -> None:
    """Forget `user_id`'s cached stats; call after committing a change to their training. Never raises."""
    if ctx.stats_cache is not None:
        await ctx.stats_cache.invalidate(user_id)


# Keys go in, (document or None, version token) come out; entries are (user id, field, document, token).
CacheKeys = Sequence[tuple[uuid.UUID, str]]
CacheEntries = Sequence[tuple[uuid.UUID, str, str, Any]]


def stats_cache(redis: Any | None, ttl: int = CACHE_SECONDS) -> StatsCache:
    """The app's stats cache: in Redis when the app has it (the broker's client), else in process."""
    return RedisStatsCache(redis, ttl) if redis is not None else LocalStatsCache(ttl)


class StatsCache:
    """Per-user cached stats documents, with version tokens (see the module docstring)."""

    async def get_many(self, keys: CacheKeys) -> list[tuple[str | None, Any]]:
        raise NotImplementedError

    async def put_many(self, entries: CacheEntries) -> None:
        raise NotImplementedError

    async def invalidate(self, user_id: uuid.UUID) -> None:
        raise NotImplementedError


# Store the fields only if the user's version is still the one read before computing them;
# the hash expires `ttl` seconds after its first field, so no answer outlives the TTL.
_PUT_IF_CURRENT = """
local version = redis.call('GET', KEYS[2]) or ''
if version ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""


class RedisStatsCache(StatsCache):
    def __init__(self, redis: Any, ttl: int = CACHE_SECONDS) -> None:
        self.redis = redis
        self.ttl = ttl
        self.put_script = redis.register_script(_PUT_IF_CURRENT)

    @staticmethod
    def key(user_id: uuid.UUID) -> str:
        return f"repgraph:stats:{user_id}"

    @staticmethod
    def version_key(user_id: uuid.UUID) -> str:
        return f"repgraph:stats-version:{user_id}"

    async def get_many(self, keys: CacheKeys) -> list[tuple[str | None, Any]]:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for user_id, field in keys:
                    pipe.get(self.version_key(user_id))
                    pipe.hget(self.key(user_id), field)
                replies = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - Redis down: compute, and store nothing
            if not outages.report(exc):  # an outage is logged once
                log.warning("stats cache unavailable (%s)", exc)
            return [(None, None)] * len(keys)
        return [
            (doc.decode() if doc is not None else None, (version or b"").decode())
            for version, doc in zip(replies[::2], replies[1::2])
        ]

    async def put_many(self, entries: CacheEntries) -> None:
        entries = [e for e in entries if e[3] is not None]
        if not entries:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for user_id, field, doc, version in entries:
                    await self.put_script(
                        keys=[self.key(user_id), self.version_key(user_id)], args=[version, self.ttl, field, doc], client=pipe
                    )
                await pipe.execute()
        except Exception as exc:  # noqa: BLE001
            if not outages.report(exc):  # an outage is logged once
                log.warning("stats cache unavailable (%s)", exc)

    async def invalidate(self, user_id: uuid.UUID) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(self.key(user_id))
                pipe.incr(self.version_key(user_id))
                # Longer than any read takes; afterwards a missing version is as good as any.
                pipe.expire(self.version_key(user_id), 2 * self.ttl)
                await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the write is committed; the TTL bounds staleness
            if not outages.report(exc):  # an outage is logged once
                log.warning("stats cache not invalidated for user %s (%s)", user_id, exc)


class LocalStatsCache(StatsCache):
    """One process's cache (no REDIS_URL): same rules, bounded to MAX_USERS users."""

    MAX_USERS = 10_000
    MAX_FIELDS = 64  # answers kept per user

    def __init__(self, ttl: int = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self.epoch = 0  # bumped when the cache is emptied, so no read from before then stores
        self.users: dict[uuid.UUID, tuple[int, dict[str, tuple[str, float]]]] = {}
        self._versions = itertools.count(1)

    async def get_many(self, keys: CacheKeys) -> list[tuple[str | None, Any]]:
        now = time.monotonic()
        out = []
        for user_id, field in keys:
            version, fields = self.users.get(user_id, (0, {}))
            hit = fields.get(field)
            out.append((hit[0] if hit and hit[1] > now else None, (self.epoch, version)))
        return out

    async def put_many(self, entries: CacheEntries) -> None:
        expires = time.monotonic() + self.ttl
        for user_id, field, doc, token in entries:
            version, fields = self.users.get(user_id, (0, {}))
            if token != (self.epoch, version) or not self._room_for(user_id):
                continue
            if len(fields) >= self.MAX_FIELDS:
                fields = {}
            fields[field] = (doc, expires)
            self.users[user_id] = (version, fields)

    async def invalidate(self, user_id: uuid.UUID) -> None:
        self._room_for(user_id)
        self.users[user_id] = (next(self._versions), {})

    def _room_for(self, user_id: uuid.UUID) -> bool:
        """False (after emptying the cache) when a new user would not fit."""
        if user_id in self.users or len(self.users) < self.MAX_USERS:
            return True
        self.users.clear()
        self.epoch += 1
        return False
