"""The journal grid: what one subject group's page shows for a study period
(app/journal/saving.py saves the cells typed into it).

Reading takes a fixed number of queries whatever the size of the class and the
period (rows are fetched as plain tuples, not ORM objects).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from sqlalchemy import Date, Integer, Numeric, String, and_, bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, GradeScale,
    GradeScaleValue, JournalUnlock, Lesson, PeriodMark, PeriodType, School, SchoolClass, SchoolYear,
    Student, StudyPeriod, Subject, SubjectGroup, group_member_rows, member_spans_of,
)
from app.models.people import short_name
from app.journal.marks import group_marks, lessons_of_group
from app.rules import grading, locks
from app.rules import periods as period_rules
from app.security.scoping import bounded_rows


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
    group: Optional[SubjectGroup] = None  # the group's row, read with its class and year (a save)
    # a save: the scale's values as rows of the session, read with the context; taken by the
    # save's first attempt (a retry after a rollback reads them again)
    scale_values: Optional[list] = None
    locked: bool = False  # a save on PostgreSQL: the context's statement took the journal's write lock


def read_whole_journal(ctx: "GroupContext", scope) -> None:
    """Marks the context for reads bounded by group and school, without per-row
    criteria, when the scope shows the whole journal (app/security/scoping.py)."""
    from app.security.scoping import whole_journal_visible

    if whole_journal_visible(scope, ctx.group_id):
        ctx.reads = {"parta_unscoped": True}


ADVISORY_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, subject group id): the journal's write lock


@lru_cache(maxsize=8)
def _group_context_statement(within_schools: bool, with_rows: bool = False, dialect: str = ""):
    """group_context's statement, built once per process (parameters group_id, schools);
    `with_rows` (a save): the group, its class and year as rows of the session as well, one
    row per value of the journal's scale (its values as rows of the session too), and on
    PostgreSQL the journal's write lock taken by the same statement (an uncorrelated
    subquery: evaluated once, and only when the group is found)."""
    default_scale = (
        select(GradeScale.id).where(GradeScale.school_id == SubjectGroup.school_id, GradeScale.is_default.is_(True))
        .limit(1).scalar_subquery()
    )
    rows = (SubjectGroup, SchoolClass, SchoolYear, GradeScaleValue) if with_rows else ()
    if with_rows and dialect == "postgresql":
        rows += (select(func.pg_advisory_xact_lock(ADVISORY_LOCK_NAMESPACE, bindparam("group_id", type_=Integer)))
                 .scalar_subquery(),)
    query = (
        select(SubjectGroup.id, SubjectGroup.name, SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
               SubjectGroup.is_whole_class, Subject.name, SchoolYear.id, SchoolYear.is_closed, SchoolYear.end_date,
               SubjectGroup.school_id, SubjectGroup.grade_scale_id, default_scale,
               *(School.__table__.c[name] for name in School.LOCK_COLUMNS + School.THRESHOLD_COLUMNS), *rows)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .join(SchoolYear, SubjectGroup.year_id == SchoolYear.id)
        .join(School, SubjectGroup.school_id == School.id)
        .where(SubjectGroup.id == bindparam("group_id", type_=Integer))
    )
    if with_rows:
        query = query.outerjoin(GradeScaleValue, and_(
            GradeScaleValue.school_id == SubjectGroup.school_id,
            GradeScaleValue.scale_id == func.coalesce(SubjectGroup.grade_scale_id, default_scale)))
    if within_schools:
        query = query.where(SubjectGroup.school_id.in_(bindparam("schools", expanding=True, type_=Integer)))
    return query


def group_context(session: Session, group_id: int, with_rows: bool = False) -> Optional[GroupContext]:
    """One query: the group, its class, subject, year, school settings and mark scale;
    None for a group the user does not see. A group whose whole journal the user sees is
    read within their schools without the per-row criteria (a substitute teacher's group
    of a substituted lesson through them). `with_rows` (a save): the same query also puts
    the group, its class and its year into the session, where the write pipeline's checks
    find them."""
    from app.security.scoping import UNSCOPED, current_scope, whole_journal_visible

    scope = current_scope(session)
    params = {"group_id": group_id}
    dialect = session.get_bind().dialect.name if with_rows else ""
    if whole_journal_visible(scope, group_id):
        reads = {"parta_unscoped": True}
        if scope.schools is not UNSCOPED:
            params["schools"] = list(scope.schools)
        statement = _group_context_statement(scope.schools is not UNSCOPED, with_rows, dialect)
    else:
        reads, statement = {}, _group_context_statement(False, with_rows, dialect)
    found = session.execute(statement, params, execution_options=reads).all()
    if not found:
        return None
    row = found[0]
    gid, name, class_id, grade, letter, whole, subject, year_id, closed, year_end, school_id, scale, default = row[:13]
    locks_end = 13 + len(School.LOCK_COLUMNS)
    rows_at = locks_end + len(School.THRESHOLD_COLUMNS)  # the rows of a save
    if with_rows:  # the group holds its class and year, as joinedload would have put them
        set_committed_value(row[rows_at], "school_class", row[rows_at + 1])
        set_committed_value(row[rows_at], "year", row[rows_at + 2])
    return GroupContext(gid, name, class_id, f"{grade}{letter}", grade, whole, subject, year_id, bool(closed), year_end,
                        school_id, School.lock_settings_of(*row[13:locks_end]),
                        School.thresholds_of(*row[locks_end:rows_at]), scale or default,
                        group=row[rows_at] if with_rows else None,
                        scale_values=[r[rows_at + 3] for r in found if r[rows_at + 3] is not None] if with_rows else None,
                        locked=dialect == "postgresql")


@dataclass
class Dictionaries:
    scale: list            # (id, code, score, is_passing)
    codes: list            # (id, code, name, is_excused)
    types: list            # (id, name, abbr, weight, is_control)
    periods: list = field(default_factory=list)   # (id, name, start_date, end_date, is_year)
    unlocks: list = field(default_factory=list)   # locks.Unlock
    period_marks: list = field(default_factory=list)  # (period id, student id, value id), with_period_marks


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

    @property
    def start(self) -> Optional[dt.date]:
        return self.start_date

    @property
    def end(self) -> Optional[dt.date]:
        return self.end_date


@lru_cache(maxsize=4)
def _dictionaries_statement(with_types: bool, with_period_marks: bool):
    """dictionaries' statement, built once per shape (parameters scale_id, school_id, year_id,
    grade, group_id)."""
    scale_id, school_id, year_id, grade, group_id = (bindparam(name) for name in (
        "scale_id", "school_id", "year_id", "grade", "group_id"))
    # typed NULLs: PostgreSQL matches the columns of a UNION by type
    d = lambda: cast(null(), Date)  # noqa: E731
    t = lambda: cast(null(), String)  # noqa: E731
    n = lambda: cast(null(), Numeric)  # noqa: E731
    # tag, id, text 1, text 2, number, flag, order, date 1, date 2, date 3
    parts = [
        select(literal("s"), GradeScaleValue.id, GradeScaleValue.code, t(), GradeScaleValue.score,
               GradeScaleValue.is_passing, GradeScaleValue.order, d(), d(), d())
        .where(GradeScaleValue.scale_id == scale_id),
        select(literal("c"), AttendanceCode.id, AttendanceCode.code, AttendanceCode.name, n(),
               AttendanceCode.is_excused, AttendanceCode.order, d(), d(), d())
        .where(AttendanceCode.school_id == school_id),
        select(literal("p"), StudyPeriod.id, StudyPeriod.name, t(), n(), PeriodType.is_year, literal(0),
               StudyPeriod.start_date, StudyPeriod.end_date, d())
        .join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
        .where(StudyPeriod.year_id == year_id, StudyPeriod.grade_from <= grade, StudyPeriod.grade_to >= grade),
        select(literal("u"), JournalUnlock.id, t(), t(), n(), literal(False), literal(0),
               JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
        .where(JournalUnlock.subject_group_id == group_id, JournalUnlock.in_force()),
    ]
    if with_types:
        parts.append(select(literal("t"), AssignmentType.id, AssignmentType.abbr, AssignmentType.name, AssignmentType.weight,
                            AssignmentType.is_control, AssignmentType.order, d(), d(), d())
                     .where(AssignmentType.school_id == school_id))
    if with_period_marks:
        parts.append(select(literal("m"), PeriodMark.student_id, t(), t(), cast(PeriodMark.value_id, Numeric),
                            literal(False), PeriodMark.period_id, d(), d(), d())
                     .where(PeriodMark.school_id == school_id, PeriodMark.subject_group_id == group_id))
    return union_all(*parts)


def dictionaries(session: Session, ctx: GroupContext, with_types: bool = True,
                 with_period_marks: bool = False) -> Dictionaries:
    """The journal's reference data — its mark scale, the attendance codes, the work
    types, the study periods for its grade and its unlocks; with `with_period_marks` the
    period marks of all its periods (a few per student) — read in one statement (UNION
    ALL of small selects of one shape), so that opening a journal costs the same few
    statements whatever its size."""
    params = {"scale_id": ctx.scale_id, "school_id": ctx.school_id, "year_id": ctx.year_id, "grade": ctx.grade,
              "group_id": ctx.group_id}
    rows = bounded_rows(session, _dictionaries_statement(with_types, with_period_marks), params, ctx.reads)
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
        period_marks=[(pid, sid, int(value) if value is not None else None)
                      for pid, sid, _a, _b, value, *_ in found["m"]],
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
    """The asked period, else the current one (app/rules/periods.current_period) of the
    shorter periods, else of the year-long ones, else the first to come."""
    if not periods:
        return None
    if period_id is not None:
        for p in periods:
            if p.id == period_id:
                return p
    return period_rules.current_period([p for p in periods if not p.is_year] or periods, today, upcoming=True)


@lru_cache(maxsize=1)
def _students_of_statement():
    """students_of's statement, built once (parameters groups, schools, start, end)."""
    rows = group_member_rows(bindparam("groups", expanding=True), _START, _END,
                             school_ids=bindparam("schools", expanding=True, type_=Integer))
    return select(rows, Student.last_name, Student.first_name, Student.middle_name).join(
        Student, Student.id == rows.c.student_id)


def students_of(session: Session, ctx: GroupContext, start: dt.date, end: dt.date) -> list:
    """The group's students during the dates: (id, short name, joined, left), ordered by name.

    A whole-class group takes the class's enrolments; a subgroup its members while they
    were members and in the class (app/models group_member_spans): a pupil moved to
    another group on a day shows here with the day he left, and there from that day.
    """
    found = bounded_rows(session, _students_of_statement(), {"groups": [ctx.group_id], "schools": [ctx.school_id],
                                                             "start": start, "end": end}, ctx.reads)
    names = {row[1]: short_name(*row[6:9]) for row in found}  # group_member_rows' six columns, then the names
    spans: dict = {}
    for span in member_spans_of(found, start, end):
        # a student in the group twice (left and came back) shows once, with the widest dates
        joined, left = spans.get(span.student_id, (span.start, span.end))
        spans[span.student_id] = (min(joined, span.start),
                                  None if left is None or span.end is None else max(left, span.end))
    rows = [(sid, names[sid], joined, left) for sid, (joined, left) in spans.items()]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def _unlocks(session: Session, group_id: int, reads: Optional[dict] = None) -> list:
    return [locks.Unlock(*row) for row in session.execute(
        select(JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
        .where(JournalUnlock.subject_group_id == group_id, JournalUnlock.in_force()), execution_options=reads or {})]


def lock_texts(today: dt.date, ctx: GroupContext, unlocks: list):
    """The journal's locks as a page shows them: (kind, entry date) → the lock rule's refusal
    translated, or None when the entry may be changed; each message is looked up in the
    catalogue once per page."""
    from app.i18n import gettext

    translated: dict = {}

    def text(kind: str, entry_date: dt.date) -> Optional[str]:
        refusal = locks.lock_refusal(kind, entry_date, today, ctx.settings, unlocks, ctx.year_closed)
        if refusal is None:
            return None
        template = translated.get(refusal.msgid)
        if template is None:
            template = translated[refusal.msgid] = gettext(refusal.msgid)
        return template % refusal.params if refusal.params else template

    return text


def averages(pairs_by_student: dict, thresholds) -> dict:
    """Per student: both averages, the formula and the suggested period mark (app/rules/grading)."""
    thresholds = grading.normalize_thresholds(thresholds)
    return {sid: grading.summarize(pairs, thresholds) for sid, pairs in pairs_by_student.items()}


def mark_rows(session: Session, ctx: "GroupContext", start: dt.date, end: dt.date, students: Optional[list] = None):
    return group_marks(session, ctx.school_id, ctx.group_id, start, end, students, ctx.reads)


# The grid's statements, built once (parameters school_id, group_id, start, end): built on every
# opening, SQLAlchemy's building and cache key cost more than PostgreSQL's answer.
_SCHOOL, _GROUP, _START, _END = bindparam("school_id"), bindparam("group_id"), bindparam("start"), bindparam("end")
_LESSONS_OF_GRID = (
    select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.homework, Lesson.is_cancelled,
           Lesson.substitute_id, Assignment.id, Assignment.type_id, Assignment.title, Assignment.weight)
    .outerjoin(Assignment, and_(Assignment.lesson_id == Lesson.id, Assignment.school_id == _SCHOOL))
    .where(Lesson.school_id == _SCHOOL, Lesson.subject_group_id == _GROUP, Lesson.date >= _START, Lesson.date <= _END)
    .order_by(Lesson.date, Lesson.number, Assignment.id))
