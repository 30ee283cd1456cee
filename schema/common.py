"""Helpers shared by the type modules: context access, loading through the access rule."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

import strawberry

from resolvers.access import can_read
from resolvers.context import Context

Info: TypeAlias = strawberry.Info[Context, None]


async def load_visible(info: Info, loader_cls: type, key: uuid.UUID | None) -> Any | None:
    """The row behind `key` if it exists and the viewer may read it, else None."""
    if key is None:
        return None
    row = await info.context.loaders.get(loader_cls).load(key)
    return row if await can_read(info.context, row) else None


async def viewer_language(info: Info) -> str:
    viewer = await info.context.viewer()
    language = viewer.language if viewer is not None else "en"
    # Known from here on, so per-item name fields can answer without a coroutine.
    info.context.extra["viewer_language"] = language
    return language
