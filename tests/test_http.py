"""GraphQL over HTTP: media types, GET for queries only, status codes, masking, health."""

from __future__ import annotations

import logging

from server.logs import JsonFormatter


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


async def test_unexpected_errors_are_masked_and_logged(app, client, monkeypatch, caplog):
    async def explode(*args):
        raise RuntimeError("secret connection detail")

    # Both read paths fail: the compiled statement (its failure sends the query to the executor) and the executor's.
    monkeypatch.setattr("schema.query.exercise_page", explode)
    monkeypatch.setattr(app.state.statement_runner, "fetch", explode)
    with caplog.at_level(logging.ERROR, logger="repgraph.errors"):
        response = await client.post("{ exercises { totalCount } }")
    body = response.json()
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert "secret" not in str(body)
    assert "secret connection detail" in caplog.text
    # The client gets a request id that finds the detail in the server's log.
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    logged = [r for r in caplog.records if "secret connection detail" in (r.exc_text or "") or r.exc_info]
    assert JsonFormatter().format(logged[0]).count(request_id) == 1


async def test_request_ids_are_kept_when_sane_and_made_otherwise(client):
    kept = await client.http.get("/healthz", headers={"X-Request-ID": "edge-42.a_b"})
    assert kept.headers["x-request-id"] == "edge-42.a_b"
    made = await client.http.get("/healthz", headers={"X-Request-ID": "no spaces <allowed>"})
    assert made.headers["x-request-id"] != "no spaces <allowed>" and len(made.headers["x-request-id"]) == 32


async def test_healthz(client):
    response = await client.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_page_is_served_without_external_urls(client):
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "unpkg.com" not in response.text and "https://" not in response.text
