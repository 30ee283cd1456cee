"""One validated query operation → one SQL statement whose `json` PostgreSQL builds.

The statement's head names the viewer (and checks their sign-in is active) and, once, whose
training they may read (`resolvers.access.grants_statement`); every table it touches is
filtered by the same rule. It returns two columns: `ok` (false when the sign-in is not
active or a root lookup found nothing, so the executor must answer with its errors) and
`data`, the response's `data` object as text.

Argument values become bind parameters: each is a function of the request's variables,
evaluated again for every request that reuses the plan. What changes the statement's shape
(enum and Boolean values, which arguments are given, the types inside global IDs) is part
of the plan's key (compiler/plans.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values

from compiler import codecs
from compiler.declare import SQL_CAST, TYPES, Conn, TypeSql, Unsupported
from resolvers.access import READING_ROLES
from resolvers.ids import decode_id, parse_global_id
from resolvers.pagination import MAX_PAGE, page_request

VIEWER = "%(viewer)s::uuid"
COMPILED_HEAD = "WITH v AS (SELECT"  # how a signed-in compiled statement starts (the bench replays it as a read)
# The Python type of each kind of sort column, as cursors carry them (resolvers/pagination.py).
KEY_TYPES = {"datetime": datetime, "uuid": uuid.UUID, "int": int, "text": str}
SESSION = "%(session)s::uuid"
Getter = Callable[[VariableValues], Any]


@dataclass
class Plan:
    sql: str
    getters: dict[str, Getter]

    def bind(self, variables: VariableValues, viewer_id: Any, session_id: Any) -> dict[str, Any]:
        params = {name: get(variables) for name, get in self.getters.items()}
        params["viewer"] = viewer_id
        params["session"] = session_id
        return params


@dataclass
class Selected:
    """A field as the query selects it: its definition, its nodes, its arguments."""

    build: Build
    parent: GraphQLObjectType
    name: str
    details: list[FieldDetails]
    field_def: Any

    def args(self, variables: VariableValues) -> dict[str, Any]:
        """The field's coerced arguments; computed once per request however many parameters read them."""
        memo = self.__dict__.get("_memo")
        if memo is not None and memo[0] is variables:
            return memo[1]
        args = get_argument_values(self.field_def, self.details[0].node, variables)
        self.__dict__["_memo"] = (variables, args)
        return args

    def arg(self, name: str) -> Any:
        """The argument's value for this request (shape decisions only: see `param`)."""
        return _plain(self.args(self.build.variables).get(name))

    def enum_arg(self, name: str) -> str | None:
        value = self.arg(name)
        return None if value is None else str(value)

    def param(self, cast: str, get: Callable[[dict[str, Any]], Any]) -> str:
        """A bind parameter computed from this field's arguments for every request."""
        return self.build.param(cast, lambda variables: get(self.plain_args(variables)))

    def plain_args(self, variables: VariableValues) -> dict[str, Any]:
        memo = self.__dict__.get("_plain")
        if memo is not None and memo[0] is variables:
            return memo[1]
        plain = {k: _plain(v) for k, v in self.args(variables).items()}
        self.__dict__["_plain"] = (variables, plain)
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass
class Build:
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    variables: VariableValues
    signed_in: bool
    getters: dict[str, Getter] = field(default_factory=dict)
    uses_grants: bool = False
    _aliases: int = 0
    # To-one links become LEFT JOINs of the FROM that defines their parent's alias:
    # alias → the alias owning that FROM, and each owner's joins in order.
    _owners: dict[str, str] = field(default_factory=dict)
    _joins: dict[str, list[str]] = field(default_factory=dict)

    # --- naming -------------------------------------------------------------------------

    def alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    def open(self, alias: str) -> str:
        """`alias` names rows of a FROM that its to-one links may join (see `joins`)."""
        self._owners[alias] = alias
        self._joins[alias] = []
        return alias

    def joins(self, alias: str) -> str:
        """The LEFT JOINs the objects over `alias` asked for: call after building them."""
        joins = self._joins.pop(alias, [])
        return "".join(" " + j for j in joins)

    def join(self, parent: str, table: str, on: str) -> str | None:
        """A row of `table` joined to `parent`'s FROM (None when that FROM takes no joins)."""
        owner = self._owners.get(parent)
        if owner is None or owner not in self._joins:
            return None
        alias = self.alias()
        self._owners[alias] = owner
        self._joins[owner].append(f"LEFT JOIN {table} {alias} ON {on.replace('{alias}', alias)}")
        return alias

    def param(self, cast: str, get: Getter) -> str:
        name = f"p{len(self.getters)}"
        self.getters[name] = get
        get(self.variables)  # a bad value fails now, as the executor would, before anything is cached
        return f"%({name})s::{cast}"

    def type_sql(self, name: str) -> TypeSql:
        declared = TYPES.get(name)
        if declared is None:
            raise Unsupported(f"type {name} has no SQL declaration")
        return declared

    # --- the access rule ----------------------------------------------------------------

    def access(self, declared: TypeSql, alias: str) -> str:
        """`resolvers.access.can_read` as SQL over `alias`."""
        if declared.owner is None:
            return "true"
        owner = f"{alias}.{declared.owner}"
        public = f"{owner} IS NULL" if declared.unowned_is_public else None
        if not self.signed_in:
            return public or "false"
        self.uses_grants = True
        rule = f"({owner} = {VIEWER} OR {owner} IN (SELECT user_id FROM g))"
        return f"({public} OR {rule})" if public else rule

    def viewer_language(self) -> str:
        return "(SELECT language FROM v)" if self.signed_in else "'en'"

    # --- values ---------------------------------------------------------------------------

    def encode(self, expr: str, graphql_type: Any) -> str:
        """A leaf value (a column, or a declaration's SQL) as JSON text, as the executor prints `graphql_type`."""
        inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        if isinstance(inner, GraphQLList):
            item = get_named_type(inner)
            if isinstance(item, GraphQLEnumType):
                return codecs.enum_array(expr, codecs.enum_names(item))
            if item.name == "String":
                return codecs.text_array(expr)
            raise Unsupported(f"list of {item.name}")
        if isinstance(inner, GraphQLEnumType):
            return codecs.enum(expr, codecs.enum_names(inner))
        name = inner.name
        if name == "DateTime":
            return codecs.timestamp(expr)
        if name == "Date":
            return codecs.day(expr)
        if name == "Float":
            return codecs.number(expr)
        if name in ("Int", "Boolean"):
            return codecs.scalar(expr)
        if name in ("String", "ID"):
            return codecs.string(expr)
        raise Unsupported(f"scalar {name}")

    # --- objects --------------------------------------------------------------------------

    def object(self, type_name: str, alias: str, details: list[FieldDetails]) -> str:
        """JSON text of the fields selected on `type_name`, in the selection's order."""
        graphql_type = self.schema.get_type(type_name)
        grouped = collect_subfields(self.schema, self.fragments, self.variables, self.operation, graphql_type, details).grouped_field_set
        return self.fields(graphql_type, alias, grouped)

    def fields(self, graphql_type: GraphQLObjectType, alias: str, grouped: dict[str, list[FieldDetails]]) -> str:
        declared = self.type_sql(graphql_type.name)
        pairs = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name == "__typename":
                value = typename(graphql_type.name)
            elif name == "id" and declared.node:
                value = codecs.global_id(graphql_type.name, f"{alias}.id")
            else:
                spec = declared.fields.get(name)
                if spec is None:
                    raise Unsupported(f"{graphql_type.name}.{name} has no SQL")
                field_def = graphql_type.fields[name]
                sel = Selected(self, graphql_type, name, details, field_def)
                value = spec.sql(self, alias, sel)
                if is_leaf_type(get_named_type(field_def.type)):  # declarations give leaves as SQL values
                    value = self.encode(value, field_def.type)
            pairs.append((key, value))
        return codecs.json_object(pairs)

    # --- roots ----------------------------------------------------------------------------

    def one(self, type_name: str, source: str, where: Callable[[str], str], details: list[FieldDetails],
            tail: Callable[[str], str] | None = None) -> str:
        """The object of the first row of `source` (a table or subquery) meeting `where(alias)`, or null."""
        a = self.open(self.alias())
        obj = self.object(type_name, a, details)
        return codecs.nullable(f"(SELECT {obj} FROM {source} {a}{self.joins(a)} WHERE {where(a)}{tail(a) if tail else ''})")

    def many(self, type_name: str, source: str, where: Callable[[str], str], details: list[FieldDetails],
             order: Callable[[str], str]) -> str:
        """The objects of the rows of `source` meeting `where(alias)`, as a JSON list in `order(alias)`."""
        a = self.open(self.alias())
        obj = self.object(type_name, a, details)
        return f"(SELECT {codecs.json_list(obj, order(a))} FROM {source} {a}{self.joins(a)} WHERE {where(a)})"

    def lookup(self, type_name: str, key_param: str, details: list[FieldDetails]) -> str:
        """One object by id through the access rule; null (and `ok` false) when hidden or missing."""
        declared = self.type_sql(type_name)
        return self.one(type_name, declared.table, lambda a: f"{a}.id = {key_param} AND {self.access(declared, a)}", details)


def compile_operation(schema: GraphQLSchema, document: Any, operation: OperationDefinitionNode,
                      variables: VariableValues, signed_in: bool) -> Plan:
    fragments = {
        d.name.value: FragmentDetails(d) for d in document.definitions if d.kind == "fragment_definition"
    }
    b = Build(schema, operation, fragments, variables, signed_in)
    root = schema.query_type
    grouped = collect_fields(schema, fragments, variables, root, operation).grouped_field_set
    columns, keys, checks = [], [], []
    for key, details in grouped.items():
        name = details[0].node.name.value
        sel = Selected(b, root, name, details, root.fields.get(name))
        column = f"c{len(columns)}"
        if name == "__typename":
            expr = typename(root.name)
        else:
            compile_root = ROOTS.get(name)
            if compile_root is None:
                raise Unsupported(f"Query.{name}")
            expr, must_exist = compile_root(b, sel)
            if isinstance(expr, list):  # `nodes`: each element a column of its own, checked once
                names = [f"{column}_{i}" for i in range(len(expr))]
                columns.extend(f"{item} AS {name}" for item, name in zip(expr, names))
                checks.extend(f"r.{name} <> 'null'" for name in names)
                keys.append((key, "('[' || " + " || ',' || ".join(f"r.{n}" for n in names) + " || ']')" if names else "'[]'"))
                continue
            if must_exist:
                checks.extend(f"r.{column}{suffix}" for suffix in must_exist)
        columns.append(f"{expr} AS {column}")
        keys.append((key, f"r.{column}"))
    ok = ["(SELECT count(*) FROM v) = 1"] if signed_in else []
    ok += checks
    head = []
    if signed_in:
        head.append(
            COMPILED_HEAD[len("WITH "):] + " u.id, u.language FROM users u WHERE u.id = %(viewer)s::uuid AND u.is_active AND EXISTS ("
            "SELECT 1 FROM user_sessions s WHERE s.id = %(session)s::uuid AND s.revoked_at IS NULL AND s.expires_at > now()))"
        )
        # The sign-in check's "last seen", at most once a minute (resolvers/sessions.py).
        head.append(
            "touched AS (UPDATE user_sessions SET last_seen_at = now() WHERE id = %(session)s::uuid AND revoked_at IS NULL "
            "AND expires_at > now() AND last_seen_at < now() - interval '1 minute')"
        )
    return Plan(statement(b, head, ok, keys, columns), b.getters)


