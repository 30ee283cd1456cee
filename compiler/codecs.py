"""SQL text for scalar values, written exactly as the executor's resolvers print them.

Each helper takes a SQL expression and returns one whose JSON is byte-for-byte the value a
resolver returns once orjson has written it. The SQL functions (`rg_num`, `rg_ts`,
`rg_cursor`) are created by migration 0008.

- Numbers: the resolvers return `float(Decimal)` (or `domain.units.kg_to`, which rounds a
  float to 3 places for kg and 2 for lb). Stored weights have 3 decimals, so PostgreSQL's
  numeric rounding (half away from zero) and Python's (half to even on the binary float)
  never meet a tie: a quotient w / 0.45359237 with w a multiple of 0.001 is at least 1e-10
  away from one. `rg_num` then prints the shortest form with '.0' on whole numbers.
- Times: the DateTime scalar's `isoformat()` in UTC (`rg_ts`).
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
    """A JSON object, as text, of (key, JSON text) pairs in order. Concatenating text is cheaper
    per object than json_build_object (which looks up each argument's type on every call) and
    writes compact JSON, as orjson does. Keys are GraphQL names: nothing in them needs escaping."""
    if not pairs:
        return "'{}'"
    parts = [f"'{{\"{key}\":' || {value}" if i == 0 else f"',\"{key}\":' || {value}" for i, (key, value) in enumerate(pairs)]
    return "(" + " || ".join(parts) + " || '}')"


def json_list(items: str, order: str, filter_: str = "") -> str:
    """An aggregate: the JSON texts `items` as a JSON array in `order` ('[]' for no rows)."""
    return f"('[' || coalesce(string_agg({items}, ',' ORDER BY {order}){filter_}, '') || ']')"


def nullable(expr: str) -> str:
    """JSON text that is `null` where `expr` is SQL NULL."""
    return f"coalesce({expr}, 'null')"


def quoted(expr: str) -> str:
    """A JSON string of text that needs no escaping (IDs, names of enums, times, dates)."""
    return f"'\"' || {expr} || '\"'"


def string(expr: str) -> str:
    return nullable(f"to_json(({expr})::text)::text")


def number(expr: str) -> str:
    """A numeric as Python prints float(value), as JSON text."""
    return nullable(f"rg_num(({expr})::numeric)::text")


def weight(expr: str, unit: str) -> str:
    """`domain.units.kg_to(expr, unit)`: a numeric (a Float field then writes it with `number`)."""
    if unit == "lb":
        return f"round(({expr})::numeric / {LB_FACTOR}, 2)"
    return f"round(({expr})::numeric, 3)"


def timestamp(expr: str) -> str:
    return nullable(quoted(f"rg_ts({expr})"))


def day(expr: str) -> str:
    return nullable(quoted(f"to_char({expr}, 'YYYY-MM-DD')"))


def scalar(expr: str) -> str:
    """Int and Boolean: their text is their JSON."""
    return nullable(f"({expr})::text")


def global_id(type_name: str, expr: str) -> str:
    """Relay's base64 of 'Type:uuid', written inline (a function call per ID costs more than the rest of it).
    PostgreSQL's base64 breaks lines after 76 characters: 57 bytes, so type names up to 20 letters."""
    if len(type_name) > 20:
        raise Unsupported(f"global IDs of {type_name} would wrap")
    return quoted(f"encode(({literal(type_name + ':')} || ({expr})::text)::bytea, 'base64')")


def enum(expr: str, names: dict[str, str]) -> str:
    """A stored value → its GraphQL enum name as a JSON string (`names`: stored value → name)."""
    whens = " ".join(f"WHEN {literal(value)} THEN {literal(chr(34) + name + chr(34))}" for value, name in names.items())
    return nullable(f"(CASE {expr} {whens} END)")


def enum_array(expr: str, names: dict[str, str]) -> str:
    items = json_list(enum("m.v", names), "m.n")
    return nullable(f"(SELECT {items} FROM unnest({expr}) WITH ORDINALITY AS m(v, n) HAVING {expr} IS NOT NULL)")


def text_array(expr: str) -> str:
    return nullable(f"array_to_json({expr})::text")


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
