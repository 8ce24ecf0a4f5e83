"""What the reports and the diary read from the journal: plain rows, a few queries each.

Every query runs through the session's scoping (app/security/scoping.py): a
teacher's report holds the rows of their journals only, a parent's the rows of
their own children. The figures are computed from these rows by app/rules — the
same averages the journal grid shows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from sqlalchemy import Date, Integer, and_, bindparam, case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app.journal.marks import (  # noqa: F401  (the reports read marks and periods through data, as before)
    MarkRow, PeriodRow, current_period, final_marks_of, marks_of, period_at, period_marks_of, periods_of_grade,
    mark_row, sort_periods, tagged_marks,
)
from app.models import (
    Attendance, AttendanceCode, Employee, Enrolment, Mark, FinalMarkColumn, Lesson, PeriodType, School, SchoolClass,
    SchoolYear, Student, StudyPeriod, Subject, SubjectGroup, SubjectGroupTeacher, group_member_rows,
    group_member_spans, member_spans_of,
)
from app.models.people import full_name, short_name
from app.rules.performance import Absence
from app.security.scoping import bounded_rows


@dataclass(frozen=True)
class StudentRow:
    id: int
    last_name: str
    first_name: str
    middle_name: Optional[str]
    joined: Optional[dt.date] = None   # enrolled in the class during the dates asked
    left: Optional[dt.date] = None
    school_id: Optional[int] = None

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)

    @property
    def sort_key(self) -> tuple:
        return (self.last_name, self.first_name, self.middle_name or "", self.id)


@dataclass(frozen=True)
class GroupRow:
    """A subject group with its class and subject."""

    id: int
    name: str
    class_id: int
    class_name: str
    grade: int
    subject_id: int
    subject: str
    subject_short: str
    subject_order: int
    is_whole_class: bool
    year_id: int
    school_id: int

    @property
    def sort_key(self) -> tuple:
        return (self.grade, self.class_name, self.subject_order, self.subject, self.name, self.id)


@dataclass(frozen=True)
class ClassRow:
    id: int
    name: str
    grade: int
    letter: str
    year_id: int
    school_id: int
    teacher: str  # the class teacher, «Иванова А. С.»


@dataclass(frozen=True)
class ColumnRow:
    """A final-mark column (year, exam, final) of the «Итоговые отметки» tab."""

    id: int
    name: str
    kind: str
    order: int


@dataclass(frozen=True)
class LessonRow:
    id: int
    group_id: int
    day: dt.date
    number: int
    topic: str
    homework: str
    cancelled: bool


@dataclass(frozen=True)
class AbsenceRow:
    group_id: int
    lesson_id: int
    day: dt.date
    student_id: int
    code: str
    excused: bool

    @property
    def absence(self) -> Absence:
        return Absence(self.day, self.excused)


# --- the school's calendar ------------------------------------------------------------

def school_of(session: Session, school_id: Optional[int] = None) -> Optional[School]:
    query = select(School).order_by(School.id).limit(1)
    if school_id is not None:
        query = query.where(School.id == school_id)
    return session.scalar(query)


@dataclass(frozen=True)
class YearRow:
    """A school year as the report filters show it."""

    id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    is_current: bool
    is_closed: bool
    school_id: int

    def __str__(self) -> str:
        return self.name


@lru_cache(maxsize=2)
def _years_statement(within_schools: bool):
    """school_years' statement, built once per process (parameter schools)."""
    query = (select(SchoolYear.id, SchoolYear.name, SchoolYear.start_date, SchoolYear.end_date, SchoolYear.is_current,
                    SchoolYear.is_closed, SchoolYear.school_id)
             .order_by(SchoolYear.start_date.desc(), SchoolYear.id))
    if within_schools:
        query = query.where(SchoolYear.school_id.in_(bindparam("schools", expanding=True, type_=Integer)))
    return query


def school_years(session: Session) -> list[YearRow]:
    """The school years of the user's schools, the latest first: read within the scope's
    schools (the rows of a school year have no other criterion), one statement."""
    from app.security.scoping import UNSCOPED, current_scope

    schools = current_scope(session).schools
    params = {} if schools is UNSCOPED else {"schools": list(schools)}
    rows = session.execute(_years_statement(schools is not UNSCOPED), params,
                           execution_options={"parta_unscoped": True}).all()
    return [YearRow(yid, name, start, end, bool(current), bool(closed), school)
            for yid, name, start, end, current, closed, school in rows]


