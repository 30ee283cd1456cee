"""SQL text for scalar values, written exactly as the executor's resolvers print them.

Each helper takes a SQL expression and returns one whose JSON is byte-for-byte the value a
resolver returns once orjson has written it. The SQL functions (`rg_num`, `rg_ts`,
`rg_cursor`) are created by migration 0008.

- Numbers: the resolvers return `float(Decimal)` (or `domain.units.kg_to`, which rounds a
  float to 3 places for kg and 2 for lb). Stored weights have 3 decimals, so PostgreSQL's
  numeric rounding (half away from zero) and Python's (half to even on the binary float)
  never meet a tie: a quotient w / 0.45359237 with w a multiple of 0.001 is at least 1e-10
  away from one. `rg_num` then prints the shortest form with '.0' on whole numbers.
- Times: `datetime.isoformat()` in the connection's time zone (`rg_ts`).
- IDs: Relay's base64 of 'Type:uuid'; cursors as `resolvers.pagination` (`rg_cursor`).
"""

from __future__ import annotations

from enum import Enum

from compiler import Unsupported
from domain.units import KG_PER_LB

LB_FACTOR = repr(KG_PER_LB)


def literal(text: str) -> str:
    """A SQL string literal (for names that come from the schema, never from a request)."""
    return "'" + text.replace("'", "''") + "'"


def json_object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object of (key, SQL value) pairs in order: json_build_object, a plain expression
    (a row_to_json over a one-row select would be a subquery per object)."""
    if len(pairs) > 50:  # json_build_object takes 100 arguments
        raise Unsupported("more than 50 fields on one object")
    return "json_build_object(" + ", ".join(f"{literal(key)}, {value}" for key, value in pairs) + ")"


def number(expr: str) -> str:
    return f"rg_num(({expr})::numeric)"  # a numeric, which JSON writes digit for digit


def weight(expr: str, unit: str) -> str:
    """`domain.units.kg_to(expr, unit)` as JSON."""
    if unit == "lb":
        return f"rg_num(round(({expr})::numeric / {LB_FACTOR}, 2))"
    return f"rg_num(round(({expr})::numeric, 3))"


def timestamp(expr: str) -> str:
    return f"rg_ts({expr})"


def day(expr: str) -> str:
    return f"to_char({expr}, 'YYYY-MM-DD')"


def global_id(type_name: str, expr: str) -> str:
    """Relay's base64 of 'Type:uuid', written inline (a function call per ID costs more than the rest of it).
    PostgreSQL's base64 breaks lines after 76 characters: 57 bytes, so type names up to 20 letters."""
    if len(type_name) > 20:
        raise Unsupported(f"global IDs of {type_name} would wrap")
    return f"encode(({literal(type_name + ':')} || ({expr})::text)::bytea, 'base64')"


def enum(expr: str, names: dict[str, str]) -> str:
    """A stored value → its GraphQL enum name (`names`: stored value → name)."""
    whens = " ".join(f"WHEN {literal(value)} THEN {literal(name)}" for value, name in names.items())
    return f"(CASE {expr} {whens} END)"


def enum_array(expr: str, names: dict[str, str]) -> str:
    return f"(SELECT coalesce(json_agg({enum('m.v', names)} ORDER BY m.n), '[]') FROM unnest({expr}) WITH ORDINALITY AS m(v, n))"


def text_array(expr: str) -> str:
    return f"array_to_json({expr})"


# The tags of `resolvers.pagination.encode_cursor`, by the kind of each sort column.
def _tagged(kind: str, expr: str) -> str:
    if kind == "datetime":
        return f"""'["d","' || rg_ts({expr}) || '"]'"""
    if kind == "uuid":
        return f"""'["u","' || ({expr})::text || '"]'"""
    if kind == "text":
        return f"""'["v",' || to_json({expr})::text || ']'"""
    return f"""'["v",' || ({expr})::text || ']'"""


def cursor(parts: list[tuple[str, str]]) -> str:
    """The cursor of a row sorted by `parts` ((kind, expression) per sort column)."""
    inner = " || ',' || ".join(_tagged(kind, expr) for kind, expr in parts)
    return f"rg_cursor('[' || {inner} || ']')"


def enum_names(graphql_enum) -> dict[str, str]:
    """Stored value → GraphQL name, read off the schema's enum type."""
    names = {}
    for name, value in graphql_enum.values.items():
        stored = value.value.value if isinstance(value.value, Enum) else value.value
        names[str(stored)] = name
    return names
