"""GraphiQL renders and runs a query in a real browser without leaving our origin.

Strawberry's stock page loads its scripts from unpkg and shows a blank page
offline; only a browser proves ours loads everything from the app itself. The
test drives Debian's Chromium (never a Playwright-downloaded one) and aborts
and records any request to another host.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import quote, urlsplit

import httpx
from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
QUERY = "{ exercises(first: 3) { edges { node { name } } } }"
# GraphiQL 3 editors are CodeMirror 5 instances hanging off their wrapper element.
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
RESPONSE_PANE = "document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror"


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS


async def test_graphiql_runs_a_query_offline(live_server, tmp_path):
    foreign: list[str] = []
    errors: list[str] = []

    def assert_clean():
        assert not foreign, f"page tried to reach other hosts: {foreign}"
        assert not errors, errors

    def on_console(msg):
        if msg.type == "error":
            errors.append(f"console: {msg.text}")

    def on_websocket(ws):
        if not _is_local(ws.url):
            foreign.append(ws.url)

    async def only_local(route):
        if _is_local(route.request.url):
            await route.continue_()
        else:
            foreign.append(route.request.url)
            await route.abort()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            await context.route("**/*", only_local)
            page = await context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("websocket", on_websocket)

            await page.goto(f"{live_server}/graphql", wait_until="load")
            assert_clean()
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
            await page.evaluate(f"q => {QUERY_EDITOR}.setValue(q)", QUERY)
            await page.click(".graphiql-execute-button")
            await page.wait_for_function(f"() => {RESPONSE_PANE}?.getValue().trim()", timeout=15_000)
            response = await page.evaluate(f"() => {RESPONSE_PANE}.getValue()")
            screenshot = tmp_path / "graphiql.png"
            await page.screenshot(path=str(screenshot))
            print(f"GraphiQL screenshot: {screenshot}")
        finally:
            await browser.close()

    assert_clean()
    assert '"edges"' in response, response
    edges = json.loads(response)["data"]["exercises"]["edges"]
    assert edges and all(edge["node"]["name"] for edge in edges), response


SUBSCRIPTION = "subscription($s: ID!, $a: String) { workoutEvents(sessionId: $s, after: $a) { __typename ... on SetLogged { setLog { reps } } } }"
FROM_START = "ZXZ0OjA"  # event id 0: the workout's STARTED event comes first, proving the stream is live


async def _gql(http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = (await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    assert "errors" not in body, body
    return body["data"]


async def test_graphiql_runs_a_subscription_with_the_headers_tab(live_server):
    """The Authorization header typed in GraphiQL's Headers tab authenticates its websocket too."""
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        name = "g" + uuid.uuid4().hex[:10]
        token = (await _gql(http, "mutation($i: RegisterInput!) { register(input: $i) { token } }",
                            {"i": {"email": f"{name}@example.com", "username": name, "password": "graphiql-pass"}}))["register"]["token"]
        session = (await _gql(http, "mutation { startWorkout(input: {}) { session { id } } }", token=token))["startWorkout"]["session"]["id"]
        squat = (await _gql(http, '{ exercises(filter: {search: "Barbell Squat"}, first: 1) { edges { node { id } } } }'))["exercises"]["edges"][0]["node"]["id"]

        headers = quote(json.dumps({"Authorization": f"Bearer {token}"}))
        variables = quote(json.dumps({"s": session, "a": FROM_START}))
        url = f"{live_server}/graphql?q={quote(SUBSCRIPTION)}&variables={variables}&headers={headers}"
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page()
                await page.goto(url, wait_until="load")
                await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
                await asyncio.sleep(0.5)  # let GraphiQL parse the document before running it
                await page.click(".graphiql-execute-button")
                logged = False
                text = ""
                for _ in range(150):
                    text = await page.evaluate(f"() => {RESPONSE_PANE}?.getValue() || ''")
                    if "SetLogged" in text:
                        break
                    if "WorkoutStatusChanged" in text and not logged:
                        await _gql(http, "mutation($i: LogSetInput!) { logSet(input: $i) { created } }",
                                   {"i": {"sessionId": session, "exerciseId": squat, "reps": 7, "weight": 80, "setType": "WARMUP"}}, token)
                        logged = True
                    await asyncio.sleep(0.1)
            finally:
                await browser.close()
    assert '"SetLogged"' in text and '"reps": 7' in text, text
