"""Saving a batch of cells typed into the journal grid (app/journal/grid.py reads it).

Each cell goes through the write pipeline's checks (app/pipeline `validate_many()`, the
marks and attendance of a batch together, each row with its own ordered checks): a
refused cell gets the rule's message while the other cells of the batch are saved. The page sends, with each cell, the value it showed; a cell someone
else changed meanwhile is not overwritten but answered with their value (a conflict).
The good marks and attendance entries are then written together — upserts, deletes of
cleared cells and their audit, one statement on PostgreSQL (app/pipeline/cells.py) — so
a column costs the same statements for 3 cells as for 30; topics, period and final
marks are few and go through the ORM flush.

Two people on one cell at the same second: the compare-with-old and the write
must be one step. A save holds the journal's write lock from before it reads the
cells until it commits (a PostgreSQL transaction-level advisory lock on the subject
group, taken by the statement that reads the journal's context (grid.group_context)
and by `lock_journal` on a retry; on SQLite the database's write lock, taken at once
with BEGIN IMMEDIATE) — so the second writer reads the first one's committed value and
gets a conflict, never a silent overwrite. A write that still meets a row inserted
meanwhile by another path (a REST call, an import) is not applied (the upsert's guard,
or the unique key for the flushed rows); the batch is then read and applied again,
and that cell becomes a conflict.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Optional

import orjson
from sqlalchemy import String, and_, bindparam, cast, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload, make_transient_to_detached

from app.journal.grid import ADVISORY_LOCK_NAMESPACE, GroupContext, average_json, averages, students_of
from app.journal.marks import CutTallies, cut_tallies, period_mark_rows, scored_pairs
from app.models import (
    Assignment, Attendance, AttendanceCode, FinalMark, FinalMarkColumn, GradeScaleValue, Lesson, Mark,
    PeriodMark, StudyPeriod, SubjectGroup,
)
from app.pipeline import probe as new_probe
from app.pipeline import validate, validate_many
from app.pipeline.rules import members_with_schools, members_with_students
from app.pipeline.cells import CellWrite, ConcurrentCell, know_journal, write_cells
from app.rules import grading
from app.rules.errors import N_, RuleViolation
from app.rules.values import parse_flag

log = logging.getLogger(__name__)

ATTEMPTS = 3  # a batch that meets a concurrent insert is read and applied again


def lock_journal(session: Session, group_id: int) -> None:
    """Takes the journal's write lock for the rest of the transaction."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:namespace, :group)"),
                           {"namespace": ADVISORY_LOCK_NAMESPACE, "group": group_id})
    elif dialect == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:  # inside a write transaction already, the lock is held
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class SaveResult:
    saved: list = field(default_factory=list)       # indexes of saved changes
    errors: dict = field(default_factory=dict)      # index → RuleViolation (translated by the caller)
    conflicts: dict = field(default_factory=dict)   # index → the value someone else stored
    averages: Optional[dict] = None                 # student id → averages; None: the page reads them again


class CellError(Exception):
    """A refused cell; `refusal` is the rule's message."""

    def __init__(self, refusal: RuleViolation):
        self.refusal = refusal


def _refuse(msgid: str, **params) -> CellError:
    return CellError(RuleViolation(msgid, **params))


def _norm(value: Any) -> str:
    return ("" if value is None else str(value)).strip()


def _state(old: Any) -> tuple:
    """A mark cell as the page saw it: [code, duty, comment]."""
    if isinstance(old, (list, tuple)) and len(old) == 3:
        return (_norm(old[0]), bool(old[1]), _norm(old[2]))
    return (_norm(old), False, "")


# The cells' rows of a batch, built once per database dialect (parameters ids, group, school): the
# assignments of the journal with their lessons, each with the columns of its stored marks as one
# JSON text (StoredMark's, after the student's id) — one row per assignment, not one per mark, so
# the ORM makes the assignment and its lesson once; the lessons with their attendance.
_MARK_COLUMNS = (Mark.student_id, Mark.id, Mark.value_id, Mark.is_duty, Mark.comment, Mark.entered_at,
                 Mark.entered_by_id)


