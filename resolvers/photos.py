"""Progress photos: checked by their content, re-encoded without metadata, stored in GridFS with a
thumbnail, described by a PostgreSQL row, and served through short-lived signed links.

Upload order keeps the two stores consistent: the files are written first; the row is inserted
after, and if that fails the files are deleted again before the error reaches the client (no
orphan file). A failed file write stops before any row exists (no orphan row). Deleting a photo
deletes its files inside the row's transaction: if MongoDB is away the delete fails and the row
stays (a retry finishes it; a file already gone is no error).

EXIF (camera, time, GPS location) never leaves the upload: the image is decoded, turned upright
by its orientation tag, and encoded afresh from its pixels alone, so no EXIF, XMP, ICC or text
chunk of the original survives.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select

from db.models import BodyMetric, ProgressPhoto
from documents import photos as files
from resolvers import validation
from resolvers.access import writable
from resolvers.context import Context
from resolvers.errors import BadUserInput, ServiceUnavailable
from resolvers.goals import local_today
from resolvers.health import _day

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000  # larger images are refused before they are decoded (decompression bombs)
THUMBNAIL_SIZE = (320, 320)
LINK_SECONDS = 300  # how long a signed link works
# Pillow's format → the content type stored and served.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
VARIANTS = ("image", "thumbnail")


@dataclass(frozen=True)
class Encoded:
    content_type: str
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _save(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    options = {"JPEG": {"quality": 90}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}[fmt]
    image.save(out, fmt, **options)
    return out.getvalue()


def clean_image(data: bytes, declared: str | None) -> Encoded:
    """The upload as a JPEG, PNG or WebP without metadata, and its thumbnail; BAD_USER_INPUT on `file` otherwise."""
    if not data:
        raise BadUserInput("The file is empty", field="file")
    if len(data) > MAX_PHOTO_BYTES:
        raise BadUserInput(f"A photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB", field="file", maxBytes=MAX_PHOTO_BYTES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in FORMATS:
                raise BadUserInput(f"Only JPEG, PNG or WebP photos are accepted; this file is {fmt or 'not an image'}", field="file")
            if probe.width * probe.height > MAX_PIXELS:
                raise BadUserInput(f"A photo may have at most {MAX_PIXELS:,} pixels", field="file")
            probe.verify()  # structure and checksums; the image must be opened again to decode it
            source = Image.open(io.BytesIO(data))
            source.load()
    except BadUserInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError) as exc:
        raise BadUserInput("The file is not a readable JPEG, PNG or WebP image", field="file") from exc
    content_type = FORMATS[fmt]
    if declared and declared.lower() not in ("application/octet-stream", content_type):
        raise BadUserInput(f"The file was sent as {declared} but its content is {content_type}", field="file")
    upright = ImageOps.exif_transpose(source)
    # A new image from the pixels alone: nothing of the original's metadata comes along.
    pixels = Image.new(upright.mode, upright.size)
    pixels.paste(upright)
    if upright.mode == "P" and upright.getpalette():
        pixels.putpalette(upright.getpalette())
    thumb = pixels.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return Encoded(content_type, _save(pixels, fmt), _save(thumb, fmt), pixels.width, pixels.height)


async def read_upload(upload: Any) -> tuple[bytes, str | None]:
    """The upload's bytes (reading at most one byte past the limit) and its declared content type."""
    if not hasattr(upload, "read"):  # a value written into the document or JSON variables, not a file part
        raise BadUserInput("'file' must be a file part of a GraphQL multipart request", field="file")
    data = await upload.read(MAX_PHOTO_BYTES + 1)
    return data if isinstance(data, bytes) else data.encode(), getattr(upload, "content_type", None)


def _store(ctx: Context) -> Any:
    if ctx.documents is None:
        raise ServiceUnavailable("Photo storage (MongoDB) is not configured", retryable=False)
    return ctx.documents


