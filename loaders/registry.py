"""The per-request loader registry."""

from __future__ import annotations

from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import read_sessionmaker

L = TypeVar("L", bound=DataLoader)


# How loaders behave: "batched" (the default: batching and a per-request cache),
# "uncached" (batching without the cache) and "naive" (no batching, no cache: every key
# costs its own query, the N+1 baseline the benchmark compares against). Results must
# be identical in every mode.
LOADER_MODES = ("batched", "uncached", "naive")


class Loaders:
    """Creates each loader on first use; one instance per (loader class, arguments)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], mode: str = "batched") -> None:
        if mode not in LOADER_MODES:
            raise ValueError(f"loader mode must be one of {LOADER_MODES}, not {mode!r}")
        self.writes = sessionmaker
        # Loaders only read, one statement each: autocommit sessions (see db.engine).
        self.sessionmaker = read_sessionmaker(sessionmaker)
        self.mode = mode
        self._loaders: dict[tuple, DataLoader] = {}

    def fresh(self) -> Loaders:
        """A new registry in the same mode (after a write, reads must see it)."""
        return Loaders(self.writes, self.mode)

    def get(self, cls: type[L], *args: Any) -> L:
        key = (cls, *args)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = cls(self.sessionmaker, *args)
            if self.mode != "batched":
                # aiodataloader reads both flags at each load().
                loader.cache = False
                loader.batch = self.mode != "naive"
        return loader  # type: ignore[return-value]