@lru_cache(maxsize=2)
def _assignment_cells(dialect: str):
    if dialect == "postgresql":
        marks = func.json_agg(func.json_build_array(*_MARK_COLUMNS))
    else:
        marks = func.json_group_array(func.json_array(*_MARK_COLUMNS))
    stored = (select(cast(marks, String)).where(Mark.assignment_id == Assignment.id, Mark.school_id == bindparam("school"))
              .correlate(Assignment).scalar_subquery())
    return (
        select(Assignment, Lesson, stored).join(Lesson, Assignment.lesson_id == Lesson.id)
        .where(Assignment.id.in_(bindparam("ids", expanding=True)), Lesson.subject_group_id == bindparam("group"))
        # the lesson once (the one joined here), its journal from the identity map (the batch holds it)
        .options(contains_eager(Assignment.lesson).lazyload(Lesson.subject_group), lazyload(Lesson.subject_group))
    )


def _stored_marks(marks: Optional[str]) -> list:
    """(student id, StoredMark) of an assignment's marks from _assignment_cells' JSON text (a
    stamp as the database wrote it in JSON; a flag as true/false or 1/0)."""
    if not marks:
        return []
    found = []
    for sid, mark_id, value_id, duty, comment, at, by in orjson.loads(marks):
        found.append((sid, StoredMark(mark_id, value_id, bool(duty), comment,
                                      dt.datetime.fromisoformat(at) if at is not None else None, by)))
    return found


_LESSON_CELLS = (
    select(Lesson, Attendance)
    .outerjoin(Attendance, and_(Attendance.lesson_id == Lesson.id, Attendance.school_id == bindparam("school")))
    .where(Lesson.id.in_(bindparam("ids", expanding=True)), Lesson.subject_group_id == bindparam("group"))
    .options(lazyload(Attendance.lesson), lazyload(Attendance.student), lazyload(Attendance.code))
)


@dataclass(frozen=True)
class StoredMark:
    """A mark cell as stored, read with its assignment (an ORM row is made only for a mark
    the batch deletes, which the pipeline checks as a stored row: `GridBatch._stored_row`)."""

    id: int
    value_id: Optional[int]
    is_duty: bool
    comment: Optional[str]
    entered_at: Optional[dt.datetime]
    entered_by_id: Optional[int]


UNREADABLE = N_("The changes could not be read. Reload the page.")


