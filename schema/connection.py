"""Relay connections with `totalCount`, built from keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

from loaders.base import Page, PageRequest
from resolvers.pagination import encode_cursor

NodeType = TypeVar("NodeType")


@strawberry.type(description="A page of a list, with Relay pagination.")
class Connection(relay.Connection[NodeType], Generic[NodeType]):
    count_fn: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds (all pages, same filters).")
    async def total_count(self) -> int:
        return await self.count_fn()


def build_connection(
    page: Page,
    request: PageRequest,
    to_node: Callable[[Any], Any],
    sort_key: Callable[[Any], tuple],
    count_fn: Callable[[], Awaitable[int]],
) -> Connection:
    rows: Sequence[Any] = page.rows
    edges = [relay.Edge(cursor=encode_cursor(sort_key(row)), node=to_node(row)) for row in rows]
    more_before = page.has_more if request.backward else False
    more_after = False if request.backward else page.has_more
    if request.cursor is not None:
        # Coming from a cursor, there is at least the cursor's row on that side.
        more_before = more_before or not request.backward
        more_after = more_after or request.backward
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=more_after,
            has_previous_page=more_before,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_fn=count_fn,
    )