def year_on(session: Session, day: dt.date, school_id: Optional[int] = None) -> Optional[SchoolYear]:
    """The school year holding the day, else the current one, else the latest begun."""
    base = select(SchoolYear)
    if school_id is not None:
        base = base.where(SchoolYear.school_id == school_id)
    return (session.scalar(base.where(SchoolYear.start_date <= day, SchoolYear.end_date >= day).limit(1))
            or session.scalar(base.where(SchoolYear.is_current.is_(True)).limit(1))
            or session.scalar(base.order_by(SchoolYear.start_date.desc()).limit(1)))


def final_columns(session: Session, year_id: int, grade: int) -> list[ColumnRow]:
    rows = session.execute(
        select(FinalMarkColumn.id, FinalMarkColumn.name, FinalMarkColumn.kind, FinalMarkColumn.order)
        .where(FinalMarkColumn.year_id == year_id, FinalMarkColumn.grade_from <= grade, FinalMarkColumn.grade_to >= grade)
    ).all()
    return sorted((ColumnRow(cid, name, kind.name, order or 0) for cid, name, kind, order in rows),
                  key=lambda c: (c.order, c.id))


# --- classes, groups, students --------------------------------------------------------

def _class_rows(session: Session, condition) -> list[ClassRow]:
    rows = session.execute(
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter, SchoolClass.year_id, SchoolClass.school_id,
               Employee.last_name, Employee.first_name, Employee.middle_name)
        .outerjoin(Employee, SchoolClass.class_teacher_id == Employee.id)
        .where(condition)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    return [ClassRow(cid, f"{grade}{letter}", grade, letter, year, school, short_name(last, first, middle) if last else "")
            for cid, grade, letter, year, school, last, first, middle in rows]


def classes_of_year(session: Session, year_id: int) -> list[ClassRow]:
    return _class_rows(session, SchoolClass.year_id == year_id)


def class_row(session: Session, class_id: int) -> Optional[ClassRow]:
    found = _class_rows(session, SchoolClass.id == class_id)
    return found[0] if found else None


def _group_query():
    return (select(SubjectGroup.id, SubjectGroup.name, SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
                   Subject.id, Subject.name, Subject.short_name, Subject.order, SubjectGroup.is_whole_class,
                   SubjectGroup.year_id, SubjectGroup.school_id)
            .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .join(Subject, SubjectGroup.subject_id == Subject.id))


def _group_rows(rows) -> list[GroupRow]:
    groups = [GroupRow(gid, name, cid, f"{grade}{letter}", grade, sid, subject, short or subject, order or 0,
                       bool(whole), year, school)
              for gid, name, cid, grade, letter, sid, subject, short, order, whole, year, school in rows]
    return sorted(groups, key=lambda g: g.sort_key)


def groups_of_classes(session: Session, class_ids: Iterable[int]) -> list[GroupRow]:
    """The subject groups of the classes the user sees (scoping hides the others)."""
    ids = list(class_ids)
    if not ids:
        return []
    return _group_rows(session.execute(_group_query().where(SubjectGroup.class_id.in_(ids))).all())


def group_row(session: Session, group_id: int) -> Optional[GroupRow]:
    rows = _group_rows(session.execute(_group_query().where(SubjectGroup.id == group_id)).all())
    return rows[0] if rows else None


def groups_by_id(session: Session, group_ids: Iterable[int]) -> list[GroupRow]:
    """The visible groups of the ids, by id: one statement."""
    ids = list(group_ids)
    if not ids:
        return []
    rows = session.execute(_group_query().where(SubjectGroup.id.in_(ids))).all()
    return sorted(_group_rows(rows), key=lambda g: g.id)


def groups_of_year(session: Session, year_id: int) -> list[GroupRow]:
    return _group_rows(session.execute(_group_query().where(SubjectGroup.year_id == year_id)).all())


