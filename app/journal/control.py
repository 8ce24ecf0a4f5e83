"""Period marks owed (act 001 §4.13): which period is being chased now, and which
students of which subject groups still lack a period mark; and when each mark of a
journal was entered. Read by the «Не выставленные отметки за период» page and the
journal-control report."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import or_, select

from app.models import (
    Assignment, Employee, Enrolment, Lesson, Mark, PeriodMark, SchoolClass, Student, StudyPeriod, Subject, SubjectGroup,
    SubjectGroupTeacher, group_member_spans, members_on,
)
from app.rules.grading import FIRST_MARKED_GRADE  # first grades owe no period marks
from app.rules.locks import is_editable, period_marks_due
# A period due within this many days (or already overdue) is the one being chased.
DUE_SOON_DAYS = 14
# A group missing fewer marks than this shows the names; longer lists fold away.
NAMES_SHOWN_BELOW = 5


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
    id: int
    name: str
    groups: list = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(len(g.missing) for g in self.groups)

    @property
    def open_groups(self) -> list:
        """The groups that still owe marks."""
        return [g for g in self.groups if g.missing]


def period_order(period) -> tuple:
    """The selector's order: by start, shorter periods first, year-long ones last."""
    return (period.period_type.is_year, period.start_date, period.end_date - period.start_date, period.grade_from)


def default_period(periods: list, today: dt.date, settings: Any = None) -> Optional[StudyPeriod]:
    """The period whose marks are being chased now.

    Among the periods whose period marks may still be changed (not more than the lock
    days past their end), those due within DUE_SOON_DAYS or already overdue come first;
    of these the one due nearest to today (the overdue quarter before the next one).
    Without such a period, the next to fall due. Ties go to the shorter period, then
    the lower grades, so a year-long period yields to the quarter ending with it.
    When every period is locked (the year is over), the last to end."""
    if not periods:
        return None
    open_ = [p for p in periods if is_editable("period_mark", p.end_date, today, settings)]
    if not open_:
        return max(periods, key=lambda p: (p.end_date, p.start_date, not p.period_type.is_year))

    def due(p) -> dt.date:
        return period_marks_due(p.end_date, settings)

    soon = [p for p in open_ if due(p) <= today + dt.timedelta(days=DUE_SOON_DAYS)]
    return min(soon or open_, key=lambda p: (abs((due(p) - today).days), p.period_type.is_year,
                                             p.end_date - p.start_date, p.grade_from))


def mark_entries(session, group_ids: list, start: dt.date, end: dt.date) -> list:
    """(group id, lesson id, lesson day, whether it has a value, first entry time in UTC
    or None) of every mark of the groups' lessons in [start, end] — a duty mark
    («точка») too, cancelled lessons not — from the entry stamps the write pipeline
    sets on every path; one statement."""
    if not group_ids:
        return []
    return session.execute(
        select(Lesson.subject_group_id, Lesson.id, Lesson.date, Mark.value_id.is_not(None), Mark.entered_at)
        .select_from(Lesson).join(Assignment, Assignment.lesson_id == Lesson.id)
        # the school too, so that the unique index (school, assignment, student) serves the join
        .join(Mark, (Mark.school_id == Assignment.school_id) & (Mark.assignment_id == Assignment.id))
        .where(Lesson.subject_group_id.in_(group_ids), Lesson.date >= start, Lesson.date <= end,
               Lesson.is_cancelled.is_(False))
    ).tuples().all()


def classes_of(session, period: StudyPeriod) -> list:
    """The classes that owe marks for the period (its grades, without the first)."""
    return session.scalars(
        select(SchoolClass).where(SchoolClass.year_id == period.year_id,
                                  SchoolClass.grade >= max(period.grade_from, FIRST_MARKED_GRADE),
                                  SchoolClass.grade <= period.grade_to)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()


def missing_period_marks(session, period: StudyPeriod, class_id: Optional[int] = None) -> list[ClassGaps]:
    """Per class (by grade and letter), the groups whose students lack a mark for `period`."""
    end = period.end_date
    query = (
        select(SubjectGroup, SchoolClass, Subject.name)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .where(SubjectGroup.year_id == period.year_id,
               SchoolClass.grade >= max(period.grade_from, FIRST_MARKED_GRADE), SchoolClass.grade <= period.grade_to)
        .order_by(SchoolClass.grade, SchoolClass.letter, Subject.order, Subject.name, SubjectGroup.name)
    )
    if class_id is not None:
        query = query.where(SchoolClass.id == class_id)
    rows = session.execute(query).all()
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
    for enrolled_in, student in session.execute(
        select(Enrolment.class_id, Student).join(Student, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id.in_(class_ids), Enrolment.start_date <= end,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= end))
    ):
        enrolled[enrolled_in][student.id] = student
    members = defaultdict(set, members_on(group_member_spans(session, group_ids, end, end), end))
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
        classes.setdefault(school_class.id, ClassGaps(school_class.id, school_class.name)).groups.append(gap)
    return list(classes.values())
