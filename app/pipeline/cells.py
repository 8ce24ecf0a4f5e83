"""Writing a batch of journal cells (marks, attendance entries) in bulk: the write
pipeline's last steps for rows already checked one by one by `validate()`.

The journal grid checks each typed cell with the pipeline's ordered checks (segment,
right, locks, values, year) on a detached row, then hands the good cells here:
one upsert per table (INSERT … ON CONFLICT DO UPDATE … RETURNING) writes the new and
changed cells, one DELETE the cleared ones, and one INSERT their audit rows — so a
column of 30 marks costs as many statements as a column of 3. The entry stamps of
new rows (entered_at, entered_by_id) are set here as the flush sets them elsewhere.

On PostgreSQL the whole batch is one statement: the upserts, the deletes and the audit
are data-modifying parts (WITH … AS (INSERT … RETURNING …)) of one SELECT that answers the
written cells' ids; the audit rows of new cells take their ids from the upsert's RETURNING
inside the statement. The rows go as one JSON text per table (`… FROM
json_to_recordset(…) AS batch(column TYPE, …)`): the statement's text is the same for 3
cells as for 30, so psycopg keeps it prepared and PostgreSQL plans it once, where a
multi-row VALUES list was a new statement of hundreds of parameters, parsed and planned
again for every batch; and PostgreSQL reads the JSON in C, where an array per column made
psycopg write each value in Python. SQLite takes an upsert and a delete
per table and one INSERT of the audit, each with multi-row VALUES.

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

import orjson
from sqlalchemy import Integer, String, and_, any_, bindparam, column, delete, func, literal, select, union_all
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


def know_journal(session: Session, group, scale_id: int | None, settings=None) -> None:
    """Tells the pipeline's per-flush caches what the caller read under the journal's
    lock (the group with its year; the scale the batch checks against; the school's lock
    settings), so that each cell's checks do not read them again."""
    session.info.setdefault("parta_pipeline_closed_years", {})[group.year.id] = bool(group.year.is_closed)
    if settings is not None:
        session.info.setdefault("parta_pipeline_settings", {})[group.school_id] = settings
    if group.grade_scale_id is None and scale_id is not None:
        session.info.setdefault("parta_default_scales", {})[group.school_id] = scale_id


# The columns a batch writes, per table: the cell's key, its values and the entry stamps.
def _upsert_columns(model) -> tuple:
    _entity, keys, columns = CELLS[model]
    return ("school_id", *keys, *columns, "entered_at", "entered_by_id")


_AUDIT_COLUMNS = ("entity", "row_id", "action", "field", "old_value", "new_value", "user_id", "at", "address",
                  "subject_group_id", "student_id", "entry_date", "school_id")


def _element_type(column_type):
    """A column's type in the batch's record set; texts without their length, as VARCHAR(n)
    would cut a longer one silently (the pipeline's checks refuse it first)."""
    return String() if isinstance(column_type, String) else column_type


def _records(types: dict, parameter: str, name: str):
    """FROM json_to_recordset(:parameter) AS name(column TYPE, …) (PostgreSQL): the rows go
    as one JSON text (`_json_rows`)."""
    columns = [column(key, _element_type(kind)) for key, kind in types.items()]
    return func.json_to_recordset(bindparam(parameter, type_=postgresql.JSON())).table_valued(*columns) \
        .render_derived(name=name, with_types=True)


def _json_rows(rows: list, names: tuple) -> str:
    """The rows for `_records`, each a JSON object of `names` (dates and times as ISO texts)."""
    return orjson.dumps([{name: row[name] for name in names} for row in rows]).decode()


@lru_cache(maxsize=8)
def _upsert_statement(dialect_name: str, model):
    """The upsert of a table's cells. PostgreSQL: the rows as one JSON text (parameter
    `entity_rows`); SQLite: executed with one parameter set per cell, which SQLAlchemy
    sends as one INSERT … VALUES (…), (…) … RETURNING ("insertmanyvalues")."""
    entity, keys, columns = CELLS[model]
    table = model.__table__
    if dialect_name == "postgresql":
        names = _upsert_columns(model)
        rows = _records({name: table.c[name].type for name in names}, f"{entity}_rows", f"{entity}_batch")
        insert = postgresql.insert(table).from_select(names, select(*(rows.c[name] for name in names)),
                                                      include_defaults=False)
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


@lru_cache(maxsize=64)
def _batch_statement(shape: tuple):
    """PostgreSQL: the whole batch as one statement, built once per shape — which tables
    have upserts and deletes, whether there is an audit: ((model, upserts, deletes), …), audit.
    It answers (entity, id, first key, student id) of every upserted cell."""
    parts, audit = shape
    written, ctes = {}, []
    for model, upserts, deletes in parts:
        entity, keys, _columns = CELLS[model]
        table = model.__table__
        if upserts:
            written[entity] = (_upsert_statement("postgresql", model).cte(f"{entity}_written"), keys)
            ctes.append(written[entity][0])
        if deletes:
            ids = bindparam(f"{entity}_cleared", type_=postgresql.ARRAY(Integer))
            ctes.append(delete(table).where(table.c.id == any_(ids)).returning(table.c.id).cte(f"{entity}_cleared"))
    if audit:
        log = AuditLog.__table__
        types = {name: log.c[name].type for name in _AUDIT_COLUMNS}
        types["cell"] = Integer()  # the cell's first key (assignment, lesson): finds a new cell's id
        rows = _records(types, "audit_rows", "audit_batch")
        row_id = rows.c.row_id
        found = select(rows)
        for entity, (cte, keys) in written.items():
            found = found.outerjoin(cte, and_(rows.c.entity == entity, rows.c.row_id.is_(None),
                                              cte.c[keys[0]] == rows.c.cell, cte.c[keys[1]] == rows.c.student_id))
            row_id = func.coalesce(row_id, cte.c.id)
        columns = [row_id if name == "row_id" else rows.c[name] for name in _AUDIT_COLUMNS]
        # a cell the upsert did not write (see ConcurrentCell) has no audit row: the caller rolls back
        found = found.with_only_columns(*columns).where(row_id.is_not(None))
        ctes.append(log.insert().from_select(_AUDIT_COLUMNS, found, include_defaults=False)
                    .returning(log.c.id).cte("audited"))
    answers = [select(literal(entity), cte.c.id, cte.c[keys[0]], cte.c[keys[1]]) for entity, (cte, keys) in written.items()]
    statement = union_all(*answers) if len(answers) > 1 else answers[0] if answers else select(literal(None))
    return statement.add_cte(*ctes)