class GridBatch:
    """Applies one batch of changes to one group's journal: each cell is compared with
    what the page saw, staged and validated by the write pipeline; the caller commits."""

    def __init__(self, session: Session, ctx: GroupContext, beside: Optional["ReadBeside"] = None):
        self.session, self.ctx, self.beside = session, ctx, beside  # beside: the reads started beside the first attempt (read_beside)
        # ORM objects, so that the flush hooks find the values in the identity map (read with the
        # context on a save's first attempt; again after a rollback expired them)
        scale, ctx.scale_values = ctx.scale_values, None
        if scale is None:
            scale = session.scalars(select(GradeScaleValue).where(GradeScaleValue.scale_id == ctx.scale_id),
                                    execution_options=ctx.reads).all()
        self.scale = sorted(scale, key=lambda v: (-(float(v.score) if v.score is not None else -1), v.id))  # «5» first
        self.values = {v.code.lower(): v for v in self.scale}
        self.value_codes = {v.id: v.code for v in self.scale}
        self.scores = {v.id: v.score for v in self.scale}  # for the averages after the commit (which expires the rows)
        self.codes: list = []  # the school's attendance codes, read by _load for a batch that holds attendance
        self.att_codes: dict = {}
        self.att_by_id: dict = {}
        # rows the batch creates after reading every existing row of their cells under the
        # journal's lock: the flush's duplicate check is not needed for them
        self.checked = session.info.setdefault("parta_unique_checked", weakref.WeakSet())
        self.result = SaveResult()
        self.touched_students: set = set()
        self.writes: dict = {}  # (model, cell key) → CellWrite: the marks and attendance written in bulk
        self.held: dict = {}  # change index → (new row, cell, stage): cells awaiting the pipeline's checks
        self.held_cells: set = set()  # their cells
        self.index = 0  # the change being applied
        self.states: dict = {}  # (model, cell key) → the cell's state after an earlier change of the batch

    # -- the cells' rows, one query per kind for the whole batch --
    def _load(self, changes: list) -> None:
        s, reads, group = self.session, self.ctx.reads, self.ctx.group_id
        assignment_ids = {int(c["assignment"]) for c in changes if c.get("kind") == "mark"}
        lesson_ids = {int(c["lesson"]) for c in changes if c.get("kind") in ("attendance", "lesson")}
        if any(c.get("kind") == "attendance" for c in changes):
            self.codes = s.scalars(select(AttendanceCode).where(AttendanceCode.school_id == self.ctx.school_id)
                                   .order_by(AttendanceCode.order, AttendanceCode.id), execution_options=reads).all()
            self.att_codes = {c.code.lower(): c for c in self.codes}
            self.att_by_id = {c.id: c.code for c in self.codes}
        # the journal with its class and year, held so that each cell's checks find them
        # (read with the context on a save's first attempt; again after a rollback expired it)
        self.group = self.ctx.group if self.ctx.group is not None and self.ctx.group in s \
            and "year_id" in inspect(self.ctx.group).dict else \
            s.get(SubjectGroup, group, options=[joinedload(SubjectGroup.school_class), joinedload(SubjectGroup.year)])
        know_journal(s, self.group, self.ctx.scale_id, self.ctx.settings)
        self.assignments, self.assignment_lessons, self.marks = {}, {}, {}
        if assignment_ids:
            for a, lesson, stored in s.execute(_assignment_cells(s.get_bind().dialect.name), {
                    "ids": sorted(assignment_ids), "group": group, "school": self.ctx.school_id}, execution_options=reads):
                self.assignments[a.id], self.assignment_lessons[a.id] = a, lesson
                for sid, mark in _stored_marks(stored):
                    self.marks[(a.id, sid)] = mark
        self.lessons, self.attendance = {}, {}
        if lesson_ids:
            for lesson, entry in s.execute(_LESSON_CELLS, {"ids": sorted(lesson_ids), "group": group,
                                                           "school": self.ctx.school_id}, execution_options=reads):
                self.lessons[lesson.id] = lesson
                if entry is not None:
                    self.attendance[(entry.lesson_id, entry.student_id)] = entry
        period_ids = {int(c["period"]) for c in changes if c.get("kind") == "period"}
        self.periods, self.period_marks = {}, {}
        if period_ids:
            self.periods = {p.id: p for p in s.scalars(select(StudyPeriod).where(
                StudyPeriod.id.in_(period_ids), StudyPeriod.year_id == self.ctx.year_id), execution_options=reads)}
            for pm in s.scalars(select(PeriodMark).where(PeriodMark.subject_group_id == group,
                                                        PeriodMark.period_id.in_(period_ids)), execution_options=reads):
                self.period_marks[(pm.period_id, pm.student_id)] = pm
        # the journal's members, which the pipeline checks each cell against, with their
        # students' schools (for its reference check), in one statement
        if any(c.get("student") not in (None, "") for c in changes):
            members_with_students(s, self.group, self._members_beside())
        column_ids = {int(c["column"]) for c in changes if c.get("kind") == "final"}
        self.columns, self.final_marks = {}, {}
        if column_ids:
            self.columns = {c.id: c for c in s.scalars(select(FinalMarkColumn).where(
                FinalMarkColumn.id.in_(column_ids), FinalMarkColumn.year_id == self.ctx.year_id), execution_options=reads)}
            for fm in s.scalars(select(FinalMark).where(FinalMark.subject_group_id == group,
                                                       FinalMark.column_id.in_(column_ids)), execution_options=reads):
                self.final_marks[(fm.column_id, fm.student_id)] = fm

    def _members_beside(self) -> Optional[list]:
        """The members read beside the save (read_beside); None: read them here."""
        if self.beside is None or self.beside.members is None:
            return None
        try:
            return self.beside.members.result()
        except SQLAlchemyError as error:
            log.warning("The journal's members read beside a save failed: %r", error)
            return None

    def _value(self, code: str):
        if code == "":
            return None
        value = self.values.get(code.lower())
        if value is None:
            raise _refuse(N_("«%(code)s» is not a mark of this journal's scale (%(codes)s)."), code=code,
                          codes=", ".join(v.code for v in self.scale))
        return value

    # -- staging a row through the pipeline --
    def _create(self, row, store: dict, key) -> None:
        self.session.add(row)
        self.checked.add(row)  # its cell was read under the journal's lock: no duplicate query
        try:
            validate(self.session, row)
        except RuleViolation:
            self.session.expunge(row)
            raise
        store[key] = row

    def _update(self, row, **values) -> None:
        before = {name: getattr(row, name) for name in values}
        for name, new in values.items():
            setattr(row, name, new)
        try:
            validate(self.session, row)
        except RuleViolation:
            for name, old in before.items():
                setattr(row, name, old)
            raise

    def _delete(self, row, store: dict, key) -> None:
        validate(self.session, row, deleting=True)
        self.session.delete(row)
        store.pop(key, None)

    # -- the marks and attendance: checked here together, written in bulk --
    def _probe(self, row, cell: tuple, stage) -> None:
        """Holds a copy of the cell's new row for the pipeline's checks, which run for the
        held rows together (`_check_held`); `stage` then stages the cell if it passed."""
        self.checked.add(row)  # its cell was read under the journal's lock: no duplicate query
        self.held[self.index] = (row, cell, stage)
        self.held_cells.add(cell)

    def _check_held(self) -> None:
        """The pipeline's checks of the held cells at once (validate_many): each refused
        cell gets its rule's message, the others are staged in the order they came."""
        if not self.held:
            return
        held, self.held = self.held, {}
        self.held_cells = set()
        indexes = list(held)
        try:
            refusals = validate_many(self.session, [held[i][0] for i in indexes])
        finally:
            for row, _cell, _stage in held.values():
                if row in self.session:
                    self.session.expunge(row)
        for position, index in enumerate(indexes):
            if position in refusals:
                self.result.errors[index] = refusals[position]
            else:
                held[index][2]()
                self.result.saved.append(index)

    def _held(self, cell: tuple) -> None:
        """A cell changed twice in one batch: the first change is checked before the second
        is compared with it."""
        if cell in self.held_cells:
            self._check_held()

    def _stage(self, model, key: tuple, values: Optional[dict], stored, texts: dict, day, state) -> None:
        cell = (model, key)
        earlier = self.writes.get(cell)
        if earlier is not None:  # the same cell twice in a batch: the last change, audited from the first old
            texts = {name: (earlier.texts.get(name, (old, None))[0], new) for name, (old, new) in texts.items()}
        self.writes[cell] = CellWrite(model, key, values, stored, texts, self.ctx.group_id, day)
        self.states[cell] = state

    def mark(self, change: dict) -> Optional[list]:
        aid, sid = int(change["assignment"]), int(change["student"])
        self._held((Mark, (aid, sid)))
        assignment = self.assignments.get(aid)
        if assignment is None:
            raise _refuse(N_("The assignment is not in this journal."))
        code, comment = _norm(change.get("value")), _norm(change.get("comment"))
        duty = parse_flag("is_duty", change.get("duty"))  # "false" is no «точка» (bool("false") was true)
        mark = self.marks.get((aid, sid))
        current = self.states.get((Mark, (aid, sid)), self._mark_state(mark))
        if "old" in change and _state(change["old"]) != current:
            return list(current)
        if (code, duty, comment) == current:
            return None
        value = self._value(code)
        lesson = self.assignment_lessons[aid]
        stored = None if mark is None else {"id": mark.id, "entered_at": mark.entered_at,
                                            "entered_by_id": mark.entered_by_id}
        if value is None and not duty:
            if comment:
                raise _refuse(N_("A comment belongs to a mark or a «точка»."))
            if mark is None:  # typed and cleared again within the batch
                self.writes.pop((Mark, (aid, sid)), None)
                self.states[(Mark, (aid, sid))] = ("", False, "")
                return None
            validate(self.session, self._stored_row(mark, aid, sid), deleting=True)
            self._stage_mark(mark, (aid, sid), None, stored, lesson.date, ("", False, ""))
            return None
        probe = new_probe(Mark, school_id=self.ctx.school_id, assignment_id=aid, student_id=sid, is_duty=duty,
                          comment=comment or None, value_id=value.id if value is not None else None,
                          assignment=assignment, value=value)

        def stage():  # after the checks, which keep texts stripped
            values = {"value_id": probe.value_id, "is_duty": bool(duty), "comment": probe.comment}
            self._stage_mark(mark, (aid, sid), values, stored, lesson.date, (code, duty, probe.comment or ""))

        self._probe(probe, (Mark, (aid, sid)), stage)
        return None

    def _stage_mark(self, mark: Optional[StoredMark], key: tuple, values: Optional[dict], stored, day, new: tuple) -> None:
        texts = _mark_texts(self._mark_state(mark) if mark is not None else None, new if values is not None else None)
        self._stage(Mark, key, values, stored, texts, day, new)
        self.touched_students.add(key[1])

    def _mark_state(self, mark: Optional[StoredMark]) -> tuple:
        if mark is None:
            return ("", False, "")
        return (self.value_codes.get(mark.value_id, "") if mark.value_id else "", bool(mark.is_duty), mark.comment or "")

    def _stored_row(self, mark: StoredMark, aid: int, sid: int) -> Mark:
        """The stored mark as the session's row, made from what was read (no query): for the
        pipeline's checks of its deletion."""
        row = Mark(id=mark.id, school_id=self.ctx.school_id, assignment_id=aid, student_id=sid, value_id=mark.value_id,
                   is_duty=mark.is_duty, comment=mark.comment, entered_at=mark.entered_at,
                   entered_by_id=mark.entered_by_id)
        make_transient_to_detached(row)
        return self.session.merge(row, load=False)

    def attendance_cell(self, change: dict) -> Optional[str]:
        lid, sid = int(change["lesson"]), int(change["student"])
        self._held((Attendance, (lid, sid)))
        lesson = self.lessons.get(lid)
        if lesson is None:
            raise _refuse(N_("The lesson is not in this journal."))
        code = _norm(change.get("value"))
        entry = self.attendance.get((lid, sid))
        stored_code = self.att_by_id.get(_target_id(entry, "code", "code_id"), "") \
            if entry is not None else ""
        current = self.states.get((Attendance, (lid, sid)), stored_code)
        if "old" in change and _norm(change["old"]).lower() != current.lower():
            return current
        if code.lower() == current.lower():
            return None
        attendance_code = None
        if code:
            attendance_code = self.att_codes.get(code.lower())
            if attendance_code is None:
                raise _refuse(N_("«%(code)s» is not an attendance code (%(codes)s)."), code=code,
                              codes=", ".join(c.code for c in self.codes))
        stored = None if entry is None else {"id": entry.id, "entered_at": entry.entered_at,
                                             "entered_by_id": entry.entered_by_id}
        if attendance_code is None:
            if entry is None:
                self.writes.pop((Attendance, (lid, sid)), None)
                self.states[(Attendance, (lid, sid))] = ""
                return None
            validate(self.session, entry, deleting=True)
            texts = {"code_id": (stored_code, None)}
            if entry.comment:
                texts["comment"] = (entry.comment, None)
            self._stage(Attendance, (lid, sid), None, stored, texts, lesson.date, "")
            return None
        probe = new_probe(Attendance, school_id=self.ctx.school_id, lesson_id=lid, student_id=sid,
                          code_id=attendance_code.id, lesson=lesson, code=attendance_code)
        self._probe(probe, (Attendance, (lid, sid)), lambda: self._stage(
            Attendance, (lid, sid), {"code_id": attendance_code.id}, stored,
            {"code_id": (stored_code or None, attendance_code.code)}, lesson.date, attendance_code.code))
        return None

    def lesson(self, change: dict) -> Optional[dict]:
        lesson = self.lessons.get(int(change["lesson"]))
        if lesson is None:
            raise _refuse(N_("The lesson is not in this journal."))
        current = {"topic": lesson.topic or "", "homework": lesson.homework or ""}
        old = change.get("old")
        if isinstance(old, dict) and any(_norm(old.get(k)) != _norm(v) for k, v in current.items()):
            return current
        topic, homework = _norm(change.get("topic")), _norm(change.get("homework"))
        self._update(lesson, topic=topic or None, homework=homework or None)
        return None

    def period(self, change: dict) -> Optional[str]:
        pid, sid = int(change["period"]), int(change["student"])
        if pid not in self.periods:
            raise _refuse(N_("The study period is not of this journal's year."))
        return self._final_like(change, self.period_marks, (pid, sid),
                                lambda: PeriodMark(school_id=self.ctx.school_id, subject_group_id=self.ctx.group_id,
                                                   student_id=sid, period_id=pid))

    def final(self, change: dict) -> Optional[str]:
        cid, sid = int(change["column"]), int(change["student"])
        if cid not in self.columns:
            raise _refuse(N_("The column is not of this journal's year."))
        return self._final_like(change, self.final_marks, (cid, sid),
                                lambda: FinalMark(school_id=self.ctx.school_id, subject_group_id=self.ctx.group_id,
                                                  student_id=sid, column_id=cid))

    def _final_like(self, change, store: dict, key, make) -> Optional[str]:
        code = _norm(change.get("value"))
        row = store.get(key)
        current = ""
        if row is not None:
            value_id = _target_id(row, "value", "value_id")
            current = self.value_codes.get(value_id, "")
        if "old" in change and _norm(change["old"]).lower() != current.lower():
            return current
        if code.lower() == current.lower():
            return None
        value = self._value(code)
        if value is None:
            self._delete(row, store, key)
        elif row is None:
            row = make()
            row.value = value
            self._create(row, store, key)
        else:
            self._update(row, value=value)
        return None

    def apply(self, changes: list) -> SaveResult:
        """Checks each change and stages the good ones; the caller flushes and commits."""
        handlers = {"mark": self.mark, "attendance": self.attendance_cell, "lesson": self.lesson, "period": self.period, "final": self.final}
        try:
            self._load([c for c in changes if isinstance(c, dict)])
        except (KeyError, TypeError, ValueError, OverflowError):
            refusal = RuleViolation(UNREADABLE)
            self.result.errors = {i: refusal for i in range(len(changes))}
            return self.result
        with self.session.no_autoflush:
            for index, change in enumerate(changes):
                self.index = index
                try:
                    handler = handlers.get(change.get("kind")) if isinstance(change, dict) else None
                    if handler is None:
                        raise _refuse(UNREADABLE)
                    if handler not in (self.mark, self.attendance_cell):
                        self._check_held()  # topics, period and final marks go through the flush: the cells first
                    conflict = handler(change)
                except CellError as error:
                    self.result.errors[index] = error.refusal
                except RuleViolation as refusal:
                    self.result.errors[index] = refusal
                except (KeyError, TypeError, ValueError, OverflowError):
                    self.result.errors[index] = RuleViolation(UNREADABLE)
                else:
                    if conflict is not None:
                        self.result.conflicts[index] = conflict
                    elif index not in self.held:
                        self.result.saved.append(index)
            self._check_held()
        self.result.saved.sort()
        write_cells(self.session, self.ctx.school_id, list(self.writes.values()))
        return self.result

    def averages(self, period_id: Optional[int]) -> dict:
        """Fresh averages of the students whose marks changed, for the period shown: from the
        period's marks read and tallied beside the save (read_beside), with the batch's cells
        added as the save left them; without that read (or when it failed), read after the
        commit. On PostgreSQL, when the journal's reads are bounded by the page (the whole
        journal visible), that read runs without a transaction of its own (autocommit: no
        BEGIN and COMMIT, two round trips; under READ COMMITTED a statement sees what it would
        see inside one)."""
        students = sorted(self.touched_students)
        if not students or period_id is None:
            return {}
        beside = self.beside
        if beside is not None and beside.tallies is not None and beside.period_id == period_id \
                and set(students) <= set(beside.students):
            try:
                cut = beside.tallies.result()
            except SQLAlchemyError as error:  # read again after the commit
                log.warning("The averages read beside a journal save failed: %r", error)
            else:
                return {} if cut is None else self._with_cells(cut, students)
        bind = self.session.get_bind()
        if bind.dialect.name != "postgresql" or not self.ctx.reads.get("parta_unscoped"):
            return period_averages(self.session, self.ctx, period_id, students, self.scores)
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return period_averages(connection, self.ctx, period_id, students, self.scores)

    def _with_cells(self, cut: CutTallies, students: list) -> dict:
        """The averages of the period's marks tallied beside the save, each student's cells of
        the batch's assignments put back in their places as the save left them: its writes, and
        the cells it did not write as read under the journal's lock."""
        thresholds = grading.normalize_thresholds(self.ctx.thresholds)
        answer = {}
        for sid in students:
            runs = cut.tallies[sid]
            parts = [runs[0]]
            for at, aid in enumerate(cut.around):
                weight = cut.weights.get(aid)
                if weight is not None and (value := self._value_after(aid, sid)) is not None:
                    parts.append(grading.tally(((self.scores.get(value), weight),)))
                parts.append(runs[at + 1])
            answer[str(sid)] = average_json(grading.summary_of(parts, thresholds))
        return answer

    def _value_after(self, aid: int, sid: int) -> Optional[int]:
        """The value id of a mark cell of the batch's assignments after the save (None: no value)."""
        write = self.writes.get((Mark, (aid, sid)))
        if write is not None:
            return None if write.values is None else write.values["value_id"]
        stored = self.marks.get((aid, sid))
        return stored.value_id if stored is not None else None


