"""Validation on every write path: a `before_flush` hook that gathers what the
rules in app/rules/ need from the database and calls them. CRUD views, the REST
API, imports and seeds all flush through it, so none can skip a rule."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import UniqueConstraint

from app.clock import school_today
from app.models import (
    Assignment, Attendance, CurriculumItem, Enrolment, FinalMark, FinalMarkColumn, GradeScale, Holiday, HolidaySet,
    JournalUnlock, Lesson, Mark, MovementOrder, MovementOrderItem, PeriodMark, ScheduleEntry, School, SchoolClass,
    SchoolYear, StudyPeriod, SubjectGroup, SubjectGroupMember, SubjectGroupTeacher, ThematicPlan, ThematicPlanTopic,
)
from app.models import Attestation, EducationRecord, Employee, EmployeePosition, StaffOrder, TrainingCourse
from app.rules import enrolment as enrolment_rules
from app.rules import staff as staff_rules
from app.rules import locks as lock_rules
from app.rules import marks as mark_rules
from app.rules import periods as period_rules
from app.rules.errors import N_, RuleViolation

# Messages for unique constraints, by constraint name; others get the generic one.
UNIQUE_MESSAGES = {
    "uq_school_class_letter": N_("A class with this grade and letter already exists in this school year."),
    "uq_school_year_name": N_("A school year with this name already exists."),
    "uq_student_personal_file": N_("A student with this personal file number already exists."),
    "uq_subject_name": N_("A subject with this name already exists."),
    "uq_mark_assignment_student": N_("This student already has a mark for this assignment."),
    "uq_attendance_lesson_student": N_("Attendance of this student at this lesson is already recorded."),
    "uq_period_mark": N_("This student already has a mark for this period."),
    "uq_movement_order_number": N_("An order with this number already exists in this school year."),
    "uq_staff_order_number": N_("A staff order with this number already exists in this year."),
}
GENERIC_UNIQUE = N_("Such a record already exists.")


def related(session: Session, obj: Any, rel: str) -> Any:
    """The object behind a many-to-one, whether it was set as an object or as an id."""
    target = getattr(obj, rel)
    if target is not None:
        return target
    prop = inspect(obj).mapper.relationships[rel]
    fk = getattr(obj, next(iter(prop.local_columns)).key)
    return session.get(prop.mapper.class_, fk) if fk is not None else None


def _column_value(obj: Any, column) -> Any:
    value = getattr(obj, column.key, None)
    if value is not None:
        return value
    for prop in inspect(obj).mapper.relationships:
        if column in prop.local_columns and prop.direction.name == "MANYTOONE":
            target = getattr(obj, prop.key)
            if target is not None:
                return inspect(target).identity[0] if inspect(target).identity else None
    return None


def check_unique(session: Session, obj: Any) -> None:
    """A friendly message before the database refuses a duplicate."""
    table = getattr(type(obj), "__table__", None)
    if table is None or "id" not in table.c:
        return
    state = inspect(obj)
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        if state.persistent and not any(
            column.key in state.attrs and state.attrs[column.key].history.has_changes() for column in constraint.columns
        ):
            continue  # a stored row whose key did not change keeps its uniqueness
        values = {col: _column_value(obj, col) for col in constraint.columns}
        if any(v is None for v in values.values()):
            continue
        query = select(table.c.id).where(*(col == v for col, v in values.items())).limit(1)
        if obj.id is not None:
            query = query.where(table.c.id != obj.id)
        if session.execute(query, execution_options={"parta_unscoped": True}).first():
            raise RuleViolation(UNIQUE_MESSAGES.get(constraint.name, GENERIC_UNIQUE))


def _year_of_class(session: Session, school_class: SchoolClass) -> SchoolYear:
    return related(session, school_class, "year")


def check_school_year(session: Session, year: SchoolYear) -> None:
    period_rules.check_date_range(year.start_date, year.end_date)


def check_study_period(session: Session, period: StudyPeriod) -> None:
    year = related(session, period, "year")
    period_type = related(session, period, "period_type")
    if year is None or period_type is None:
        raise RuleViolation(N_("Choose the school year and the period type."))
    period_rules.check_within_year(period.start_date, period.end_date, year.start_date, year.end_date)
    query = select(StudyPeriod).where(StudyPeriod.year_id == year.id)
    if period.id is not None:
        query = query.where(StudyPeriod.id != period.id)

    def span(p: StudyPeriod, type_id: int) -> period_rules.PeriodSpan:
        return period_rules.PeriodSpan(p.name, type_id, p.start_date, p.end_date, p.grade_from, p.grade_to)

    others = [span(p, p.period_type_id) for p in session.scalars(query) if p is not period]
    period_rules.check_no_overlap(span(period, period_type.id), others)


def check_holiday(session: Session, holiday: Holiday) -> None:
    holiday_set: HolidaySet = related(session, holiday, "holiday_set")
    if holiday_set is None:
        raise RuleViolation(N_("Choose the holiday set."))
    year = related(session, holiday_set, "year")
    period_rules.check_within_year(holiday.start_date, holiday.end_date, year.start_date, year.end_date)


def check_enrolment(session: Session, enrolment: Enrolment) -> None:
    school_class = related(session, enrolment, "school_class")
    student = related(session, enrolment, "student")
    if school_class is None or student is None:
        raise RuleViolation(N_("Choose the student and the class."))
    year = _year_of_class(session, school_class)
    end = enrolment.end_date or year.end_date
    period_rules.check_within_year(enrolment.start_date, end, year.start_date, year.end_date)
    query = (
        select(Enrolment, SchoolClass)
        .join(SchoolClass, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.student_id == student.id)
    )
    if enrolment.id is not None:
        query = query.where(Enrolment.id != enrolment.id)
    existing = [
        (c.name, (e.start_date, e.end_date)) for e, c in session.execute(query) if e is not enrolment
    ]
    enrolment_rules.check_single_class((enrolment.start_date, enrolment.end_date), existing)


def _scale_id_of_group(session: Session, group: SubjectGroup) -> int | None:
    if group.grade_scale_id is not None:
        return group.grade_scale_id
    if group.grade_scale is not None:
        return group.grade_scale.id
    defaults = session.info.setdefault("parta_default_scales", {})  # one query per school and flush
    if group.school_id not in defaults:
        defaults[group.school_id] = session.scalar(
            select(GradeScale.id).where(GradeScale.school_id == group.school_id, GradeScale.is_default.is_(True))
        )
    return defaults[group.school_id]


def check_mark(session: Session, mark: Mark) -> None:
    assignment = related(session, mark, "assignment")
    if assignment is None or (mark.student_id is None and related(session, mark, "student") is None):
        raise RuleViolation(N_("Choose the assignment and the student."))
    group = related(session, related(session, assignment, "lesson"), "subject_group")
    value = related(session, mark, "value")
    mark_rules.check_mark(value.scale_id if value else None, _scale_id_of_group(session, group), bool(mark.is_duty))


def check_period_or_final_mark(session: Session, mark: PeriodMark | FinalMark) -> None:
    group = related(session, mark, "subject_group")
    value = related(session, mark, "value")
    if group is None or value is None or related(session, mark, "student") is None:
        raise RuleViolation(N_("Choose the subject group, the student and the mark."))
    mark_rules.check_mark(value.scale_id, _scale_id_of_group(session, group), False)


def check_unlock(session: Session, unlock: JournalUnlock) -> None:
    lock_rules.check_unlock(unlock.date_from, unlock.date_to, unlock.until, school_today(), unlock.reason)
    if related(session, unlock, "subject_group") is None:
        raise RuleViolation(N_("Choose the subject group whose journal is unlocked."))


# --- Edit locks (act 001 §4.11–4.14), on every write path -------------------

def _unlocks(session: Session, group_id: int) -> list:
    """The unlocks of a journal, read once per flush."""
    cache = session.info.setdefault("parta_unlocks", {})
    if group_id not in cache:
        rows = session.execute(
            select(JournalUnlock.date_from, JournalUnlock.date_to, JournalUnlock.until)
            .where(JournalUnlock.subject_group_id == group_id),
            execution_options={"parta_unscoped": True},
        ).all()
        cache[group_id] = [lock_rules.Unlock(*row) for row in rows]
    return cache[group_id]


def _lock_settings(session: Session, school_id: int):
    """The school's lock day counts, read once per flush."""
    cache = session.info.setdefault("parta_lock_settings", {})
    if school_id not in cache:
        school = session.get(School, school_id)
        cache[school_id] = school.lock_settings if school is not None else None
    return cache[school_id]