def teachers_of(session: Session, group_ids: Iterable[int]) -> dict:
    """group id → [(employee id, «Иванова А. С.»)], the main teacher first."""
    ids = list(group_ids)
    found = defaultdict(list)
    if not ids:
        return found
    for gid, eid, last, first, middle in session.execute(
        select(SubjectGroupTeacher.subject_group_id, Employee.id, Employee.last_name, Employee.first_name,
               Employee.middle_name)
        .join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
        .where(SubjectGroupTeacher.subject_group_id.in_(ids))
        .order_by(SubjectGroupTeacher.is_main.desc(), Employee.last_name, Employee.id)
    ):
        found[gid].append((eid, short_name(last, first, middle)))
    return found


def class_students(session: Session, class_id: int, start: dt.date, end: dt.date) -> list[StudentRow]:
    """The class's students at any time in [start, end], by name; a student who left and
    came back shows once, with the widest dates."""
    return class_students_in(session, class_id, [(start, end)])[(start, end)]


def _merged_students(rows) -> list[StudentRow]:
    """StudentRows of (id, names, joined, left) enrolment rows, by name: a student who
    left and came back shows once, with the widest dates."""
    seen: dict = {}
    for sid, last, first, middle, joined, left in rows:
        if sid in seen:
            old = seen[sid]
            joined = min(old.joined, joined)
            left = None if old.left is None or left is None else max(old.left, left)
        seen[sid] = StudentRow(sid, last, first, middle, joined, left)
    return sorted(seen.values(), key=lambda s: s.sort_key)


def class_students_in(session: Session, class_id: int, spans: Sequence[tuple]) -> dict:
    """(start, end) → class_students() of the dates, for several spans of dates (a
    class's study periods) in one statement."""
    if not spans:
        return {}
    start, end = min(s for s, _e in spans), max(e for _s, e in spans)
    rows = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name, Enrolment.start_date,
               Enrolment.end_date)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id == class_id, Enrolment.start_date <= end,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start))
    ).all()
    return {(s, e): _merged_students([row for row in rows if row[4] <= e and (row[5] is None or row[5] >= s)])
            for s, e in spans}


def student_row(session: Session, student_id: int) -> Optional[StudentRow]:
    row = session.execute(select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                                 Student.school_id).where(Student.id == student_id)).first()
    if row is None:
        return None
    sid, last, first, middle, school_id = row
    return StudentRow(sid, last, first, middle, school_id=school_id)


def student_classes(session: Session, student_id: int, start: dt.date, end: dt.date) -> list[ClassRow]:
    """The classes the student belonged to in [start, end], the latest last."""
    ids = session.scalars(
        select(Enrolment.class_id).where(Enrolment.student_id == student_id, Enrolment.start_date <= end,
                                         or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start))
        .order_by(Enrolment.start_date)
    ).all()
    rows = [class_row(session, cid) for cid in dict.fromkeys(ids)]
    return [r for r in rows if r is not None]


def members_of(session: Session, groups: Sequence[GroupRow], students: Sequence[StudentRow],
               start: Optional[dt.date] = None, end: Optional[dt.date] = None) -> dict:
    """group id → the students (ids) it teaches at some time in [start, end] (default:
    ever): a whole-class group the class's students, a subgroup its members while they
    were members and in the class (app/models group_member_spans)."""
    everyone = {s.id for s in students}
    members = {g.id: set() for g in groups}
    for span in group_member_spans(session, list(members), start or dt.date.min, end or dt.date.max):
        if span.student_id in everyone:
            members[span.group_id].add(span.student_id)
    return members


def student_group_spans(session: Session, student_id: int, start: dt.date, end: dt.date) -> list:
    """When the student learns in which subject group during [start, end]: the whole-class
    groups of their classes while enrolled, the subgroups while a member."""
    classes = [c.id for c in student_classes(session, student_id, start, end)]
    if not classes:
        return []
    candidates = session.scalars(select(SubjectGroup.id).where(SubjectGroup.class_id.in_(classes))).all()
    return group_member_spans(session, candidates, start, end, student_ids=[student_id])


