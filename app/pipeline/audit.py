"""The audit of the journal (act 001; «Отчёт о доступе к классному журналу»): the
last step of the write pipeline. Every create, change and delete of a mark,
attendance entry, lesson, assignment, period or final mark writes one row per
changed field — who, when, from which address, old → new — including the moves
(a mark to another assignment or student, an assignment to another lesson, a
lesson to another date or journal, a new weight or type of work) and every entry
removed with its parent (app/pipeline/locks.py deletes those through the pipeline).

The rows' journal, student and entry date come from the same resolver as the
locks (app/pipeline/position.py): the position after the change, or before it for
a deleted row; the rows go to the database in one statement after the flush.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from flask import has_request_context, request
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, AuditLog, FinalMark, FinalMarkColumn, GradeScaleValue,
    JournalUnlock, Lesson, Mark, PeriodMark, Student, StudyPeriod, SubjectGroup,
)
from app.models.people import short_name
from app.pipeline.position import UNSCOPED, Move

# model → (entity, fields written on create, change and delete, fields written on a change only: the moves)
AUDITED = {
    Mark: ("mark", ("value_id", "is_duty", "comment"), ("assignment_id", "student_id")),
    Attendance: ("attendance", ("code_id", "comment"), ("lesson_id", "student_id")),
    Lesson: ("lesson", ("topic", "homework", "date", "is_cancelled"), ("subject_group_id",)),
    Assignment: ("assignment", ("type_id", "weight", "title"), ("lesson_id",)),
    PeriodMark: ("period_mark", ("value_id", "comment"), ("period_id", "student_id", "subject_group_id")),
    FinalMark: ("final_mark", ("value_id",), ("column_id", "student_id", "subject_group_id")),
    # an unlock is granted and may be closed early: both show in the journal's audit
    JournalUnlock: ("unlock", ("date_from", "date_to", "until", "reason", "closed_at"), ()),
}


def acting_user() -> tuple[Optional[int], Optional[str]]:
    if not has_request_context():
        return None, None
    from app.security.scoping import request_user

    user = request_user()
    return (getattr(user, "id", None), request.remote_addr)


def _names(session: Session, model, columns) -> dict:
    """id → readable text of a dictionary (codes, names), read once per flush."""
    cache = session.info.setdefault("parta_audit_names", {})
    if model not in cache:
        cache[model] = dict(session.execute(select(model.id, *columns), execution_options=UNSCOPED).all())
    return cache[model]


def _row_text(session: Session, model, ident: int) -> str:
    row = session.get(model, ident, execution_options=UNSCOPED)
    if row is None:
        return str(ident)
    if isinstance(row, Lesson):
        return f"{row.date:%d.%m.%Y}, {row.number}"
    if isinstance(row, Assignment):
        kind = session.get(AssignmentType, row.type_id, execution_options=UNSCOPED)
        lesson = session.get(Lesson, row.lesson_id, execution_options=UNSCOPED)
        return " ".join(p for p in (kind.abbr if kind else "", f"{lesson.date:%d.%m.%Y}" if lesson else "") if p)
    if isinstance(row, Student):
        return short_name(row.last_name, row.first_name, row.middle_name)
    return str(getattr(row, "name", ident))


DICTIONARIES = {"value_id": (GradeScaleValue, (GradeScaleValue.code,)), "code_id": (AttendanceCode, (AttendanceCode.code,)),
                "type_id": (AssignmentType, (AssignmentType.name,))}
ROWS = {"lesson_id": Lesson, "assignment_id": Assignment, "student_id": Student, "period_id": StudyPeriod,
        "column_id": FinalMarkColumn, "subject_group_id": SubjectGroup}


def _text(session: Session, field: str, value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if field in DICTIONARIES:
        model, columns = DICTIONARIES[field]
        return str(_names(session, model, columns).get(value, value))
    if field in ROWS:
        return _row_text(session, ROWS[field], value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.datetime):
        from flask_babel import to_user_timezone

        return to_user_timezone(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, (float, Decimal)):
        text = f"{Decimal(str(value)).normalize():f}"
        return text.replace(".", ",")
    return str(value)


def _context(move: Move, action: str) -> dict:
    end = move.before if action == "delete" else (move.after or move.before)
    if end is None:
        return {"subject_group_id": None, "student_id": None, "entry_date": None}
    return {"subject_group_id": end.group_id, "student_id": end.student_id, "entry_date": end.entry_date}


def capture(session: Session, changes: list) -> None:
    """Remembers, before the flush, where each audited row is (its parents may be
    gone after it); the rows are written after the flush, when new rows have ids."""
    pending = session.info.setdefault("parta_audit_pending", [])
    for change in changes:
        if isinstance(change.obj, JournalUnlock):
            group = change.obj.subject_group_id or getattr(change.obj.subject_group, "id", None)
            where = {"subject_group_id": group, "student_id": None, "entry_date": change.obj.date_from}
            pending.append((change.obj, change.action, where, None))
        elif type(change.obj) in AUDITED:
            pending.append((change.obj, change.action, _context(change.move, change.action),
                            _context(Move(change.move.before, None), "delete") if change.move.moved else None))


def _values(obj: Any, field: str, action: str) -> Optional[tuple]:
    history = inspect(obj).attrs[field].history
    if action == "create":
        new = getattr(obj, field)
        return None if new is False else (None, new)  # a new mark without «точка» says nothing about it
    if action == "delete":
        old = history.deleted[0] if history.deleted else getattr(obj, field)
        return None if old is False else (old, None)
    if not history.has_changes():
        return None
    return (history.deleted[0] if history.deleted else None, history.added[0] if history.added else None)


def write(session: Session, flush_context) -> None:
    """After the flush: one row per changed field of every captured journal row."""
    pending = session.info.pop("parta_audit_pending", [])
    if not pending:
        return
    user_id, address = acting_user()
    now = utcnow()
    # the audit outlives the journal and the student it names when they are deleted
    gone_groups = {o.id for o in session.deleted if isinstance(o, SubjectGroup)}
    gone_students = {o.id for o in session.deleted if isinstance(o, Student)}
    rows = []
    with session.no_autoflush:
        for obj, action, context, old_context in pending:
            entity, fields, moves = AUDITED[type(obj)]
            base = {"user_id": user_id, "address": address, "at": now, "entity": entity, "row_id": obj.id,
                    "action": action, "school_id": obj.school_id}
            for field in fields + (moves if action == "update" else ()):
                found = _values(obj, field, action)
                if found is None:
                    continue
                old_text, new_text = _text(session, field, found[0]), _text(session, field, found[1])
                if old_text == new_text:
                    continue
                where = dict(old_context if field == "subject_group_id" and old_context else context)
                if where["subject_group_id"] in gone_groups:
                    where["subject_group_id"] = None
                if where["student_id"] in gone_students:
                    where["student_id"] = None
                rows.append({**base, **where, "field": field, "old_value": old_text, "new_value": new_text})
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)
