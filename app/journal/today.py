"""A teacher's day on the home page: today's lessons with links into the journal,
and what is still unfilled — recent lessons without a topic, and period marks due
soon (act 001 §4.5: topics and attendance are filled on the day; §4.13: period
marks 2 days before the period ends)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Assignment, Attendance, Lesson, Mark, PeriodMark, School, SchoolClass, StudyPeriod, SubjectGroup,
    SubjectGroupTeacher,
)
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


def teacher_day(session: Session, employee_id: int, school_id: int, today: dt.date) -> TeacherDay:
    """What the teacher (or substitute) has to do, in four queries."""
    school = session.get(School, school_id)
    settings = school.lock_settings if school is not None else None
    taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == employee_id)
    mine = or_(Lesson.subject_group_id.in_(taught), Lesson.substitute_id == employee_id)
    marks = (select(func.count(Mark.id)).join(Assignment, Mark.assignment_id == Assignment.id)
             .where(Assignment.lesson_id == Lesson.id).correlate(Lesson).scalar_subquery())
    absences = select(func.count(Attendance.id)).where(Attendance.lesson_id == Lesson.id).correlate(Lesson).scalar_subquery()
    since = today - (locks.last_editable_day("mark", today, settings) - today)  # the lessons still open
    rows = session.execute(
        select(Lesson.id, Lesson.subject_group_id, Lesson.number, Lesson.date, SchoolClass.grade, SchoolClass.letter,
               SubjectGroup.name, Lesson.topic, marks, absences, Lesson.substitute_id, Lesson.is_cancelled)
        .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .where(mine, Lesson.date >= since, Lesson.date <= today)
        .order_by(Lesson.date, Lesson.number)
    ).all()
    day = TeacherDay()
    for lid, gid, number, date, grade, letter, name, topic, n_marks, n_abs, substitute, cancelled in rows:
        line = LessonLine(lid, gid, number, date, f"{grade}{letter}", name, topic, n_marks or 0, n_abs or 0,
                          substitute == employee_id, bool(cancelled))
        if date == today:
            day.today.append(line)
        elif not (topic or "").strip() and not cancelled:
            day.no_topic.append(line)

    # period marks due within a week for the groups the teacher teaches
    periods = session.execute(
        select(StudyPeriod.id, StudyPeriod.name, StudyPeriod.end_date, StudyPeriod.grade_from, StudyPeriod.grade_to)
        .where(StudyPeriod.start_date <= today, StudyPeriod.end_date >= today)
    ).all()
    groups = session.execute(
        select(SubjectGroup.id, SubjectGroup.name, SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id).where(SubjectGroup.id.in_(taught))
    ).all()
    from app.journal.grid import group_context, students_of  # one group at a time: a teacher has a handful

    for gid, name, _class_id, grade, letter in groups:
        for pid, pname, end, g_from, g_to in periods:
            due = locks.period_marks_due(end, settings)
            if not (g_from <= grade <= g_to) or due > today + dt.timedelta(days=7):
                continue
            ctx = group_context(session, gid)
            students = {row[0] for row in students_of(session, ctx, end, end)} if ctx else set()
            done = set(session.scalars(select(PeriodMark.student_id).where(PeriodMark.subject_group_id == gid,
                                                                         PeriodMark.period_id == pid)))
            missing = len(students - done)
            if missing:
                day.due.append(DueMarks(gid, f"{grade}{letter}", name, pname, due, missing))
    return day
