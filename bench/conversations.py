"""`make bench`'s conversation cases: a page of 50 messages, sendMessage, and how soon a sent message
reaches its conversation's subscriber with 100 conversations active.

Runs one server process on the bench database with MongoDB from MONGO_URL, else a SecantusDB of its
own (in memory). `python -m bench.conversations` runs these cases alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

import httpx
import psycopg

from bench import dataset
from documents.embedded import EmbeddedMongo
from domain.security import hash_password
from tests.servers import AppServer
from tests.wsclient import TRANSPORT_WS, WsClient

PREFIX = "bench_chat_"
CONVERSATIONS = 100
PAGE_SIZE = 50
START = 'mutation { startConversation(input: {kind: ASSISTANT, title: "Bench"}) { conversation { id } } }'
SEND = "mutation($c: ID!, $t: String!) { sendMessage(input: {conversationId: $c, content: $t}) { message { id } } }"
PAGE = """query Page($id: ID!) { node(id: $id) { ... on Conversation {
  messages(first: 50) { edges { node { id content role language sentAt author { id username displayName } } } } } } }"""
EVENTS = "subscription($c: ID!) { conversationEvents(conversationId: $c) { ... on MessageSent { message { content } } } }"


def users(url: str, secret: str, count: int) -> list[str]:
    """`count` accounts of the bench's own (any earlier ones removed): their tokens."""
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM users WHERE username LIKE %s", (PREFIX + "%",))
        password = hash_password(uuid.uuid4().hex)  # nobody signs in with it: tokens are issued directly
        ids = [conn.execute("INSERT INTO users (email, username, password_hash, display_name) VALUES (%s, %s, %s, %s) RETURNING id",
                            (f"{PREFIX}{i}@bench.dev", f"{PREFIX}{i}", password, f"Chat {i}")).fetchone()[0] for i in range(count)]
        conn.commit()
    return [dataset.session_token(url, secret, uid) for uid in ids]


def remove_users(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM users WHERE username LIKE %s", (PREFIX + "%",))


async def prepare(base: str, tokens: list[str]) -> list[str]:
    """One conversation per user, the first with a full page of messages."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        async def gql(query: str, variables: dict, token: str) -> dict:
            answer = (await http.post("/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"})).json()
            assert not answer.get("errors"), answer
            return answer["data"]

        ids = [(await gql(START, {}, t))["startConversation"]["conversation"]["id"] for t in tokens]
        for i in range(PAGE_SIZE + 10):
            await gql(SEND, {"c": ids[0], "t": f"seed {i}"}, tokens[0])
        return ids


async def delivery(base: str, tokens: list[str], ids: list[str], messages: int) -> dict:
    """Milliseconds from sending a message (HTTP) to its subscriber receiving it, one subscriber per conversation."""
    sockets = []
    for token, conversation in zip(tokens, ids):
        ws = await WsClient.open(base, TRANSPORT_WS, token)
        await ws.subscribe(EVENTS, {"c": conversation})
        sockets.append(ws)
    await asyncio.sleep(1.0)
    latencies = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for k in range(messages):
            i = k % len(ids)
            sent = time.perf_counter()
            response = await http.post("/graphql", json={"query": SEND, "variables": {"c": ids[i], "t": f"live {k}"}},
                                       headers={"Authorization": f"Bearer {tokens[i]}"})
            assert "errors" not in response.json(), response.text
            payload = await sockets[i].next_payload(timeout=10)
            latencies.append((time.perf_counter() - sent) * 1000)
            assert payload["data"]["conversationEvents"]["message"]["content"] == f"live {k}", payload
    for ws in sockets:
        await ws.close()
    latencies.sort()
    from bench.run import pct

    return {"messages": messages, "conversations": len(ids), "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99)}


def run(database_url: str, secret: str, levels: list[int], duration: float, messages: int = 300) -> dict:
    from bench.run import load

    mongo = None
    mongo_url = os.environ.get("MONGO_URL")
    if not mongo_url:
        mongo = EmbeddedMongo(":memory:").start()
        mongo_url = mongo.url("repgraph_bench")
    server = AppServer(database_url, None, secret, mongo_url)
    server.env.update(LOG_LEVEL="warning", GRAPHIQL="0")
    rows = []
    try:
        tokens = users(database_url, secret, CONVERSATIONS)
        server.start()
        ids = asyncio.run(prepare(server.url, tokens))
        page = [{"body": _body(PAGE, {"id": ids[0]}), "token": tokens[0]}]
        sends = [{"body": _body(SEND, {"c": ids[i], "t": "bench message"}), "token": tokens[i]} for i in range(len(ids))]
        for case, requests in ((f"conversation page ({PAGE_SIZE} messages, authors)", page), ("sendMessage", sends)):
            for c in levels:
                r = load(server, requests, c, duration)
                rows.append({"case": case, "concurrency": c, **r})
                print(f"  {case:36s} c={c:<3d} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms"
                      + (f"  ({r['failures']} failed)" if r["failures"] else ""), flush=True)
        live = asyncio.run(delivery(server.url, tokens, ids, messages))
        print(f"  sendMessage → subscriber ({live['conversations']} conversations live): p50 {live['p50']:.1f} ms  p99 {live['p99']:.1f} ms",
              flush=True)
        return {"rows": rows, "delivery": live, "mongo": "MONGO_URL" if mongo is None else "SecantusDB 0.7.0b3 (embedded, in memory)"}
    finally:
        server.stop()
        remove_users(database_url)
        if mongo is not None:
            mongo.cleanup()


def _body(query: str, variables: dict) -> str:
    from bench.run import body

    return body(query, variables)


def main() -> None:
    from db.embedded import with_database
    from db.setup import ensure_database, prepare as migrate, resolve_database_url
    from server.settings import ROOT

    parser = argparse.ArgumentParser(prog="python -m bench.conversations")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--messages", type=int, default=300, help="messages timed from sendMessage to their subscriber")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL") or resolve_database_url(None, ROOT / ".data" / "bench")
    url = ensure_database(with_database(server_url, "postgres"), "repgraph_bench_chat")
    migrate(url)
    run(url, "bench-secret-" + uuid.uuid4().hex, [int(c) for c in args.concurrency.split(",")], args.duration, args.messages)


if __name__ == "__main__":
    main()
