"""Programs, their days and the exercises planned on each day."""

from db.models import Program, ProgramDay, ProgramExercise
from loaders.base import CountByParentLoader, PageByParentLoader, RowByIdLoader, RowsByParentLoader


class ProgramByIdLoader(RowByIdLoader):
    model = Program


class ProgramDayByIdLoader(RowByIdLoader):
    model = ProgramDay


class ProgramExerciseByIdLoader(RowByIdLoader):
    model = ProgramExercise


class ProgramDaysByProgramIdLoader(RowsByParentLoader):
    model = ProgramDay
    parent_column = "program_id"


class ProgramExercisesByProgramDayIdLoader(RowsByParentLoader):
    model = ProgramExercise
    parent_column = "program_day_id"


class ProgramPageByOwnerIdLoader(PageByParentLoader):
    """Newest first."""

    model = Program
    parent_column = "owner_id"
    sort_columns = ("created_at", "id")
    descending = True


class ProgramCountByOwnerIdLoader(CountByParentLoader):
    page_loader = ProgramPageByOwnerIdLoader
