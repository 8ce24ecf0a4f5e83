"""Whose class is it: the class teacher (классный руководитель — a position, not a role:
SchoolClass.class_teacher) works with the classes they lead; the administration (the
right «reports_all_classes») opens any class of the school; who plans the groups
(«Состав подгрупп» may be added to) splits any class, a class teacher their own."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Employee, SchoolClass, SchoolYear
from app.security.accounts import acting_user
from app.security.rights import user_rights


def working_year(session: Session, day: dt.date):
    """The school year the day falls in; in the summer, the year marked current (else the latest)."""
    return (session.scalar(select(SchoolYear).where(SchoolYear.start_date <= day, SchoolYear.end_date >= day).limit(1))
            or session.scalar(select(SchoolYear).order_by(SchoolYear.is_current.desc(), SchoolYear.start_date.desc())
                              .limit(1)))


def working_day(year, day: dt.date) -> dt.date:
    """The day inside the year: its last day after it ended, its first before it began."""
    return min(max(day, year.start_date), year.end_date) if year is not None else day


def _year_classes(session: Session, day: dt.date):
    year = working_year(session, day)
    return (select(SchoolClass).where(SchoolClass.year_id == (year.id if year else None))
            .order_by(SchoolClass.grade, SchoolClass.letter))


def led_classes(session: Session, day: dt.date) -> list:
    """The classes of the day's school year (in the summer: the current one) the user leads."""
    user = acting_user()
    if user is None:
        return []
    return list(session.scalars(_year_classes(session, day).join(Employee, Employee.id == SchoolClass.class_teacher_id)
                                .where(Employee.user_id == user.id)))


def sees_every_class() -> bool:
    sm = current_app.appbuilder.sm
    return "reports_all_classes" in user_rights(sm, sm.current_user)


def workspace_classes(session: Session, day: dt.date) -> list:
    """The classes whose «Мой класс» the user may open."""
    if sees_every_class():
        return list(session.scalars(_year_classes(session, day)))
    return led_classes(session, day)


def plans_groups() -> bool:
    return current_app.appbuilder.sm.has_access("can_add", "SubjectGroupMemberView")


def split_classes(session: Session, day: dt.date) -> list:
    """The classes the user may split into groups."""
    if plans_groups():
        return list(session.scalars(_year_classes(session, day)))
    return led_classes(session, day)
