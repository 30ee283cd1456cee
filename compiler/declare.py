"""The vocabulary of field→SQL declarations, and the registry the compiler reads them from.

Each Strawberry type that the compiled path covers declares, next to its fields, the table
it reads, the column that names its owner (for the access rule of `resolvers/access.py`)
and, per GraphQL field, how PostgreSQL computes it:

    declare(SetLog, table="set_logs", owner="user_id", fields={
        **columns("position", "set_type", "reps"),
        "weight": weight_field("weight_kg"),
        "exercise": One("Exercise", "exercise_id"),
    })

A field left out is not compiled: an operation selecting it runs on the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compiler import Unsupported, codecs  # noqa: F401 - Unsupported is raised by declarations

if TYPE_CHECKING:
    from compiler.build import Build, Selected


@dataclass
class TypeSql:
    name: str  # the GraphQL type name
    table: str | None  # None for objects computed by their parent (`Nested`)
    owner: str | None  # the owner's column, for the access rule; None for public data
    fields: dict[str, Any]
    node: bool  # a Relay Node: `id` is the global ID of `<alias>.id`
    unowned_is_public: bool = False  # a null owner marks public data (the exercise library)


TYPES: dict[str, TypeSql] = {}


def declare(cls: type, *, table: str | None, owner: str | None = None, fields: dict[str, Any],
            unowned_is_public: bool = False) -> None:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    node = any(getattr(i, "__name__", "") == "Node" for i in cls.__mro__[1:])
    TYPES[definition.name] = TypeSql(definition.name, table, owner, dict(fields), node, unowned_is_public)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class Col:
    """A column, encoded by the field's GraphQL type (times, dates, floats, enums, lists)."""

    column: str

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        return b.encode(f"{alias}.{self.column}", sel.field_def.type)


def columns(*names: str) -> dict[str, Col]:
    """Fields that are columns of the same name (snake_case column → camelCase field)."""
    return {camel(name): Col(name) for name in names}


@dataclass(frozen=True)
class Expr:
    """Any SQL over the row: `fn(build, alias, selected) → SQL`."""

    fn: Callable[[Build, str, Selected], str]

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        return self.fn(b, alias, sel)


def weight_field(column: str) -> Expr:
    """`kg_to(column, unit)`, the `unit: WeightUnit = KG` argument deciding the rounding."""
    return Expr(lambda b, alias, sel: codecs.weight(f"{alias}.{column}", sel.enum_arg("unit")))


@dataclass(frozen=True)
class One:
    """A link to one object by a foreign key, null when missing or hidden from the viewer."""

    type_name: str
    fk: str
    checked: bool = True  # False where the executor shows it without asking the rule

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        target = b.type_sql(self.type_name)
        on = "{alias}.id = " + f"{alias}.{self.fk}"
        joined = b.join(alias, target.table, on + (" AND " + b.access(target, "{alias}") if self.checked else ""))
        if joined is not None:  # a LEFT JOIN of the parent's rows: no subquery per row
            return f"(CASE WHEN {joined}.id IS NULL THEN NULL ELSE {b.object(self.type_name, joined, sel.details)} END)"
        a = b.open(b.alias())
        obj = b.object(self.type_name, a, sel.details)
        where = on.replace("{alias}", a) + (" AND " + b.access(target, a) if self.checked else "")
        return f"(SELECT {obj} FROM {target.table} {a}{b.joins(a)} WHERE {where})"


@dataclass(frozen=True)
class Many:
    """A short list of children in a fixed order (the executor's RowsByParentLoader)."""

    type_name: str
    parent_fk: str
    order: tuple[str, ...] = ("position",)

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        target = b.type_sql(self.type_name)
        a = b.open(b.alias())
        order = ", ".join(f"{a}.{c}" for c in self.order)
        obj = b.object(self.type_name, a, sel.details)
        return (
            f"(SELECT coalesce(json_agg({obj} ORDER BY {order}), '[]') "
            f"FROM {target.table} {a}{b.joins(a)} WHERE {a}.{self.parent_fk} = {alias}.id)"
        )


@dataclass(frozen=True)
class Nested:
    """An object without a table of its own: its fields are columns of `source`, a subquery
    (with `{parent}` standing for the parent's alias) that yields exactly one row."""

    type_name: str
    source: str

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        a = b.open(b.alias())
        obj = b.object(self.type_name, a, sel.details)
        return f"(SELECT {obj} FROM {self.source.format(parent=alias)} {a}{b.joins(a)})"


@dataclass(frozen=True)
class SortKey:
    column: str
    kind: str  # datetime | uuid | int | text: how the cursor tags and casts it


SQL_CAST = {"datetime": "timestamptz", "uuid": "uuid", "int": "int", "text": "text"}


@dataclass(frozen=True)
class Conn:
    """A Relay connection page, keyset-paginated exactly as `loaders.base.PageByParentLoader`
    and `schema.connection.build_connection` do it."""

    type_name: str
    parent_fk: str | None
    sort: tuple[SortKey, ...]
    descending: bool = False
    default_page: int | None = None
    filters: Callable[[Build, str, Selected], list[str]] | None = None

    def sql(self, b: Build, alias: str, sel: Selected) -> str:
        from compiler.build import connection

        return connection(b, self, alias, sel)