def student_groups(session: Session, student_id: int, start: dt.date, end: dt.date) -> list[GroupRow]:
    """The subject groups a student learns in during [start, end]: the whole-class groups
    of their classes and the subgroups they are members of then."""
    ids = {span.group_id for span in student_group_spans(session, student_id, start, end)}
    if not ids:
        return []
    return _group_rows(session.execute(_group_query().where(SubjectGroup.id.in_(ids))).all())


@dataclass
class StudentPlaces:
    """Where a student learns over a stretch of dates — their row, classes, subject
    groups and the spans they learn in each — read in two statements, for a page that
    asks these questions for several ranges inside the stretch (the diary: the week, the
    period, the year). Each method answers as the one-off function of the same name."""

    student: Optional[StudentRow]
    thresholds: tuple                  # the student's school's, for app.rules.grading
    enrolments: list                   # (ClassRow, bell schedule id, start, end), by start
    groups: dict                       # group id → GroupRow
    spans: list                        # MemberSpan over the stretch
    teachers: dict                     # group id → [(employee id, «Иванова А. С.»)], the main first
    periods: dict = field(default_factory=dict)  # class id → its grade's study periods (periods_of_grade)
    year_start: Optional[dt.date] = None         # the start of year_on(year_on=) of the student's school, if asked
    # Execution options of the reads about the student that follow (student_places): without the
    # per-row criteria when the user sees the whole student, each read then bounded by the student,
    # their school and these groups.
    reads: dict = field(default_factory=dict)

    def classes(self, start: dt.date, end: dt.date) -> list[ClassRow]:
        """student_classes(): the classes of [start, end], the latest last."""
        found = [c for c, _b, joined, left in self.enrolments if joined <= end and (left is None or left >= start)]
        return list({c.id: c for c in found}.values())

    def spans_during(self, start: dt.date, end: dt.date) -> list:
        return [s for s in self.spans if s.start <= end and (s.end is None or s.end >= start)]

    def groups_during(self, start: dt.date, end: dt.date) -> list[GroupRow]:
        """student_groups(): the groups learnt in at some time in [start, end]."""
        ids = {s.group_id for s in self.spans_during(start, end)}
        return sorted((g for gid, g in self.groups.items() if gid in ids), key=lambda g: g.sort_key)

    def bell_schedules(self) -> dict:
        """class id → its own bell schedule id (None: the school's default)."""
        return {c.id: bells for c, bells, _s, _e in self.enrolments}


def _year_start_of(school_column, day):
    """year_on(day)'s start date as a scalar subquery: the year holding the day, else the
    current one, else the latest begun (`day`: a date or a bound parameter)."""
    holds = and_(SchoolYear.start_date <= day, SchoolYear.end_date >= day)
    return (select(SchoolYear.start_date).where(SchoolYear.school_id == school_column)
            .order_by(case((holds, 0), (SchoolYear.is_current.is_(True), 1), else_=2), SchoolYear.start_date.desc())
            .limit(1).scalar_subquery())


_STUDENT, _START, _END = bindparam("student_id", type_=Integer), bindparam("start", type_=Date), bindparam("end", type_=Date)


@lru_cache(maxsize=4)
def _places_statement(with_year: bool, within_schools: bool):
    """student_places' first statement, built once per process (parameters student_id,
    year_on with `with_year`, schools with `within_schools`)."""
    year = [_year_start_of(Student.school_id, bindparam("year_on", type_=Date))] if with_year else []
    query = (
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name, Student.school_id,
               School.threshold_5, School.threshold_4, School.threshold_3,
               Enrolment.start_date, Enrolment.end_date, SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
               SchoolClass.year_id, SchoolClass.school_id, SchoolClass.bell_schedule_id,
               Employee.last_name, Employee.first_name, Employee.middle_name,
               StudyPeriod.id, StudyPeriod.name, StudyPeriod.start_date, StudyPeriod.end_date, PeriodType.is_year, *year)
        .join(School, Student.school_id == School.id)
        .outerjoin(Enrolment, and_(Enrolment.school_id == Student.school_id, Enrolment.student_id == Student.id))
        .outerjoin(SchoolClass, Enrolment.class_id == SchoolClass.id)
        .outerjoin(Employee, SchoolClass.class_teacher_id == Employee.id)
        .outerjoin(StudyPeriod, and_(StudyPeriod.year_id == SchoolClass.year_id,
                                     StudyPeriod.grade_from <= SchoolClass.grade,
                                     StudyPeriod.grade_to >= SchoolClass.grade))
        .outerjoin(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
        .where(Student.id == _STUDENT)
        .order_by(Enrolment.start_date)
    )
    if within_schools:
        query = query.where(Student.school_id.in_(bindparam("schools", expanding=True, type_=Integer)))
    return query


