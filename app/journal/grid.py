"""The journal grid: what one subject group's page shows for a study period, and
the saving of a batch of cells typed into it.

Reading takes a fixed number of queries whatever the size of the class and the
period (rows are fetched as plain tuples, not ORM objects). Saving checks every
cell on its own — scale, edit rights, locks, and whether someone else changed the
cell since it was loaded — so that a bad cell is refused with its message while
the others are saved; then the good cells are written in one flush, where the
flush hooks check the rules again and write the audit.
"""
from __future__ import annotations

import datetime as dt
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import Date, Numeric, String, and_, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, lazyload

from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, Enrolment, FinalMark, FinalMarkColumn, GradeScale,
    GradeScaleValue, JournalUnlock, Lesson, Mark, PeriodMark, PeriodType, School, SchoolClass, SchoolYear,
    Student, StudyPeriod, Subject, SubjectGroup, SubjectGroupMember,
)
from app.models.people import short_name
from app.rules import grading, locks
from app.rules import marks as mark_rules
from app.rules.errors import N_, RuleViolation


def _iso(day: Optional[dt.date]) -> Optional[str]:
    return day.isoformat() if day else None


def _ru(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


@dataclass
class GroupContext:
    """The subject group with what every grid operation needs about it."""

    group_id: int
    name: str
    class_id: int
    class_name: str
    grade: int
    is_whole_class: bool
    subject: str
    year_id: int
    year_closed: bool
    year_end: dt.date
    school_id: int
    settings: locks.LockSettings
    thresholds: tuple
    scale_id: Optional[int]
    # Execution options of the journal's reads: a user who sees the whole journal
    # (app/security/scoping.py) reads it without per-row criteria — every query
    # below is bounded by the group and the school — see read_whole_journal().
    reads: dict = field(default_factory=dict)


def read_whole_journal(ctx: "GroupContext", scope) -> None:
    """Marks the context for reads bounded by group and school, without per-row
    criteria, when the scope shows the whole journal (app/security/scoping.py)."""
    from app.security.scoping import whole_journal_visible

    if whole_journal_visible(scope, ctx.group_id):
        ctx.reads = {"parta_unscoped": True}


def group_context(session: Session, group_id: int) -> Optional[GroupContext]:
    """One query: the group, its class, subject, year, school settings and mark scale."""
    default_scale = (
        select(GradeScale.id).where(GradeScale.school_id == SubjectGroup.school_id, GradeScale.is_default.is_(True))
        .limit(1).scalar_subquery()
    )
    row = session.execute(
        select(SubjectGroup.id, SubjectGroup.name, SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
               SubjectGroup.is_whole_class, Subject.name, SchoolYear.id, SchoolYear.is_closed, SchoolYear.end_date,
               School, SubjectGroup.grade_scale_id, default_scale)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .join(SchoolYear, SubjectGroup.year_id == SchoolYear.id)
        .join(School, SubjectGroup.school_id == School.id)
        .where(SubjectGroup.id == group_id)
    ).first()
    if row is None:
        return None
    gid, name, class_id, grade, letter, whole, subject, year_id, closed, year_end, school, scale, default = row
    return GroupContext(gid, name, class_id, f"{grade}{letter}", grade, whole, subject, year_id, bool(closed), year_end,
                        school.id, school.lock_settings, school.thresholds, scale or default)


@dataclass
class Dictionaries:
    scale: list            # (id, code, score, is_passing)
    codes: list            # (id, code, name, is_excused)
    types: list            # (id, name, abbr, weight, is_control)
    periods: list = field(default_factory=list)   # (id, name, start_date, end_date, is_year)
    unlocks: list = field(default_factory=list)   # locks.Unlock


@dataclass(frozen=True)
class _Row:
    id: int
    code: Optional[str] = None
    name: Optional[str] = None
    abbr: Optional[str] = None
    score: Optional[float] = None
    weight: Optional[float] = None
    is_passing: bool = False
    is_excused: bool = False
    is_control: bool = False
    is_year: bool = False
    start_date: Optional[dt.date] = None
    end_date: Optional[dt.date] = None


def dictionaries(session: Session, ctx: GroupContext, with_types: bool = True) -> Dictionaries:
    """The journal's reference data — its mark scale, the attendance codes, the work
    types, the study periods for its grade and its unlocks — read in one statement
    (UNION ALL of small selects of one shape), so that opening a journal costs the
    same few statements whatever its size."""
    # typed NULLs: PostgreSQL matches the columns of a UNION by type
    d = lambda: cast(null(), Date)  # noqa: E731
    t = lambda: cast(null(), String)  # noqa: E731
    n = lambda: cast(null(), Numeric)  # noqa: E731
    # tag, id, text 1, text 2, number, flag, order, date 1, date 2, date 3
    parts = [
        select(literal("s"), GradeScaleValue.id, GradeScaleValue.code, t(), GradeScaleValue.score,
               GradeScaleValue.is_passing, GradeScaleValue.order, d(), d(), d())
        .where(GradeScaleValue.scale_id == ctx.scale_id),
        select(literal("c"), AttendanceCode.id, AttendanceCode.code, AttendanceCode.name, n(),
               AttendanceCode.is_excused, AttendanceCode.order, d(), d(), d())
        .where(AttendanceCode.school_id == ctx.school_id),
        select(literal("p"), StudyPeriod.id, StudyPeriod.name, t(), n(), PeriodType.is_year, literal(0),
               StudyPeriod.start_date, StudyPeriod.end_date, d())
        .join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
        .where(StudyPeriod.year_id == ctx.year_id, StudyPeriod.grade_from <= ctx.grade, StudyPeriod.grade_to >= ctx.grade),
        select(literal("u"), JournalUnlock.id, t(), t(), n(), literal(False), literal(0),
               JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
        .where(JournalUnlock.subject_group_id == ctx.group_id),
    ]
    if with_types:
        parts.append(select(literal("t"), AssignmentType.id, AssignmentType.abbr, AssignmentType.name, AssignmentType.weight,
                            AssignmentType.is_control, AssignmentType.order, d(), d(), d())
                     .where(AssignmentType.school_id == ctx.school_id))
    rows = session.execute(union_all(*parts), execution_options=ctx.reads).all()
    found = defaultdict(list)
    for tag, rid, text1, text2, number, flag, order, day1, day2, day3 in rows:
        found[tag].append((order or 0, rid, text1, text2, number, bool(flag), _date(day1), _date(day2), _date(day3)))
    for items in found.values():
        items.sort(key=lambda item: (item[0], item[1]))
    score = lambda v: float(v) if v is not None else None  # noqa: E731
    scale = [_Row(rid, code=a, score=score(num), is_passing=f) for _, rid, a, _b, num, f, *_ in found["s"]]
    scale.sort(key=lambda v: (-(v.score if v.score is not None else -1), v.id))  # «5» first
    return Dictionaries(
        scale=scale,
        codes=[_Row(rid, code=a, name=b, is_excused=f) for _, rid, a, b, _n, f, *_ in found["c"]],
        types=[_Row(rid, abbr=a, name=b, weight=score(num) or 1.0, is_control=f) for _, rid, a, b, num, f, *_ in found["t"]],
        periods=sorted((_Row(rid, name=a, is_year=f, start_date=d1, end_date=d2) for _, rid, a, _b, _n, f, d1, d2, _d3 in found["p"]),
                       key=lambda p: (p.is_year, p.start_date)),
        unlocks=[locks.Unlock(d1, d2, d3) for *_, d1, d2, d3 in found["u"]],
    )


def _date(value) -> Optional[dt.date]:
    """A date out of a UNION column (SQLite hands back text there)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def periods_of(session: Session, ctx: GroupContext) -> list:
    """The study periods that frame marks for the group's grade, year-long periods last."""
    return dictionaries(session, ctx, with_types=False).periods


def pick_period(periods: list, period_id: Optional[int], today: dt.date):
    """The asked period, else the one holding today, else the last that began, else the first."""
    if not periods:
        return None
    if period_id is not None:
        for p in periods:
            if p.id == period_id:
                return p
    current = [p for p in periods if not p.is_year]
    for p in current:
        if p.start_date <= today <= p.end_date:
            return p
    begun = [p for p in current if p.start_date <= today]
    return (begun or current or periods)[-1] if begun else (current or periods)[0]


def students_of(session: Session, ctx: GroupContext, start: dt.date, end: dt.date) -> list:
    """The group's students during the dates: (id, short name, joined, left), ordered by name.

    A whole-class group takes the class's enrolments; a subgroup its members.
    """
    if ctx.is_whole_class:
        query = (
            select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                   Enrolment.start_date, Enrolment.end_date)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.class_id == ctx.class_id, Enrolment.start_date <= end,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start))
        )
    else:
        query = (
            select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                   Enrolment.start_date, Enrolment.end_date)
            .join(SubjectGroupMember, SubjectGroupMember.student_id == Student.id)
            .outerjoin(Enrolment, and_(Enrolment.student_id == Student.id, Enrolment.class_id == ctx.class_id))
            .where(SubjectGroupMember.subject_group_id == ctx.group_id)
        )
    seen = {}
    for sid, last, first, middle, joined, left in session.execute(query, execution_options=ctx.reads):
        # a student enrolled twice in the class (left and came back) shows once, with the widest dates
        if sid in seen:
            _, name, j0, l0 = seen[sid]
            joined = min(j0, joined) if j0 and joined else j0 or joined
            left = None if (l0 is None or left is None) else max(l0, left)
        else:
            name = short_name(last, first, middle)
        seen[sid] = (sid, name, joined, left)
    return sorted(seen.values(), key=lambda r: (r[1], r[0]))


