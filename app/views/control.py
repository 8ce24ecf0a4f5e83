"""«Не выставленные отметки за период» (act 001 §4.13): period marks are due two
days before the period ends, and the missing ones are listed for the coordinator,
per class and subject group with the teacher. A constant number of queries."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from app.clock import school_today
from app.extensions import db
from app.models import (
    Employee, Enrolment, PeriodMark, PeriodType, SchoolClass, SchoolYear, Student, StudyPeriod, Subject, SubjectGroup,
    SubjectGroupMember, SubjectGroupTeacher,
)
from app.rules.locks import last_editable_day, period_marks_due
from app.security.rights import require_right
from app.views.base import current_school

# First-graders learn without marks (ФГОС НОО: безотметочное обучение), so their
# groups owe no period marks.
FIRST_MARKED_GRADE = 2


@dataclass
class GroupGap:
    """A subject group and its students still without a period mark."""

    group: SubjectGroup
    subject: str
    teachers: list = field(default_factory=list)
    students: int = 0
    missing: list = field(default_factory=list)


@dataclass
class ClassGaps:
    name: str
    groups: list = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(len(g.missing) for g in self.groups)


def default_period(periods: list, today: dt.date):
    """The current period, or the next to end: the earliest end not before today
    (among periods that carry period marks; of two, the one from the lower grades);
    the last one when the year is over."""
    own = [p for p in periods if not p.period_type.is_year] or periods
    upcoming = [p for p in own if p.end_date >= today]
    if upcoming:
        return min(upcoming, key=lambda p: (p.end_date, p.grade_from, p.start_date))
    return max(own, key=lambda p: p.end_date) if own else None


def missing_period_marks(session, period: StudyPeriod) -> list[ClassGaps]:
    """Per class (by grade and letter), the groups whose students lack a mark for `period`."""
    end = period.end_date
    rows = session.execute(
        select(SubjectGroup, SchoolClass, Subject.name)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .where(SubjectGroup.year_id == period.year_id,
               SchoolClass.grade >= max(period.grade_from, FIRST_MARKED_GRADE), SchoolClass.grade <= period.grade_to)
        .order_by(SchoolClass.grade, SchoolClass.letter, Subject.order, Subject.name, SubjectGroup.name)
    ).all()
    if not rows:
        return []
    group_ids = [g.id for g, _, _ in rows]
    class_ids = {c.id for _, c, _ in rows}

    teachers = defaultdict(list)
    for group_id, employee in session.execute(
        select(SubjectGroupTeacher.subject_group_id, Employee)
        .join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
        .where(SubjectGroupTeacher.subject_group_id.in_(group_ids))
        .order_by(SubjectGroupTeacher.is_main.desc(), Employee.last_name)
    ):
        teachers[group_id].append(employee.short_name)

    # The class's students on the period's last day.
    enrolled = defaultdict(dict)  # class id -> {student id: student}
    for class_id, student in session.execute(
        select(Enrolment.class_id, Student).join(Student, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id.in_(class_ids), Enrolment.start_date <= end,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= end))
    ):
        enrolled[class_id][student.id] = student
    members = defaultdict(set)
    for group_id, student_id in session.execute(
        select(SubjectGroupMember.subject_group_id, SubjectGroupMember.student_id)
        .where(SubjectGroupMember.subject_group_id.in_(group_ids))
    ):
        members[group_id].add(student_id)
    marked = set(session.execute(
        select(PeriodMark.subject_group_id, PeriodMark.student_id)
        .where(PeriodMark.period_id == period.id, PeriodMark.subject_group_id.in_(group_ids))
    ).tuples())

    classes: dict = {}
    for group, school_class, subject in rows:
        in_class = enrolled.get(school_class.id, {})
        students = [s for sid, s in in_class.items() if group.is_whole_class or sid in members.get(group.id, ())]
        gap = GroupGap(group, subject, teachers.get(group.id, []), len(students),
                       sorted((s for s in students if (group.id, s.id) not in marked),
                              key=lambda s: (s.last_name, s.first_name, s.middle_name or "")))
        classes.setdefault(school_class.id, ClassGaps(school_class.name)).groups.append(gap)
    return list(classes.values())


class MissingPeriodMarksView(BaseView):
    """For the coordinator and the administration: who still owes period marks."""

    route_base = "/missingperiodmarks"
    default_view = "report"
    base_permissions = ["can_report"]

    @expose("/")
    @has_access
    def report(self):
        require_right("reports_all_classes")
        school = current_school()
        today = school_today()
        year = db.session.scalar(
            select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
        ) or db.session.scalar(select(SchoolYear).order_by(SchoolYear.is_current.desc(), SchoolYear.start_date.desc()))
        periods = db.session.scalars(
            select(StudyPeriod).join(StudyPeriod.period_type).options(contains_eager(StudyPeriod.period_type))
            .where(StudyPeriod.year_id == (year.id if year else None))
            .order_by(StudyPeriod.start_date, PeriodType.id, StudyPeriod.grade_from)
        ).all() if year else []
        chosen = request.args.get("period", type=int)
        period = next((p for p in periods if p.id == chosen), None) or default_period(periods, today)
        settings = school.lock_settings if school else None
        classes = missing_period_marks(db.session, period) if period else []
        groups = [g for c in classes for g in c.groups]
        return self.render_template(
            "parta/missing_period_marks.html", title=_l("Missing period marks"), periods=periods, period=period,
            classes=classes, today=today,
            due=period_marks_due(period.end_date, settings) if period else None,
            locked_after=last_editable_day("period_mark", period.end_date, settings) if period else None,
            missing=sum(len(g.missing) for g in groups), complete=sum(1 for g in groups if not g.missing),
            group_count=len(groups),
        )
