"""GraphiQL served entirely from RepGraph itself.

Strawberry's stock GraphiQL page pulls React, GraphiQL, js-cookie and the
explorer plugin from unpkg, so it renders blank without internet access and is
blocked by a strict Content-Security-Policy (``script-src 'self'``). Here the
same pinned packages are installed from npm at install time (``make install``
runs ``npm ci --prefix server/graphiql``) and served under our own origin; the
page's own script and stylesheet are served from there too, so the page has no
inline script, style or event handler. The ``integrity`` hashes are the ones in
Strawberry's template: the browser refuses a file that differs from what
Strawberry pinned.

The page needs ``data:`` allowed for ``img-src`` (favicon) and ``font-src``
(GraphiQL's bundled fonts), and ``ws:``/``wss:`` in ``connect-src`` for
subscriptions.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["ASSETS_DIR", "assets_app", "assets_installed", "render_page"]

ASSETS_DIR = Path(__file__).resolve().parent / "node_modules"

# The only node_modules files the page loads, with Strawberry's SRI hashes.
_SCRIPTS = {
    "react/umd/react.production.min.js": "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom/umd/react-dom.production.min.js": "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    "js-cookie/dist/js.cookie.min.js": "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
    "graphiql/graphiql.min.js": "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "@graphiql/plugin-explorer/dist/index.umd.js": "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
}
_STYLES = {
    "graphiql/graphiql.min.css": "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "@graphiql/plugin-explorer/dist/style.css": "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
}
_NODE_FILES = frozenset(_SCRIPTS) | frozenset(_STYLES)

_PAGE_CSS = """\
body {
  height: 100%;
  margin: 0;
  width: 100%;
  overflow: hidden;
}

#graphiql {
  height: 100vh;
  display: flex;
}

.docExplorerHide {
  display: none;
}

.doc-explorer-contents {
  overflow-y: hidden !important;
}

.docExplorerWrap {
  width: unset !important;
  min-width: unset !important;
}

.graphiql-explorer-actions select {
  margin-left: 4px;
}
"""

# Strawberry's inline script, moved out of the page so a strict CSP allows it.
_PAGE_JS = r"""const EXAMPLE_QUERY = `# Welcome to GraphiQL 🍓
#
# GraphiQL is an in-browser tool for writing, validating, and
# testing GraphQL queries.
#
# Type queries into this side of the screen, and you will see intelligent
# typeaheads aware of the current GraphQL type schema and live syntax and
# validation errors highlighted within the text.
#
# GraphQL queries typically start with a "{" character. Lines that starts
# with a # are ignored.
#
# An example GraphQL query might look like:
#
#     {
#       field(arg: "value") {
#         subField
#       }
#     }
#
# Keyboard shortcuts:
#
#       Run Query:  Ctrl-Enter (or press the play button above)
#
#   Auto Complete:  Ctrl-Space (or just start typing)
#
`;

// Parse URL parameters for sharing queries
const parameters = {};

for (const entry of window.location.search.slice(1).split("&")) {
  const eq = entry.indexOf("=");
  if (eq >= 0) {
    parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(
      entry.slice(eq + 1),
    );
  }
}

function updateURL(data) {
  Object.assign(parameters, data);

  const newSearch =
    "?" +
    Object.keys(parameters)
      .filter(function (key) {
        return Boolean(parameters[key]);
      })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
      })
      .join("&");
  history.replaceState(null, null, newSearch);
}

const fetchURL = window.location.href.split("?")[0];

function httpUrlToWebSocketUrl(url) {
  const parsedURL = new URL(url);
  parsedURL.protocol = parsedURL.protocol === "http:" ? "ws:" : "wss:";
  parsedURL.hash = "";
  return parsedURL.toString();
}

const defaultHeaders = {};
const csrfToken = Cookies.get("csrftoken");

if (csrfToken) {
  defaultHeaders["x-csrftoken"] = csrfToken;
}

// Subscriptions authenticate in the websocket's connection_init payload, so each set of
// headers from the Headers tab gets a fetcher whose websocket sends them there.
const fetchers = new Map();

function fetcher(graphQLParams, opts) {
  const headers = Object.assign({}, (opts && opts.headers) || {});
  const key = JSON.stringify(headers);
  if (!fetchers.has(key)) {
    fetchers.set(
      key,
      GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl: httpUrlToWebSocketUrl(fetchURL),
        wsConnectionParams: headers,
      }),
    );
  }
  return fetchers.get(key)(graphQLParams, opts);
}

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers);

  function onEditQuery(newQuery) {
    setQuery(newQuery);
    updateURL({ q: newQuery });
  }

  function onEditVariables(newVariables) {
    setVariables(newVariables);
    updateURL({ variables: newVariables });
  }

  function onEditHeaders(newHeaders) {
    setHeaders(newHeaders);
  }

  const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

  return React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [explorerPlugin],
    query: query,
    variables: variables,
    headers: headers,
    onEditQuery: onEditQuery,
    onEditVariables: onEditVariables,
    onEditHeaders: onEditHeaders,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(React.createElement(GraphiQLWithExplorer));
"""

_GENERATED = {
    "repgraph-graphiql.css": (_PAGE_CSS, "text/css"),
    "repgraph-graphiql.js": (_PAGE_JS, "text/javascript"),
}

_FAVICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    '<text y=".9em" font-size="80">\U0001f353</text></svg>',
    safe="",
)


def assets_installed() -> bool:
    """Whether `npm ci` has put every file the page loads into ASSETS_DIR."""
    return all((ASSETS_DIR / name).is_file() for name in _NODE_FILES)


def render_page(*, assets_path: str = "/graphiql-assets", title: str = "RepGraph GraphiQL") -> str:
    """Strawberry's GraphiQL page, loading everything from `assets_path` on our origin."""
    base = escape(assets_path.rstrip("/"))
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{base}/{name}" integrity="{sri}" />'
        for name, sri in _STYLES.items()
    )
    scripts = "\n".join(
        f'    <script src="{base}/{name}" integrity="{sri}"></script>' for name, sri in _SCRIPTS.items()
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{escape(title)}</title>
    <link rel="icon" href="{_FAVICON}" />
{styles}
    <link rel="stylesheet" href="{base}/repgraph-graphiql.css" />
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading...</div>
{scripts}
    <script src="{base}/repgraph-graphiql.js"></script>
  </body>
</html>
"""


class _GraphiQLAssets(StaticFiles):
    """StaticFiles that answers only for the page's files, so node_modules is not browsable."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path in _GENERATED and scope["method"] in ("GET", "HEAD"):
            body, media_type = _GENERATED[path]
            return Response(body, media_type=media_type)
        if path not in _NODE_FILES:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def assets_app() -> StaticFiles:
    """ASGI app for the `/graphiql-assets` mount; fails at startup if the npm assets are missing."""
    if not assets_installed():
        raise RuntimeError(
            f"GraphiQL assets are missing from {ASSETS_DIR}: run `make install` "
            "(it runs `npm ci --prefix server/graphiql`)."
        )
    return _GraphiQLAssets(directory=ASSETS_DIR)
