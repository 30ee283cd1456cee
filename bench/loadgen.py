"""A lean closed-loop HTTP/1.1 load generator, run as its own process by `bench.run`.

`concurrency` keep-alive connections each send the next request as soon as the previous
answer is read, for a fixed duration after a short warm-up. Raw asyncio streams (uvloop
when installed) keep the client's cost per request to a few tens of microseconds, far
below the server's, so the server is what is measured. Every answer must be 200 without
an `"errors"` entry; the counts of failures are reported.

Input (a JSON file): {"host", "port", "path", "requests": [{"body": str, "token": str|null}],
"concurrency", "duration", "warmup"}. Output (stdout, JSON): requests, failures, seconds,
latencies in ms (sorted), cpu (the generator's own CPU seconds, warm-up included).
"""

from __future__ import annotations

import asyncio
import os
import resource
import select
import sys
import time

import orjson


def encode(host: str, port: int, path: str, body: str, token: str | None) -> bytes:
    payload = body.encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\n{auth}Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    return status, await reader.readexactly(length)


async def worker(cfg: dict, requests: list[bytes], offset: int, stop_warmup: float, stop: float, out: dict) -> None:
    reader, writer = await asyncio.open_connection(cfg["host"], cfg["port"])
    i = offset
    n = len(requests)
    latencies = out["latencies"]
    try:
        while True:
            t0 = time.perf_counter()
            if t0 >= stop:
                break
            writer.write(requests[i % n])
            i += 1
            status, body = await read_response(reader)
            t1 = time.perf_counter()
            if t0 < stop_warmup:
                continue
            if status != 200 or b'"errors"' in body:
                out["failures"] += 1
                if out["failures"] <= 3:
                    sys.stderr.write(f"loadgen: {status} {body[:300]!r}\n")
            latencies.append((t1 - t0) * 1000)
    finally:
        writer.close()


async def run(cfg: dict) -> dict:
    requests = [encode(cfg["host"], cfg["port"], cfg.get("path", "/graphql"), r["body"], r.get("token")) for r in cfg["requests"]]
    out = {"latencies": [], "failures": 0}
    start = time.perf_counter()
    stop_warmup = start + cfg.get("warmup", 1.0)
    stop = stop_warmup + cfg["duration"]
    spread = max(1, len(requests) // cfg["concurrency"])
    await asyncio.gather(*(worker(cfg, requests, k * spread, stop_warmup, stop, out) for k in range(cfg["concurrency"])))
    seconds = time.perf_counter() - stop_warmup
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"requests": len(out["latencies"]), "failures": out["failures"], "seconds": seconds, "latencies": sorted(out["latencies"]),
            "cpu": usage.ru_utime + usage.ru_stime}


def main() -> None:
    cfg = orjson.loads(open(sys.argv[1], "rb").read())
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        runner = asyncio.run
    result = orjson.dumps(runner(run(cfg)))
    # The loop may leave stdout non-blocking; a fast case's latencies (megabytes) would then be cut
    # off at the pipe's capacity.
    fd = sys.stdout.fileno()
    os.set_blocking(fd, True)
    sys.stdout.flush()
    view = memoryview(result)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # the pipe was made non-blocking again by whoever shares it
            select.select([], [fd], [])


if __name__ == "__main__":
    main()