@lru_cache(maxsize=2)
def _audit_statement():
    """SQLite: the audit rows of a batch in one statement (RETURNING makes SQLAlchemy send
    them as one multi-row INSERT; without it, one execution per row)."""
    table = AuditLog.__table__
    return table.insert().returning(table.c.id)


def write_cells(session: Session, school_id: int, writes: list) -> None:
    """Upserts, deletes and audits the cells in a constant number of statements (one on
    PostgreSQL); raises ConcurrentCell when a cell was written meanwhile by another path."""
    if not writes:
        return
    user = accounts.acting_user()
    now = utcnow()
    upserts, cleared = {}, {}
    for model, (entity, keys, columns) in CELLS.items():
        upserts[model] = []
        for w in writes:
            if w.model is model and w.values is not None:
                stamp = ((w.stored["entered_at"], w.stored["entered_by_id"]) if w.stored is not None
                         else (now, getattr(user, "id", None)))
                upserts[model].append((w.key, {"school_id": school_id, **dict(zip(keys, w.key)), **w.values,
                                                "entered_at": stamp[0], "entered_by_id": stamp[1]}))
        cleared[model] = [w.stored["id"] for w in writes if w.model is model and w.values is None and w.stored is not None]
    audit = _audit_rows(school_id, writes, now)
    one_statement = session.get_bind().dialect.name == "postgresql"
    if one_statement:
        ids = _write_in_one_statement(session, upserts, cleared, audit)
    else:
        ids = _write_in_statements(session, upserts, cleared)
    if any((model, key) not in ids for model, rows in upserts.items() for key, _row in rows):
        raise ConcurrentCell()
    if not one_statement and audit:
        session.execute(_audit_statement(), [
            {**{name: row[name] for name in _AUDIT_COLUMNS}, "row_id": row["row_id"] or ids[(row["model"], row["key"])]}
            for row in audit]).all()


def _write_in_one_statement(session: Session, upserts: dict, cleared: dict, audit: list) -> dict:
    params: dict = {}
    parts = []
    for model, (entity, _keys, _columns) in CELLS.items():
        parts.append((model, bool(upserts[model]), bool(cleared[model])))
        if upserts[model]:
            params[f"{entity}_rows"] = _json_rows([row for _key, row in upserts[model]], _upsert_columns(model))
        if cleared[model]:
            params[f"{entity}_cleared"] = cleared[model]
    if audit:
        params["audit_rows"] = _json_rows(audit, (*_AUDIT_COLUMNS, "cell"))
    entities = {CELLS[model][0]: model for model in CELLS}
    connection = session.connection()
    sql, constants = _compiled_batch((tuple(parts), bool(audit)), connection.dialect)
    found = connection.exec_driver_sql(sql, {**constants, **params})
    return {(entities[row[0]], (row[2], row[3])): row[1] for row in found if row[0] is not None}


@lru_cache(maxsize=64)
def _compiled_batch(shape: tuple, dialect) -> tuple:
    """The batch statement's SQL and its constant parameters, compiled once per shape:
    SQLAlchemy does not keep PostgreSQL's INSERT … ON CONFLICT in its compiled cache, and
    compiling it anew cost every save about 2 ms. The parameters are plain texts and
    lists, which psycopg sends as they are (the SQL casts each to its type)."""
    compiled = _batch_statement(shape).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)  # the batch's rows replace the placeholders


def _write_in_statements(session: Session, upserts: dict, cleared: dict) -> dict:
    ids = {}
    for model, rows in upserts.items():
        if rows:
            for row in session.execute(_upsert_statement("sqlite", model), [row for _key, row in rows]):
                ids[(model, tuple(row[1:]))] = row[0]
        if cleared[model]:
            table = model.__table__
            session.execute(delete(table).where(table.c.id.in_(cleared[model])))
    return ids


def _audit_rows(school_id: int, writes: list, now) -> list:
    """The audit rows of the batch; a new cell's row_id is None until its upsert answers
    it (`model`, `key` and `cell` find it)."""
    user_id, address = acting_user()
    rows = []
    for w in writes:
        entity = CELLS[w.model][0]
        action = "delete" if w.values is None else ("update" if w.stored is not None else "create")
        row_id = w.stored["id"] if w.stored is not None else None
        for name, (old, new) in w.texts.items():
            if old == new:
                continue
            rows.append({"user_id": user_id, "address": address, "at": now, "entity": entity, "row_id": row_id,
                         "action": action, "school_id": school_id, "subject_group_id": w.group_id,
                         "student_id": w.key[1], "entry_date": w.entry_date, "field": name,
                         "old_value": old, "new_value": new, "cell": w.key[0], "model": w.model, "key": w.key})
    return rows
