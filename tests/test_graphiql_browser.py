"""GraphiQL renders and runs a query in a real browser without leaving our origin.

Strawberry's stock page loads its scripts from unpkg and shows a blank page
offline; only a browser proves ours loads everything from the app itself. The
test drives Debian's Chromium (never a Playwright-downloaded one) and aborts
and records any request to another host.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

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