def _unlocks(session: Session, group_id: int, reads: Optional[dict] = None) -> list:
    return [locks.Unlock(*row) for row in session.execute(
        select(JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
        .where(JournalUnlock.subject_group_id == group_id), execution_options=reads or {})]


def lock_message(kind: str, entry_date: dt.date, today: dt.date, ctx: GroupContext, unlocks: list) -> Optional[RuleViolation]:
    """None when the entry may be changed, else the rule's refusal (translated by the caller)."""
    try:
        locks.check_editable(kind, entry_date, today, ctx.settings, unlocks, ctx.year_closed)
    except RuleViolation as refusal:
        return refusal
    return None


@dataclass
class StudentAverage:
    arithmetic: Optional[float]
    weighted: Optional[float]
    formula: str
    suggested: Optional[int]
    count: int


def averages(pairs_by_student: dict, thresholds) -> dict:
    """Per student: both averages, the formula and the suggested period mark (app/rules/grading)."""
    result = {}
    for sid, pairs in pairs_by_student.items():
        weighted = grading.weighted_average(pairs)
        result[sid] = StudentAverage(
            grading.arithmetic_average(m for m, _ in pairs), weighted, grading.weighted_formula(pairs),
            grading.suggest_period_mark(weighted, thresholds), sum(1 for m, _ in pairs if m is not None),
        )
    return result


def _lessons_of(group_id: int, school_id: int, start: dt.date, end: dt.date):
    """The ids of the group's lessons in the dates, as a subquery; `school_id`, which
    leads every index, is named so that each lookup can use one."""
    return select(Lesson.id).where(Lesson.school_id == school_id, Lesson.subject_group_id == group_id,
                                   Lesson.date >= start, Lesson.date <= end)


def _mark_rows(session: Session, ctx: "GroupContext", start: dt.date, end: dt.date, students: Optional[list] = None):
    assignments = select(Assignment.id).where(
        Assignment.school_id == ctx.school_id, Assignment.lesson_id.in_(_lessons_of(ctx.group_id, ctx.school_id, start, end)))
    query = (
        select(Mark.assignment_id, Mark.student_id, Mark.value_id, Mark.is_duty, Mark.comment, Mark.id)
        .where(Mark.school_id == ctx.school_id, Mark.assignment_id.in_(assignments))
    )
    if students is not None:
        query = query.where(Mark.student_id.in_(students))
    return session.execute(query, execution_options=ctx.reads).all()


def _weights(session: Session, ctx: "GroupContext", start: dt.date, end: dt.date) -> dict:
    """assignment id → its weight (its own, else its type's), for the averages; cancelled lessons do not count."""
    rows = session.execute(
        select(Assignment.id, Assignment.weight, AssignmentType.weight)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id)
        .where(Assignment.school_id == ctx.school_id, Lesson.school_id == ctx.school_id,
               Lesson.subject_group_id == ctx.group_id, Lesson.date >= start, Lesson.date <= end,
               Lesson.is_cancelled.is_(False)),
        execution_options=ctx.reads,
    ).all()
    return {aid: float(own if own is not None else by_type) for aid, own, by_type in rows}


