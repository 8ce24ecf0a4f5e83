"""Writing a batch of journal cells (marks, attendance entries) in bulk: the write
pipeline's last steps for rows already checked one by one by `validate()`.

The journal grid checks each typed cell with the pipeline's ordered checks (segment,
right, locks, values, year) on a detached row, then hands the good cells here:
one upsert per table (INSERT … ON CONFLICT DO UPDATE … RETURNING) writes the new and
changed cells, one DELETE the cleared ones, and one INSERT their audit rows — so a
column of 30 marks costs as many statements as a column of 3. The entry stamps of
new rows (entered_at, entered_by_id) are set here as the flush sets them elsewhere.

On PostgreSQL the rows go as one array per column (`INSERT … SELECT … FROM unnest(…)`):
the statement's text is the same for 3 cells as for 30, so psycopg keeps it prepared and
PostgreSQL plans it once, where a multi-row VALUES list was a new statement of hundreds of
parameters, parsed and planned again for every batch. SQLite takes the multi-row VALUES.

The caller holds the journal's write lock and read the cells under it, so its
compare-with-old is exact against every other grid save. A row another path (REST,
an import) inserted into an empty cell meanwhile is not overwritten: the upsert
updates a stored row only when its entry stamps are the ones the caller read (a
changed row keeps its first entry's stamps, a new one carries this save's), so such
a cell comes back missing from RETURNING and `ConcurrentCell` asks the caller to
read the batch again, where that cell becomes a conflict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import Attendance, AuditLog, Mark
from app.pipeline.audit import acting_user
from app.security import accounts

# model → (audit entity, the cell's key columns, its value columns)
CELLS = {
    Mark: ("mark", ("assignment_id", "student_id"), ("value_id", "is_duty", "comment")),
    Attendance: ("attendance", ("lesson_id", "student_id"), ("code_id",)),
}


class ConcurrentCell(Exception):
    """A cell was written by another path between the read and the write: read the batch again."""


@dataclass
class CellWrite:
    """One cell's change: `values` the new value columns (None: the cell is cleared),
    `stored` the row as read under the lock (None: the cell was empty), `texts` the
    audit's readable old → new per changed field, `group_id`/`entry_date` where it is."""
    model: type
    key: tuple
    values: dict | None
    stored: dict | None
    texts: dict = field(default_factory=dict)
    group_id: int | None = None
    entry_date: Any = None


def know_journal(session: Session, group, scale_id: int | None) -> None:
    """Tells the pipeline's per-flush caches what the caller read under the journal's
    lock (the group with its year; the scale the batch checks against), so that each
    cell's checks do not read them again."""
    session.info.setdefault("parta_pipeline_closed_years", {})[group.year.id] = bool(group.year.is_closed)
    if group.grade_scale_id is None and scale_id is not None:
        session.info.setdefault("parta_default_scales", {})[group.school_id] = scale_id


# The columns a batch writes, per table: the cell's key, its values and the entry stamps.
def _upsert_columns(model) -> tuple:
    _entity, keys, columns = CELLS[model]
    return ("school_id", *keys, *columns, "entered_at", "entered_by_id")


_AUDIT_COLUMNS = ("entity", "row_id", "action", "field", "old_value", "new_value", "user_id", "at", "address",
                  "subject_group_id", "student_id", "entry_date", "school_id")


def _element_type(column_type):
    """A column's type for its array parameter; texts without their length, as a cast to
    VARCHAR(n) would cut a longer one silently (the pipeline's checks refuse it first)."""
    return String() if isinstance(column_type, String) else column_type


def _from_arrays(table, names: tuple):
    """SELECT the named columns FROM unnest(one array parameter per column) (PostgreSQL)."""
    arrays = [bindparam(name, type_=postgresql.ARRAY(_element_type(table.c[name].type))) for name in names]
    rows = func.unnest(*arrays).table_valued(*names).render_derived(name="batch")
    return select(*(rows.c[name] for name in names))


