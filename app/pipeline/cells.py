"""Writing a batch of journal cells (marks, attendance entries) in bulk: the write
pipeline's last steps for rows already checked one by one by `validate()`.

The journal grid checks each typed cell with the pipeline's ordered checks (segment,
right, locks, values, year) on a detached row, then hands the good cells here:
one upsert per table (INSERT … ON CONFLICT DO UPDATE … RETURNING) writes the new and
changed cells, one DELETE the cleared ones, and one INSERT their audit rows — so a
column of 30 marks costs as many statements as a column of 3. The entry stamps of
new rows (entered_at, entered_by_id) are set here as the flush sets them elsewhere.

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

from sqlalchemy import and_, delete
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


@lru_cache(maxsize=8)
def _upsert_statement(dialect_name: str, model):
    """The upsert of a table's cells, built once per process: executed with one parameter set
    per cell, SQLAlchemy sends it as one INSERT … VALUES (…), (…) … RETURNING (its
    "insertmanyvalues"), where a statement with the rows' values inside was built and
    compiled again for every batch."""
    _entity, keys, columns = CELLS[model]
    table = model.__table__
    insert = (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)(table)
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[table.c.school_id, *(table.c[k] for k in keys)],
        set_={c: excluded[c] for c in columns},
        # only the row that was read: a row inserted meanwhile has other stamps
        where=and_(table.c.entered_at.is_not_distinct_from(excluded.entered_at),
                   table.c.entered_by_id.is_not_distinct_from(excluded.entered_by_id)),
    ).returning(table.c.id, *(table.c[k] for k in keys))


# The audit rows of a batch: RETURNING makes SQLAlchemy send them as one multi-row INSERT
# (without it, one execution per row).
_AUDIT_INSERT = AuditLog.__table__.insert().returning(AuditLog.__table__.c.id)


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
            for row in session.execute(_upsert_statement(dialect_name, model), rows):
                ids[(model, tuple(row[1:]))] = row[0]
            if any((model, w.key) not in ids for w in upserts):
                raise ConcurrentCell()
        cleared = [w.stored["id"] for w in writes if w.model is model and w.values is None and w.stored is not None]
        if cleared:
            session.execute(delete(table).where(table.c.id.in_(cleared)))
    _audit(session, school_id, writes, ids, now)


def _audit(session: Session, school_id: int, writes: list, ids: dict, now) -> None:
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
        session.execute(_AUDIT_INSERT, rows).all()