def _pairs(marks, weights: dict, scores: dict, students) -> dict:
    pairs = {sid: [] for sid in students}
    for aid, sid, value_id, _duty, _comment, _id in marks:
        if aid in weights and sid in pairs and value_id is not None:
            pairs[sid].append((scores.get(value_id), weights[aid]))
    return pairs


def load_grid(session: Session, ctx: GroupContext, period_id: Optional[int], today: dt.date) -> dict:
    """Everything the grid page shows, as plain data for the page's script."""
    dicts = dictionaries(session, ctx)
    periods = dicts.periods
    period = pick_period(periods, period_id, today)
    start, end = (period.start_date, period.end_date) if period else (today, today)
    students = students_of(session, ctx, start, end)

    lesson_rows = session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.homework, Lesson.is_cancelled,
               Lesson.substitute_id, Assignment.id, Assignment.type_id, Assignment.title, Assignment.weight)
        .outerjoin(Assignment, and_(Assignment.lesson_id == Lesson.id, Assignment.school_id == ctx.school_id))
        .where(Lesson.school_id == ctx.school_id, Lesson.subject_group_id == ctx.group_id, Lesson.date >= start,
               Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Assignment.id), execution_options=ctx.reads,
    ).all()
    marks = _mark_rows(session, ctx, start, end)
    attendance = session.execute(
        select(Attendance.lesson_id, Attendance.student_id, Attendance.code_id)
        .where(Attendance.school_id == ctx.school_id,
               Attendance.lesson_id.in_(_lessons_of(ctx.group_id, ctx.school_id, start, end))),
        execution_options=ctx.reads,
    ).all()
    period_marks = session.execute(
        select(PeriodMark.student_id, PeriodMark.value_id)
        .where(PeriodMark.subject_group_id == ctx.group_id, PeriodMark.period_id == (period.id if period else -1)),
        execution_options=ctx.reads,
    ).all()
    unlocks = dicts.unlocks

    types = {t.id: t for t in dicts.types}
    codes = {v.id: v.code for v in dicts.scale}
    scores = {v.id: v.score for v in dicts.scale}
    att_codes = {c.id: c.code for c in dicts.codes}

    lessons, weights, by_id = [], {}, {}
    for lid, day, number, topic, homework, cancelled, substitute, aid, type_id, title, weight in lesson_rows:
        lesson = by_id.get(lid)
        if lesson is None:
            lesson = by_id[lid] = {
                "id": lid, "date": day.isoformat(), "label": day.strftime("%d.%m"), "n": number, "topic": topic or "",
                "hw": homework or "", "cancelled": bool(cancelled), "asg": [],
                "lock": _msg(lock_message("mark", day, today, ctx, unlocks)),
                "lockControl": _msg(lock_message("control", day, today, ctx, unlocks)),
                "lockAtt": _msg(lock_message("attendance", day, today, ctx, unlocks)),
            }
            lessons.append(lesson)
        if aid is not None:
            kind = types.get(type_id)
            w = float(weight if weight is not None else (kind.weight if kind else 1))
            lesson["asg"].append({"id": aid, "type": type_id, "abbr": kind.abbr if kind else "", "name": kind.name if kind else "",
                                  "w": w, "control": bool(kind and kind.is_control), "title": title or ""})
            if not cancelled:
                weights[aid] = w

    student_ids = [s[0] for s in students]
    stats = averages(_pairs(marks, weights, scores, student_ids), ctx.thresholds)
    period_lock = _msg(lock_message("period_mark", end, today, ctx, unlocks)) if period else None
    return {
        "group": {"id": ctx.group_id, "name": ctx.name, "class": ctx.class_name, "subject": ctx.subject},
        "period": {"id": period.id, "name": period.name, "start": _ru(start), "end": _ru(end),
                   "due": _ru(locks.period_marks_due(end, ctx.settings))} if period else None,
        "periods": [{"id": p.id, "name": p.name} for p in periods],
        "scale": [{"id": v.id, "code": v.code, "score": v.score} for v in dicts.scale],
        "codes": [{"id": c.id, "code": c.code, "name": c.name, "excused": bool(c.is_excused)} for c in dicts.codes],
        "types": [{"id": t.id, "name": t.name, "abbr": t.abbr, "w": t.weight, "control": t.is_control}
                  for t in dicts.types],
        "students": [{"id": sid, "name": name, "joined": _ru(j) if j and j > start else "",
                      "left": _ru(left) if left and left < end else ""} for sid, name, j, left in students],
        "lessons": lessons,
        "marks": {f"{aid}:{sid}": [codes.get(v, "") if v else "", bool(duty), comment or ""]
                  for aid, sid, v, duty, comment, _ in marks},
        "att": {f"{lid}:{sid}": att_codes.get(code, "") for lid, sid, code in attendance},
        "pm": {str(sid): codes.get(v, "") for sid, v in period_marks},
        "periodLock": period_lock,
        "avg": {str(sid): _avg_json(a) for sid, a in stats.items()},
    }


