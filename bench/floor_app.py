"""The floors of `bench.floors`: the least a Python server on this stack does per request.

- `app`: a bare ASGI app answering every request with one fixed JSON body (`FLOOR_BODY`,
  a file): no framework, no GraphQL, no database. Under uvicorn with the server's own
  options (uvloop, httptools, no access log) it is the most requests/s a Python HTTP
  server reaches on this machine.
- `execute_over_answer(DIR)`: graphql-core executing a document over its own finished
  answer (DIR holds schema.graphql, query.graphql and answer.json), ms per execution; run
  by `bench.floors` in a fresh process that imports nothing else.
- `strawberry_app()`: Strawberry's own ASGI GraphQL view over a one-field schema with its
  parser and validation caches (as RepGraph has), no middleware, no other extension, no
  database: the least a request through Strawberry costs.
"""

from __future__ import annotations

import os


def _fixed_body() -> tuple[bytes, list]:
    path = os.environ.get("FLOOR_BODY")
    body = open(path, "rb").read() if path else b"{}"
    return body, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


BODY, HEADERS = _fixed_body()


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def strawberry_app():
    import strawberry
    from strawberry.asgi import GraphQL
    from strawberry.extensions import ParserCache, ValidationCache

    @strawberry.type
    class Query:
        ok: bool = True

    return GraphQL(strawberry.Schema(Query, extensions=[ParserCache(), ValidationCache()]), graphql_ide=None)


def execute_over_answer(folder: str, runs: int = 20) -> float:
    """Median ms of executing the document over its answer with default resolvers (raises if it differs)."""
    import json
    import statistics
    import time
    from pathlib import Path

    from graphql import build_schema, execute, parse, validate

    root = Path(folder)
    schema = build_schema((root / "schema.graphql").read_text())
    document = parse((root / "query.graphql").read_text())
    if errors := validate(schema, document):
        raise SystemExit(f"document invalid against the schema: {errors}")
    data = json.loads((root / "answer.json").read_text())["data"]
    result = execute(schema, document, root_value=data)
    if result.errors or result.data != data:
        raise SystemExit(f"the executor floor did not reproduce the answer: {result.errors}")
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(runs):
            execute(schema, document, root_value=data)
        batches.append((time.perf_counter() - start) * 1000 / runs)
    return statistics.median(batches)

