"""Persisted queries and the request body limit, in front of the GraphQL view.

Automatic persisted queries (Apollo's protocol): a client sends
`extensions.persistedQuery.sha256Hash` without the query; an unknown hash answers
PERSISTED_QUERY_NOT_FOUND, and the client retries with hash and query, which
registers it (after checking the hash). Documents are kept in Redis (shared by every
process) or, without Redis, in process. Works over POST and GET.

Allow-list mode (`PERSISTED_QUERIES=allowlist`): only documents in the manifest
(`PERSISTED_QUERIES_FILE`, JSON `{sha256: document}`) run, by hash or by text;
anything else answers 403 PERSISTED_QUERY_NOT_ALLOWED, and nothing new registers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from db.outages import outages
from server.http_errors import failure_response

log = logging.getLogger(__name__)

MEMORY_ENTRIES = 10_000
REDIS_TTL = 30 * 24 * 3600


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class MemoryStore:
    def __init__(self) -> None:
        self.documents: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        document = self.documents.get(digest)
        if document is not None:
            self.documents.move_to_end(digest)
        return document

    async def put(self, digest: str, document: str) -> None:
        self.documents[digest] = document
        if len(self.documents) > MEMORY_ENTRIES:
            self.documents.popitem(last=False)


class RedisStore:
    """Documents shared by every process. With Redis down a hash reads as unknown, so
    clients send the document itself, and registering it is skipped: requests still run."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def get(self, digest: str) -> str | None:
        try:
            raw = await self.redis.get(f"repgraph:apq:{digest}")
        except Exception as exc:
            if not outages.report(exc):
                raise
            return None
        return raw.decode() if raw is not None else None

    async def put(self, digest: str, document: str) -> None:
        try:
            await self.redis.set(f"repgraph:apq:{digest}", document, ex=REDIS_TTL)
        except Exception as exc:
            if not outages.report(exc):
                raise


def load_manifest(path: str | None) -> dict[str, str]:
    """The allow-list: {sha256: document}; every hash is checked against its document."""
    if not path:
        raise RuntimeError("PERSISTED_QUERIES=allowlist needs PERSISTED_QUERIES_FILE (JSON {sha256: document})")
    manifest = json.loads(Path(path).read_text())
    for digest, document in manifest.items():
        if sha256(document) != digest:
            raise RuntimeError(f"{path}: the hash {digest} does not match its document")
    return manifest


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


# A multipart request (a progress photo upload) may carry a file of up to 10 MB: the limit grows by
# that much plus room for the form's other parts; the photo's own limit answers BAD_USER_INPUT.
UPLOAD_ALLOWANCE = 10 * 1024 * 1024 + 256 * 1024


def body_limit(scope, limit: int) -> int:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    return limit + UPLOAD_ALLOWANCE if content_type.lower().startswith(b"multipart/form-data") else limit


class PersistedQueryMiddleware:
    """Pure ASGI middleware for HTTP requests to /graphql: body limit, APQ, allow-list."""

    def __init__(self, app, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        settings = self.state.settings
        try:
            if scope["method"] == "POST":
                body = await self._read_body(scope, receive, body_limit(scope, settings.max_body_bytes))
                body = await self._post(scope, body)
                receive = replay_body(body, receive)
            elif scope["method"] == "GET" and scope.get("query_string"):
                scope = {**scope, "query_string": await self._get(scope["query_string"])}
        except _Refusal as refusal:
            await _respond(send, refusal.status, refusal.code, refusal.message)
            return
        except Exception as exc:  # noqa: BLE001 - coded like the view's own failures, never a bare 500
            await failure_response(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _read_body(self, scope, receive, limit: int) -> bytes:
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _Refusal(413, "REQUEST_TOO_LARGE", f"Request bodies are limited to {limit} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refusal(413, "REQUEST_TOO_LARGE", f"Request bodies are limited to {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _post(self, scope, body: bytes) -> bytes:
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        if not content_type.startswith(b"application/json"):
            return body
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # the view answers malformed JSON itself
        if not isinstance(payload, dict):
            return body
        query = await self._resolve(payload.get("query"), payload.get("extensions"))
        if query is not None and query != payload.get("query"):
            payload["query"] = query
            return orjson.dumps(payload)
        return body

    async def _get(self, query_string: bytes) -> bytes:
        params = dict(parse_qsl(query_string.decode("latin-1")))
        extensions = params.get("extensions")
        try:
            parsed = orjson.loads(extensions) if extensions else None
        except orjson.JSONDecodeError:
            parsed = None
        query = await self._resolve(params.get("query"), parsed)
        if query is not None and query != params.get("query"):
            params["query"] = query
            return urlencode(params).encode()
        return query_string

    async def _resolve(self, query: Any, extensions: Any) -> str | None:
        """The document to run, after checking the allow-list and persisted-query extensions."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        allowlist = self.state.persisted_allowlist
        if digest is None:
            if allowlist is not None and isinstance(query, str) and sha256(query) not in allowlist:
                raise _Refusal(403, "PERSISTED_QUERY_NOT_ALLOWED", "Only registered documents may run on this server")
            return query
        if not isinstance(digest, str) or persisted.get("version", 1) != 1:
            raise _Refusal(400, "PERSISTED_QUERY_INVALID", "persistedQuery needs version 1 and a sha256Hash")
        if allowlist is not None:
            known = allowlist.get(digest)
            if known is None or (isinstance(query, str) and query != known):
                raise _Refusal(403, "PERSISTED_QUERY_NOT_ALLOWED", "Only registered documents may run on this server")
            return known
        store = self.state.persisted_store
        if store is None:
            raise _Refusal(400, "PERSISTED_QUERY_NOT_SUPPORTED", "Persisted queries are turned off on this server")
        if isinstance(query, str):
            if sha256(query) != digest:
                raise _Refusal(400, "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash does not match the query")
            await store.put(digest, query)
            return query
        known = await store.get(digest)
        if known is None:
            # 200, as Apollo clients expect, so that they retry with the full document.
            raise _Refusal(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        return known


def replay_body(body: bytes, receive):
    """The request body once, then the client's own messages: a streaming response (a
    subscription over multipart HTTP or SSE) waits on them to learn when the client leaves."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
