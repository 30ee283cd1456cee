"""Personal records, derived from the sets in SQL.

A record is recomputed from a user's sets on one exercise whenever one of those sets is
logged, changed or deleted, so editing or deleting the set that holds a record falls back
to the next best set by construction, and the backfill (which runs the same statement over
every pair) gives exactly the live result.

Kinds (warm-up sets never count; ties go to the earliest set):
- heaviest_weight: the most weight on any set (holds and carries too);
- estimated_one_rep_max: Epley (domain/training.py), from sets of 1–10 reps;
- best_set_volume: weight × reps of one set;
- most_reps: reps in one set, at any weight;
- rep_max_N (1, 3, 5, 10): the most weight lifted for at least N reps;
- longest_duration, longest_distance: of one set;
- best_session_volume: weight × reps summed over one workout, as it stands after each of
  its sets (held by the set that took it to the top).

`previous_value` is the best before the holder was logged (for a workout's volume: the
best the other workouts stood at then, not its own earlier sets). The history is the
running best over time, every set that beat everything before it, a workout's own run
of steps counted once. Both depend only on what came before, so sets logged later never
rewrite them, and the live comparison (RAISE) and the recompute agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from domain.training import EPLEY_MAX_REPS

_REP_MAX = "CASE WHEN s.weight_kg > 0 AND s.reps >= {n} THEN s.weight_kg END"

# The value of every per-set kind for each row `s` of `sets` (null where a kind does not apply).
PER_SET = f"""
    SELECT s.user_id, s.exercise_id, s.id AS set_log_id, s.session_id, s.completed_at AS achieved_at, c.kind, c.value
    FROM sets s CROSS JOIN LATERAL (VALUES
        ('heaviest_weight', CASE WHEN s.weight_kg > 0 THEN s.weight_kg END),
        ('estimated_one_rep_max', CASE WHEN s.weight_kg > 0 AND s.reps = 1 THEN s.weight_kg
                                       WHEN s.weight_kg > 0 AND s.reps BETWEEN 2 AND {EPLEY_MAX_REPS}
                                       THEN round(s.weight_kg * (1 + s.reps / 30.0), 3) END),
        ('best_set_volume', CASE WHEN s.weight_kg > 0 AND s.reps > 0 THEN s.weight_kg * s.reps END),
        ('most_reps', CASE WHEN s.reps > 0 THEN s.reps::numeric END),
        ('rep_max_1', {_REP_MAX.format(n=1)}),
        ('rep_max_3', {_REP_MAX.format(n=3)}),
        ('rep_max_5', {_REP_MAX.format(n=5)}),
        ('rep_max_10', {_REP_MAX.format(n=10)}),
        ('longest_duration', CASE WHEN s.duration_seconds > 0 THEN s.duration_seconds::numeric END),
        ('longest_distance', CASE WHEN s.distance_m > 0 THEN s.distance_m END)
    ) AS c(kind, value)
    WHERE c.value IS NOT NULL