@dataclass
class ReadBeside:
    """What a save reads beside its own transaction (read_beside): the journal's members with
    their students' schools, then the marks of the period shown (the averages' rows)."""

    period_id: Optional[int]
    students: list
    members: Optional[Future]
    tallies: Optional[Future]  # of CutTallies around the batch's assignments (None: no rows)


_READER: Optional[tuple] = None  # (process id, executor): a forked worker makes its own


def _reader() -> ThreadPoolExecutor:
    global _READER
    if _READER is None or _READER[0] != os.getpid():
        _READER = (os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="parta-beside"))
    return _READER[1]


def read_beside(session: Session, ctx: GroupContext, changes: list, period_id: Optional[int]) -> Optional[ReadBeside]:
    """Starts two reads in a thread, on a connection of its own, while the save reads its
    cells and then checks and writes them: the journal's members with their students'
    schools, which the pipeline checks each cell against, and the marks of the period shown
    (the averages' rows) — so the save waits for neither, and answers with the averages
    without a read after its commit. Only once the save holds the journal's write lock
    (PostgreSQL: the context's statement took it) — every journal save committed before is
    seen, and none can commit before this one — and only when the journal's reads are bounded
    by the page; the batch's own cells are then taken from the save (GridBatch._with_cells).
    Under READ COMMITTED a statement sees the same outside the save's transaction as inside."""
    if not ctx.locked or not ctx.reads.get("parta_unscoped") or ctx.group is None:
        return None
    try:
        students = sorted({int(c["student"]) for c in changes
                           if isinstance(c, dict) and c.get("student") not in (None, "")})
        marked = sorted({int(c["student"]) for c in changes if isinstance(c, dict) and c.get("kind") == "mark"})
        around = {int(c["assignment"]) for c in changes if isinstance(c, dict) and c.get("kind") == "mark"}
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    # the scale's scores, read with the context (the thread touches no row of the session)
    scores = {v.id: v.score for v in ctx.scale_values} if ctx.scale_values is not None else None
    with_rows = period_id is not None and bool(marked) and scores is not None
    if not students:
        return None
    bind, year = session.get_bind(), ctx.group.year
    start, end = year.start_date, year.end_date
    members: Future = Future()
    beside = ReadBeside(period_id, marked, members, None)

    def read() -> Optional[CutTallies]:
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            try:
                members.set_result(members_with_schools(connection, ctx.group_id, start, end))
            except BaseException as error:
                members.set_exception(error)
                raise
            if not with_rows:
                return None
            rows = period_mark_rows(connection, ctx.school_id, ctx.group_id, ctx.year_id, period_id, marked, ctx.reads)
        # tallied here too, while the save waits for the database; its own cells are added after it
        return cut_tallies(rows, marked, scores, around)

    # the request's context goes along: what counts a request's statements counts these too
    future = _reader().submit(contextvars.copy_context().run, read)
    if with_rows:
        beside.tallies = future
    return beside


