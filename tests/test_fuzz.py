"""Hostile input over real sockets: no answer is a 5xx or an uncoded or internal error.

A running server (uvicorn, in a thread) receives random and mutated HTTP requests —
bodies as bytes in several encodings, deep nesting, sizes around the body limit,
content types, methods, headers, GET query strings — and random websocket frames in
both protocols. Every answer must be a 4xx or a GraphQL answer whose errors carry a
stable `extensions.code` other than INTERNAL_SERVER_ERROR; a rejected request writes
nothing; the server keeps answering. What the fuzzing found is kept below as
regression cases. `FUZZ_EXAMPLES` scales the run (`make chaos` runs it larger).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from urllib.parse import quote, urlencode

import httpx
import orjson
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.app import create_app
from tests.servers import serve_in_thread
from tests.stories import LOG_SET

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "80"))
CODE = re.compile(r"^[A-Z][A-Z_]+$")
ROWS = """SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM workout_sessions) + (SELECT count(*) FROM set_logs)
    + (SELECT count(*) FROM outbox_events) + (SELECT count(*) FROM programs) + (SELECT count(*) FROM goals)
    + (SELECT count(*) FROM exercises) + (SELECT count(*) FROM user_sessions)"""
SEED_DOCUMENTS = [
    "{ viewer { id username workoutSessions(first: 3) { totalCount edges { node { id name } } } } }",
    "query Lib($s: String) { exercises(filter: {search: $s}, first: 2) { edges { node { id name } } } }",
    LOG_SET,
    "mutation { startWorkout(input: {name: \"x\"}) { session { id } } }",
    "subscription S($id: ID!) { workoutEvents(sessionId: $id) { __typename } }",
    "{ __schema { types { name } } }",
    "query($id: ID!) { node(id: $id) { id ... on WorkoutSession { name } } }",
]
CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-8", "application/graphql-response+json", "application/graphql",
    "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json; charset=utf-16", "*/*",
]
ACCEPTS = ["application/json", "application/graphql-response+json", "text/html", "multipart/mixed", "text/event-stream", "*/*", ""]


@pytest.fixture(scope="module")
def target(settings, database_url):
    app = create_app(settings)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as http, psycopg.connect(database_url, autocommit=True) as db:
        marker = uuid.uuid4().hex[:10]
        body = http.post("/graphql", json={"query": "mutation($i: RegisterInput!) { register(input: $i) { token } }",
                                           "variables": {"i": {"email": f"f{marker}@fuzz.dev", "username": f"f{marker}", "password": "fuzz-password-1"}}}).json()
        token = body["data"]["register"]["token"]
        session = http.post("/graphql", headers={"authorization": f"Bearer {token}"},
                            json={"query": SEED_DOCUMENTS[3]}).json()["data"]["startWorkout"]["session"]["id"]
        yield http, db, token, session, url
        # The server is still up and answers a normal request.
        assert http.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


def rows(db) -> int:
    return db.execute(ROWS).fetchone()[0]


def check_answer(response: httpx.Response, method: str) -> bool:
    """Asserts the answer is clean; True when the request was rejected (nothing may have been written)."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    content_type = response.headers.get("content-type", "")
    if method == "HEAD" or "text/html" in content_type:
        return response.status_code >= 400
    if response.status_code >= 400 and content_type.startswith("text/plain"):
        return True  # Starlette's own 405 for methods the route does not take
    if "multipart/mixed" in content_type or "text/event-stream" in content_type:
        assert "INTERNAL_SERVER_ERROR" not in response.text, response.text[:500]
        return response.status_code >= 400
    body = orjson.loads(response.content)
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and CODE.match(code) and code != "INTERNAL_SERVER_ERROR", error
    data = body.get("data")
    return response.status_code >= 400 or not data or all(value is None for value in data.values())


def send(target, method: str, *, params: str = "", content: bytes | None = None, headers: dict | None = None) -> None:
    http, db, *_ = target
    before = rows(db)
    response = http.request(method, "/graphql" + (f"?{params}" if params else ""), content=content, headers=headers or {})
    if check_answer(response, method):
        assert rows(db) == before, f"a rejected request wrote rows: {response.text[:300]}"


