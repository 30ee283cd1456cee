"""Users, their sign-ins and coaching relationships."""

from sqlalchemy import select

from db.models import CoachingRelationship, User, UserProgress, UserSession
from loaders.base import BaseLoader, RowByIdLoader


class UserByIdLoader(RowByIdLoader):
    model = User


class UserProgressByUserIdLoader(BaseLoader):
    """A user's training totals, or None before their first write."""

    async def batch_load_fn(self, keys):
        rows = await self.fetch(select(UserProgress).where(UserProgress.user_id.in_(keys)))
        found = {row.user_id: row for (row,) in rows}
        return [found.get(key) for key in keys]


class SignInSessionByIdLoader(RowByIdLoader):
    model = UserSession


class CoachingRelationshipByIdLoader(RowByIdLoader):
    model = CoachingRelationship