def _target_id(row, relationship: str, key: str):
    """The id a stored row points at: its relationship's row when one is set or loaded, else
    its key (the cells are read without their relationships; loading each would only find
    the row in the session)."""
    target = row.__dict__.get(relationship)
    return target.id if target is not None else getattr(row, key)


def _mark_texts(old: Optional[tuple], new: Optional[tuple]) -> dict:
    """The audit's old → new texts of a mark cell, (code, duty, comment) each; None: no row.
    A new or deleted mark without «точка» says nothing about it (as the flush's audit)."""
    texts = {}
    for index, name in enumerate(("value_id", "is_duty", "comment")):
        before, after = (old[index] if old else None), (new[index] if new else None)
        if name == "is_duty":
            if (old is None and not after) or (new is None and not before):
                continue
            before = None if before is None else ("да" if before else "нет")
            after = None if after is None else ("да" if after else "нет")
        else:
            before, after = before or None, after or None
        if before != after:
            texts[name] = (before, after)
    return texts


def period_averages(session: Session, ctx: GroupContext, period_id: Optional[int], students: list,
                    scores: Optional[dict] = None) -> dict:
    """Both averages, the formula and the suggested mark of some students for a study
    period of the journal's year (app/journal/marks.py reads them in one statement);
    `scores`: the journal's scale, value id → score, when the caller holds it."""
    if not students or period_id is None:
        return {}
    if scores is None:
        scores = dict(session.execute(select(GradeScaleValue.id, GradeScaleValue.score)
                                      .where(GradeScaleValue.scale_id == ctx.scale_id), execution_options=ctx.reads).all())
    rows = period_mark_rows(session, ctx.school_id, ctx.group_id, ctx.year_id, period_id, students, ctx.reads)
    pairs = scored_pairs(rows, students, scores)
    if pairs is None:
        return {}
    return {str(sid): average_json(a) for sid, a in averages(pairs, ctx.thresholds).items()}


