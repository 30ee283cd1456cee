"""The benchmark's dataset: many users, sessions and sets, written with COPY in seconds.

Rows are generated deterministically (a seeded RNG) and streamed into PostgreSQL with
psycopg's `cursor.copy`, foreign-key triggers off for the load (the generator only writes
consistent references), then VACUUM ANALYZE so the planner and index-only scans see the
real table sizes. A database that already holds exactly the requested counts is reused.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg
from psycopg import sql

from db.embedded import with_database
from db.setup import prepare
from domain.security import hash_password

HEAVY_USERNAME = "bench_heavy"
KINDS = ("heaviest_weight", "estimated_one_rep_max", "best_set_volume", "most_reps", "rep_max_5")
EPOCH = datetime(2026, 6, 1, 6, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Scale:
    users: int = 2_000
    sessions: int = 200_000
    set_logs: int = 4_000_000
    heavy_sessions: int = 1_500
    records_per_user: int = 8

    @property
    def sets_per_session(self) -> int:
        return self.set_logs // self.sessions

    def check(self) -> None:
        if self.set_logs % self.sessions or self.users < 2 or self.heavy_sessions > self.sessions:
            raise ValueError(f"inconsistent scale {self}")


FULL = Scale()


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        out = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
               for t in ("users", "workout_sessions", "set_logs")}
        out["heavy_sessions"] = conn.execute(
            "SELECT count(*) FROM workout_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = %s", (HEAVY_USERNAME,)
        ).fetchone()[0]
    return out


def expected(scale: Scale) -> dict[str, int]:
    return {"users": scale.users, "workout_sessions": scale.sessions, "set_logs": scale.set_logs, "heavy_sessions": scale.heavy_sessions}


def ensure(server_url: str, name: str, scale: Scale = FULL, log=print) -> str:
    """The URL of database `name` on `server_url` holding the dataset at `scale` (built if needed)."""
    scale.check()
    admin = with_database(server_url, "postgres")
    url = with_database(server_url, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        try:
            found = counts(url)
        except psycopg.Error:
            found = None
        if found == expected(scale):
            log(f"dataset: reusing database {name} ({found['users']:,} users, {found['workout_sessions']:,} sessions, "
                f"{found['set_logs']:,} set logs)")
            prepare(url)  # migrations added since it was built, and the library and catalogue as they are now
            return url
        log(f"dataset: database {name} holds {found}, not {expected(scale)}; rebuilding")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    started = time.perf_counter()
    prepare(url)
    generate(url, scale, log)
    log(f"dataset: built in {time.perf_counter() - started:.0f} s")
    return url


def _copy(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], chunks) -> None:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with cur.copy(stmt) as copy:
        for chunk in chunks:
            copy.write(chunk)


def generate(url: str, scale: Scale, log=print) -> None:
    rng = random.Random(20260601)
    with psycopg.connect(url) as conn:
        cur = conn.cursor()
        exercises = [str(r[0]) for r in cur.execute(
            "SELECT id FROM exercises WHERE owner_id IS NULL AND tracking = 'weight_reps' ORDER BY source_key"
        )]
        if not exercises:
            raise RuntimeError("the exercise library is missing (db.setup.prepare loads it)")
        try:
            # The generator writes consistent references only; skipping the per-row FK
            # triggers makes COPY several times faster. Needs a superuser; else checked.
            cur.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
        cur.execute("SET maintenance_work_mem = '256MB'")

        password = hash_password("bench-password")
        users = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(scale.users)]
        heavy = users[0]
        t0 = time.perf_counter()
        _copy(cur, "users", ("id", "email", "username", "password_hash", "display_name"), [
            "".join(
                f"{uid}\t{name}@bench.dev\t{name}\t{password}\tBench {i}\n"
                for i, uid in enumerate(users)
                for name in [HEAVY_USERNAME if i == 0 else f"bench_{i:05d}"]
            ).encode()
        ])

        # The heavy user gets `heavy_sessions`; the rest are dealt round-robin to the others.
        owners = [heavy] * scale.heavy_sessions + [users[1 + i % (scale.users - 1)] for i in range(scale.sessions - scale.heavy_sessions)]
        nth: dict[uuid.UUID, int] = {}
        sessions: list[tuple[uuid.UUID, uuid.UUID, str]] = []
        lines = []
        for owner in owners:
            k = nth.get(owner, 0)
            nth[owner] = k + 1
            sid = uuid.UUID(int=rng.getrandbits(128), version=4)
            start = EPOCH - timedelta(days=k, minutes=rng.randrange(600))
            started = start.isoformat()
            sessions.append((sid, owner, started))
            lines.append(f"{sid}\t{owner}\tSession {k + 1}\tcompleted\t{started}\t{(start + timedelta(minutes=70)).isoformat()}\n")
        _copy(cur, "workout_sessions", ("id", "user_id", "name", "status", "started_at", "ended_at"),
              ("".join(lines[i:i + 20_000]).encode() for i in range(0, len(lines), 20_000)))
        del lines
        log(f"dataset: {scale.users:,} users, {scale.sessions:,} sessions in {time.perf_counter() - t0:.1f} s")

        per = scale.sets_per_session
        per_exercise = 5
        n_ex = len(exercises)

        def set_chunks():
            buf: list[str] = []
            for sid, owner, started in sessions:
                picks = rng.sample(range(n_ex), (per + per_exercise - 1) // per_exercise)
                base = rng.randrange(40, 140)
                for pos in range(per):
                    eid = exercises[picks[pos // per_exercise]]
                    buf.append(f"{sid}\t{owner}\t{eid}\t{pos}\t{'warmup' if pos % per_exercise == 0 else 'working'}\t"
                               f"{5 + pos % 4}\t{base + 2.5 * (pos % per_exercise)}\t{started}\n")
                if len(buf) >= 50_000:
                    yield "".join(buf).encode()
                    buf.clear()
            if buf:
                yield "".join(buf).encode()

        t0 = time.perf_counter()
        _copy(cur, "set_logs", ("session_id", "user_id", "exercise_id", "position", "set_type", "reps", "weight_kg", "completed_at"),
              set_chunks())
        log(f"dataset: {scale.set_logs:,} set logs in {time.perf_counter() - t0:.1f} s")

        by_user: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
        for sid, owner, started in sessions:
            if len(by_user.setdefault(owner, [])) < scale.records_per_user:
                by_user[owner].append((sid, started))
        lines = []
        for owner, owned in by_user.items():
            picks = rng.sample(range(n_ex), len(owned))
            for (sid, started), ex in zip(owned, picks):
                value = rng.randrange(60, 200)
                lines.append(f"{owner}\t{exercises[ex]}\t{KINDS[ex % len(KINDS)]}\t{value}\t{value - 5}\t{sid}\t{started}\n")
        _copy(cur, "personal_records", ("user_id", "exercise_id", "kind", "value", "previous_value", "session_id", "achieved_at"),
              ["".join(lines).encode()])
        conn.commit()
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("users", "workout_sessions", "set_logs", "personal_records"):
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
    log(f"dataset: VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s")


def session_token(url: str, secret: str, user_id, ttl_seconds: int = 24 * 3600) -> str:
    """An access token for `user_id` with a sign-in of its own (generated users never signed in)."""
    from domain.security import issue_token

    with psycopg.connect(url, autocommit=True) as conn:
        session_id = conn.execute(
            "INSERT INTO user_sessions (user_id, device, expires_at) VALUES (%s, 'bench', now() + interval '1 day') RETURNING id",
            (user_id,),
        ).fetchone()[0]
    return issue_token(secret, user_id, session_id, ttl_seconds)
