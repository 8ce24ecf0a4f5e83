"""A teacher's day on the home page: today's lessons with links into the journal,
and what is still unfilled — recent lessons without a topic, and period marks due
soon (act 001 §4.5: topics and attendance are filled on the day; §4.13: period
marks 2 days before the period ends)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from sqlalchemy import Date, Integer, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.models import (
    Assignment, Attendance, Lesson, Mark, PeriodMark, School, SchoolClass, StudyPeriod, SubjectGroup,
    SubjectGroupTeacher,
)
from app.models.teaching import group_member_rows, member_spans_of
from app.rules import locks


@dataclass
class LessonLine:
    id: int
    group_id: int
    number: int
    day: dt.date
    class_name: str
    group_name: str
    topic: Optional[str]
    marks: int = 0
    absences: int = 0
    substitute: bool = False
    cancelled: bool = False


@dataclass
class DueMarks:
    group_id: int
    class_name: str
    group_name: str
    period: str
    due: dt.date
    missing: int


@dataclass
class TeacherDay:
    today: list = field(default_factory=list)       # LessonLine
    no_topic: list = field(default_factory=list)    # LessonLine, recent lessons without a topic
    due: list = field(default_factory=list)         # DueMarks


def teacher_day(session: Session, employee_id: int, school_id: int, today: dt.date, periods=None,
                taught=None) -> TeacherDay:
    """What the teacher (or substitute) has to do: one statement for the lessons, and
    one more when period marks are due within a week. `periods` (today's study periods)
    and `taught` (the ids of the groups the teacher teaches) when the caller has them."""
    school = session.get(School, school_id)  # the login's school: already loaded
    settings = school.lock_settings if school is not None else None
    taught_query = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == employee_id)
    if taught is None:
        taught = session.scalars(taught_query).all()
    since = today - (locks.last_editable_day("mark", today, settings) - today)  # the lessons still open
    rows = session.execute(
        _lessons_statement(),
        {"employee": employee_id, "school": school_id, "taught": list(taught), "since": since, "today": today},
        # bounded by the teacher's own lessons in the login's school: the scope's per-row criteria
        # would only repeat that bound in every subquery (a tenfold slower statement on SQLite)
        execution_options={"parta_unscoped": True},
    ).all()
    day = TeacherDay()
    for lid, gid, number, date, grade, letter, name, topic, n_marks, n_abs, substitute, cancelled in rows:
        line = LessonLine(lid, gid, number, date, f"{grade}{letter}", name, topic, n_marks or 0, n_abs or 0,
                          substitute == employee_id, bool(cancelled))
        if date == today:
            day.today.append(line)
        elif not (topic or "").strip() and not cancelled:
            day.no_topic.append(line)
    day.due = _due_period_marks(session, taught, taught_query, periods, settings, today)
    return day


@lru_cache(maxsize=1)
def _lessons_statement():
    """teacher_day's lessons, built once per process (parameters employee, school, taught,
    since, today): the teacher's own and substituted lessons still open, each with its
    count of marks and absences."""
    school_id, employee_id = bindparam("school", type_=Integer), bindparam("employee", type_=Integer)
    mine = or_(Lesson.subject_group_id.in_(bindparam("taught", expanding=True, type_=Integer)),
               Lesson.substitute_id == employee_id)
    # the lesson's assignments first, then their marks by (school, assignment): joined the other
    # way round, SQLite walks every mark of the school for each lesson
    of_lesson = (select(Assignment.id).where(Assignment.lesson_id == Lesson.id, Assignment.school_id == school_id)
                 .correlate(Lesson))
    marks = (select(func.count(Mark.id)).where(Mark.school_id == school_id, Mark.assignment_id.in_(of_lesson))
             .correlate(Lesson).scalar_subquery())
    absences = (select(func.count(Attendance.id))
                .where(Attendance.lesson_id == Lesson.id, Attendance.school_id == school_id)
                .correlate(Lesson).scalar_subquery())
    return (
        select(Lesson.id, Lesson.subject_group_id, Lesson.number, Lesson.date, SchoolClass.grade, SchoolClass.letter,
               SubjectGroup.name, Lesson.topic, marks, absences, Lesson.substitute_id, Lesson.is_cancelled)
        .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .where(mine, Lesson.school_id == school_id, Lesson.date >= bindparam("since", type_=Date),
               Lesson.date <= bindparam("today", type_=Date))
        .order_by(Lesson.date, Lesson.number)
    )


def _due_period_marks(session: Session, taught, taught_query, periods, settings, today: dt.date) -> list:
    """Period marks due within a week in the groups the teacher teaches: for each period
    that ends soon, the group's students at its end without a mark — one statement."""
    if periods is None:
        periods = session.execute(select(StudyPeriod).where(StudyPeriod.start_date <= today,
                                                            StudyPeriod.end_date >= today)).scalars().all()
    due = [(period, locks.period_marks_due(period.end_date, settings)) for period in periods]
    due = [(period, date) for period, date in due if date <= today + dt.timedelta(days=7)]
    if not due:
        return []
    if taught is None:
        taught = session.scalars(taught_query).all()
    if not taught:
        return []
    parts = []
    for period, _ in due:
        rows = group_member_rows(taught, period.end_date, period.end_date)
        parts.append(select(literal(period.id).label("period_id"), *rows.c))
    members = union_all(*parts).subquery("members")
    marked = (select(PeriodMark.id).where(PeriodMark.subject_group_id == members.c.group_id,
                                          PeriodMark.student_id == members.c.student_id,
                                          PeriodMark.period_id == members.c.period_id).exists())
    found = session.execute(
        select(members.c.period_id, members.c.group_id, members.c.student_id, members.c.valid_from, members.c.valid_to,
               members.c.joined, members.c.left, SubjectGroup.name, SchoolClass.grade, SchoolClass.letter, marked)
        .join(SubjectGroup, SubjectGroup.id == members.c.group_id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)).all()
    by_id = {period.id: (period, date) for period, date in due}
    missing: dict = {}
    names: dict = {}
    for period_id, gid, student, valid_from, valid_to, joined, left, name, grade, letter, has_mark in found:
        period, _ = by_id[period_id]
        if not (period.grade_from <= grade <= period.grade_to):
            continue
        names[gid] = (name, f"{grade}{letter}")
        if member_spans_of([(gid, student, valid_from, valid_to, joined, left)], period.end_date, period.end_date) \
                and not has_mark:
            missing.setdefault((gid, period_id), set()).add(student)
    result = []
    for (gid, period_id), students in sorted(missing.items(), key=lambda item: (names[item[0][0]][1], names[item[0][0]][0])):
        period, date = by_id[period_id]
        result.append(DueMarks(gid, names[gid][1], names[gid][0], period.name, date, len(students)))
    return result
