"""GET /photos/{id}/{image|thumbnail}: a progress photo's file, for the viewer its signed link names.

The link (ProgressPhoto.url, resolvers/photos.py) is signed with the app's secret and works for a
few minutes; the access rule is asked again here, with the viewer the link was made for, so a
photo made private or a coaching relationship ended stops the link at once. Every refusal is
the same 404, like an object that does not exist.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from documents import photos as files
from loaders import Loaders
from loaders.health import ProgressPhotoByIdLoader
from resolvers import photos
from resolvers.access import can_read
from resolvers.context import Context


def _not_found() -> Response:
    return JSONResponse({"errors": [{"message": "Photo not found", "extensions": {"code": "NOT_FOUND"}}]}, status_code=404)


async def photo_file(request: Request) -> Response:
    state = request.app.state
    photo_id, variant = request.path_params["photo_id"], request.path_params["variant"]
    q = request.query_params
    viewer, expires, sig = q.get("viewer", ""), q.get("expires", ""), q.get("sig", "")
    if photos.verify_link(state.settings.secret_key, photo_id, variant, viewer, expires, sig) is not None:
        return _not_found()
    try:
        key, viewer_id = uuid.UUID(photo_id), uuid.UUID(viewer)
    except ValueError:
        return _not_found()
    ctx = Context(settings=state.settings, sessionmaker=state.sessionmaker, loaders=Loaders(state.sessionmaker), viewer_id=viewer_id)
    row = await ctx.loaders.get(ProgressPhotoByIdLoader).load(key)
    if row is None or not await can_read(ctx, row) or state.documents is None:
        return _not_found()
    data = await files.get(state.documents, row.file_id if variant == "image" else row.thumbnail_id)
    if data is None:
        return _not_found()
    return Response(data, media_type=row.content_type, headers={
        "cache-control": f"private, max-age={photos.LINK_SECONDS}", "x-content-type-options": "nosniff",
        "content-disposition": "inline",
    })
