"""A subscriber process: opens many websockets, follows workouts, records when each event arrives.

Run by bench/live.py; prints "ready" once every subscription has received its
workout's STARTED event (so it is live), then records (set id, receipt time)
for every SetLogged until told to stop (stdin closes), and writes them as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import orjson
from websockets.asyncio.client import connect

QUERY = """subscription($s: ID!, $a: String) { workoutEvents(sessionId: $s, after: $a) {
  __typename ... on SetLogged { setLog { id reps weight exercise { name } } } } }"""
FROM_START = "ZXZ0OjA"  # event id 0: replay the workout from its start


async def follow(url: str, token: str, session_id: str, receipts: list, ready: asyncio.Queue) -> None:
    async with connect(url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=120, ping_interval=None) as ws:
        await ws.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode())
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": {"s": session_id, "a": FROM_START}}}).decode())
        started = False
        async for raw in ws:
            now = time.time()
            message = orjson.loads(raw)
            if message["type"] == "ping":
                await ws.send('{"type":"pong"}')
                continue
            if message["type"] != "next":
                raise RuntimeError(message)
            event = message["payload"]["data"]["workoutEvents"]
            if event["__typename"] == "SetLogged":
                receipts.append((event["setLog"]["id"], now))
            elif not started:
                started = True
                ready.put_nowait(1)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--plan", required=True, help="JSON file: [[token, session id, subscriber count], ...]")
    parser.add_argument("--connect-concurrency", type=int, default=200)
    args = parser.parse_args()
    plan = orjson.loads(open(args.plan, "rb").read())
    receipts: list = []
    ready: asyncio.Queue = asyncio.Queue()
    gate = asyncio.Semaphore(args.connect_concurrency)
    tasks = []

    async def start(token: str, session_id: str) -> None:
        async with gate:
            task = asyncio.create_task(follow(args.url, token, session_id, receipts, ready))
            tasks.append(task)
            await ready.get()

    await asyncio.gather(*(start(t, s) for t, s, n in plan for _ in range(n)))
    print("ready", len(tasks), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the driver closes stdin
    with open(args.out, "wb") as f:
        f.write(orjson.dumps(receipts))
    failed = [t for t in tasks if t.done() and t.exception()]
    print("done", len(receipts), "failed", len(failed), flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
