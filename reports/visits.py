"""«Статистика посещений» (act 004: the system keeps statistics of visits): sign-ins
per day, per role and per class for a chosen period, with a bar chart drawn on the
server as SVG (no script, no chart service: schools may be offline).

A visit is a sign-in (failed attempts are counted apart). Days are the school's
(the log keeps UTC). A login holding two roles counts under each; a class counts
the sign-ins of its students and of their parents (a parent of two classes counts
in both), as enrolled during the period. Rows come through the central scoping:
a school's users see their school's visits."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Optional

from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.clock import day_start_utc, school_zone
from app.models import Enrolment, Guardian, PartaUser, SchoolClass, Student, StudentGuardian, VisitEvent, VisitLog

# The longest period the statistics are drawn for (a school year and a bit).
MAX_DAYS = 400


@dataclass
class VisitStatistics:
    date_from: dt.date
    date_to: dt.date
    days: list = field(default_factory=list)       # (day, sign-ins, failed attempts), every day of the period
    roles: list = field(default_factory=list)      # (role, sign-ins, distinct logins), most first
    classes: list = field(default_factory=list)    # (class, students' sign-ins, parents' sign-ins), by grade
    visits: int = 0
    logins: int = 0       # distinct logins that signed in
    failed: int = 0

    @property
    def busiest(self) -> Optional[tuple]:
        return max(self.days, key=lambda d: d[1]) if self.visits else None


def _local_day(moment: dt.datetime, zone) -> dt.date:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()


def visit_statistics(session: Session, date_from: dt.date, date_to: dt.date, role_id: Optional[int] = None,
                     username: str = "") -> VisitStatistics:
    """The period's sign-ins counted per day, role and class (filtered like the log below them)."""
    date_to = min(date_to, date_from + dt.timedelta(days=MAX_DAYS - 1))
    stats = VisitStatistics(date_from, date_to)
    query = select(VisitLog.at, VisitLog.event, VisitLog.user_id).where(
        VisitLog.at >= day_start_utc(date_from), VisitLog.at < day_start_utc(date_to + dt.timedelta(days=1)),
        VisitLog.event.in_([VisitEvent.login, VisitEvent.failed]))
    if username:
        query = query.where(VisitLog.username.ilike(f"%{username}%"))
    if role_id:
        query = query.where(VisitLog.user_id.in_(select(PartaUser.id).where(PartaUser.roles.any(id=role_id))))
    zone = school_zone()
    per_day: Counter = Counter()
    failed: Counter = Counter()
    per_user: Counter = Counter()
    for at, event, user_id in session.execute(query):
        day = _local_day(at, zone)
        if event == VisitEvent.login:
            per_day[day] += 1
            if user_id is not None:
                per_user[user_id] += 1
        else:
            failed[day] += 1
    day = date_from
    while day <= date_to:
        stats.days.append((day, per_day[day], failed[day]))
        day += dt.timedelta(days=1)
    stats.visits, stats.failed, stats.logins = sum(per_day.values()), sum(failed.values()), len(per_user)
    if not per_user:
        return stats
    users = list(per_user)

    roles: dict = defaultdict(lambda: [0, 0])
    for user_id, role in session.execute(
            select(assoc_user_role.c.user_id, Role.name).join(Role, Role.id == assoc_user_role.c.role_id)
            .where(assoc_user_role.c.user_id.in_(users))):
        roles[role][0] += per_user[user_id]
        roles[role][1] += 1
    stats.roles = sorted(((name, v, n) for name, (v, n) in roles.items()), key=lambda r: (-r[1], r[0]))

    enrolled = and_(Enrolment.start_date <= date_to, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= date_from))
    classes: dict = {}
    students: dict = defaultdict(set)   # class → logins of its students
    parents: dict = defaultdict(set)    # class → logins of their parents
    for user_id, class_id, grade, letter in session.execute(
            select(Student.user_id, SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
            .join(Enrolment, Enrolment.student_id == Student.id).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Student.user_id.in_(users), enrolled)):
        classes[class_id] = (grade, letter)
        students[class_id].add(user_id)
    for user_id, class_id, grade, letter in session.execute(
            select(Guardian.user_id, SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
            .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
            .join(Enrolment, Enrolment.student_id == StudentGuardian.student_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Guardian.user_id.in_(users), enrolled)):
        classes[class_id] = (grade, letter)
        parents[class_id].add(user_id)
    stats.classes = [(f"{grade}{letter}", sum(per_user[u] for u in students[cid]), sum(per_user[u] for u in parents[cid]))
                     for cid, (grade, letter) in sorted(classes.items(), key=lambda item: item[1])]
    return stats