def lock_entry(session: Session, obj: Any):
    """(lock kind, entry date, subject group) of a journal row; None for rows without a lock."""
    if isinstance(obj, (Mark, Attendance)):
        if isinstance(obj, Mark):
            assignment = related(session, obj, "assignment")
            if assignment is None:
                return None
            kind = "control" if related(session, assignment, "type").is_control else "mark"
            lesson = related(session, assignment, "lesson")
        else:
            kind, lesson = "attendance", related(session, obj, "lesson")
        return (kind, lesson.date, related(session, lesson, "subject_group")) if lesson is not None else None
    if isinstance(obj, PeriodMark):
        period = related(session, obj, "period")
        return ("period_mark", period.end_date, related(session, obj, "subject_group")) if period is not None else None
    if isinstance(obj, FinalMark):
        column = related(session, obj, "column")
        year = related(session, column, "year") if column is not None else None
        return ("final_mark", year.end_date, related(session, obj, "subject_group")) if year is not None else None
    return None


def _group_of_journal_row(session: Session, obj: Any):
    if isinstance(obj, (Lesson, ThematicPlan)):
        return related(session, obj, "subject_group")
    if isinstance(obj, Assignment):
        lesson = related(session, obj, "lesson")
        return related(session, lesson, "subject_group") if lesson is not None else None
    if isinstance(obj, ThematicPlanTopic):
        plan = related(session, obj, "plan")
        return related(session, plan, "subject_group") if plan is not None else None
    entry = lock_entry(session, obj)
    return entry[2] if entry else None


