"""SQL functions that write values the way the GraphQL executor prints them.

The compiled read path builds the response JSON inside PostgreSQL; these functions give its
numbers, timestamps and cursors exactly the text the Python resolvers produce
(compiler/codecs.py says which Python rule each one follows).

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

FUNCTIONS = r"""
-- A numeric as Python prints float(value): no trailing zeros, but '.0' on whole numbers
-- (JSON writes a numeric's digits as they are).
CREATE OR REPLACE FUNCTION rg_num(v numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v = trunc(v) THEN round(v, 1) ELSE trim_scale(v) END
$$;

-- The DateTime scalar's text (schema/scalars.py): isoformat() in UTC, microseconds only when not zero.
CREATE OR REPLACE FUNCTION rg_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || CASE WHEN to_char(t AT TIME ZONE 'UTC', 'US') = '000000' THEN '' ELSE to_char(t AT TIME ZONE 'UTC', '.US') END
      || '+00:00'
$$;

-- A keyset cursor: unpadded URL-safe base64 of 'c1:' and the tagged sort key (resolvers/pagination.py).
CREATE OR REPLACE FUNCTION rg_cursor(tagged text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT translate(encode(convert_to('c1:' || tagged, 'UTF8'), 'base64'), E'+/=\n', '-_')
$$;
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)


def downgrade() -> None:
    for signature in ("rg_num(numeric)", "rg_ts(timestamptz)", "rg_cursor(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
