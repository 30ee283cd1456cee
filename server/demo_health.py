"""`make demo`, progress photos: two of sam's (one shared with his coach, maya; one private) and
one of noa's, drawn here, stored like an upload (re-encoded, thumbnail, GridFS) with that day's
weight. Idempotent: athletes who already have photos are left alone."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from db.demo_health import today_in
from db.engine import create_engine, create_sessionmaker
from db.models import BodyMetric, ProgressPhoto, User
from documents import photos as files
from documents.store import DocumentStore
from resolvers.photos import clean_image

log = logging.getLogger(__name__)
# (athlete, days ago, kind, shared with the coach, notes)
PHOTOS = [("sam", 13, "front", True, "Start of the cut"), ("sam", 0, "front", True, "Two weeks in"),
          ("sam", 0, "side", False, "Just for me"), ("noa", 0, "back", False, "Back day pump")]


def _drawing(label: str, hue: int) -> bytes:
    image = Image.new("RGB", (600, 800), (hue, 120, 200 - hue // 2))
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 60, 380, 220), fill=(240, 210, 180))
    draw.rectangle((200, 230, 400, 560), fill=(240, 210, 180))
    draw.text((20, 20), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


async def load(url: str, mongo_url: str) -> int:
    engine = create_engine(url, pool_size=1)
    store = DocumentStore(mongo_url, timeout_ms=10_000)
    sessionmaker = create_sessionmaker(engine)
    made, stored = 0, []
    try:
        async with sessionmaker.begin() as session:
            users = {u.username: u for u in (await session.execute(select(User).where(User.username.in_({p[0] for p in PHOTOS})))).scalars()}
            done = set((await session.execute(select(ProgressPhoto.user_id).group_by(ProgressPhoto.user_id))).scalars())
            for i, (name, back, kind, shared, notes) in enumerate(PHOTOS):
                user = users.get(name)
                if user is None or user.id in done:
                    continue
                day = today_in(user.timezone) - timedelta(days=back)
                encoded = clean_image(_drawing(f"{name} {day} {kind}", 40 + 30 * i), "image/jpeg")
                metrics = (await session.execute(select(BodyMetric).where(BodyMetric.user_id == user.id, BodyMetric.recorded_on == day))).scalar()
                file_id = await files.put(store, f"{user.id}/demo-{i}", encoded.image, encoded.content_type, str(user.id))
                stored.append(file_id)
                thumb_id = await files.put(store, f"{user.id}/demo-{i}.thumb", encoded.thumbnail, encoded.content_type, str(user.id))
                stored.append(thumb_id)
                session.add(ProgressPhoto(user_id=user.id, taken_on=day, kind=kind, shared_with_coach=shared, notes=notes,
                                          weight_kg=metrics.weight_kg if metrics else None, body_fat_pct=metrics.body_fat_pct if metrics else None,
                                          file_id=file_id, thumbnail_id=thumb_id, content_type=encoded.content_type,
                                          size_bytes=len(encoded.image), width=encoded.width, height=encoded.height))
                made += 1
        return made
    except BaseException:
        await files.remove(store, *stored)  # the rows were not written: their files go too
        raise
    finally:
        await store.close()
        await engine.dispose()


def load_photos(url: str, mongo_url: str) -> None:
    count = asyncio.run(load(url, mongo_url))
    log.info("demo: %d progress photos (GridFS)", count)
