"""A municipality's database can later be distributed by school with an existing engine (Citus
on PostgreSQL; README, «A region on Citus»): every school-scoped table carries `school_id`, and
it leads each of the table's indexes and unique constraints, so that a unique key or a hot read
never spans two schools' shards."""
from __future__ import annotations

from sqlalchemy import UniqueConstraint

from app.models.base import Model, SchoolScoped


def _scoped_tables() -> dict:
    return {cls.__table__.name: cls.__table__ for cls in Model.registry._class_registry.values()
            if isinstance(cls, type) and issubclass(cls, SchoolScoped) and hasattr(cls, "__table__")}


def test_every_school_scoped_table_has_a_school_id_that_may_not_be_empty():
    tables = _scoped_tables()
    assert len(tables) > 50  # the journal, people, timetable, movement, reports, communication…
    assert not [name for name, table in tables.items() if table.c.school_id.nullable]


def test_school_id_leads_every_index_and_unique_constraint_of_a_school_scoped_table():
    wrong = []
    for name, table in sorted(_scoped_tables().items()):
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.columns.keys()[:1] != ["school_id"]:
                wrong.append(f"{name}: unique {constraint.columns.keys()}")
        for index in table.indexes:
            if index.columns.keys()[:1] != ["school_id"]:
                wrong.append(f"{name}: index {index.name} {index.columns.keys()}")
        wrong += [f"{name}: unique column {column.name}" for column in table.columns if column.unique]
    assert wrong == []
