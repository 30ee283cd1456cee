"""Users."""

from db.models import User
from loaders.base import RowByIdLoader


class UserByIdLoader(RowByIdLoader):
    model = User
