"""The third step: the edit locks of the journal (act 001 §4.11–4.14), at both ends.

A journal entry (mark, attendance, period or final mark, and the assignment that
holds marks) is checked where it was and where it goes: editing a mark, moving it,
or deleting it all need the lock open at the stored position, and a move needs it
open at the new one too. A lesson's topic and homework are not locked; but a lesson
that holds entries is their parent: moving it to another date or journal,
cancelling or deleting it changes them, so it needs the locks of what it holds open
at both dates. Deleting a parent (a lesson, an assignment, a subject group, a
period, a final-mark column, a student) removes its entries through the pipeline
one by one — locked ones are refused and every removed one is audited — instead of
leaving them to the database's silent cascade.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import has_request_context
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.clock import school_today
from app.models import (
    Assignment, AssignmentType, Attendance, FinalMark, FinalMarkColumn, JournalUnlock, Lesson, Mark, PeriodMark, School,
    SchoolYear, Student, StudyPeriod, SubjectGroup, ThematicPlan, ThematicPlanTopic,
)
from app.pipeline.position import UNSCOPED, Move, Position
from app.rules import locks as lock_rules
from app.security.scoping import school_override_active

# A lesson's columns whose change moves (or voids) the entries it holds.
LESSON_MOVES = ("date", "subject_group_id", "is_cancelled")
# An assignment's columns that change what its marks count for (the averages, the lock kind).
ASSIGNMENT_MOVES = ("lesson_id", "type_id", "weight")


def locks_apply() -> bool:
    """Locks bind every user; code running without one (seeds, migrations, the CLI)
    writes history and is not bound."""
    return has_request_context() or school_override_active()


def _cache(session: Session, name: str) -> dict:
    return session.info.setdefault(f"parta_pipeline_{name}", {})


def _unlocks(session: Session, group_id: int) -> list:
    """The unlocks of a journal, read once per flush."""
    cache = _cache(session, "unlocks")
    if group_id not in cache:
        rows = session.execute(
            select(JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
            .where(JournalUnlock.subject_group_id == group_id, JournalUnlock.in_force()), execution_options=UNSCOPED,
        ).all()
        cache[group_id] = [lock_rules.Unlock(*row) for row in rows]
    return cache[group_id]


class _UnlocksOf:
    """A journal's unlocks, read when first iterated: the rule asks for them only about
    a date its lock closes, so a save of this week's marks does not read them."""

    def __init__(self, session: Session, group_id: int):
        self.session, self.group_id = session, group_id

    def __iter__(self):
        return iter(_unlocks(self.session, self.group_id))


def _settings(session: Session, school_id: int):
    cache = _cache(session, "settings")
    if school_id not in cache:
        school = session.get(School, school_id, execution_options=UNSCOPED)
        cache[school_id] = school.lock_settings if school is not None else None
    return cache[school_id]


def year_closed(session: Session, year_id) -> bool:
    """Whether a school year is closed, read once per year and flush."""
    if year_id is None:
        return False
    cache = _cache(session, "closed_years")
    if year_id not in cache:
        cache[year_id] = bool(session.scalar(select(SchoolYear.is_closed).where(SchoolYear.id == year_id),
                                             execution_options=UNSCOPED))
    return cache[year_id]


def check_position(session: Session, end: Position, kind: str | None = None) -> None:
    """Refuses an entry of `kind` (the position's own by default) at a position the
    lock closes, unless an unlock covers it; a closed year refuses everything."""
    kind = kind or end.kind
    closed = year_closed(session, end.year_id)
    if kind is None or end.entry_date is None:
        if closed:
            lock_rules.check_editable("mark", end.entry_date or school_today(), school_today(), year_closed=True)
        return
    # a column of cells asks for one lesson's lock thirty times: an open one is remembered for the flush
    passed = _cache(session, "open_locks")
    key = (end.school_id, end.group_id, end.year_id, kind, end.entry_date)
    if key in passed:
        return
    lock_rules.check_editable(kind, end.entry_date, school_today(), _settings(session, end.school_id),
                              _UnlocksOf(session, end.group_id), year_closed=closed)
    passed[key] = True


