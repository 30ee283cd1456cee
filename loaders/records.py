"""Personal records, achievements and awards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from db.models import Achievement, PersonalRecord, UserAchievement
from loaders.base import CountByParentLoader, PageByParentLoader, RowByIdLoader


@dataclass(frozen=True)
class RecordFilterSpec:
    exercise_id: uuid.UUID | None = None
    kinds: tuple[str, ...] = ()


class PersonalRecordByIdLoader(RowByIdLoader):
    model = PersonalRecord


class AchievementByIdLoader(RowByIdLoader):
    model = Achievement


class UserAchievementByIdLoader(RowByIdLoader):
    model = UserAchievement


class PersonalRecordPageByUserIdLoader(PageByParentLoader):
    """Most recent first."""

    model = PersonalRecord
    parent_column = "user_id"
    sort_columns = ("achieved_at", "id")
    descending = True

    @classmethod
    def where(cls, spec: RecordFilterSpec):
        conditions = []
        if spec.exercise_id is not None:
            conditions.append(PersonalRecord.exercise_id == spec.exercise_id)
        if spec.kinds:
            conditions.append(PersonalRecord.kind.in_(spec.kinds))
        return conditions


class PersonalRecordCountByUserIdLoader(CountByParentLoader):
    page_loader = PersonalRecordPageByUserIdLoader


class UserAchievementPageByUserIdLoader(PageByParentLoader):
    """Most recently unlocked first."""

    model = UserAchievement
    parent_column = "user_id"
    sort_columns = ("unlocked_at", "id")
    descending = True


class UserAchievementCountByUserIdLoader(CountByParentLoader):
    page_loader = UserAchievementPageByUserIdLoader
