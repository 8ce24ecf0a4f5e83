"""The one write pipeline.

Every change of a row — from the journal grid, a CRUD page, the REST API, an
import, a job, the NetSchool API — reaches the database through one SQLAlchemy
flush, and every flush runs one ordered list of checks over the rows it writes:

1. the school segment: new rows join the user's school, nothing leaves it, and no
   school-scoped row points at another school's row (app/pipeline/segment.py);
2. the user's right to write the row: a journal row at both ends of its move
   (rights.py); logins, their roles and the people cards' logins
   (app/security/accounts.py); another's announcement (app/security/communication.py);
3. the journal's edit locks, at both ends (locks.py); parents deleted with their
   entries delete them through the pipeline;
4. the value rules of each kind of row (rules.py, values.py), app/rules/ deciding;
5. a closed school year is read-only (rules.py);

then the entry stamps: a new mark or attendance entry gets the time and the author
of its first entry (entered_at, entered_by_id; kept by later changes, whose who and
when the audit keeps); then, after the flush, the audit of every journal change
(audit.py). "Which
school, journal and lock date does this row belong to, before and after the
change" is answered once, by app/pipeline/position.py.

Views call `validate(session, row)` to learn a rule's own message before they
write (the CRUD and REST views per row; the grid's cells many at once through
`validate_many`, the same checks with what the rows share worked out once); a row
validated so is not checked again by the flush unless it changed meanwhile.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, manager_of_class

from app.clock import utcnow
from app.models import Attendance, JournalUnlock, Lesson, Mark
from app.pipeline import audit, locks, rights, rules, segment, values
from app.pipeline.position import JOURNAL_ROWS, Move, Position, move, shared_parents
from app.rules.errors import N_, RuleViolation
from app.security import accounts, communication
from app.security.scoping import current_scope

__all__ = ["validate", "validate_many", "probe", "check_journal_write", "install", "Change"]


@dataclass
class Change:
    obj: Any
    action: str  # "create", "update" or "delete"
    move: Move


def _same(old: Any, new: Any) -> bool:
    """Equal as the user sees them: an empty text is no text, 1.50 is 1.5."""
    old, new = (None if v == "" else v for v in (old, new))
    if old is None or new is None:
        return old is new
    try:
        return old == new or float(old) == float(new)
    except (TypeError, ValueError):
        return False


def really_changed(obj: Any) -> bool:
    """A stored row with a column (or a many-to-one) really changed: a form posted
    back unchanged is no edit."""
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes() and not _same(history.deleted[0] if history.deleted else None,
                                                history.added[0] if history.added else None):
            return True
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE":
            continue
        history = state.attrs[rel.key].history
        if not history.has_changes():
            continue
        new = history.added[0] if history.added else None
        new_id = inspect(new).identity[0] if new is not None and inspect(new).identity else None
        if new is not None and new_id is None:
            return True  # a new related row
        if new_id != getattr(obj, next(iter(rel.local_columns)).key):
            return True
    return False


def _action(obj: Any, deleting: bool) -> str:
    if deleting:
        return "delete"
    return "update" if instance_state(obj).has_identity else "create"


def _change(session: Session, obj: Any, action: str) -> Change:
    if action != "delete":
        values.check_reference_ids(session, obj)  # before the move looks any row up by them
    journal = isinstance(obj, JOURNAL_ROWS)
    return Change(obj, action, move(session, obj, deleting=action == "delete") if journal else Move(None, None))


def _signature(obj: Any, action: str) -> tuple:
    """What a validated row looked like, so that the flush can tell it did not change since."""
    state = instance_state(obj)
    values = tuple(state.dict.get(attr.key) for attr in state.mapper.column_attrs)
    related = tuple(id(state.dict.get(rel.key)) for rel in state.mapper.relationships if rel.direction.name == "MANYTOONE")
    return (action, values, related)


def _segment(session: Session, change: Change) -> None:
    """The first step for one row: its school (the references follow for all rows at once)."""
    if change.action == "create":
        segment.check_new_school(session, change.obj)
    if change.action == "delete":
        segment.check_delete(session, change.obj)
    else:
        segment.stamp_school(session, change.obj)


def _run(session: Session, changes: list, whole_flush: bool = False) -> None:
    """The ordered checks: the segment of every row first (the references in one
    query per table), then for each row its right, locks, values and year; in a
    flush, the rights over logins and announcements, which look at the flush whole."""
    for change in changes:
        _segment(session, change)
    segment.check_references(session, [c.obj for c in changes if c.action != "delete"])
    if whole_flush:
        accounts.check_flush(session)  # who may create, change and reissue which login
        communication.check_flush(session)  # another's announcement only with «Управление объявлениями»
    for change in changes:
        _run_one(session, change)


def _run_one(session: Session, change: Change) -> None:
    obj, action = change.obj, change.action
    if isinstance(obj, JOURNAL_ROWS):
        rights.check(session, obj, change.move)
        locks.check(session, obj, change.move, action)
    elif isinstance(obj, JournalUnlock) and action != "delete":
        rights.check_unlock(session, obj)
    if action != "delete":
        values.check_values(session, obj)  # plausible lengths, ranges and dates of every field
    rules.check(session, obj, action)
    rules.check_year_open(session, obj)


class _Memo:
    """Rows validated before the flush, with what they looked like then (by identity:
    some models, FAB's among them, cannot be hashed)."""

    def __init__(self) -> None:
        self._rows: dict = {}

    def remember(self, obj: Any, signature: tuple) -> None:
        self._rows[id(obj)] = (weakref.ref(obj), signature)

    def unchanged(self, obj: Any, signature: tuple) -> bool:
        found = self._rows.get(id(obj))
        return found is not None and found[0]() is obj and found[1] == signature


def _memo(session: Session) -> _Memo:
    memo = session.info.get("parta_validated")
    if memo is None:
        memo = session.info["parta_validated"] = _Memo()
    return memo


def validate(session: Session, obj: Any, deleting: bool = False) -> None:
    """Runs the pipeline's checks for one row now, before the flush, raising the
    rule's RuleViolation; views call it to show the rule's own message (the grid per
    cell, CRUD and REST per row). The flush then skips the row unless it changed."""
    action = _action(obj, deleting)
    with session.no_autoflush:
        if action == "update" and not really_changed(obj):
            return  # a form posted back unchanged is no edit
        if isinstance(obj, Lesson) and action == "update":
            remember_moved_from(obj)
        _run(session, [_change(session, obj, action)])
    _memo(session).remember(obj, _signature(obj, action))


def probe(model: type, **values: Any) -> Any:
    """A new row made only to be checked by validate_many — its cell is then written in bulk,
    the row itself never flushed: its values set as the ORM sets a loaded row's, without the
    attribute events of a constructor (which cost a column of thirty cells about as much as
    their checks). The checks read a new row's values, not their history."""
    row = manager_of_class(model).new_instance()
    vars(row).update(values)
    return row


def validate_many(session: Session, rows: list) -> dict:
    """validate() for many new rows at once — a column of the grid's cells: each row
    goes through the same ordered checks, with what the rows share worked out once
    (the rows their parents point at: position.shared_parents) and the schools of the
    rows they point at read in one go. Returns index → RuleViolation of the refused
    rows. The rows are not remembered as validated (the grid writes its cells in bulk
    and drops these rows): one that is flushed later is checked again."""
    refusals: dict = {}
    changes: dict = {}
    with session.no_autoflush, shared_parents(session):
        for index, obj in enumerate(rows):
            if instance_state(obj).has_identity:
                raise ValueError("validate_many checks new rows; a stored row goes through validate()")
            try:
                change = _change(session, obj, _action(obj, False))
                _segment(session, change)
            except RuleViolation as refusal:
                refusals[index] = refusal
            else:
                changes[index] = change
        try:
            segment.check_references(session, [change.obj for change in changes.values()])
        except RuleViolation:  # one row of another school's data: row by row, to name it
            for index, change in list(changes.items()):
                try:
                    segment.check_references(session, [change.obj])
                except RuleViolation as refusal:
                    refusals[index] = refusal
                    del changes[index]
        for index, change in changes.items():
            try:
                _run_one(session, change)
            except RuleViolation as refusal:
                refusals[index] = refusal
    return refusals


def check_journal_write(session: Session, group, with_rights: bool = True) -> None:
    """The pipeline's checks for a write to a whole journal that bypasses the flush
    (the lesson calendar's bulk INSERT of empty lessons): the segment, the user's
    right to the journal, a closed year."""
    end = Position(school_id=group.school_id, group_id=group.id, year_id=group.year_id)
    with session.no_autoflush:
        if current_scope(session).read_only:
            raise RuleViolation(N_("Your account may only read data."))
        if with_rights:
            rights.check(session, group, Move(None, end))
        locks.check_position(session, end, None)


def _reset_caches(session: Session) -> None:
    for key in [k for k in session.info if k.startswith("parta_pipeline_")] + ["parta_default_scales"]:
        session.info.pop(key, None)


def _changes(session: Session) -> list:
    changes = [(o, "create") for o in session.new]
    changes += [(o, "update") for o in session.dirty if session.is_modified(o, include_collections=False)
                and really_changed(o)]
    changes += [(o, "delete") for o in session.deleted]
    return [_change(session, o, action) for o, action in changes]


def _before_flush(session: Session, flush_context, instances) -> None:
    _reset_caches(session)
    memo = _memo(session)
    with session.no_autoflush:
        locks.expand_deletes(session)
        for obj in session.dirty:
            if isinstance(obj, Lesson) and not memo.unchanged(obj, _signature(obj, "update")):
                remember_moved_from(obj)
        changes = _changes(session)
        _run(session, [c for c in changes if not memo.unchanged(c.obj, _signature(c.obj, c.action))], whole_flush=True)
        stamp_entries(changes)
        audit.capture(session, changes)


STAMPED = (Mark, Attendance)


def stamp_entries(changes: list) -> None:
    """The first entry's time and author on every new mark and attendance entry,
    whatever the path; a time given already (an import of older entries, the demo)
    is kept, and so is an author given with it."""
    user = None
    for change in changes:
        obj = change.obj
        if change.action != "create" or not isinstance(obj, STAMPED):
            continue
        if user is None:
            user = accounts.acting_user() or False
        if obj.entered_at is None:
            obj.entered_at = utcnow()
            if obj.entered_by_id is None and user:
                obj.entered_by_id = user.id


def _after_rollback(session: Session) -> None:
    session.info.pop("parta_audit_pending", None)


def remember_moved_from(lesson) -> None:
    """A generated lesson whose date is changed by hand remembers its timetable
    date, so that re-generating the calendar does not put a second lesson there —
    on every path that moves a lesson (the CRUD page, REST, imports)."""
    history = inspect(lesson).attrs.date.history
    if lesson.is_manual or not history.deleted or history.deleted[0] is None:
        return
    if lesson.moved_from is None:
        lesson.moved_from = history.deleted[0]
    if lesson.moved_from == lesson.date:
        lesson.moved_from = None  # moved back to its own date


_installed = False


def install() -> None:
    """Registers the flush hooks once per process."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", audit.write)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))
        _installed = True