def _msg(refusal) -> Optional[str]:
    if refusal is None:
        return None
    from flask_babel import gettext

    return gettext(refusal.msgid, **refusal.params)


def _avg_json(a: StudentAverage) -> dict:
    return {"a": grading.format_average(a.arithmetic), "w": grading.format_average(a.weighted), "f": a.formula,
            "s": a.suggested, "n": a.count}


# ---------------------------------------------------------------------------
# Saving a batch of cells
# ---------------------------------------------------------------------------

@dataclass
class SaveResult:
    saved: list = field(default_factory=list)       # indexes of saved changes
    errors: dict = field(default_factory=dict)      # index → message (translated by the caller)
    conflicts: dict = field(default_factory=dict)   # index → the value someone else stored


class CellError(Exception):
    """A refused cell; `refusal` is the rule's message."""

    def __init__(self, refusal: RuleViolation):
        self.refusal = refusal


def _refuse(msgid: str, **params) -> CellError:
    return CellError(RuleViolation(msgid, **params))


def _norm(text: Any) -> str:
    return ("" if text is None else str(text)).strip()


class GridBatch:
    """Validates and applies one batch of changes to one group's journal."""

    def __init__(self, session: Session, ctx: GroupContext, today: dt.date, editable: bool, final_editable: bool = False):
        self.session, self.ctx, self.today, self.editable = session, ctx, today, editable
        self.final_editable = final_editable
        # ORM objects, so that the flush hooks find the values in the identity map
        self.scale = sorted(session.scalars(select(GradeScaleValue).where(GradeScaleValue.scale_id == ctx.scale_id),
                                            execution_options=ctx.reads),
                            key=lambda v: (-(float(v.score) if v.score is not None else -1), v.id))  # «5» first
        self.codes = session.scalars(select(AttendanceCode).where(AttendanceCode.school_id == ctx.school_id)
                                     .order_by(AttendanceCode.order, AttendanceCode.id), execution_options=ctx.reads).all()
        self.values = {v.code.lower(): v for v in self.scale}
        self.value_codes = {v.id: v.code for v in self.scale}
        self.att_codes = {c.code.lower(): c for c in self.codes}
        self.att_by_id = {c.id: c.code for c in self.codes}
        # rows the batch creates after reading every existing row of their cells: the
        # flush hook's per-row duplicate check is not needed for them
        self.checked = session.info.setdefault("parta_unique_checked", weakref.WeakSet())
        self.unlocks = _unlocks(session, ctx.group_id, ctx.reads)
        self.result = SaveResult()
        self.touched_students: set = set()

    # -- lookups, one query per kind for the whole batch --
    def _load(self, changes: list) -> None:
        s, reads = self.session, self.ctx.reads
        assignment_ids = {int(c["assignment"]) for c in changes if c.get("kind") == "mark"}
        lesson_ids = {int(c["lesson"]) for c in changes if c.get("kind") in ("att", "lesson")}
        self.assignments = {}
        if assignment_ids:
            for a, lesson_date, lesson_group, cancelled, is_control, substitute in s.execute(
                select(Assignment, Lesson.date, Lesson.subject_group_id, Lesson.is_cancelled, AssignmentType.is_control,
                       Lesson.substitute_id)
                .join(Lesson, Assignment.lesson_id == Lesson.id).join(AssignmentType, Assignment.type_id == AssignmentType.id)
                .where(Assignment.id.in_(assignment_ids), Lesson.subject_group_id == self.ctx.group_id),
                execution_options=reads,
            ):
                self.assignments[a.id] = (a, lesson_date, lesson_group, is_control)
        self.lessons = {}
        if lesson_ids:
            for lesson in s.scalars(select(Lesson).where(Lesson.id.in_(lesson_ids), Lesson.subject_group_id == self.ctx.group_id),
                                    execution_options=reads):
                self.lessons[lesson.id] = lesson
        self.marks = {}
        if assignment_ids:
            # the assignments and the scale's values are in the session already: no joins
            for m in s.scalars(select(Mark).where(Mark.school_id == self.ctx.school_id,
                                                  Mark.assignment_id.in_(list(self.assignments)))
                               .options(lazyload(Mark.assignment), lazyload(Mark.student), lazyload(Mark.value)),
                               execution_options=reads):
                self.marks[(m.assignment_id, m.student_id)] = m
        self.attendance = {}
        if lesson_ids:
            for a in s.scalars(select(Attendance).where(Attendance.school_id == self.ctx.school_id,
                                                        Attendance.lesson_id.in_(list(self.lessons)))
                               .options(lazyload(Attendance.lesson), lazyload(Attendance.student), lazyload(Attendance.code)),
                               execution_options=reads):
                self.attendance[(a.lesson_id, a.student_id)] = a
        self.period_marks = {}
        period_ids = {int(c["period"]) for c in changes if c.get("kind") == "period"}
        self.periods = {}
        if period_ids:
            self.periods = {p.id: p for p in s.scalars(select(StudyPeriod).where(
                StudyPeriod.id.in_(period_ids), StudyPeriod.year_id == self.ctx.year_id), execution_options=reads)}
            for pm in s.scalars(select(PeriodMark).where(PeriodMark.subject_group_id == self.ctx.group_id,
                                                        PeriodMark.period_id.in_(period_ids)), execution_options=reads):
                self.period_marks[(pm.period_id, pm.student_id)] = pm
        column_ids = {int(c["column"]) for c in changes if c.get("kind") == "final"}
        self.columns, self.final_marks = {}, {}
        if column_ids:
            self.columns = {c.id: c for c in s.scalars(select(FinalMarkColumn).where(
                FinalMarkColumn.id.in_(column_ids), FinalMarkColumn.year_id == self.ctx.year_id), execution_options=reads)}
            for fm in s.scalars(select(FinalMark).where(FinalMark.subject_group_id == self.ctx.group_id,
                                                       FinalMark.column_id.in_(column_ids)), execution_options=reads):
                self.final_marks[(fm.column_id, fm.student_id)] = fm
        # the group's students in the whole year: a forged id of anyone else is not found
        self.students = {row[0] for row in students_of(s, self.ctx, dt.date.min, dt.date.max)} \
            if any(c.get("student") not in (None, "") for c in changes) else set()

    def _lock(self, kind: str, day: dt.date) -> None:
        locks.check_editable(kind, day, self.today, self.ctx.settings, self.unlocks, self.ctx.year_closed)

    def _student(self, change: dict) -> int:
        sid = int(change["student"])
        if sid not in self.students:
            raise _refuse(N_("The student is not in this journal."))
        return sid

    def _value(self, code: str):
        if code == "":
            return None
        value = self.values.get(code.lower())
        if value is None:
            raise _refuse(N_("«%(code)s» is not a mark of this journal's scale (%(codes)s)."), code=code,
                          codes=", ".join(v.code for v in self.scale))
        return value

    # -- one change of each kind --
    def mark(self, change: dict) -> Optional[str]:
        aid, sid = int(change["assignment"]), self._student(change)
        found = self.assignments.get(aid)
        if found is None or found[2] != self.ctx.group_id:
            raise _refuse(N_("The assignment is not in this journal."))
        assignment, day, _group, is_control = found
        code, duty, comment = _norm(change.get("value")), bool(change.get("duty")), _norm(change.get("comment"))
        mark = self.marks.get((aid, sid))
        current = self._mark_state(mark)
        if "old" in change and _state(change["old"]) != current:
            return current
        if (code, duty, comment) == current:
            return None
        value = self._value(code)
        if value is None and duty is False and comment:
            raise _refuse(N_("A comment belongs to a mark or a «точка»."))
        self._lock("control" if is_control else "mark", day)
        if value is None and not duty:
            if mark is not None:
                self.session.delete(mark)
        else:
            mark_rules.check_mark(self.ctx.scale_id if value else None, self.ctx.scale_id, duty)
            if mark is None:
                mark = Mark(school_id=self.ctx.school_id, assignment_id=aid, student_id=sid)
                mark.assignment = assignment
                self.session.add(mark)
                self.checked.add(mark)
                self.marks[(aid, sid)] = mark
            mark.value = value
            mark.is_duty = duty
            mark.comment = comment or None
        self.touched_students.add(sid)
        return None

    def _mark_state(self, mark: Optional[Mark]) -> tuple:
        if mark is None or mark in self.session.deleted:
            return ("", False, "")
        return (self.value_codes.get(mark.value_id, "") if mark.value_id else "", bool(mark.is_duty), mark.comment or "")

    def att(self, change: dict) -> Optional[str]:
        lid, sid = int(change["lesson"]), self._student(change)
        lesson = self.lessons.get(lid)
        if lesson is None or lesson.subject_group_id != self.ctx.group_id:
            raise _refuse(N_("The lesson is not in this journal."))
        code = _norm(change.get("value"))
        entry = self.attendance.get((lid, sid))
        current = self.att_by_id.get(entry.code_id, "") if entry is not None else ""
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
        self._lock("attendance", lesson.date)
        if attendance_code is None:
            self.session.delete(entry)
        elif entry is None:
            entry = Attendance(school_id=self.ctx.school_id, lesson_id=lid, student_id=sid)
            entry.lesson, entry.code = lesson, attendance_code
            self.session.add(entry)
            self.checked.add(entry)
            self.attendance[(lid, sid)] = entry
        else:
            entry.code = attendance_code
        return None

    def lesson(self, change: dict) -> Optional[str]:
        lesson = self.lessons.get(int(change["lesson"]))
        if lesson is None or lesson.subject_group_id != self.ctx.group_id:
            raise _refuse(N_("The lesson is not in this journal."))
        current = {"topic": lesson.topic or "", "hw": lesson.homework or ""}
        old = change.get("old")
        if isinstance(old, dict) and any(_norm(old.get(k)) != _norm(v) for k, v in current.items()):
            return current
        topic, homework = _norm(change.get("topic")), _norm(change.get("hw"))
        if len(topic) > 500:
            raise _refuse(N_("The topic is longer than %(n)s characters."), n=500)
        if self.ctx.year_closed:
            self._lock("mark", lesson.date)
        lesson.topic = topic or None
        lesson.homework = homework or None
        return None

    def period(self, change: dict) -> Optional[str]:
        pid, sid = int(change["period"]), self._student(change)
        period = self.periods.get(pid)
        if period is None or period.year_id != self.ctx.year_id:
            raise _refuse(N_("The study period is not of this journal's year."))
        return self._final_like(change, sid, ("period_mark", period.end_date), self.period_marks, (pid, sid),
                                lambda: PeriodMark(school_id=self.ctx.school_id, subject_group_id=self.ctx.group_id,
                                                   student_id=sid, period_id=pid))

    def final(self, change: dict) -> Optional[str]:
        if not self.final_editable:
            raise _refuse(N_("You may not change the final marks of this subject group."))
        cid, sid = int(change["column"]), self._student(change)
        column = self.columns.get(cid)
        if column is None or column.year_id != self.ctx.year_id:
            raise _refuse(N_("The column is not of this journal's year."))
        return self._final_like(change, sid, ("final_mark", self.ctx.year_end), self.final_marks, (cid, sid),
                                lambda: FinalMark(school_id=self.ctx.school_id, subject_group_id=self.ctx.group_id,
                                                  student_id=sid, column_id=cid))

    def _final_like(self, change, sid, lock, store: dict, key, make) -> Optional[str]:
        code = _norm(change.get("value"))
        row = store.get(key)
        current = self.value_codes.get(row.value_id, "") if row is not None and row not in self.session.deleted else ""
        if "old" in change and _norm(change["old"]).lower() != current.lower():
            return current
        if code.lower() == current.lower():
            return None
        value = self._value(code)
        self._lock(*lock)
        if value is None:
            self.session.delete(row)
        else:
            if row is None:
                row = make()
                self.session.add(row)
                self.checked.add(row)
                store[key] = row
            row.value = value
        return None

    def apply(self, changes: list) -> SaveResult:
        """Checks each change and stages the good ones; the caller flushes and commits."""
        if not self.editable:
            refusal = RuleViolation(N_("You may not change the journal of this subject group."))
            self.result.errors = {i: refusal for i in range(len(changes))}
            return self.result
        handlers = {"mark": self.mark, "att": self.att, "lesson": self.lesson, "period": self.period, "final": self.final}
        try:
            self._load([c for c in changes if isinstance(c, dict)])
        except (KeyError, TypeError, ValueError):
            refusal = RuleViolation(N_("The changes could not be read. Reload the page."))
            self.result.errors = {i: refusal for i in range(len(changes))}
            return self.result
        with self.session.no_autoflush:
            for index, change in enumerate(changes):
                try:
                    handler = handlers.get(change.get("kind")) if isinstance(change, dict) else None
                    if handler is None:
                        raise _refuse(N_("The changes could not be read. Reload the page."))
                    conflict = handler(change)
                except CellError as error:
                    self.result.errors[index] = error.refusal
                except RuleViolation as refusal:
                    self.result.errors[index] = refusal
                except (KeyError, TypeError, ValueError):
                    self.result.errors[index] = RuleViolation(N_("The changes could not be read. Reload the page."))
                else:
                    if conflict is not None:
                        self.result.conflicts[index] = conflict
                    else:
                        self.result.saved.append(index)
        return self.result

    def averages(self, period_id: Optional[int]) -> dict:
        """Fresh averages of the students whose marks changed, for the period shown."""
        if not self.touched_students or period_id is None:
            return {}
        period = self.session.get(StudyPeriod, period_id)
        if period is None or period.year_id != self.ctx.year_id:
            return {}
        start, end = period.start_date, period.end_date
        students = sorted(self.touched_students)
        marks = _mark_rows(self.session, self.ctx, start, end, students)
        weights = _weights(self.session, self.ctx, start, end)
        scores = {v.id: (float(v.score) if v.score is not None else None) for v in self.scale}
        stats = averages(_pairs(marks, weights, scores, students), self.ctx.thresholds)
        return {str(sid): _avg_json(a) for sid, a in stats.items()}


def _state(old: Any) -> tuple:
    """A mark cell as the page saw it: [code, duty, comment]."""
    if isinstance(old, (list, tuple)) and len(old) == 3:
        return (_norm(old[0]), bool(old[1]), _norm(old[2]))
    return (_norm(old), False, "")


def plan_suggestions(session: Session, ctx: GroupContext) -> dict:
    """Lesson id → {"topic", "hw"} from the group's КТП, for the lessons still without
    a topic (app/rules/thematic.py lays the plan over the lessons in order)."""
    from decimal import Decimal

    from app.models import ThematicPlan, ThematicPlanTopic
    from app.rules import thematic

    topics = session.execute(
        select(ThematicPlanTopic.position, ThematicPlanTopic.title, ThematicPlanTopic.hours, ThematicPlanTopic.homework)
        .join(ThematicPlan, ThematicPlanTopic.plan_id == ThematicPlan.id)
        .where(ThematicPlan.school_id == ctx.school_id, ThematicPlan.subject_group_id == ctx.group_id)
        .order_by(ThematicPlanTopic.position), execution_options=ctx.reads,
    ).all()
    if not topics:
        return {}
    plan = [thematic.PlanTopic(pos, title, Decimal(str(hours if hours is not None else 1)), homework)
            for pos, title, hours, homework in topics]
    lessons = [thematic.PlannedLesson(lid, bool((topic or "").strip()), bool(cancelled)) for lid, topic, cancelled in
               session.execute(select(Lesson.id, Lesson.topic, Lesson.is_cancelled)
                               .where(Lesson.school_id == ctx.school_id, Lesson.subject_group_id == ctx.group_id)
                               .order_by(Lesson.date, Lesson.number, Lesson.id), execution_options=ctx.reads)]
    return {str(lid): {"topic": plan[i].title, "hw": plan[i].homework or ""}
            for lid, i in thematic.assign_topics(plan, lessons).items()}
