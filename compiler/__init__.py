"""The compiled read path: a validated query → one SQL statement whose JSON PostgreSQL builds.

`declare` (field→SQL declarations, written beside each Strawberry type), `codecs` (scalars as
the executor prints them), `build` (selection → SQL), `plans` (the plan cache) and `run` (the
statement runner). The HTTP lane that uses them is `server/lane.py`.
"""


class Unsupported(Exception):
    """The operation asks for something the compiler does not cover: it runs on the executor."""
