"""Where a journal row sits, before and after a change: the one answer to "which
school, subject group, year and lock date does this row belong to" that the
rights, the locks and the audit of the write pipeline all ask.

A row can move: a lesson's date or group changes, an assignment goes to another
lesson, a mark to another assignment, a period mark to another period. Each
check therefore looks at both ends of the move — the row as stored ("before")
and as it is about to be written ("after"). The stored end follows the stored
keys all the way down (the mark's stored assignment, that assignment's stored
lesson, that lesson's stored date), so that a change made by ids (REST:
`{"lesson_id": 7}`) and one made by objects (forms: `mark.assignment = …`) are
seen alike, and a relationship still loaded with its old target cannot hide a
move.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.base import NO_VALUE

from app.models import (
    Assignment, Attendance, FinalMark, FinalMarkColumn, Lesson, Mark, PeriodMark, SchoolYear, StudyPeriod, SubjectGroup,
    ThematicPlan, ThematicPlanTopic,
)
from app.rules.errors import RuleViolation

BEFORE, AFTER = "before", "after"
# The pipeline must see rows as they are, whatever the user may read: a reference to
# another school's row is refused, not mistaken for a missing one.
UNSCOPED = {"parta_unscoped": True}

# Rows of the journal, each with a position.
JOURNAL_ROWS = (Lesson, Assignment, Mark, Attendance, PeriodMark, FinalMark, ThematicPlan, ThematicPlanTopic)


@dataclass(frozen=True)
class Position:
    """A journal row's place. `kind` names the lock that guards the row's own entry
    (app/rules/locks.py); lessons (topics, homework) and thematic plans have none —
    what they hold is guarded through the rows they hold."""

    school_id: Optional[int]
    group_id: Optional[int]
    year_id: Optional[int]
    kind: Optional[str] = None
    entry_date: Optional[dt.date] = None
    lesson_id: Optional[int] = None
    substitute_id: Optional[int] = None  # the lesson's substitute teacher, as stored
    student_id: Optional[int] = None

    def lock_key(self) -> tuple:
        return (self.group_id, self.kind, self.entry_date)


@dataclass(frozen=True)
class Move:
    """A row's position before a change (None: a new row) and after it (None: deleted)."""

    before: Optional[Position]
    after: Optional[Position]
    # the distinct positions the change touches, worked out once (the rights, the locks and
    # the audit each ask)
    ends: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        before, after = self.before, self.after
        if before is None or after is None or before == after:
            ends = (after or before,) if (after or before) is not None else ()
        else:
            ends = (before, after)
        object.__setattr__(self, "ends", ends)

    @property
    def moved(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


def stored(obj: Any, key: str) -> Any:
    """A column's value as stored in the database (None for a row not yet stored)."""
    state = instance_state(obj)
    if not state.has_identity:
        return None
    history = state.attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    if history.added:  # set on a stored row whose old value was never loaded: ask the database
        column = state.mapper.columns[key]
        primary_key = state.mapper.primary_key[0]
        with state.session.no_autoflush:
            return state.session.execute(select(column).where(primary_key == state.identity[0]),
                                         execution_options={"parta_unscoped": True}).scalar()
    return getattr(obj, key)


def _fk_key(obj: Any, relationship: str) -> str:
    prop = instance_state(obj).mapper.relationships[relationship]
    return next(iter(prop.local_columns)).key


_SHARED = "parta_pipeline_shared_parents"


@contextmanager
def shared_parents(session: Session):
    """Within it, what an unchanged stored row points at is worked out once per row,
    relationship and end: the write pipeline checks many new rows of one parent at
    once (a column of the grid's cells: thirty marks of one assignment, whose lesson,
    group, class and year every check asks for), and nothing changes those rows meanwhile."""
    session.info[_SHARED] = {}
    try:
        yield
    finally:
        session.info.pop(_SHARED, None)


def target(session: Session, obj: Any, relationship: str, when: str = AFTER) -> Any:
    """The row a many-to-one points at, before or after the change. After: the
    relationship if it was set, else the key if it was set, else what is there."""
    if obj is None:
        return None
    state = instance_state(obj)
    if when == AFTER and not state.has_identity:  # a new row: what it was set to, if it was (as _target)
        found = state.dict.get(relationship)
        if found is not None:
            return found
    shared = session.info.get(_SHARED)
    if shared is not None:
        key = (id(obj), relationship, when)
        found = shared.get(key)
        if found is not None and found[0] is obj:  # worked out for this unchanged stored row
            return found[1]
        if state.has_identity and not state.modified:
            shared[key] = found = (obj, _target(session, obj, relationship, when))  # obj kept: its id stays its own
            return found[1]
    return _target(session, obj, relationship, when)


def set_on_new_row(state, relationship: str) -> Any:
    """The row a new row's many-to-one was set to — what the relationship's history would
    answer, without working it out (a column of the grid's cells asks it for each new cell's
    assignment, lesson and student); None for a stored row, or when it was not set to a row."""
    return None if state.has_identity else state.dict.get(relationship)


def _target(session: Session, obj: Any, relationship: str, when: str) -> Any:
    state = instance_state(obj)
    if when == AFTER:
        found = set_on_new_row(state, relationship)
        if found is not None:
            return found
    mapper = state.mapper
    model = mapper.relationships[relationship].mapper.class_
    key = _fk_key(obj, relationship)
    if when == BEFORE:
        fk = stored(obj, key)
        return session.get(model, fk, execution_options=UNSCOPED) if fk is not None else None
    rel_history = state.attrs[relationship].history
    if rel_history.added:
        return rel_history.added[0]
    if state.attrs[key].history.added:
        fk = getattr(obj, key)
        return session.get(model, fk, execution_options=UNSCOPED) if fk is not None else None
    loaded = state.attrs[relationship].loaded_value
    if loaded is not NO_VALUE and loaded is not None:
        return loaded
    fk = getattr(obj, key)
    return session.get(model, fk, execution_options=UNSCOPED) if fk is not None else None


def value(obj: Any, key: str, when: str = AFTER) -> Any:
    return stored(obj, key) if when == BEFORE else getattr(obj, key)


def _ident(obj: Any) -> Optional[int]:
    return getattr(obj, "id", None) if obj is not None else None


def _group_position(session: Session, group: Optional[SubjectGroup], when: str, **fields) -> Optional[Position]:
    if group is None:
        return None
    year_id = value(group, "year_id", when)
    if year_id is None:  # a new group with its year set as an object
        year_id = _ident(target(session, group, "year", when))
    return Position(school_id=value(group, "school_id", when), group_id=_ident(group), year_id=year_id, **fields)


def _lesson_position(session: Session, lesson: Optional[Lesson], when: str, **fields) -> Optional[Position]:
    if lesson is None:
        return None
    group = target(session, lesson, "subject_group", when)
    return _group_position(session, group, when, entry_date=value(lesson, "date", when), lesson_id=_ident(lesson),
                           substitute_id=stored(lesson, "substitute_id") if instance_state(lesson).has_identity else None,
                           **fields)


def _marks_position(session: Session, assignment: Assignment, when: str) -> Optional[Position]:
    """The place of an assignment's marks but their student's. Within shared_parents, worked
    out once per assignment and end while the assignment, its type, lesson and journal are
    stored rows unchanged (a column of thirty cells asks it thirty times)."""
    shared = session.info.get(_SHARED)
    key = (id(assignment), "marks", when)
    if shared is not None:
        found = shared.get(key)
        if found is not None and found[0] is assignment:
            return found[1]
    kind = target(session, assignment, "type", when)
    lesson = target(session, assignment, "lesson", when)
    where = _lesson_position(session, lesson, when, kind="control" if kind is not None and kind.is_control else "mark")
    if shared is not None and lesson is not None and kind is not None and _settled(
            assignment, kind, lesson, target(session, lesson, "subject_group", when)):
        shared[key] = (assignment, where)  # the assignment kept: its id stays its own
    return where


def settled_answer(session: Session, parent: Any, name: str, answer, rows) -> Any:
    """`answer()` about a parent row (or the RuleViolation it raises), worked out once per
    parent within shared_parents while the parent and `rows(parent)` — what the answer reads —
    are stored rows unchanged; outside it, or for an unsettled parent, each time."""
    shared = session.info.get(_SHARED)
    if shared is None:
        return answer()
    key = (id(parent), name)
    found = shared.get(key)
    if found is None or found[0] is not parent:
        try:
            result = (answer(), None)
        except RuleViolation as refusal:
            result = (None, refusal)
        if _settled(parent, *rows(parent)):
            shared[key] = (parent, result)  # the parent kept: its id stays its own
    else:
        result = found[1]
    if result[1] is not None:
        raise result[1]
    return result[0]


def _with_student(where: Position, student_id: Optional[int]) -> Position:
    """An assignment's marks' place with the mark's student (dataclasses.replace, without its
    reflection: a column of thirty cells asks it thirty times)."""
    return Position(**{**where.__dict__, "student_id": student_id})


def _settled(*rows: Any) -> bool:
    """Whether rows are all stored and unchanged in this session."""
    for row in rows:
        if row is None:
            return False
        state = instance_state(row)
        if not state.has_identity or state.modified:
            return False
    return True


def position(session: Session, obj: Any, when: str = AFTER) -> Optional[Position]:
    """Where a journal row is (AFTER the change) or was (BEFORE it); None for a row
    not stored yet (BEFORE), for a row whose parents are not chosen, and for rows
    that are not journal rows."""
    if when == BEFORE and not instance_state(obj).has_identity:
        return None
    if isinstance(obj, Lesson):
        return _lesson_position(session, obj, when)
    if isinstance(obj, Assignment):
        kind = target(session, obj, "type", when)
        return _lesson_position(session, target(session, obj, "lesson", when), when,
                                kind="control" if kind is not None and kind.is_control else "mark")
    if isinstance(obj, Mark):
        assignment = target(session, obj, "assignment", when)
        where = _marks_position(session, assignment, when) if assignment is not None else None
        if where is None:
            return None
        return _with_student(where, value(obj, "student_id", when) or _ident(target(session, obj, "student", when)))
    if isinstance(obj, Attendance):
        return _lesson_position(session, target(session, obj, "lesson", when), when, kind="attendance",
                                student_id=value(obj, "student_id", when) or _ident(target(session, obj, "student", when)))
    if isinstance(obj, PeriodMark):
        period: Optional[StudyPeriod] = target(session, obj, "period", when)
        return _group_position(session, target(session, obj, "subject_group", when), when, kind="period_mark",
                               entry_date=value(period, "end_date", when) if period is not None else None,
                               student_id=value(obj, "student_id", when) or _ident(target(session, obj, "student", when)))
    if isinstance(obj, FinalMark):
        column: Optional[FinalMarkColumn] = target(session, obj, "column", when)
        year: Optional[SchoolYear] = target(session, column, "year", when) if column is not None else None
        return _group_position(session, target(session, obj, "subject_group", when), when, kind="final_mark",
                               entry_date=value(year, "end_date", when) if year is not None else None,
                               student_id=value(obj, "student_id", when) or _ident(target(session, obj, "student", when)))
    if isinstance(obj, ThematicPlan):
        return _group_position(session, target(session, obj, "subject_group", when), when)
    if isinstance(obj, ThematicPlanTopic):
        plan = target(session, obj, "plan", when)
        return _group_position(session, target(session, plan, "subject_group", when), when) if plan is not None else None
    return None


def move(session: Session, obj: Any, deleting: bool = False) -> Move:
    """Both ends of a change of a journal row. Nothing is flushed while they are worked
    out (a flush would make the change "stored" before its old end was read)."""
    if session.autoflush:
        with session.no_autoflush:
            return move(session, obj, deleting)
    before = position(session, obj, BEFORE) if instance_state(obj).has_identity else None
    return Move(before, None if deleting else position(session, obj, AFTER))
