"""possibleTypes.json: which object types each interface and union may be, for client caches.

Apollo Client (and urql's Graphcache) cannot tell from a response alone that a `SetLogged`
is a `LiveEvent` or a `Node`; without this map they drop fields selected under
`... on LiveEvent`. `make schema` writes it beside schema.graphql and tests/test_schema.py
checks it against the code, like the SDL.

    python -m schema.possible_types > possibleTypes.json
"""

from __future__ import annotations

import json

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType


def possible_types(schema: GraphQLSchema) -> dict[str, list[str]]:
    """{abstract type: [concrete type names]}, sorted, introspection types left out."""
    return {
        name: sorted(t.name for t in schema.get_possible_types(gql_type))
        for name, gql_type in sorted(schema.type_map.items())
        if not name.startswith("__") and isinstance(gql_type, (GraphQLInterfaceType, GraphQLUnionType))
    }


def render(schema: GraphQLSchema) -> str:
    return json.dumps(possible_types(schema), indent=2) + "\n"


if __name__ == "__main__":
    from schema import schema

    print(render(schema._schema), end="")
