"""The schema as frontends see it, and the database as the models declare it."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType
from sqlalchemy import create_engine

from db.engine import async_url
from db.models import Base
from schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_committed_sdl_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), "schema.graphql drifted: run `make schema` and commit it"


def test_committed_possible_types_match_the_code():
    from schema.possible_types import render

    committed = (ROOT / "possibleTypes.json").read_text()
    assert committed == render(schema._schema), "possibleTypes.json drifted: run `make schema` and commit it"
    assert "SetLogged" in json.loads(committed)["LiveEvent"]


def test_every_type_and_field_is_documented():
    missing = []
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID", "DateTime"):
            continue
        if not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            missing += [f"{name}.{f}" for f, field in gql_type.fields.items() if not field.description]
        if isinstance(gql_type, GraphQLEnumType):
            continue
    assert not missing, missing


def test_relay_names_frontends_rely_on():
    sdl = schema.as_str()
    for fragment in (
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "viewer: User",
        "exercises(filter: ExerciseFilter = null, first: Int = null, after: String = null, last: Int = null, before: String = null): ExerciseConnection!",
        "totalCount: Int!",
        "logSet(input: LogSetInput!): LogSetPayload!",
    ):
        assert fragment in sdl, fragment


def test_migrations_create_exactly_what_the_models_declare(database_url):
    engine = create_engine(async_url(database_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []
