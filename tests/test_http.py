"""GraphQL over HTTP: media types, GET for queries only, status codes, masking, health."""

from __future__ import annotations

import logging


async def test_get_runs_queries_but_not_mutations(client):
    response = await client.http.get("/graphql", params={"query": "{ exercises(first: 1) { totalCount } }"})
    assert response.status_code == 200
    assert response.json()["data"]["exercises"]["totalCount"] >= 873
    response = await client.http.get("/graphql", params={"query": 'mutation { login(input: {login: "a", password: "b"}) { token } }'})
    assert response.status_code == 405
    assert "mutation" in response.text.lower()


async def test_graphql_response_media_type(client):
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await client.post("{ viewer { id } }", headers=dict(accept))
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/graphql-response+json"
    syntax = await client.post("{ viewer { id ", headers=dict(accept))
    assert syntax.status_code == 400 and "data" not in syntax.json() and syntax.json()["errors"]
    invalid = await client.post("{ noSuchField }", headers=dict(accept))
    assert invalid.status_code == 400
    # Legacy clients asking for application/json get 200 with errors, per the spec.
    legacy = await client.post("{ noSuchField }")
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["errors"]


async def test_unexpected_errors_are_masked_and_logged(client, monkeypatch, caplog):
    async def explode(ctx, spec, page):
        raise RuntimeError("secret connection detail")

    monkeypatch.setattr("schema.query.exercise_page", explode)
    with caplog.at_level(logging.ERROR, logger="repgraph.errors"):
        body = await client.execute("{ exercises { totalCount } }")
    assert body["errors"][0]["message"] == "Internal server error"
    assert "secret" not in str(body)
    assert "secret connection detail" in caplog.text


async def test_healthz(client):
    response = await client.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_page_is_served_without_external_urls(client):
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "unpkg.com" not in response.text and "https://" not in response.text
