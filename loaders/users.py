"""Users."""

from sqlalchemy import select

from db.models import User, UserProgress
from loaders.base import BaseLoader, RowByIdLoader


class UserByIdLoader(RowByIdLoader):
    model = User


class UserProgressByUserIdLoader(BaseLoader):
    """A user's training totals, or None before their first write."""

    async def batch_load_fn(self, keys):
        rows = await self.fetch(select(UserProgress).where(UserProgress.user_id.in_(keys)))
        found = {row.user_id: row for (row,) in rows}
        return [found.get(key) for key in keys]