_ATTENDANCE_OF_GRID = (
    select(Attendance.lesson_id, Attendance.student_id, Attendance.code_id)
    .where(Attendance.school_id == _SCHOOL, Attendance.lesson_id.in_(lessons_of_group(_SCHOOL, _GROUP, _START, _END))))


def load_grid(session: Session, ctx: GroupContext, period_id: Optional[int], today: dt.date) -> dict:
    """Everything the grid page shows, as plain data for the page's script."""
    dicts = dictionaries(session, ctx, with_period_marks=True)
    periods = dicts.periods
    period = pick_period(periods, period_id, today)
    start, end = (period.start_date, period.end_date) if period else (today, today)
    students = students_of(session, ctx, start, end)

    dates = {"school_id": ctx.school_id, "group_id": ctx.group_id, "start": start, "end": end}
    lesson_rows = bounded_rows(session, _LESSONS_OF_GRID, dates, ctx.reads)
    marks = mark_rows(session, ctx, start, end)
    attendance = bounded_rows(session, _ATTENDANCE_OF_GRID, dates, ctx.reads)
    period_marks = [(sid, value) for pid, sid, value in dicts.period_marks if period is not None and pid == period.id]
    unlocks = dicts.unlocks

    types = {t.id: t for t in dicts.types}
    codes = {v.id: v.code for v in dicts.scale}
    # floats, as the averages count them (converted once per value, not for each of a thousand marks)
    scores = {v.id: float(v.score) if v.score is not None else None for v in dicts.scale}
    att_codes = {c.id: c.code for c in dicts.codes}

    lock_text = lock_texts(today, ctx, unlocks)
    lessons, weights, by_id = [], {}, {}
    for lid, day, number, topic, homework, cancelled, substitute, aid, type_id, title, weight in lesson_rows:
        lesson = by_id.get(lid)
        if lesson is None:
            lesson = by_id[lid] = {
                "id": lid, "date": day.isoformat(), "label": f"{day.day:02d}.{day.month:02d}", "number": number,
                "topic": topic or "", "homework": homework or "", "cancelled": bool(cancelled), "assignments": [],
                "lock": lock_text("mark", day), "lockControl": lock_text("control", day),
                "lockAttendance": lock_text("attendance", day),
            }
            lessons.append(lesson)
        if aid is not None:
            kind = types.get(type_id)
            w = grading.effective_weight(weight, kind.weight if kind else None)
            lesson["assignments"].append({"id": aid, "type": type_id, "abbr": kind.abbr if kind else "",
                                          "name": kind.name if kind else "", "weight": w,
                                          "control": bool(kind and kind.is_control), "title": title or ""})
            if not cancelled:
                weights[aid] = w

    student_ids = [s[0] for s in students]
    marked = grading.is_marked_grade(ctx.grade)  # a first grade: no scale, averages or period marks
    # the marks as the page shows them and, in the same pass, the (score, weight) pairs of the averages
    shown, scored, states = {}, {sid: [] for sid in student_ids}, {}
    entries: dict = {}  # (value, assignment) → grading.scored: a few marks and weights for a thousand cells
    for aid, sid, value_id, duty, comment, _ in marks:
        state = states.get((value_id, duty, comment))
        if state is None:  # a few states (the scale's marks, «точка») for a thousand cells: each built once
            state = states[(value_id, duty, comment)] = (codes.get(value_id, "") if value_id else "", bool(duty),
                                                         comment or "")
        shown[f"{aid}:{sid}"] = state
        if value_id is not None and aid in weights and sid in scored:
            key = (value_id, aid)
            if key not in entries:
                entries[key] = grading.scored(scores.get(value_id), weights[aid])
            entry = entries[key]
            if entry is not None:  # a mark without a score does not count
                scored[sid].append(entry)
    thresholds = grading.normalize_thresholds(ctx.thresholds)
    stats = {sid: grading.summary_of((grading.tally_scored(run),), thresholds) for sid, run in scored.items()} \
        if marked else {}
    period_lock = lock_text("period_mark", end) if period else None
    # The grid's wire format (read by app/static/parta-grid.js; app/views/grid.py adds
    # "editable", "csrf" and "urls"). Ids are numbers; a cell's key is "<row id>:<student id>".
    #   group        {id, name, class, subject}; marked: false in a first grade (no marks)
    #   period       {id, name, start, end, due} (ДД.ММ.ГГГГ) or null; periods [{id, name}]
    #   scale        [{id, code, score}]: the journal's marks; codes [{id, code, name, excused}]:
    #                attendance codes; types [{id, name, abbr, weight, control}]: kinds of work
    #   students     [{id, name, joined, left}] (joined/left: a date within the period, else "")
    #   lessons      [{id, date (ISO), label ("ДД.ММ"), number, topic, homework, cancelled,
    #                 lock, lockControl, lockAttendance (the refusal's text or null),
    #                 assignments: [{id, type, abbr, name, weight (effective), control, title}]}]
    #   marks        {"<assignment>:<student>": [code, duty (a «точка»), comment]}
    #   attendance   {"<lesson>:<student>": code}
    #   periodMarks  {"<student>": code}; periodLock: the refusal's text or null
    #   averages     {"<student>": {arithmetic, weighted (texts "4,25"), formula, suggested, count}}
    # Saving (POST urls.save, app/views/grid.py) sends {group, period, changes: [...]}, each change
    # one of {kind: "mark", assignment, student, value, duty, comment, old: [code, duty, comment]},
    # {kind: "attendance", lesson, student, value, old}, {kind: "lesson", lesson, topic, homework,
    # old: {topic, homework}}, {kind: "period", period, student, value, old}, {kind: "final", column,
    # student, value, old} — old is what the page showed; the answer is {saved: [index],
    # errors: {index: text}, conflicts: {index: the value stored meanwhile, shaped as old},
    # averages: as above for the students changed, or null (then GET urls.averages)}.
    return {
        "group": {"id": ctx.group_id, "name": ctx.name, "class": ctx.class_name, "subject": ctx.subject},
        "marked": marked,
        "period": {"id": period.id, "name": period.name, "start": _ru(start), "end": _ru(end),
                   "due": _ru(locks.period_marks_due(end, ctx.settings))} if period else None,
        "periods": [{"id": p.id, "name": p.name} for p in periods],
        "scale": [{"id": v.id, "code": v.code, "score": v.score} for v in dicts.scale] if marked else [],
        "codes": [{"id": c.id, "code": c.code, "name": c.name, "excused": bool(c.is_excused)} for c in dicts.codes],
        "types": [{"id": t.id, "name": t.name, "abbr": t.abbr, "weight": t.weight, "control": t.is_control}
                  for t in dicts.types],
        "students": [{"id": sid, "name": name, "joined": _ru(j) if j and j > start else "",
                      "left": _ru(left) if left and left < end else ""} for sid, name, j, left in students],
        "lessons": lessons,
        "marks": shown,
        "attendance": {f"{lid}:{sid}": att_codes.get(code, "") for lid, sid, code in attendance},
        "periodMarks": {str(sid): codes.get(v, "") for sid, v in period_marks} if marked else {},
        "periodLock": period_lock,
        "averages": {str(sid): average_json(a) for sid, a in stats.items()},
    }


def average_json(a: grading.Summary) -> dict:
    return {"arithmetic": grading.format_average(a.arithmetic), "weighted": grading.format_average(a.weighted),
            "formula": a.formula, "suggested": a.suggested, "count": a.count}


def plan_suggestions(session: Session, ctx: GroupContext) -> dict:
    """Lesson id → {"topic", "homework"} from the group's КТП, for the lessons still without
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
    return {str(lid): {"topic": plan[i].title, "homework": plan[i].homework or ""}
            for lid, i in thematic.assign_topics(plan, lessons).items()}
