"""Progress photo files in GridFS (bucket `photos`) on the conversations' MongoDB.

A photo is two files: the image (re-encoded, without metadata) and its thumbnail. Their ids go
into the photo's PostgreSQL row; PostgreSQL never holds the bytes, MongoDB never the metadata
beyond what serving needs (content type, owner for housekeeping).
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket, NoFile

BUCKET = "photos"


def bucket(store: Any) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(store.db, bucket_name=BUCKET)


async def put(store: Any, name: str, data: bytes, content_type: str, owner: str) -> str:
    file_id = await bucket(store).upload_from_stream(name, data, metadata={"contentType": content_type, "owner": owner})
    return str(file_id)


async def get(store: Any, file_id: str) -> bytes | None:
    try:
        stream = await bucket(store).open_download_stream(ObjectId(file_id))
    except NoFile:
        return None
    return await stream.read()


async def remove(store: Any, *file_ids: str) -> None:
    """Delete the files (those already gone are no error)."""
    for file_id in file_ids:
        try:
            await bucket(store).delete(ObjectId(file_id))
        except NoFile:
            pass


async def count(store: Any) -> int:
    """How many files the bucket holds (tests check that a failed upload leaves none behind)."""
    return await store.db[f"{BUCKET}.files"].count_documents({})