def locks_apply() -> bool:
    """Locks bind every user; code running without one (seeds, migrations, the CLI)
    writes history and is not bound."""
    from flask import has_request_context

    from app.security.scoping import school_override_active

    return has_request_context() or school_override_active()


def check_lock(session: Session, obj: Any) -> None:
    """Refuses a change of a locked journal entry, or of any journal row of a closed year."""
    group = _group_of_journal_row(session, obj)
    if group is None:
        return
    year = related(session, group, "year")
    entry = lock_entry(session, obj)
    if entry is None:
        if year is not None and year.is_closed:
            lock_rules.check_editable("mark", dt.date.max, school_today(), year_closed=True)
        return
    kind, entry_date, _ = entry
    lock_rules.check_editable(kind, entry_date, school_today(), _lock_settings(session, group.school_id),
                              _unlocks(session, group.id), year_closed=bool(year is not None and year.is_closed))


def check_school(session: Session, school: School) -> None:
    """The journal settings of a school: falling thresholds, day counts from 0 to a year."""
    from app.rules import grading

    defaults = grading.DEFAULT_THRESHOLDS  # a new school takes the act's values
    grading.check_thresholds(tuple(d if v is None else v for v, d in zip(
        (school.threshold_5, school.threshold_4, school.threshold_3), defaults)))
    for days in (school.lock_mark_days, school.lock_attendance_days, school.lock_control_days,
                 school.lock_period_mark_days, school.lock_final_mark_days, school.period_mark_due_days):
        if days is not None and not (0 <= int(days) <= 366):
            raise RuleViolation(N_("Day counts of the journal lie between 0 and 366."))


# --- Staff personal files ------------------------------------------------------

def check_employee(session: Session, employee: Employee) -> None:
    staff_rules.check_employment_dates(employee.hire_date, employee.leave_date)


def check_employee_position(session: Session, held: EmployeePosition) -> None:
    """No position twice at the same time, whether added by an order or by hand."""
    employee, position = related(session, held, "employee"), related(session, held, "position")
    if employee is None or position is None:
        raise RuleViolation(N_("Choose the employee and the position."))
    others = list(session.scalars(select(EmployeePosition).where(EmployeePosition.employee_id == employee.id))) \
        if employee.id is not None else []
    others += [o for o in session.new if isinstance(o, EmployeePosition) and related(session, o, "employee") is employee]

    def span(row: EmployeePosition) -> staff_rules.HeldPosition:
        post = related(session, row, "position")
        return staff_rules.HeldPosition(row, post.id if post else None, str(post), row.start_date, row.end_date)

    staff_rules.check_no_duplicate_position(span(held), [span(o) for o in others if o is not held])


def check_staff_order(session: Session, order: StaffOrder) -> None:
    position = related(session, order, "position")
    staff_rules.check_order_fields(order.kind.name if order.kind else None, order.date,
                                   position.id if position else None, order.rate, order.reason)
    if related(session, order, "employee") is None:
        raise RuleViolation(N_("Choose the employee of the order."))