ints = st.integers(-(2**63), 2**63 - 1)  # what JSON encoders (and orjson) carry
json_values = st.recursive(
    st.none() | st.booleans() | ints | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """`data` with a few byte-level edits: flips, deletions, insertions, duplications, truncation."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "dup", "truncate"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "dup":
            data[at:at] = data[at:at + draw(st.integers(1, 32))]
        else:
            del data[at:]
    return bytes(data)


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode()
    return text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")


@st.composite
def graphql_bodies(draw) -> bytes:
    document = draw(st.sampled_from(SEED_DOCUMENTS) | st.text(max_size=80))
    payload: dict = {"query": document}
    if draw(st.booleans()):
        payload["variables"] = draw(st.dictionaries(st.sampled_from(["id", "s", "input", "x"]), json_values, max_size=3) | json_values)
    if draw(st.booleans()):
        payload["operationName"] = draw(st.none() | st.text(max_size=10) | ints)
    if draw(st.booleans()):
        payload["extensions"] = draw(json_values | st.just({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}))
    text = orjson.dumps(payload).decode()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32", "latin-1", "utf-8-bom"]))
    return draw(mutated(encode(text, encoding)))


@st.composite
def nested(draw) -> bytes:
    depth = draw(st.integers(1, 6000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    inner = opener * depth + "1" + closer * depth
    where = draw(st.sampled_from(["variables", "extensions", "query"]))
    if where == "query":  # nested selections / lists in the document itself
        return orjson.dumps({"query": "{ viewer { id } " + "{ a " * depth + "}" * depth + " }"})
    document = "query($x: [[Int]]) { __typename }" if opener == "[" else "query($x: LogSetInput) { __typename }"
    return f'{{"query": {orjson.dumps(document).decode()}, "{where}": {{"x": {inner}}}}}'.encode()


fuzz = hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@fuzz
@given(body=graphql_bodies() | nested() | st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES),
       accept=st.sampled_from(ACCEPTS), signed_in=st.booleans())
def test_random_and_mutated_post_bodies(target, body, content_type, accept, signed_in):
    headers = {"content-type": content_type, "accept": accept}
    if signed_in:
        headers["authorization"] = f"Bearer {target[2]}"
    send(target, "POST", content=body, headers=headers)


@fuzz
@given(params=st.dictionaries(st.sampled_from(["query", "variables", "operationName", "extensions", "x"]),
                              st.text(max_size=60) | st.sampled_from(SEED_DOCUMENTS) | json_values.map(lambda v: orjson.dumps(v).decode()), max_size=4),
       raw=st.binary(max_size=40), accept=st.sampled_from(ACCEPTS))
def test_random_get_query_strings(target, params, raw, accept):
    query_string = urlencode(params) + ("&" + quote(raw, safe="=&%") if raw else "")
    send(target, "GET", params=query_string, headers={"accept": accept})


@hypothesis_settings(max_examples=max(10, EXAMPLES // 4), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(method=st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "GET", "POST"]),
       headers=st.dictionaries(st.sampled_from(["authorization", "x-request-id", "content-type", "accept", "origin", "content-encoding", "x-forwarded-for"]),
                               st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80).map(str.strip), max_size=4),
       size=st.sampled_from([0, 10, 1_048_575, 1_048_577, 3_000_000]))
def test_methods_headers_and_sizes(target, method, headers, size):
    body = orjson.dumps({"query": "{ __typename }", "pad": "x" * max(0, size - 40)}) if size else None
    send(target, method, content=body if method not in ("GET", "HEAD") else None, headers=headers)


TRANSPORT_TYPES = ["connection_init", "ping", "pong", "subscribe", "complete", "next", "error", "bogus", None]
LEGACY_TYPES = ["connection_init", "start", "stop", "connection_terminate", "ka", "data", "bogus", None]
CLEAN_CLOSES = {1000, 1001, 1002, 4400, 4401, 4403, 4406, 4408, 4409, 4429}


@st.composite
def frames(draw, types: list) -> list:
    out = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["message", "message", "message", "binary", "text"]))
        if kind == "binary":
            out.append(draw(st.binary(max_size=64)))
        elif kind == "text":
            out.append(draw(st.text(max_size=64)))
        else:
            message = {"type": draw(st.sampled_from(types))}
            if draw(st.booleans()):
                message["id"] = draw(st.sampled_from(["1", "2", ""]) | ints | st.text(max_size=10))
            if draw(st.booleans()):
                message["payload"] = draw(
                    st.builds(lambda q, v: {"query": q, "variables": v}, st.sampled_from(SEED_DOCUMENTS) | st.text(max_size=40), json_values)
                    | json_values
                )
            out.append(orjson.dumps(message).decode())
    return out


def run_socket(target, protocol: str, messages: list, init: bool) -> None:
    http, db, token, session, url = target
    before = rows(db)
    refused = False  # graphql-ws refuses a connection with connection_error, then closes with 1011
    with connect(url.replace("http", "ws") + "/graphql", subprotocols=[protocol], open_timeout=10) as ws:
        if init:
            ws.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode())
        with contextlib.suppress(ConnectionClosed):  # frames the server sent before closing are still read below
            for message in messages:
                ws.send(message)
        deadline = time.monotonic() + 0.3
        try:
            while time.monotonic() < deadline:
                try:
                    raw = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
                frame = orjson.loads(raw)
                refused = refused or frame.get("type") == "connection_error"
                payload = frame.get("payload")
                errors = payload if isinstance(payload, list) else [payload] if frame.get("type") == "error" else (payload or {}).get("errors") if isinstance(payload, dict) else None
                for error in errors or []:
                    code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
                    assert code != "INTERNAL_SERVER_ERROR", frame
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            assert code in CLEAN_CLOSES or (code == 1011 and refused), (code, closed)
    assert rows(db) == before or init, "a refused websocket wrote rows"


@hypothesis_settings(max_examples=max(10, EXAMPLES // 4), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(messages=frames(TRANSPORT_TYPES), init=st.booleans())
def test_random_graphql_transport_ws_frames(target, messages, init):
    run_socket(target, "graphql-transport-ws", messages, init)


@hypothesis_settings(max_examples=max(10, EXAMPLES // 4), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(messages=frames(LEGACY_TYPES), init=st.booleans())
def test_random_graphql_ws_frames(target, messages, init):
    run_socket(target, "graphql-ws", messages, init)


# What fuzzing (and the issue) found; each once answered 500 or INTERNAL_SERVER_ERROR.
REGRESSIONS = {
    "invalid UTF-8 body": (b'{"query": "{ viewer { id } }\xff\xfe"}', "application/json", 400, "BAD_REQUEST"),
    "variables nested 5,000 arrays deep": (
        b'{"query": "query($a: [Int]) { __typename }", "variables": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        "application/json", 400, "BAD_REQUEST"),
    "subscription in a plain JSON request": (orjson.dumps({"query": SEED_DOCUMENTS[4], "variables": {"id": "x"}}), "application/json", 400, "SUBSCRIPTION_NEEDS_STREAM"),
    "UTF-16 body": ('{"query": "{ __typename }"}'.encode("utf-16"), "application/json", 400, "BAD_REQUEST"),
    "unsupported content type": (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 400, "BAD_REQUEST"),
    "a JSON body that is no object": (b"0", "application/json", 400, "BAD_REQUEST"),
    "a null JSON body": (b"null", "application/json", 400, "BAD_REQUEST"),
    "empty selection set": (b'{"query": "{}"}', "application/json", 200, "GRAPHQL_VALIDATION_FAILED"),
    "lone surrogate in the document": (b'{"query": "{ __typename \\ud800 }"}', "application/json", 400, "BAD_REQUEST"),
}


@pytest.mark.parametrize("case", list(REGRESSIONS))
def test_regressions(target, case):
    body, content_type, status, code = REGRESSIONS[case]
    http, db, *_ = target
    before = rows(db)
    response = http.post("/graphql", content=body, headers={"content-type": content_type})
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (status, code), response.text
    assert rows(db) == before


@pytest.mark.parametrize("protocol, message", [
    ("graphql-transport-ws", {"type": "subscribe", "id": "1", "payload": None}),
    ("graphql-transport-ws", {"type": "subscribe", "id": 1, "payload": {"query": "{ __typename }"}}),
    ("graphql-ws", {"type": "start", "payload": {"query": "{ __typename }"}}),
    ("graphql-ws", {"type": "stop"}),
    ("graphql-ws", {"type": "start", "id": "1", "payload": {"query": 5}}),
    ("graphql-transport-ws", {"type": "subscribe", "id": "1", "payload": {"query": ""}}),
])
def test_malformed_websocket_messages_close_with_4400(target, protocol, message):
    """Found by fuzzing: each failed Strawberry's handler (no close frame, 1011 or an internal error)."""
    http, db, token, session, url = target
    with connect(url.replace("http", "ws") + "/graphql", subprotocols=[protocol], open_timeout=10) as ws:
        ws.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode())
        assert orjson.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(orjson.dumps(message).decode())
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd.code == 4400


@pytest.mark.parametrize("body", [b'{"query": "0"}', b'{"query": ""}', b'{}'])
def test_a_stream_request_without_a_runnable_document_is_refused_before_streaming(target, body):
    """Found by fuzzing: with Accept text/event-stream, an unparseable document broke the stream mid-body
    and a missing one streamed INTERNAL_SERVER_ERROR."""
    http = target[0]
    response = http.post("/graphql", content=body, headers={"content-type": "application/json", "accept": "text/event-stream"})
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (400, "GRAPHQL_PARSE_FAILED")


def test_blank_get_parameters_mean_none(target):
    """Found by fuzzing: `variables=` and `variables=null` were refused by the executor and read as none by the compiled lane."""
    http = target[0]
    for blank in ("", "null"):
        response = http.get("/graphql", params={"query": "{ __typename }", "variables": blank, "operationName": "", "extensions": blank})
        assert response.json() == {"data": {"__typename": "Query"}}


def test_deep_variables_through_get_are_refused(target):
    http = target[0]
    response = http.get("/graphql", params={"query": "query($a: [Int]) { __typename }", "variables": '{"a": ' + "[" * 3000 + "]" * 3000 + "}"})
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (400, "BAD_REQUEST")
