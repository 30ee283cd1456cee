"""`make run` without MONGO_URL: an embedded SecantusDB starts beside the app, serves it, and stops with it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import psutil

from tests.servers import AppServer


def test_the_server_starts_and_stops_its_own_mongodb(database_url, redis_url, settings):
    data = Path(tempfile.mkdtemp(prefix="repgraph-data-"))
    server = AppServer(database_url, redis_url, settings.secret_key)  # no MONGO_URL
    server.env.pop("MONGO_URL", None)
    server.env["DATA_DIR"] = str(data)
    try:
        server.start()
        ready = httpx.get(server.url + "/readyz", timeout=10).json()
        assert ready["checks"]["mongo"] == "ok", ready
        url = (data / "mongo" / "repgraph-url").read_text()  # where `make service-key` finds it
        children = psutil.Process(server.proc.pid).children(recursive=True)
        (mongo,) = [p for p in children if any("secantusd" in part for part in p.cmdline())]
        assert str(data / "mongo") in mongo.cmdline() and url.startswith("mongodb://127.0.0.1:")
    finally:
        server.stop()
    assert not mongo.is_running() or mongo.status() == psutil.STATUS_ZOMBIE
    assert not (data / "mongo" / "repgraph-url").exists()
    shutil.rmtree(data, ignore_errors=True)