"""
SET_COLUMNS = "s.id, s.user_id, s.exercise_id, s.session_id, s.completed_at, s.reps, s.weight_kg, s.duration_seconds, s.distance_m"


def _beaten(row: str) -> str:
    """What candidate `row` beat: the best before it, and for a workout's volume the best the
    other workouts stood at before it (not its own earlier sets)."""
    return f"""CASE WHEN {row}.kind = 'best_session_volume' THEN (
        SELECT max(c.value) FROM candidates c
        WHERE c.user_id = {row}.user_id AND c.exercise_id = {row}.exercise_id AND c.kind = {row}.kind
          AND c.session_id <> {row}.session_id AND (c.achieved_at, c.set_log_id) < ({row}.achieved_at, {row}.set_log_id))
    ELSE {row}.before END"""


def upsert(source: str) -> str:
    """Write `source`'s rows (kind, value, `before` and where it was set) as the user's records."""
    return f"""INSERT INTO personal_records (user_id, exercise_id, kind, value, previous_value, set_log_id, session_id, achieved_at)
        SELECT user_id, exercise_id, kind, value, before, set_log_id, session_id, achieved_at FROM {source}
        ON CONFLICT (user_id, exercise_id, kind) DO UPDATE SET
            value = EXCLUDED.value, previous_value = EXCLUDED.previous_value, set_log_id = EXCLUDED.set_log_id,
            session_id = EXCLUDED.session_id, achieved_at = EXCLUDED.achieved_at"""


# Candidate values of every kind for the (user, exercise) pairs in `pairs`, with the best
# value before each candidate (`before`).
CANDIDATES = f"""
sets AS (
    SELECT {SET_COLUMNS}
    FROM set_logs s JOIN pairs p ON p.user_id = s.user_id AND p.exercise_id = s.exercise_id
    WHERE s.set_type <> 'warmup'
),
candidates AS (
    {PER_SET}
    UNION ALL
    -- a workout's volume as it stood after each of its sets
    SELECT user_id, exercise_id, id, session_id, completed_at, 'best_session_volume',
           sum(weight_kg * reps) OVER (PARTITION BY user_id, exercise_id, session_id ORDER BY completed_at, id)
    FROM sets WHERE weight_kg > 0 AND reps > 0
),
ranked AS (
    SELECT c.*, max(value) OVER (
        PARTITION BY user_id, exercise_id, kind ORDER BY achieved_at, set_log_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS before
    FROM candidates c
)
"""

# The candidates that beat the stored record of their kind, with the value they beat (`before`):
# when the session that holds the volume record raises it again, the value it beat is the best of
# the other sessions, read afresh (they may have grown).
BETTER = """better AS (
    SELECT c.*, r.value AS old_value,
           CASE WHEN c.kind = 'best_session_volume' AND r.session_id = c.session_id THEN (
                    -- this session already held it: the best of the others, which may have grown since
                    SELECT max(v) FROM (
                        SELECT sum(x.weight_kg * x.reps) AS v FROM set_logs x
                        WHERE x.user_id = c.user_id AND x.exercise_id = c.exercise_id AND x.session_id <> c.session_id
                          AND x.set_type <> 'warmup' AND x.weight_kg > 0 AND x.reps > 0
                        GROUP BY x.session_id
                    ) others)
                ELSE r.value END AS before
    FROM candidates c
    LEFT JOIN personal_records r ON r.user_id = c.user_id AND r.exercise_id = c.exercise_id AND r.kind = c.kind
    WHERE r.value IS NULL OR c.value > r.value
)"""

# A newly logged set that is the latest of its exercise can only raise records: compare it
# with the stored ones instead of reading the whole history (what logSet runs). `ok` is
# false when an earlier set exists after it (a back-dated set): then nothing is written and
# the caller recomputes. When the session that holds the volume record raises it again,
# the value it beat is the best of the other sessions, read afresh (they may have grown).
RAISE = text(
    f"""
    WITH s AS (SELECT {SET_COLUMNS}, s.set_type FROM set_logs s WHERE s.id = :set_id),
    latest AS (
        SELECT NOT EXISTS (
            SELECT 1 FROM set_logs o, s
            WHERE o.user_id = s.user_id AND o.exercise_id = s.exercise_id AND o.id <> s.id
              AND (o.completed_at, o.id) > (s.completed_at, s.id)
        ) AS ok
    ),
    sets AS (SELECT s.* FROM s, latest WHERE latest.ok AND s.set_type <> 'warmup'),
    candidates AS (
        {PER_SET}
        UNION ALL
        SELECT s.user_id, s.exercise_id, s.id, s.session_id, s.completed_at, 'best_session_volume',
               (SELECT sum(x.weight_kg * x.reps) FROM set_logs x
                WHERE x.session_id = s.session_id AND x.exercise_id = s.exercise_id
                  AND x.set_type <> 'warmup' AND x.weight_kg > 0 AND x.reps > 0)
        FROM sets s WHERE s.weight_kg > 0 AND s.reps > 0
    ),
    {BETTER},
    written AS (
        {upsert("better")}
        RETURNING id, user_id, kind, value, set_log_id, session_id
    )
    SELECT latest.ok, w.id, w.user_id, w.kind, w.value, w.set_log_id, w.session_id, b.old_value, false AS removed
    FROM latest LEFT JOIN written w ON true LEFT JOIN better b ON b.kind = w.kind
    """
)

# Recompute the records of the pairs and write the differences: one statement.
RECOMPUTE = text(
    f"""
    WITH pairs AS (
        SELECT DISTINCT user_id, exercise_id
        FROM unnest(CAST(:user_ids AS uuid[]), CAST(:exercise_ids AS uuid[])) AS p(user_id, exercise_id)
    ),
    {CANDIDATES},
    leaders AS (
        SELECT DISTINCT ON (user_id, exercise_id, kind) *
        FROM ranked ORDER BY user_id, exercise_id, kind, value DESC, achieved_at, set_log_id
    ),
    best AS (
        SELECT l.user_id, l.exercise_id, l.set_log_id, l.session_id, l.achieved_at, l.kind, l.value,
               {_beaten("l")} AS before
        FROM leaders l
    ),
    old AS (
        SELECT r.id, r.user_id, r.exercise_id, r.kind, r.value
        FROM personal_records r JOIN pairs p ON p.user_id = r.user_id AND p.exercise_id = r.exercise_id
    ),
    written AS (
        {upsert("best")}
        WHERE (personal_records.value, personal_records.previous_value, personal_records.set_log_id,
               personal_records.session_id, personal_records.achieved_at)
              IS DISTINCT FROM
              (EXCLUDED.value, EXCLUDED.previous_value, EXCLUDED.set_log_id, EXCLUDED.session_id, EXCLUDED.achieved_at)
        RETURNING id, user_id, exercise_id, kind, value, set_log_id, session_id
    ),
    removed AS (
        DELETE FROM personal_records r USING old o
        WHERE r.id = o.id AND NOT EXISTS (
            SELECT 1 FROM best b WHERE b.user_id = o.user_id AND b.exercise_id = o.exercise_id AND b.kind = o.kind
        )
        RETURNING r.id, r.user_id
    )
    SELECT w.id, w.user_id, w.kind, w.value, w.set_log_id, w.session_id, o.value AS old_value, false AS removed
    FROM written w LEFT JOIN old o ON o.user_id = w.user_id AND o.exercise_id = w.exercise_id AND o.kind = w.kind
    UNION ALL
    SELECT id, user_id, NULL, NULL, NULL, NULL, NULL, true FROM removed
    """
)

# The running best of (user, exercise, kind) triples over time, oldest first.
HISTORY = text(
    f"""
    WITH wanted AS (
        SELECT * FROM unnest(CAST(:user_ids AS uuid[]), CAST(:exercise_ids AS uuid[]), CAST(:kinds AS text[]))
            AS w(user_id, exercise_id, kind)
    ),
    pairs AS (SELECT DISTINCT user_id, exercise_id FROM wanted),
    {CANDIDATES}
    , steps AS (
        SELECT r.*, lead(r.session_id) OVER w AS next_session
        FROM ranked r JOIN wanted x ON x.user_id = r.user_id AND x.exercise_id = r.exercise_id AND x.kind = r.kind
        WHERE r.before IS NULL OR r.value > r.before
        WINDOW w AS (PARTITION BY r.user_id, r.exercise_id, r.kind ORDER BY r.achieved_at, r.set_log_id)
    ),
    -- A workout raising its own volume step by step is one step (where it ended), and what it beat is
    -- where the other workouts stood then, as for the record itself.
    kept AS (
        SELECT * FROM steps
        WHERE kind <> 'best_session_volume' OR next_session IS NULL OR next_session <> session_id
    )
    SELECT k.user_id, k.exercise_id, k.kind, k.value, k.set_log_id, k.session_id, k.achieved_at,
           {_beaten("k")} AS previous_value
    FROM kept k
    ORDER BY k.user_id, k.exercise_id, k.kind, k.achieved_at, k.set_log_id
    """
)


@dataclass
class RecordChanges:
    new: list  # rows whose value rose (or appeared): personal records just set
    added: int  # records that did not exist before
    removed: int  # records with no qualifying set left

    @property
    def count_delta(self) -> int:
        return self.added - self.removed


async def recompute(session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> RecordChanges:
    """Bring the records of these (user, exercise) pairs in line with their sets."""
    if not pairs:
        return RecordChanges([], 0, 0)
    rows = (
        await session.execute(RECOMPUTE, {"user_ids": [p[0] for p in pairs], "exercise_ids": [p[1] for p in pairs]})
    ).all()
    new = [r for r in rows if not r.removed and (r.old_value is None or r.value > r.old_value)]
    added = sum(1 for r in rows if not r.removed and r.old_value is None)
    removed = sum(1 for r in rows if r.removed)
    return RecordChanges(new, added, removed)


async def raise_with(session, set_id: uuid.UUID, user_id: uuid.UUID, exercise_id: uuid.UUID) -> RecordChanges:
    """After a set was logged: the records it raises, read against the stored ones when it is the
    exercise's latest set (no history scan), else by a full recompute."""
    rows = (await session.execute(RAISE, {"set_id": set_id})).all()
    if not rows[0].ok:
        return await recompute(session, [(user_id, exercise_id)])
    written = [r for r in rows if r.id is not None]
    return RecordChanges(written, sum(1 for r in written if r.old_value is None), 0)


async def history(session, keys: Sequence[tuple[uuid.UUID, uuid.UUID, str]]) -> dict[tuple, list]:
    """Each (user, exercise, kind)'s succession of bests, oldest first."""
    params = {"user_ids": [k[0] for k in keys], "exercise_ids": [k[1] for k in keys], "kinds": [k[2] for k in keys]}
    found: dict[tuple, list] = {tuple(k): [] for k in keys}
    for row in (await session.execute(HISTORY, params)).all():
        found[(row.user_id, row.exercise_id, row.kind)].append(row)
    return found