def save_batch(session: Session, ctx: GroupContext, changes: list, period_id: Optional[int]) -> SaveResult:
    """Applies and commits a batch under the journal's write lock; returns what
    became of each cell. A RuleViolation or database error at the commit is the
    caller's (nothing is saved then)."""
    beside = read_beside(session, ctx, changes, period_id)
    for attempt in range(ATTEMPTS):
        if attempt or not ctx.locked:  # the context's statement took it (PostgreSQL); a rollback released it
            lock_journal(session, ctx.group_id)
        # after a rollback the reads beside the first attempt may have missed a save between them
        batch = GridBatch(session, ctx, beside if attempt == 0 else None)
        try:
            result = batch.apply(changes)
            session.commit()
        except (IntegrityError, ConcurrentCell):
            # a row inserted meanwhile by another path: read the cells again
            session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
            continue
        break
    try:
        result.averages = batch.averages(period_id)
    except SQLAlchemyError as error:  # saved is saved: the page reads the averages again
        session.rollback()
        log.warning("Averages after a journal save could not be read: %r", error)
        result.averages = None
    return result


def students_of_group(session: Session, ctx: GroupContext) -> set:
    """The group's students over the whole year (for the averages endpoint's filter)."""
    return {row[0] for row in students_of(session, ctx, dt.date.min, dt.date.max)}