@lru_cache(maxsize=1)
def _places_groups_statement():
    """student_places' second statement, built once per process (parameters class_schools,
    classes, start, end, student_id): the groups of the classes the student learns in, with
    their spans and teachers — each table read by its school as well (the indexes lead
    with school_id)."""
    candidates = select(SubjectGroup.id).where(
        SubjectGroup.school_id.in_(bindparam("class_schools", expanding=True, type_=Integer)),
        SubjectGroup.class_id.in_(bindparam("classes", expanding=True, type_=Integer)))
    members = group_member_rows(candidates, _START, _END,
                                student_ids=bindparam("students", expanding=True, type_=Integer),
                                school_ids=bindparam("class_schools", expanding=True, type_=Integer))
    return (
        select(members, *_group_query().selected_columns, Employee.id, Employee.last_name, Employee.first_name,
               Employee.middle_name)
        .join(SubjectGroup, SubjectGroup.id == members.c.group_id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .outerjoin(SubjectGroupTeacher, and_(SubjectGroupTeacher.school_id == SubjectGroup.school_id,
                                             SubjectGroupTeacher.subject_group_id == SubjectGroup.id))
        .outerjoin(Employee, SubjectGroupTeacher.employee_id == Employee.id)
        .order_by(SubjectGroupTeacher.is_main.desc(), Employee.last_name, Employee.id)
    )


def student_places(session: Session, student_id: int, start: dt.date, end: dt.date,
                   year_on: Optional[dt.date] = None) -> StudentPlaces:
    """The student's StudentPlaces over [start, end]: one statement for the student, their
    school's thresholds, their enrolments with the classes and the study periods of the
    classes' grades (and, given `year_on`, the start of that day's school year); one for
    the subject groups of those classes with the student's spans in them and the groups'
    teachers.

    A user who sees the whole student — the student among theirs and every journal of
    their groups (app/security/scoping.py: a parent their child, a pupil themselves, staff
    who see all journals or lead the class) — reads both bounded by the student and their
    schools, without the per-row criteria, and the places' `reads` let the pages read the
    rest likewise, each statement bounded by the student, their school and their groups.
    Anyone else reads through the criteria (`reads` empty)."""
    from app.security.scoping import UNSCOPED, current_scope, student_visible, whole_journal_visible

    scope = current_scope(session)
    if student_visible(scope, student_id):
        places = _read_places(session, student_id, start, end, year_on, scope.schools)
        if all(whole_journal_visible(scope, gid) for gid in places.groups):
            places.reads = {"parta_unscoped": True}
            return places
    return _read_places(session, student_id, start, end, year_on, UNSCOPED, scoped=True)


def _read_places(session: Session, student_id: int, start: dt.date, end: dt.date, year_on: Optional[dt.date],
                 schools, scoped: bool = False) -> StudentPlaces:
    reads = {} if scoped else {"parta_unscoped": True}
    params = {"student_id": student_id}
    if year_on is not None:
        params["year_on"] = year_on
    if schools is not None:
        params["schools"] = list(schools)
    rows = bounded_rows(session, _places_statement(year_on is not None, schools is not None), params, reads)
    if not rows:
        return StudentPlaces(None, (None, None, None), [], {}, [], {})
    year_start = rows[0][24] if year_on is not None else None
    rows = [tuple(row)[:24] for row in rows]
    sid, last, first, middle, school_id, t5, t4, t3 = rows[0][:8]
    student = StudentRow(sid, last, first, middle, school_id=school_id)
    thresholds = tuple(float(v) if v is not None else None for v in (t5, t4, t3))
    enrolments = list(dict.fromkeys(
        (ClassRow(cid, f"{grade}{letter}", grade, letter, year, cschool,
                  short_name(tlast, tfirst, tmiddle) if tlast else ""), bells, joined, left)
        for *_s, joined, left, cid, grade, letter, year, cschool, bells, tlast, tfirst, tmiddle, _p1, _p2, _p3, _p4, _p5
        in rows if cid is not None))
    found_periods: dict = defaultdict(set)
    for row in rows:
        cid, (pid, name, pstart, pend, is_year) = row[10], row[19:]
        if cid is not None and pid is not None:
            found_periods[cid].add(PeriodRow(pid, name, pstart, pend, bool(is_year)))
    periods = {cid: sort_periods(items) for cid, items in found_periods.items()}
    classes = {c for c, _b, joined, left in enrolments if joined <= end and (left is None or left >= start)}
    if not classes:
        return StudentPlaces(student, thresholds, enrolments, {}, [], {}, periods, year_start)
    found = bounded_rows(session, _places_groups_statement(),
                            {"class_schools": sorted({c.school_id for c in classes}),
                             "classes": sorted({c.id for c in classes}), "start": start, "end": end,
                             "students": [student_id]}, reads)
    width = 6  # group_member_rows' columns
    groups = {g.id: g for g in _group_rows(dict.fromkeys(tuple(row[width:width + 12]) for row in found))}
    spans = list(dict.fromkeys(member_spans_of(found, start, end)))
    teachers: dict = defaultdict(list)
    for row in found:
        gid, (eid, tlast, tfirst, tmiddle) = row[0], row[width + 12:]
        if eid is not None and eid not in {e for e, _n in teachers[gid]}:
            teachers[gid].append((eid, short_name(tlast, tfirst, tmiddle)))
    return StudentPlaces(student, thresholds, enrolments, groups, spans, dict(teachers), periods, year_start)


# --- the journal's entries ------------------------------------------------------------

def lessons_of(session: Session, group_ids: Iterable[int], start: dt.date, end: dt.date) -> list[LessonRow]:
    ids = list(group_ids)
    if not ids:
        return []
    rows = session.execute(
        select(Lesson.id, Lesson.subject_group_id, Lesson.date, Lesson.number, Lesson.topic, Lesson.homework,
               Lesson.is_cancelled)
        .where(Lesson.subject_group_id.in_(ids), Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    ).all()
    return [LessonRow(lid, gid, day, number, topic or "", homework or "", bool(cancelled))
            for lid, gid, day, number, topic, homework, cancelled in rows]


def absences_of(session: Session, start: dt.date, end: dt.date, group_ids: Optional[Iterable[int]] = None,
                student_ids: Optional[Iterable[int]] = None) -> list[AbsenceRow]:
    """Missed lessons (codes that count as an absence, not a lateness) in [start, end]."""
    conditions = [Lesson.date >= start, Lesson.date <= end, Lesson.is_cancelled.is_(False),
                  AttendanceCode.is_absence.is_(True)]
    if group_ids is not None:
        conditions.append(Lesson.subject_group_id.in_(list(group_ids)))
    if student_ids is not None:
        conditions.append(Attendance.student_id.in_(list(student_ids)))
    rows = session.execute(
        select(Lesson.subject_group_id, Lesson.id, Lesson.date, Attendance.student_id, AttendanceCode.code,
               AttendanceCode.is_excused)
        .select_from(Attendance)
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .where(and_(*conditions))
        .order_by(Lesson.date, Lesson.number)
    ).all()
    return [AbsenceRow(gid, lid, day, sid, code, bool(excused)) for gid, lid, day, sid, code, excused in rows]


def attendance_codes_of(session: Session, group_ids: Iterable[int], start: dt.date, end: dt.date) -> dict:
    """(lesson id, student id) → the attendance code, any code (lateness too), of the
    groups' lessons in [start, end], for printouts: one statement for whole periods of journals."""
    ids = list(group_ids)
    if not ids:
        return {}
    return {(lid, sid): code for lid, sid, code in session.execute(
        select(Attendance.lesson_id, Attendance.student_id, AttendanceCode.code)
        .join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .where(Lesson.subject_group_id.in_(ids), Lesson.date >= start, Lesson.date <= end))}


@lru_cache(maxsize=1)
def _student_record_statement():
    """student_record's statement, built once per process (parameters school, student_id,
    seen, groups, start, end)."""
    school, student_id = bindparam("school", type_=Integer), bindparam("student_id", type_=Integer)
    seen = Lesson.subject_group_id.in_(bindparam("seen", expanding=True, type_=Integer))
    held = [Lesson.school_id == school, Lesson.date >= bindparam("start", type_=Date),
            Lesson.date <= bindparam("end", type_=Date), Lesson.is_cancelled.is_(False)]
    nulls = [null()] * 6
    return union_all(
        tagged_marks("m", *held, seen, Mark.school_id == school, Mark.student_id == student_id),
        select(literal("a"), Lesson.subject_group_id, Lesson.id, Lesson.date, Lesson.number, *nulls, null(),
               AttendanceCode.code, null(), null(), AttendanceCode.is_excused, null())
        .select_from(Attendance)
        .join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .where(*held, seen, AttendanceCode.is_absence.is_(True), Attendance.school_id == school,
               Attendance.student_id == student_id),
        select(literal("d"), null(), null(), Lesson.date, func.count(Lesson.id), *nulls, *nulls)
        .where(Lesson.subject_group_id.in_(bindparam("groups", expanding=True, type_=Integer)), *held)
        .group_by(Lesson.date),
    )


def student_record(session: Session, places: StudentPlaces, group_ids: Iterable[int], start: dt.date,
                   end: dt.date) -> tuple[list[MarkRow], list[AbsenceRow], dict]:
    """The student's marks of lessons held in [start, end] (marks_of()) and the lessons
    they missed (absences_of()) in the groups of their places (read over dates holding
    [start, end]), and the lessons held each day in `group_ids`, in one statement (UNION ALL
    of the three): ([MarkRow] by date, [AbsenceRow] by date, {day: lessons})."""
    student_id = places.student.id
    params = {"school": places.student.school_id, "student_id": student_id, "seen": list(places.groups),
              "groups": list(group_ids), "start": start, "end": end}
    marks, absences, days = [], [], {}
    for tag, gid, lid, day, number, aid, *rest in session.execute(_student_record_statement(), params,
                                                                   execution_options=places.reads).all():
        if tag == "m":
            row = mark_row(gid, lid, day, aid, *rest)
            marks.append(((row.day, number, aid), row))
            continue
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])  # SQLite: text in a UNION
        if tag == "a":
            code, excused = rest[6], rest[9]
            absences.append(((day, number), AbsenceRow(gid, lid, day, student_id, code, bool(excused))))
        else:
            days[day] = int(number)
    marks.sort(key=lambda item: item[0])
    absences.sort(key=lambda item: item[0])
    return [row for _k, row in marks], [row for _k, row in absences], days


