"""The figures of the home page, read through the school-scoped session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from sqlalchemy import Date, Integer, and_, bindparam, case, func, literal, or_, select, true
from sqlalchemy.orm import Session

from app.journal import data
from app.models import Employee, Enrolment, School, SchoolClass, SchoolYear, StudyPeriod, Subject
from app.views.base import current_school
from app.views.formats import format_date


@dataclass(frozen=True)
class TodayPeriod:
    """A study period holding today (the home page, the teacher's period marks due)."""

    id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    grade_from: int
    grade_to: int

    def __str__(self) -> str:
        return f"{self.name} ({format_date(self.start_date)}–{format_date(self.end_date)})"  # as StudyPeriod


@dataclass
class Overview:
    school: Optional[School]
    today: dt.date
    year: Optional[data.YearRow]
    periods: list                  # TodayPeriod
    classes: int
    students: int
    employees: int
    subjects: int
    teacher: object = None  # app.journal.today.TeacherDay for a teacher


@lru_cache(maxsize=2)
def _overview_statement(within_schools: bool):
    """school_overview's statement, built once per process (parameters today, schools):
    the year around today (else the one marked current) with its periods of today and the
    head-counts, every table read within the schools."""
    today = bindparam("today", type_=Date)
    schools = bindparam("schools", expanding=True, type_=Integer)

    def within(model):
        return model.school_id.in_(schools) if within_schools else true()

    dated = and_(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
    year_id = (select(SchoolYear.id).where(or_(dated, SchoolYear.is_current.is_(True)), within(SchoolYear))
               .order_by(case((dated, 0), else_=1), SchoolYear.start_date.desc()).limit(1).scalar_subquery())
    counts = (
        select(func.count(SchoolClass.id)).where(within(SchoolClass), SchoolClass.year_id == year_id).scalar_subquery(),
        select(func.count(func.distinct(Enrolment.student_id))).where(
            within(Enrolment), Enrolment.start_date <= today,
            or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today)).scalar_subquery(),
        select(func.count(Employee.id)).where(
            within(Employee), or_(Employee.leave_date.is_(None), Employee.leave_date >= today)).scalar_subquery(),
        select(func.count(Subject.id)).where(within(Subject)).scalar_subquery(),
    )
    year = (select(SchoolYear.id, SchoolYear.name, SchoolYear.start_date, SchoolYear.end_date, SchoolYear.is_current,
                   SchoolYear.is_closed, SchoolYear.school_id)
            .where(within(SchoolYear), SchoolYear.id == year_id).subquery("year"))
    # one row even without a year: the counts, and the year and its periods when there is one
    return (
        select(*counts, year.c.id, year.c.name, year.c.start_date, year.c.end_date, year.c.is_current,
               year.c.is_closed, year.c.school_id, StudyPeriod.id, StudyPeriod.name, StudyPeriod.start_date,
               StudyPeriod.end_date, StudyPeriod.grade_from, StudyPeriod.grade_to)
        .select_from(select(literal(1).label("one")).subquery("one"))
        .outerjoin(year, true())
        .outerjoin(StudyPeriod, and_(StudyPeriod.year_id == year.c.id, within(StudyPeriod),
                                     StudyPeriod.start_date <= today, StudyPeriod.end_date >= today))
        .order_by(StudyPeriod.grade_from, StudyPeriod.start_date)
    )


def school_overview(session: Session, today: dt.date) -> Overview:
    """What the home page shows to a logged-in user of a school (their segment only):
    the year, its current periods and the head-counts in one statement. A user who sees
    every student of their schools reads it within the schools without the per-row
    criteria; anyone else (a teacher, a family) through them (their students only)."""
    from app.security.scoping import UNSCOPED, current_scope

    scope = current_scope(session)
    params = {"today": today}
    if scope.schools is not UNSCOPED:
        params["schools"] = list(scope.schools)
    reads = {"parta_unscoped": True} if scope.students is UNSCOPED else {}
    rows = session.execute(_overview_statement(scope.schools is not UNSCOPED), params, execution_options=reads).all()
    classes, students, employees, subjects, *year_fields = rows[0][:11]
    year = data.YearRow(*year_fields[:4], bool(year_fields[4]), bool(year_fields[5]), year_fields[6]) \
        if year_fields[0] is not None else None
    periods = [TodayPeriod(*row[11:]) for row in rows if row[11] is not None]
    school = _school()
    teacher = None
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
