"""The statements of starting, changing, deleting and ending: each write's locks and its row in one.

These writes go straight through psycopg (db/direct.py), as logSet does. Each one's first
statement takes the row locks and the user's training lock, writes the row (guarded so that
nothing is written for anyone but the viewer), and returns what the caller checks, in the
order it always checked it: a failed check raises and the transaction rolls back, so a failed
call writes nothing. The row the write returned is the payload; nothing is read back.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import text

from db.direct import driver_sql
from resolvers.training import USER_LOCK_SQL

PRESCRIPTION_COLUMNS = (
    "exercise_id", "position", "sets", "reps_min", "reps_max", "target_weight_kg",
    "target_rpe", "rest_seconds", "tempo", "superset_group", "notes",
)

# A new workout, with its program day's plan copied in. The day (if one is named) is read in the
# same statement: the workout is inserted only when the day is the viewer's, and `day_owner_id`
# tells the caller which error to give when it is not.
START = driver_sql(text(
    f"""
    WITH day AS (SELECT d.id, d.owner_id, d.name FROM program_days d WHERE d.id = CAST(:program_day_id AS uuid)),
    started AS (
        INSERT INTO workout_sessions (user_id, program_day_id, name, status, notes, started_at)
        SELECT :user_id, d.id, coalesce(CAST(:name AS text), d.name, CAST(:default_name AS text)), 'in_progress',
               CAST(:notes AS text), coalesce(CAST(:started_at AS timestamptz), now())
        FROM (SELECT) one LEFT JOIN day d ON true
        WHERE CAST(:program_day_id AS uuid) IS NULL OR d.owner_id = :user_id
        RETURNING *
    ),
    planned AS (
        INSERT INTO planned_exercises (session_id, {", ".join(PRESCRIPTION_COLUMNS)})
        SELECT s.id, {", ".join(f"p.{c}" for c in PRESCRIPTION_COLUMNS)}
        FROM started s JOIN program_exercises p ON p.program_day_id = s.program_day_id
    )
    SELECT s.*, (SELECT d.owner_id FROM day d) AS day_owner_id FROM (SELECT) one LEFT JOIN started s ON true
    """
))

# A set with its workout, both row-locked, the user's lock (as logSet's LOCK_FOR_SET), and the exercise it
# is to be of (the given one, or its own; null `exercise_*` when there is none).
_LOCK_SET = f"""locked AS (
        SELECT s.*, w.user_id AS workout_user_id, w.status AS workout_status,
               e.id AS exercise_found, e.owner_id AS exercise_owner_id, e.name AS exercise_name, e.tracking AS exercise_tracking,
               {USER_LOCK_SQL} AS user_locked
        FROM set_logs s JOIN workout_sessions w ON w.id = s.session_id
        LEFT JOIN exercises e ON e.id = coalesce(CAST(:exercise_id AS uuid), s.exercise_id)
        WHERE s.id = :set_log_id
        FOR UPDATE OF s, w
    )"""
# The set is the viewer's, in their workout, where sets may be logged.
_WRITABLE_SET = """t.user_id = :user_id AND t.workout_user_id = :user_id AND t.workout_status = ANY(CAST(:loggable AS text[]))"""
# A set measures reps, a duration or a distance (the table's check).
MEASURES = ("reps", "duration_seconds", "distance_m")


@lru_cache(maxsize=64)
def update_set(columns: tuple[str, ...]) -> str:
    """Change the set's given columns and its exercise, when it is writable, the exercise exists and the
    set keeps a measurement (`:measured`: one of the given measures is not null), so that the caller's
    checks answer before the table's. One row: the set as it is now (null columns when not changed),
    with what the checks read and what it was (`old_*`)."""
    assignments = "".join(f", {c} = :{c}" for c in columns)
    measured = " OR ".join(["CAST(:measured AS boolean)", *(f"t.{c} IS NOT NULL" for c in MEASURES if c not in columns)])
    return driver_sql(text(
        f"""
        WITH {_LOCK_SET},
        changed AS (
            UPDATE set_logs s SET exercise_id = t.exercise_found{assignments}, updated_at = now()
            FROM locked t
            WHERE s.id = t.id AND {_WRITABLE_SET} AND t.exercise_found IS NOT NULL AND ({measured})
            RETURNING s.*
        )
        SELECT c.*, t.user_id AS set_user_id, t.workout_user_id, t.workout_status,
               t.exercise_found, t.exercise_owner_id, t.exercise_name, t.exercise_tracking,
               t.exercise_id AS old_exercise_id, t.points AS old_points, t.volume_kg AS old_volume_kg,
               {", ".join(f"t.{c} AS old_{c}" for c in MEASURES)}
        FROM locked t LEFT JOIN changed c ON true
        """
    ))


# The set deleted when it is writable; one row: the set as it was, with what the checks read.
DELETE_SET = driver_sql(text(
    f"""
    WITH {_LOCK_SET},
    deleted AS (DELETE FROM set_logs s USING locked t WHERE s.id = t.id AND {_WRITABLE_SET} RETURNING s.id)
    SELECT t.*, t.user_id AS set_user_id FROM locked t
    """
))

# End a workout in progress (finish or abandon it); one row: the workout as it is now, with its
# owner and the status it had. Notes are written only when given (`:set_notes`).
END = driver_sql(text(
    f"""
    WITH locked AS (SELECT w.*, {USER_LOCK_SQL} AS user_locked FROM workout_sessions w WHERE w.id = :session_id FOR UPDATE),
    ended AS (
        UPDATE workout_sessions w SET status = :status, ended_at = greatest(CAST(:now AS timestamptz), t.started_at),
            perceived_exertion = coalesce(CAST(:perceived_exertion AS smallint), w.perceived_exertion),
            notes = CASE WHEN CAST(:set_notes AS boolean) THEN CAST(:notes AS text) ELSE w.notes END, updated_at = now()
        FROM locked t
        WHERE w.id = t.id AND t.user_id = :user_id AND t.status = 'in_progress'
        RETURNING w.*
    )
    SELECT e.*, t.user_id AS workout_user_id, t.status AS old_status FROM locked t LEFT JOIN ended e ON true
    """
))