def statement(b: Build, head: list[str], ok: list[str], keys: list[tuple[str, str]], columns: list[str]) -> str:
    """`SELECT ok, data` over the root columns, after the CTEs of `head` (and the grants, when the access rule read them)."""
    if b.uses_grants:
        head = [*head, f"g AS ({GRANTS})"]
    return (
        ("WITH " + ", ".join(head) + " " if head else "")
        + f"SELECT {' AND '.join(ok) if ok else 'true'} AS ok, {codecs.json_object(keys)} AS data "
        + f"FROM (SELECT {', '.join(columns)}) r"
    )


def typename(name: str) -> str:
    return codecs.literal(f'"{name}"')


# The grants of resolvers/access.py (`grants_statement`): whose training the viewer reads.
GRANTS = (
    "SELECT athlete_id AS user_id FROM coaching_relationships WHERE coach_id = %(viewer)s::uuid AND status = 'accepted' "
    "UNION SELECT theirs.user_id FROM organization_members mine JOIN organization_members theirs "
    "ON theirs.organization_id = mine.organization_id WHERE mine.user_id = %(viewer)s::uuid "
    f"AND mine.role IN ({', '.join(codecs.literal(r) for r in READING_ROLES)}) "
    "AND theirs.shares_training AND theirs.user_id <> %(viewer)s::uuid"
)


