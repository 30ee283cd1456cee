"""Generic batch loaders: rows by id, child rows by parent, pages, counts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Select, any_, bindparam, func, select, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased


@dataclass(frozen=True)
class PageRequest:
    """A validated slice: `limit` rows after (or before) `cursor` in `order` direction."""

    limit: int
    cursor: tuple | None = None
    backward: bool = False


@dataclass
class Page:
    rows: list[Any]
    has_more: bool


class BaseLoader(DataLoader):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker

    async def fetch(self, stmt: Select) -> list[Any]:
        async with self.sessionmaker() as session:
            return list((await session.execute(stmt)).all())


class RowByIdLoader(BaseLoader):
    """One model row per id, or None.

    One statement per model, built once (`id = ANY(:keys)`): no statement construction, cache
    key or expanding IN per batch, and one prepared statement whatever the batch's size."""

    model: Any
    _by_ids: Select | None = None

    @classmethod
    def statement(cls) -> Select:
        if cls.__dict__.get("_by_ids") is None:
            cls._by_ids = select(cls.model).where(cls.model.id == any_(bindparam("keys", type_=ARRAY(UUID(as_uuid=True)))))
        return cls._by_ids

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Any]:
        async with self.sessionmaker() as session:
            rows = (await session.execute(self.statement(), {"keys": list(keys)})).all()
        by_id = {row.id: row for (row,) in rows}
        return [by_id.get(key) for key in keys]


class RowsByParentLoader(BaseLoader):
    """All child rows of each parent, in `order_by` order (for short, bounded lists)."""

    model: Any
    parent_column: str
    order_by: tuple[str, ...] = ("position",)

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[list[Any]]:
        parent = getattr(self.model, self.parent_column)
        stmt = select(self.model).where(parent.in_(keys)).order_by(
            *(getattr(self.model, c) for c in self.order_by)
        )
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for (row,) in await self.fetch(stmt):
            grouped[getattr(row, self.parent_column)].append(row)
        return [grouped.get(key, []) for key in keys]


class Keyset:
    """Ordering and cursor condition for keyset pagination over `columns`, all one direction."""

    def __init__(self, columns: Sequence[ColumnElement], descending: bool) -> None:
        self.columns = list(columns)
        self.descending = descending

    def order(self, backward: bool) -> list[ColumnElement]:
        desc = self.descending != backward
        return [c.desc() if desc else c.asc() for c in self.columns]

    def after(self, cursor: tuple, backward: bool) -> ColumnElement[bool]:
        desc = self.descending != backward
        key, value = tuple_(*self.columns), tuple_(*cursor)
        return key < value if desc else key > value

    def apply(self, stmt: Select, page: PageRequest) -> Select:
        if page.cursor is not None:
            stmt = stmt.where(self.after(page.cursor, page.backward))
        return stmt.order_by(*self.order(page.backward)).limit(page.limit + 1)


def to_page(rows: list[Any], page: PageRequest) -> Page:
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if page.backward:
        rows.reverse()
    return Page(rows, has_more)


class PageByParentLoader(BaseLoader):
    """One page of child rows per parent id, fetched for all parents in one LATERAL query.

    The page request and filters are fixed per loader instance (the registry keys
    loaders by them), so every parent in a batch asks for the same slice.
    """

    model: Any
    parent_column: str
    sort_columns: tuple[str, ...]
    descending: bool = False

    def __init__(self, sessionmaker, page: PageRequest, spec: Any = None) -> None:
        super().__init__(sessionmaker)
        self.page = page
        self.filters = tuple(self.where(spec)) if spec is not None else ()

    @classmethod
    def where(cls, spec: Any) -> list[ColumnElement[bool]]:
        """Turn the loader's hashable filter spec into SQL conditions."""
        return []

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[Page]:
        parents = select(func.unnest(func.cast(list(keys), ARRAY(UUID(as_uuid=True)))).label("pid")).subquery("p")
        keyset = Keyset([getattr(self.model, c) for c in self.sort_columns], self.descending)
        inner = keyset.apply(
            select(self.model).where(getattr(self.model, self.parent_column) == parents.c.pid, *self.filters),
            self.page,
        ).lateral("rows")
        row_alias = aliased(self.model, inner)
        alias_keyset = Keyset([getattr(row_alias, c) for c in self.sort_columns], self.descending)
        stmt = (
            select(row_alias)
            .select_from(parents.join(inner, true()))
            .order_by(parents.c.pid, *alias_keyset.order(self.page.backward))
        )
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for (row,) in await self.fetch(stmt):
            grouped[getattr(row, self.parent_column)].append(row)
        return [to_page(grouped.get(key, []), self.page) for key in keys]


class CountByParentLoader(BaseLoader):
    """How many child rows each parent has, under the same filters as `page_loader`."""

    page_loader: type[PageByParentLoader]

    def __init__(self, sessionmaker, spec: Any = None) -> None:
        super().__init__(sessionmaker)
        self.filters = tuple(self.page_loader.where(spec)) if spec is not None else ()

    async def batch_load_fn(self, keys: Sequence[uuid.UUID]) -> list[int]:
        parent = getattr(self.page_loader.model, self.page_loader.parent_column)
        stmt = select(parent, func.count()).where(parent.in_(keys), *self.filters).group_by(parent)
        counts = dict(await self.fetch(stmt))
        return [counts.get(key, 0) for key in keys]
