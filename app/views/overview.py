"""The figures of the home page, read through the school-scoped session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import and_, case, func, or_, select
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
    """What the home page shows to a logged-in user of a school (their segment only):
    the year, its current periods and the head-counts in one statement."""
    dated = and_(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
    # the year around today, else the one marked current
    year_id = (select(SchoolYear.id).where(or_(dated, SchoolYear.is_current.is_(True)))
               .order_by(case((dated, 0), else_=1), SchoolYear.start_date.desc()).limit(1).scalar_subquery())
    counts = (
        select(func.count(SchoolClass.id)).where(SchoolClass.year_id == year_id).scalar_subquery(),
        select(func.count(func.distinct(Enrolment.student_id))).where(
            Enrolment.start_date <= today, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today)).scalar_subquery(),
        select(func.count(Employee.id)).where(or_(Employee.leave_date.is_(None), Employee.leave_date >= today)).scalar_subquery(),
        select(func.count(Subject.id)).scalar_subquery(),
    )
    rows = session.execute(
        select(SchoolYear, StudyPeriod, *counts).select_from(SchoolYear)
        .outerjoin(StudyPeriod, and_(StudyPeriod.year_id == SchoolYear.id, StudyPeriod.start_date <= today,
                                     StudyPeriod.end_date >= today))
        .where(SchoolYear.id == year_id).order_by(StudyPeriod.grade_from, StudyPeriod.start_date)).all()
    if rows:
        year, periods, figures = rows[0][0], [row[1] for row in rows if row[1] is not None], rows[0][2:]
    else:  # no school year at all
        year, periods, figures = None, [], session.execute(select(*counts)).one()
    classes, students, employees, subjects = figures
    school = _school()
    teacher = None
    from app.security.scoping import current_scope

    scope = current_scope(session)
    employee = scope.substitute_for
    if employee is not None and school is not None:
        from app.journal.today import teacher_day

        teacher = teacher_day(session, employee, school.id, today, periods=periods, taught=scope.taught_groups)
        if not (teacher.today or teacher.no_topic or teacher.due):
            teacher = teacher if scope.taught_groups else None
    return Overview(school, today, year, periods, classes or 0, students or 0, employees or 0, subjects or 0, teacher)


def _school():
    """The user's school, read with the login; a municipal login's first school."""
    from flask_login import current_user

    school = getattr(current_user, "school", None) if current_user else None
    return school if school is not None else current_school()