# --- root fields: (build, selected) → (SQL, suffixes of `ok` conditions) -----------------------


def _viewer(b: Build, sel: Selected):
    if not b.signed_in:
        return "'null'", None
    return b.one("User", "users", lambda a: f"{a}.id = {VIEWER}", sel.details), None


def _node_type(b: Build, global_id: str, field_name: str) -> str:
    type_name, _ = parse_global_id(global_id, field_name)
    if type_name not in TYPES or not TYPES[type_name].node:
        raise Unsupported(f"node of type {type_name}")
    return type_name


def _node(b: Build, sel: Selected):
    type_name = _node_type(b, sel.arg("id"), "id")
    key = sel.param("uuid", lambda args: parse_global_id(args["id"], "id")[1])
    return b.lookup(type_name, key, sel.details), [" <> 'null'"]


def _nodes(b: Build, sel: Selected):
    ids = sel.arg("ids")
    if len(ids) > MAX_PAGE:
        raise Unsupported("nodes: more than the executor allows")
    items = []
    for i, global_id in enumerate(ids):
        type_name = _node_type(b, global_id, "ids")
        key = sel.param("uuid", lambda args, i=i: parse_global_id(args["ids"][i], "ids")[1])
        items.append(b.lookup(type_name, key, sel.details))
    # The elements, each becoming a column: a NOT_FOUND element sends the request to the executor.
    return items, None


def _exercise(b: Build, sel: Selected):
    key = sel.param("uuid", lambda args: decode_id(args["id"], "Exercise", "id"))
    return b.lookup("Exercise", key, sel.details), [" <> 'null'"]


def _exercises(b: Build, sel: Selected):
    from schema.query import exercise_connection_sql

    return exercise_connection_sql(b, sel), None


ROOTS: dict[str, Callable[[Build, Selected], tuple[str, list[str] | None]]] = {
    "viewer": _viewer,
    "node": _node,
    "nodes": _nodes,
    "exercise": _exercise,
    "exercises": _exercises,
}


# --- connections ------------------------------------------------------------------------------


