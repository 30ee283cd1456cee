"""The app's MongoDB store: opened at start-up (indexes created, or retried while MongoDB is away)
with the sweep that publishes conversation events a writer could not."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from documents import conversations as store_ops
from db.outages import MONGODB, outages
from documents.store import DocumentStore, background
from resolvers.conversation_events import publish_logged

log = logging.getLogger(__name__)

SWEEP_EVERY = 1.0  # seconds
SWEEP_AGE = timedelta(seconds=2)  # a writer normally publishes its own events well within this


async def open_documents(settings, live) -> DocumentStore | None:
    if not settings.mongo_url:
        log.warning("no MONGO_URL: conversations answer SERVICE_UNAVAILABLE")
        return None
    store = DocumentStore(settings.mongo_url, timeout_ms=settings.mongo_timeout_ms)
    # A command that succeeded is the evidence MongoDB is back after an outage (logged once).
    store.counter.on_reply = lambda began: outages.recovered(MONGODB, began)
    await store.start()
    store.tasks.append(asyncio.create_task(_sweep(store, live), name="conversation-events-sweep"))
    return store


async def _sweep(store: DocumentStore, live) -> None:
    """Publish logged events still unpublished after SWEEP_AGE (their writer died or the broker was down)."""
    background.set(True)
    while not store.closing:
        await asyncio.sleep(SWEEP_EVERY)
        try:
            pending = await store_ops.unpublished(store, store_ops.now() - SWEEP_AGE)
            if pending:
                await publish_logged(store, live, pending)
                await store_ops.mark_published(store, [item["_id"] for item in pending])
        except Exception as exc:  # noqa: BLE001 - MongoDB or the broker away: the next sweep tries again
            log.debug("conversation events sweep: %s", type(exc).__name__)

