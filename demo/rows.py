"""Bulk INSERTs of the demo's rows.

They bypass the flush hooks of the write pipeline (app/pipeline): every row is
valid by construction (marks from the group's scale, one class per student at a
time, dates inside the year), carries its `school_id` explicitly, and
tests/test_demo.py runs the pipeline's checks over what the demo wrote.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import insert, select

from app.extensions import db

INSERT_CHUNK = 200  # rows per INSERT … RETURNING call

_checks: list[Callable[[type, dict], None]] = []


@contextmanager
def checking(check: Callable[[type, dict], None]) -> Iterator[None]:
    """While active, every row is passed to `check(model, row)` just before it is
    written, and the rows are written one at a time: each is checked against all the
    rows written before it, as if each were saved on its own (tests/test_demo.py runs
    the write pipeline's checks so)."""
    _checks.append(check)
    try:
        yield
    finally:
        _checks.remove(check)


def _batches(model, rows: list[dict], size: int) -> Iterator[list[dict]]:
    if not _checks:
        yield from (rows[start:start + size] for start in range(0, len(rows), size))
        return
    for row in rows:
        for check in _checks:
            check(model, row)
        yield [row]


def insert_ids(model, rows: list[dict]) -> list[int]:
    """Bulk-inserts rows and returns their new ids in the same order.

    Sent in small chunks: SQLAlchemy splices the RETURNING rows of its batches in
    time quadratic in their number (on SQLite a batch is one row). Big tables use
    insert_keyed() instead.
    """
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for batch in _batches(model, rows, INSERT_CHUNK):
        ids += db.session.scalars(statement, batch)
    return ids


def insert_rows(model, rows: list[dict]) -> None:
    """Bulk-inserts rows whose ids nobody needs.

    A Core INSERT of the table: the ORM's bulk INSERT would split the rows into
    many small batches wherever their None values differ.
    """
    for batch in _batches(model, rows, max(len(rows), 1)):
        db.session.execute(model.__table__.insert(), batch)


def insert_keyed(model, rows: list[dict], *key: str) -> list[int]:
    """Bulk-inserts one school's rows, then reads their ids back by a key unique among them."""
    if not rows:
        return []
    insert_rows(model, rows)
    columns = [getattr(model, name) for name in key]
    query = select(model.id, *columns).where(model.school_id == rows[0]["school_id"])
    found = {tuple(r[1:]): r[0] for r in db.session.execute(query, execution_options={"parta_unscoped": True})}
    return [found[tuple(row[name] for name in key)] for row in rows]