async def upload_photo(ctx: Context, upload: Any, *, day: date | None, kind: str, notes: str | None, shared: bool) -> ProgressPhoto:
    viewer = await ctx.require_viewer()
    day = _day(day, local_today(viewer.timezone), "date")
    notes = validation.text(notes, "notes", max_length=2000)
    data, declared = await read_upload(upload)
    encoded = clean_image(data, declared)
    store = _store(ctx)
    name = f"{viewer.id}/{uuid.uuid4()}"
    file_id = await files.put(store, name, encoded.image, encoded.content_type, str(viewer.id))
    try:
        thumb_id = await files.put(store, f"{name}.thumb", encoded.thumbnail, encoded.content_type, str(viewer.id))
    except BaseException:
        await files.remove(store, file_id)
        raise
    try:
        async with ctx.sessionmaker.begin() as session:
            metrics = (await session.execute(
                select(BodyMetric.weight_kg, BodyMetric.body_fat_pct).where(BodyMetric.user_id == viewer.id, BodyMetric.recorded_on == day)
            )).one_or_none()
            row = ProgressPhoto(
                user_id=viewer.id, taken_on=day, kind=kind, notes=notes, shared_with_coach=shared,
                weight_kg=metrics.weight_kg if metrics else None, body_fat_pct=metrics.body_fat_pct if metrics else None,
                file_id=file_id, thumbnail_id=thumb_id, content_type=encoded.content_type, size_bytes=len(encoded.image),
                width=encoded.width, height=encoded.height,
            )
            session.add(row)
            await session.flush()
            await session.refresh(row)
    except BaseException:
        await files.remove(store, file_id, thumb_id)  # no orphan file when the metadata write fails
        raise
    ctx.fresh_loaders()
    return row


async def update_photo(ctx: Context, photo_id: uuid.UUID, *, notes=validation.UNSET, shared=validation.UNSET,
                       kind=validation.UNSET) -> ProgressPhoto:
    await ctx.require_viewer()
    async with ctx.sessionmaker.begin() as session:
        row = await writable(ctx, await session.get(ProgressPhoto, photo_id, with_for_update=True), "ProgressPhoto")
        if notes is not validation.UNSET:
            row.notes = validation.text(notes, "notes", max_length=2000)
        if shared is not validation.UNSET:
            if shared is None:
                raise BadUserInput("'sharedWithCoach' must not be null", field="sharedWithCoach")
            row.shared_with_coach = shared
        if kind is not validation.UNSET:
            if kind is None:
                raise BadUserInput("'kind' must not be null", field="kind")
            row.kind = kind
    ctx.fresh_loaders()
    return row


async def delete_photo(ctx: Context, photo_id: uuid.UUID) -> ProgressPhoto:
    await ctx.require_viewer()
    store = _store(ctx)
    async with ctx.sessionmaker.begin() as session:
        row = await writable(ctx, await session.get(ProgressPhoto, photo_id, with_for_update=True), "ProgressPhoto")
        await session.execute(delete(ProgressPhoto).where(ProgressPhoto.id == row.id))
        await files.remove(store, row.thumbnail_id, row.file_id)  # before the commit: a MongoDB failure keeps the row
    ctx.fresh_loaders()
    return row


# --- signed links -----------------------------------------------------------------------------


def _signature(secret: str, photo_id: str, variant: str, viewer_id: str, expires: int) -> str:
    message = f"{photo_id}:{variant}:{viewer_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_path(secret: str, photo_id: uuid.UUID, variant: str, viewer_id: uuid.UUID, now: float | None = None) -> str:
    """A link for `viewer_id` to one file of the photo, working for LINK_SECONDS."""
    expires = int((now or time.time()) + LINK_SECONDS)
    sig = _signature(secret, str(photo_id), variant, str(viewer_id), expires)
    return f"/photos/{photo_id}/{variant}?viewer={viewer_id}&expires={expires}&sig={sig}"


def link_url(ctx: Context, row: ProgressPhoto, variant: str) -> str:
    path = signed_path(ctx.settings.secret_key, row.id, variant, ctx.viewer_id)
    request = ctx.request
    base = str(request.base_url).rstrip("/") if request is not None and hasattr(request, "base_url") else ""
    return base + path


def verify_link(secret: str, photo_id: str, variant: str, viewer_id: str, expires: str, sig: str, now: float | None = None) -> str | None:
    """None when the link is good; else why not."""
    if variant not in VARIANTS:
        return "unknown variant"
    try:
        expiry = int(expires)
    except ValueError:
        return "bad expiry"
    if not hmac.compare_digest(_signature(secret, photo_id, variant, viewer_id, expiry), sig):
        return "bad signature"
    if expiry < (now or time.time()):
        return "expired"
    return None