def lesson_days(session: Session, group_ids_by_student: dict, start: dt.date, end: dt.date) -> dict:
    """student id → {day: lessons held for them that day}, for the whole days missed."""
    all_groups = set().union(*group_ids_by_student.values()) if group_ids_by_student else set()
    if not all_groups:
        return {}
    per_group = defaultdict(lambda: defaultdict(int))
    for gid, day in session.execute(
        select(Lesson.subject_group_id, Lesson.date)
        .where(Lesson.subject_group_id.in_(list(all_groups)), Lesson.date >= start, Lesson.date <= end,
               Lesson.is_cancelled.is_(False))
    ):
        per_group[gid][day] += 1
    result = {}
    for sid, groups in group_ids_by_student.items():
        days = defaultdict(int)
        for gid in groups:
            for day, count in per_group.get(gid, {}).items():
                days[day] += count
        result[sid] = days
    return result


def by_subject(groups: Sequence[GroupRow]) -> list:
    """[(subject id, subject, short name, [groups])] in the curriculum's order."""
    found: dict = {}
    for g in sorted(groups, key=lambda g: (g.subject_order, g.subject, g.id)):
        found.setdefault(g.subject_id, (g.subject_id, g.subject, g.subject_short, []))[3].append(g)
    return list(found.values())