@lru_cache(maxsize=8)
def _upsert_statement(dialect_name: str, model):
    """The upsert of a table's cells, built once per process. PostgreSQL: the rows as
    arrays (one parameter set); SQLite: executed with one parameter set per cell, which
    SQLAlchemy sends as one INSERT … VALUES (…), (…) … RETURNING ("insertmanyvalues")."""
    _entity, keys, columns = CELLS[model]
    table = model.__table__
    if dialect_name == "postgresql":
        names = _upsert_columns(model)
        insert = postgresql.insert(table).from_select(names, _from_arrays(table, names), include_defaults=False)
    else:
        insert = sqlite.insert(table)
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[table.c.school_id, *(table.c[k] for k in keys)],
        set_={c: excluded[c] for c in columns},
        # only the row that was read: a row inserted meanwhile has other stamps
        where=and_(table.c.entered_at.is_not_distinct_from(excluded.entered_at),
                   table.c.entered_by_id.is_not_distinct_from(excluded.entered_by_id)),
    ).returning(table.c.id, *(table.c[k] for k in keys))


@lru_cache(maxsize=2)
def _audit_statement(dialect_name: str):
    """The audit rows of a batch in one statement. PostgreSQL: as arrays; SQLite: RETURNING
    makes SQLAlchemy send them as one multi-row INSERT (without it, one execution per row)."""
    table = AuditLog.__table__
    if dialect_name == "postgresql":
        return table.insert().from_select(_AUDIT_COLUMNS, _from_arrays(table, _AUDIT_COLUMNS), include_defaults=False)
    return table.insert().returning(table.c.id)


def _execute_rows(session: Session, statement, dialect_name: str, names: tuple, rows: list):
    """Runs a batch statement with its rows: as one array per column on PostgreSQL."""
    if dialect_name == "postgresql":
        return session.execute(statement, {name: [row[name] for row in rows] for name in names})
    return session.execute(statement, rows)


def write_cells(session: Session, school_id: int, writes: list) -> None:
    """Upserts, deletes and audits the cells in a constant number of statements."""
    if not writes:
        return
    user = accounts.acting_user()
    now = utcnow()
    ids: dict = {}
    dialect_name = session.get_bind().dialect.name
    for model, (entity, keys, columns) in CELLS.items():
        table = model.__table__
        upserts = [w for w in writes if w.model is model and w.values is not None]
        if upserts:
            rows = []
            for w in upserts:
                stamp = ((w.stored["entered_at"], w.stored["entered_by_id"]) if w.stored is not None
                         else (now, getattr(user, "id", None)))
                rows.append({"school_id": school_id, **dict(zip(keys, w.key)), **w.values,
                             "entered_at": stamp[0], "entered_by_id": stamp[1]})
            found = _execute_rows(session, _upsert_statement(dialect_name, model), dialect_name,
                                  _upsert_columns(model), rows)
            for row in found:
                ids[(model, tuple(row[1:]))] = row[0]
            if any((model, w.key) not in ids for w in upserts):
                raise ConcurrentCell()
        cleared = [w.stored["id"] for w in writes if w.model is model and w.values is None and w.stored is not None]
        if cleared:
            session.execute(delete(table).where(table.c.id.in_(cleared)))
    _audit(session, school_id, writes, ids, now, dialect_name)


def _audit(session: Session, school_id: int, writes: list, ids: dict, now, dialect_name: str) -> None:
    user_id, address = acting_user()
    rows = []
    for w in writes:
        entity = CELLS[w.model][0]
        action = "delete" if w.values is None else ("update" if w.stored is not None else "create")
        row_id = w.stored["id"] if w.stored is not None else ids.get((w.model, w.key))
        for name, (old, new) in w.texts.items():
            if old == new:
                continue
            rows.append({"user_id": user_id, "address": address, "at": now, "entity": entity, "row_id": row_id,
                         "action": action, "school_id": school_id, "subject_group_id": w.group_id,
                         "student_id": w.key[1], "entry_date": w.entry_date, "field": name,
                         "old_value": old, "new_value": new})
    if rows:
        result = _execute_rows(session, _audit_statement(dialect_name), dialect_name, _AUDIT_COLUMNS, rows)
        if dialect_name != "postgresql":
            result.all()
