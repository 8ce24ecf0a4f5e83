"""The audit of the journal (act 001; DESIGN.md): every create, change and delete
of a mark, attendance entry, lesson topic or homework, period or final mark
writes one row per changed field — who, when, from which address, old → new.

An `after_flush` hook, so that the grid, the CRUD views, the REST API and imports
are all audited by the same code; the rows go to the database in one statement.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask import has_request_context, request
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import (
    AttendanceCode, Attendance, AuditLog, FinalMark, GradeScaleValue, Lesson, Mark, PeriodMark,
)

# model → (entity name, audited fields)
AUDITED = {
    Mark: ("mark", ("value_id", "is_duty", "comment")),
    Attendance: ("attendance", ("code_id", "comment")),
    Lesson: ("lesson", ("topic", "homework", "date", "is_cancelled")),
    PeriodMark: ("period_mark", ("value_id", "comment")),
    FinalMark: ("final_mark", ("value_id",)),
}
# Readable names of stored ids.
CODES = {"value_id": GradeScaleValue, "code_id": AttendanceCode}



def _who() -> tuple[Optional[int], Optional[str]]:
    if not has_request_context():
        return None, None
    from app.security.scoping import _request_user

    user = _request_user()
    return (getattr(user, "id", None), request.remote_addr)


def _codes(session: Session, model) -> dict:
    cache = session.info.setdefault("parta_audit_codes", {})
    if model not in cache:
        rows = session.execute(select(model.id, model.code), execution_options={"parta_unscoped": True}).all()
        cache[model] = dict(rows)
    return cache[model]


def _text(session: Session, field: str, value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if field in CODES:
        return _codes(session, CODES[field]).get(value, str(value))
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _context(session: Session, obj: Any) -> tuple[Optional[int], Optional[int], Optional[dt.date]]:
    """(subject group, student, entry date) for the report's filters; rows made by ids
    (REST, imports) have their related rows looked up."""
    from app.checks import related

    if isinstance(obj, (Mark, Attendance)):
        lesson = related(session, obj, "lesson") if isinstance(obj, Attendance) else None
        if isinstance(obj, Mark):
            assignment = related(session, obj, "assignment")
            lesson = related(session, assignment, "lesson") if assignment is not None else None
        return (lesson.subject_group_id if lesson else None, obj.student_id, lesson.date if lesson else None)
    if isinstance(obj, Lesson):
        return obj.subject_group_id, None, obj.date
    if isinstance(obj, PeriodMark):
        period = related(session, obj, "period")
        return obj.subject_group_id, obj.student_id, period.end_date if period is not None else None
    if isinstance(obj, FinalMark):
        return obj.subject_group_id, obj.student_id, None
    return None, None, None


def _rows(session: Session, obj: Any, action: str, base: dict) -> list[dict]:
    entity, fields = AUDITED[type(obj)]
    state = inspect(obj)
    rows = []
    for field in fields:
        history = state.attrs[field].history
        if action == "create":
            old, new = None, getattr(obj, field)
            if new is False:
                continue  # a new mark without «точка» says nothing about it
        elif action == "delete":
            old, new = getattr(obj, field), None
            if old is False:
                continue
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        else:
            continue
        old_text, new_text = _text(session, field, old), _text(session, field, new)
        if old_text == new_text:
            continue
        rows.append({**base, "entity": entity, "row_id": obj.id, "action": action, "field": field,
                     "old_value": old_text, "new_value": new_text, "school_id": obj.school_id})
    return rows


def _after_flush(session: Session, flush_context) -> None:
    changes = [(o, "create") for o in session.new] + [(o, "update") for o in session.dirty] + \
              [(o, "delete") for o in session.deleted]
    changes = [(o, a) for o, a in changes if type(o) in AUDITED]
    if not changes:
        return
    user_id, address = _who()
    now = utcnow()
    rows = []
    with session.no_autoflush:
        for obj, action in changes:
            group, student, entry_date = _context(session, obj)
            base = {"user_id": user_id, "address": address, "at": now, "subject_group_id": group,
                    "student_id": student, "entry_date": entry_date}
            rows += _rows(session, obj, action, base)
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
