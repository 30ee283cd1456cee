"""The per-request loader registry."""

from __future__ import annotations

from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import read_sessionmaker

L = TypeVar("L", bound=DataLoader)


class Loaders:
    """Creates each loader on first use; one instance per (loader class, arguments)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        # Loaders only read, one statement each: autocommit sessions (see db.engine).
        self.sessionmaker = read_sessionmaker(sessionmaker)
        self._loaders: dict[tuple, DataLoader] = {}

    def get(self, cls: type[L], *args: Any) -> L:
        key = (cls, *args)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = cls(self.sessionmaker, *args)
        return loader  # type: ignore[return-value]