CHECKS = {
    School: check_school,
    SchoolYear: check_school_year,
    StudyPeriod: check_study_period,
    Holiday: check_holiday,
    Enrolment: check_enrolment,
    Mark: check_mark,
    PeriodMark: check_period_or_final_mark,
    FinalMark: check_period_or_final_mark,
    JournalUnlock: check_unlock,
    Employee: check_employee,
    EmployeePosition: check_employee_position,
    StaffOrder: check_staff_order,
    EducationRecord: lambda session, r: staff_rules.check_graduation_year(r.graduation_year, school_today().year),
    Attestation: lambda session, a: staff_rules.check_attestation(a.assigned_on, a.valid_until),
    TrainingCourse: lambda session, c: staff_rules.check_course(c.start_date, c.end_date, c.hours),
}
LOCKED = (Lesson, Assignment, Mark, Attendance, PeriodMark, FinalMark, ThematicPlan, ThematicPlanTopic)


def _same(old: Any, new: Any) -> bool:
    """Equal as the user sees them: an empty text is no text, 1.50 is 1.5."""
    old, new = (None if v == "" else v for v in (old, new))
    if old is None or new is None:
        return old is new
    try:
        return old == new or float(old) == float(new)
    except (TypeError, ValueError):
        return False


def _changed(session: Session, obj: Any) -> bool:
    """New, or with a column really changed: a form posted back unchanged is no edit."""
    state = inspect(obj)
    if not state.persistent:
        return True
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes() and not _same(history.deleted[0] if history.deleted else None,
                                                history.added[0] if history.added else None):
            return True
    # Forms set the related object (mark.value = …); its foreign key changes only in the flush.
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE":
            continue
        history = state.attrs[rel.key].history
        if not history.has_changes():
            continue
        new = history.added[0] if history.added else None
        new_id = inspect(new).identity[0] if new is not None and inspect(new).identity else None
        if new is not None and new_id is None:
            return True  # a new related row
        if new_id != getattr(obj, next(iter(rel.local_columns)).key):
            return True
    return False


def check_objects(session: Session, objects: Iterable[Any]) -> None:
    """Runs every rule that applies to the given new or changed objects."""
    with session.no_autoflush:
        for obj in objects:
            rule = CHECKS.get(type(obj))
            if rule is not None:
                rule(session, obj)
            if obj not in session.info.get("parta_unique_checked", ()):
                check_unique(session, obj)
            if isinstance(obj, LOCKED) and locks_apply() and _changed(session, obj):
                check_lock(session, obj)


# --- A closed school year is read-only (issue: the year's closing), beyond the journal --

# model → the path of many-to-one relationships that leads to its school year
YEAR_PATHS = {
    SchoolClass: ("year",), SubjectGroup: ("year",), StudyPeriod: ("year",), HolidaySet: ("year",),
    CurriculumItem: ("year",), FinalMarkColumn: ("year",), MovementOrder: ("year",),
    Holiday: ("holiday_set", "year"), Enrolment: ("school_class", "year"),
    SubjectGroupTeacher: ("subject_group", "year"), SubjectGroupMember: ("subject_group", "year"),
    ScheduleEntry: ("subject_group", "year"), MovementOrderItem: ("order", "year"),
}


def check_year_open(session: Session, obj: Any) -> None:
    """Refuses a change of a closed year's classes, groups, calendar, enrolments and orders."""
    path = YEAR_PATHS.get(type(obj))
    if path is None:
        return
    target = obj
    for rel in path:
        target = related(session, target, rel)
        if target is None:
            return
    if target.is_closed:
        raise RuleViolation(N_("The school year %(year)s is closed: its data can only be viewed and printed."),
                            year=target.name)


def _before_flush(session: Session, flush_context, instances) -> None:
    changed = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    session.info.pop("parta_unlocks", None)
    session.info.pop("parta_lock_settings", None)
    session.info.pop("parta_default_scales", None)
    check_objects(session, list(session.new) + changed)
    with session.no_autoflush:
        for obj in list(session.new) + changed + list(session.deleted):
            check_year_open(session, obj)
        if locks_apply():
            for obj in session.deleted:
                if isinstance(obj, LOCKED):
                    check_lock(session, obj)


_installed = False


def install() -> None:
    """Registers the hook once per process (after the school stamping hook)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        _installed = True