def connection(b: Build, conn: Conn, parent: str | None, sel: Selected) -> str:
    """A page of `conn` under `parent` (an alias, or None for a root list) as the executor builds it."""
    target = b.type_sql(conn.type_name)
    default = conn.default_page

    key = tuple(KEY_TYPES[k.kind] for k in conn.sort)

    def request(args: dict[str, Any]):
        kwargs = {} if default is None else {"default": default}
        return page_request(args.get("first"), args.get("after"), args.get("last"), args.get("before"), key=key, **kwargs)

    now = request({k: _plain(v) for k, v in sel.args(b.variables).items()})
    backward, has_cursor = now.backward, now.cursor is not None
    limit = sel.param("int", lambda args: request(args).limit)
    a = b.open(b.alias())
    where = [] if conn.parent_fk is None else [f"{a}.{conn.parent_fk} = {parent}.id"]
    where += conn.filters(b, a, sel) if conn.filters else []

    descending = conn.descending != backward
    direction = " DESC" if descending else ""
    order = ", ".join(f"{a}.{k.column}{direction}" for k in conn.sort)
    if has_cursor:
        values = []
        for i, key in enumerate(conn.sort):
            # page_request checked the cursor against the list's sort key (a cursor of another list is bad input)
            values.append(sel.param(SQL_CAST[key.kind], lambda args, i=i: request(args).cursor[i]))
        keys = ", ".join(f"{a}.{k.column}" for k in conn.sort)
        where.append(f"({keys}) {'<' if descending else '>'} ({', '.join(values)})")
    rows = (
        f"(SELECT {a}.*, row_number() OVER (ORDER BY {order}) AS rg_n FROM {target.table} {a}"
        f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {order} LIMIT {limit} + 1) {a}"
    )
    cursor = codecs.cursor([(k.kind, f"{a}.{k.column}") for k in conn.sort])
    shown = f" FILTER (WHERE {a}.rg_n <= {limit})"
    forward_order = f"{a}.rg_n DESC" if backward else f"{a}.rg_n"
    reverse_order = f"{a}.rg_n" if backward else f"{a}.rg_n DESC"
    has_more = f"(count(*) > {limit})::text"
    cursor_given = "'true'" if has_cursor else "'false'"

    def page_info(name: str) -> str:
        return {
            "hasNextPage": cursor_given if backward else has_more,
            "hasPreviousPage": has_more if backward else cursor_given,
            "startCursor": codecs.nullable(codecs.quoted(f"(array_agg({cursor} ORDER BY {forward_order}){shown})[1]")),
            "endCursor": codecs.nullable(codecs.quoted(f"(array_agg({cursor} ORDER BY {reverse_order}){shown})[1]")),
        }.get(name) or _unsupported(f"PageInfo.{name}")

    def edge(name: str, details: list[FieldDetails]) -> str:
        if name == "cursor":
            return codecs.quoted(cursor)
        if name == "node":
            return b.object(conn.type_name, a, details)
        raise Unsupported(f"Edge.{name}")

    def total_count() -> str:
        count_alias = b.alias()
        count_where = [] if conn.parent_fk is None else [f"{count_alias}.{conn.parent_fk} = {parent}.id"]
        count_where += conn.filters(b, count_alias, sel) if conn.filters else []
        return f"(SELECT count(*) FROM {target.table} {count_alias}{' WHERE ' + ' AND '.join(count_where) if count_where else ''})::text"

    aggregated = []  # edges and pageInfo read the page's rows; without them there are none to read

    def field(name: str, details: list[FieldDetails]) -> str:
        if name == "edges":
            aggregated.append(name)
            edges = sub_object(b, connection_type, "edges", details, edge)
            return codecs.json_list(edges, forward_order, shown)
        if name == "pageInfo":
            aggregated.append(name)
            return sub_object(b, connection_type, "pageInfo", details, lambda n, d: page_info(n))
        if name == "totalCount":
            return total_count()
        raise Unsupported(f"{connection_type.name}.{name}")

    connection_type = get_named_type(sel.field_def.type)
    body = object_of(b, connection_type, sel.details, field)
    return f"(SELECT {body}{' FROM ' + rows + b.joins(a) if aggregated else ''})"


def object_of(b: Build, graphql_type: Any, details: list[FieldDetails], value: Callable[[str, list[FieldDetails]], str]) -> str:
    """JSON text of the fields selected on a type whose fields the compiler writes itself (`value(name, details)`)."""
    grouped = collect_subfields(b.schema, b.fragments, b.variables, b.operation, graphql_type, details).grouped_field_set
    pairs = []
    for key, field_details in grouped.items():
        name = field_details[0].node.name.value
        pairs.append((key, typename(graphql_type.name) if name == "__typename" else value(name, field_details)))
    return codecs.json_object(pairs)


def sub_object(b: Build, parent: Any, field_name: str, details: list[FieldDetails],
               value: Callable[[str, list[FieldDetails]], str]) -> str:
    return object_of(b, get_named_type(parent.fields[field_name].type), details, value)


def _unsupported(what: str) -> str:
    raise Unsupported(what)