def held_kinds(session: Session, lesson_id: int) -> set:
    """The kinds of locked entries a stored lesson holds: its assignments (marks or
    control works) and its attendance."""
    kinds = set()
    for is_control in session.scalars(
        select(AssignmentType.is_control).join(Assignment, Assignment.type_id == AssignmentType.id)
        .where(Assignment.lesson_id == lesson_id).distinct(), execution_options=UNSCOPED,
    ):
        kinds.add("control" if is_control else "mark")
    if session.scalar(select(exists().where(Attendance.lesson_id == lesson_id)), execution_options=UNSCOPED):
        kinds.add("attendance")
    return kinds


def _changed_any(obj: Any, keys: Iterable[str]) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    for key in keys:
        if state.attrs[key].history.has_changes():
            return True
    rel = {"subject_group_id": "subject_group", "lesson_id": "lesson", "type_id": "type"}
    return any(rel.get(k) and state.attrs[rel[k]].history.has_changes() for k in keys)


def check(session: Session, obj: Any, move: Move, action: str) -> None:
    """Refuses a change of a locked journal entry at either end of its move."""
    if not locks_apply():
        return
    if isinstance(obj, Lesson):
        moves = action == "delete" or (action == "update" and _changed_any(obj, LESSON_MOVES))
        kinds = held_kinds(session, obj.id) if moves and obj.id is not None else set()
        for end in move.ends:
            for kind in sorted(kinds):
                check_position(session, end, kind)
            check_position(session, end, None)  # a closed year refuses any change of its lessons
        return
    if isinstance(obj, (ThematicPlan, ThematicPlanTopic)):
        for end in move.ends:
            check_position(session, end, None)
        return
    for end in move.ends:
        check_position(session, end)


# --- deleting a parent deletes its entries through the pipeline -----------------

def _children(session: Session, obj: Any) -> list:
    """The journal rows that the database would remove with `obj` by its cascade."""
    query = None
    if isinstance(obj, Lesson):
        return list(session.scalars(select(Attendance).where(Attendance.lesson_id == obj.id), execution_options=UNSCOPED)) + \
            list(session.scalars(select(Assignment).where(Assignment.lesson_id == obj.id), execution_options=UNSCOPED))
    if isinstance(obj, Assignment):
        query = select(Mark).where(Mark.assignment_id == obj.id)
    elif isinstance(obj, SubjectGroup):
        return list(session.scalars(select(Lesson).where(Lesson.subject_group_id == obj.id), execution_options=UNSCOPED)) + \
            list(session.scalars(select(PeriodMark).where(PeriodMark.subject_group_id == obj.id), execution_options=UNSCOPED)) + \
            list(session.scalars(select(FinalMark).where(FinalMark.subject_group_id == obj.id), execution_options=UNSCOPED))
    elif isinstance(obj, StudyPeriod):
        query = select(PeriodMark).where(PeriodMark.period_id == obj.id)
    elif isinstance(obj, FinalMarkColumn):
        query = select(FinalMark).where(FinalMark.column_id == obj.id)
    elif isinstance(obj, Student):
        return [row for model in (Mark, Attendance, PeriodMark, FinalMark)
                for row in session.scalars(select(model).where(model.student_id == obj.id), execution_options=UNSCOPED)]
    if query is None:
        return []
    return list(session.scalars(query, execution_options=UNSCOPED))


PARENTS = (Lesson, Assignment, SubjectGroup, StudyPeriod, FinalMarkColumn, Student)


def expand_deletes(session: Session) -> None:
    """Deletes through the pipeline what deleted parents hold (recursively: a group's
    lessons, their assignments, their marks), so that each removed entry is checked
    against its lock and audited."""
    seen = set()
    queue = [o for o in session.deleted if isinstance(o, PARENTS) and getattr(o, "id", None) is not None]
    while queue:
        parent = queue.pop()
        if id(parent) in seen:
            continue
        seen.add(id(parent))
        for child in _children(session, parent):
            if child not in session.deleted:
                session.delete(child)
            if isinstance(child, PARENTS):
                queue.append(child)

