"""The figures of the home page, read through the school-scoped session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Employee, Enrolment, School, SchoolClass, SchoolYear, StudyPeriod, Subject
from app.views.base import current_school


@dataclass
class Overview:
    school: Optional[School]
    today: dt.date
    year: Optional[SchoolYear]
    periods: list
    classes: int
    students: int
    employees: int
    subjects: int
    teacher: object = None  # app.journal.today.TeacherDay for a teacher


def school_overview(session: Session, today: dt.date) -> Overview:
    """What the home page shows to a logged-in user of a school (their segment only)."""
    year = session.scalar(select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
                          .order_by(SchoolYear.start_date.desc()).limit(1))
    year = year or session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)).limit(1))
    periods = []
    if year is not None:
        periods = session.scalars(select(StudyPeriod).where(
            StudyPeriod.year_id == year.id, StudyPeriod.start_date <= today, StudyPeriod.end_date >= today
        ).order_by(StudyPeriod.grade_from, StudyPeriod.start_date)).all()
    classes = session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.year_id == (year.id if year else None)))
    students = session.scalar(select(func.count(func.distinct(Enrolment.student_id))).where(
        Enrolment.start_date <= today, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today)))
    employees = session.scalar(select(func.count(Employee.id)).where(
        or_(Employee.leave_date.is_(None), Employee.leave_date >= today)))
    subjects = session.scalar(select(func.count(Subject.id)))
    school = current_school()
    teacher = None
    from app.security.scoping import current_scope

    employee = current_scope(session).substitute_for
    if employee is not None and school is not None:
        from app.journal.today import teacher_day

        teacher = teacher_day(session, employee, school.id, today)
        if not (teacher.today or teacher.no_topic or teacher.due):
            teacher = teacher if _teaches(session, employee) else None
    return Overview(school, today, year, periods, classes or 0, students or 0, employees or 0, subjects or 0, teacher)


def _teaches(session: Session, employee_id: int) -> bool:
    from app.models import SubjectGroupTeacher

    return session.scalar(select(SubjectGroupTeacher.id).where(SubjectGroupTeacher.employee_id == employee_id).limit(1)) is not None
