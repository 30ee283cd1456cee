"""Exercises (library and custom)."""

from db.models import Exercise
from loaders.base import RowByIdLoader


class ExerciseByIdLoader(RowByIdLoader):
    model = Exercise
