"""The fourth and fifth steps of the write pipeline: the value rules of each kind of
row (dates inside their year, marks from the group's scale, no overlapping
periods, staff files…), duplicates refused with a friendly message before the
database refuses them, journal rows that belong together (a student of the group,
a period of its year, a lesson inside its year) — and a closed school year, which
is read-only.

Each rule is a pure function of app/rules/; this module gathers what it needs from
the database (through the identity map where it can) and calls it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import Date, bindparam, inspect, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.schema import UniqueConstraint

from app.clock import school_today
from app.models import (
    Assignment, Attendance, CurriculumItem, Enrolment, FinalMark, FinalMarkColumn, GradeScale, Holiday, HolidaySet,
    JournalUnlock, Lesson, Mark, MovementOrder, MovementOrderItem, PeriodMark, ScheduleEntry, School, SchoolClass,
    SchoolYear, Student, StudyPeriod, SubjectGroup, SubjectGroupMember, SubjectGroupTeacher, WEEKDAYS,
    group_member_rows, group_member_spans, member_spans_of,
)
from app.models import (
    Attestation, EducationRecord, Employee, EmployeePersonalData, EmployeePosition, StaffOrder, TrainingCourse,
)
from app.pipeline.position import AFTER, BEFORE, UNSCOPED, set_on_new_row, settled_answer, target
from app.pipeline.segment import know_schools
from app.security.scoping import bounded_rows
from app.rules import enrolment as enrolment_rules
from app.rules import grading as grading_rules
from app.rules import journal as journal_rules
from app.rules import locks as lock_rules
from app.rules import marks as mark_rules
from app.rules import periods as period_rules
from app.rules import staff as staff_rules
from app.rules import subgroups as subgroup_rules
from app.rules import timetable as timetable_rules
from app.rules.errors import N_, RuleViolation


def related(session: Session, obj: Any, rel: str) -> Any:
    """The row a many-to-one points at after the change (app/pipeline/position.py)."""
    return target(session, obj, rel, AFTER)


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
    "uq_employee_personal_data_employee": N_("The personal data of this employee are already recorded: edit them."),
}
GENERIC_UNIQUE = N_("Such a record already exists.")


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


# --- Journal rows that belong together ------------------------------------------

def _student_id(session: Session, row: Any):
    """The row's student after the change, without loading the student."""
    state = instance_state(row)
    student = set_on_new_row(state, "student")
    if student is not None:
        return student.id
    if not state.has_identity and "student" not in state.dict:  # never set: its key (no history to work out)
        return row.student_id
    history = state.attrs.student.history
    if history.added:
        return history.added[0].id if history.added[0] is not None else None
    return row.student_id


def members(session: Session, group: SubjectGroup, day=None) -> set:
    """The students who learn in a subject group: the class's (any enrolment: a student
    who left keeps the marks they had), or a subgroup's members on the lesson's day (a
    moved pupil's entries belong to the group they were in then; without a day, at any
    time of the year). Read once per group and flush (app/models group_member_spans)."""
    cache = session.info.setdefault("parta_pipeline_members", {})
    if group.id not in cache:
        year = related(session, group, "year")
        cache[group.id] = group_member_spans(session, [group.id], year.start_date, year.end_date, UNSCOPED)
    whole = group.is_whole_class or group.is_whole_class is None
    # the set of a day, made once per group, day and flush (a column's cells ask alike)
    sets = session.info.setdefault("parta_pipeline_member_sets", {})
    key = (group.id, None if whole else day)
    if key not in sets:
        spans = cache[group.id]
        sets[key] = frozenset(s.student_id for s in spans if whole or day is None or s.covers(day))
    if whole:
        return sets[key]
    return sets[key] | _new_members(session, group, day)


def members_with_students(session: Session, group: SubjectGroup, found: Optional[list] = None) -> None:
    """Reads what members() reads — the group's members over its year — with their
    students' schools, in one statement, and keeps both for the checks of this flush: the
    members for members(), the schools for the segment's reference check
    (segment.know_schools) — a caller of many checks (the journal grid's batch) that would
    otherwise have each student's school asked or loaded as a row. `found`: those rows,
    read by the caller (members_with_schools) on a connection of its own."""
    year = related(session, group, "year")
    if found is None:
        found = members_with_schools(session, group.id, year.start_date, year.end_date)
    session.info.setdefault("parta_pipeline_members", {})[group.id] = member_spans_of(found, year.start_date,
                                                                                      year.end_date)
    know_schools(session, Student, {row[1]: row[-1] for row in found})


def members_with_schools(connection, group_id: int, start, end) -> list:
    """The rows of members_with_students (group_member_rows' columns, then the student's
    school) of a group over the dates, on a session or a connection."""
    return bounded_rows(connection, _members_with_students_statement(), {"group": [group_id], "start": start, "end": end},
                        UNSCOPED)  # every member of the group, whoever asks: the checks need them all


@lru_cache(maxsize=1)
def _members_with_students_statement():
    """members_with_students' statement, built once per process (parameters group, start, end)."""
    rows = group_member_rows(bindparam("group", expanding=True), bindparam("start", type_=Date),
                             bindparam("end", type_=Date))
    return select(rows, Student.school_id).join(Student, Student.id == rows.c.student_id)


def _new_members(session: Session, group: SubjectGroup, day) -> set:
    """Members added in the same flush (a split's new memberships with their marks)."""
    found = set()
    for m in session.new:
        if isinstance(m, SubjectGroupMember) and related(session, m, "subject_group") is group:
            if day is None or ((m.valid_from is None or m.valid_from <= day) and (m.valid_to is None or day <= m.valid_to)):
                found.add(_student_id(session, m))
    return found


def _check_student(session: Session, row: Any, group: SubjectGroup | None, day=None) -> None:
    if group is not None and group.id is not None:
        journal_rules.check_student_in_group(_student_id(session, row), members(session, group, day))


def check_subject_group_member(session: Session, member: SubjectGroupMember) -> None:
    """Only a pupil of the group's class on the day the membership starts, and not twice
    in the same group at the same time — on every path (CRUD, the split page, REST, imports)."""
    group = related(session, member, "subject_group")
    student = related(session, member, "student")
    if group is None or student is None:
        raise RuleViolation(N_("Choose the subject group and the student."))
    if group.is_whole_class:
        raise RuleViolation(N_("The group %(group)s is the whole class: its students are the class's, not chosen."),
                            group=group.name)
    school_class, year = related(session, group, "school_class"), related(session, group, "year")
    enrolments = [(start, end) for start, end in session.execute(
        select(Enrolment.start_date, Enrolment.end_date).where(
            Enrolment.student_id == student.id, Enrolment.class_id == group.class_id),
        execution_options=UNSCOPED)] if student.id is not None and group.class_id is not None else []
    others = [] if student.id is None or group.id is None else [
        (m.valid_from, m.valid_to) for m in session.scalars(select(SubjectGroupMember).where(
            SubjectGroupMember.subject_group_id == group.id, SubjectGroupMember.student_id == student.id),
            execution_options=UNSCOPED) if m is not member and m not in session.deleted]
    others += [(m.valid_from, m.valid_to) for m in session.new if isinstance(m, SubjectGroupMember) and m is not member
               and related(session, m, "subject_group") is group and related(session, m, "student") is student]
    subgroup_rules.check_membership(str(student), school_class.name if school_class else "", member.valid_from,
                                    member.valid_to, (year.start_date, year.end_date), enrolments, others)


def check_lesson(session: Session, lesson: Lesson) -> None:
    group = related(session, lesson, "subject_group")
    if group is None:
        raise RuleViolation(N_("Choose the subject group of the lesson."))
    year = related(session, group, "year")
    if year is not None:
        journal_rules.check_lesson_date(lesson.date, year.start_date, year.end_date)
    _check_substitute(session, lesson, group)


def _check_substitute(session: Session, lesson: Lesson, group: SubjectGroup) -> None:
    """A substitute given to a lesson (or a lesson moved while it has one) is free at
    its date and number: no own lesson then, and no other substitution."""
    substitute = related(session, lesson, "substitute")
    substitute_id = substitute.id if substitute is not None else lesson.substitute_id
    if substitute_id is None or lesson.date is None or lesson.number is None or lesson.is_cancelled:
        return
    state = inspect(lesson)
    if state.persistent and not any(state.attrs[key].history.has_changes()
                                     for key in ("substitute_id", "substitute", "date", "number", "is_cancelled")):
        return
    lock_slot(session, SUBSTITUTE_LOCK, lesson.date.toordinal() * 20 + int(lesson.number) % 20)
    teacher = substitute or session.get(Employee, substitute_id)
    taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == substitute_id)
    own = (Lesson.substitute_id.is_(None)) & (Lesson.subject_group_id.in_(taught) | (Lesson.teacher_id == substitute_id))
    rows = session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, SubjectGroup.name)
        .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .where(Lesson.school_id == group.school_id, Lesson.date == lesson.date, Lesson.number == lesson.number,
               Lesson.is_cancelled.is_not(True), own | (Lesson.substitute_id == substitute_id)),
        execution_options=UNSCOPED,
    ).all()
    busy = [timetable_rules.BusyLesson(day, number, name, lid) for lid, day, number, name in rows]
    busy += [timetable_rules.BusyLesson(o.date, o.number, str(related(session, o, "subject_group")), None)
             for o in session.new if isinstance(o, Lesson) and o is not lesson and o.substitute_id == substitute_id]
    timetable_rules.check_substitute_free(teacher.short_name if teacher else "", lesson.date, lesson.number,
                                          group.name, busy, lesson.id)


# --- The timetable: a class, a teacher or a room in one place at a time -----------

def _placement(session: Session, entry: ScheduleEntry, teachers: dict) -> timetable_rules.Placement | None:
    group = related(session, entry, "subject_group")
    if group is None or entry.weekday is None or entry.lesson_number is None or entry.valid_from is None:
        return None
    school_class = related(session, group, "school_class")
    room = related(session, entry, "room")
    return timetable_rules.Placement(
        group.id, group.name, getattr(school_class, "id", None), school_class.name if school_class else "",
        group.is_whole_class is not False, int(entry.weekday), int(entry.lesson_number), entry.valid_from,
        entry.valid_to, room.id if room is not None else entry.room_id, room.name if room is not None else "",
        teachers.get(group.id, ()), WEEKDAYS.get(int(entry.weekday), entry.weekday), ref=entry.id or id(entry),
    )


def timetable_teachers(session: Session, group_ids: set) -> dict:
    """Subject group id → ((employee id, short name), …) of its teachers."""
    found: dict = {}
    ids = [i for i in group_ids if i is not None]
    if ids:
        for group_id, employee in session.execute(
            select(SubjectGroupTeacher.subject_group_id, Employee)
            .join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
            .where(SubjectGroupTeacher.subject_group_id.in_(ids)), execution_options=UNSCOPED,
        ):
            found[group_id] = found.get(group_id, ()) + ((employee.id, employee.short_name),)
    for link in session.new:
        if isinstance(link, SubjectGroupTeacher):
            group, employee = related(session, link, "subject_group"), related(session, link, "employee")
            if group is not None and employee is not None and group.id in group_ids:
                found[group.id] = found.get(group.id, ()) + ((employee.id, employee.short_name),)
    return found


TIMETABLE_LOCK = 7302   # pg_advisory_xact_lock(namespace, slot): one writer of a timetable slot at a time
SUBSTITUTE_LOCK = 7303  # … and of a lesson hour's substitutes


def lock_slot(session: Session, namespace: int, key: int) -> None:
    """Two people writing the same slot at the same second: the second waits until the
    first commits and then reads its line, so that the clash check sees it. PostgreSQL:
    a transaction-level advisory lock; SQLite: the database's write lock (BEGIN IMMEDIATE)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"), {"namespace": namespace, "key": key})
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_schedule_entry(session: Session, entry: ScheduleEntry) -> None:
    """No class, teacher or room in two places at once (a subgroup pair may share the slot)."""
    group = related(session, entry, "subject_group")
    if group is None:
        raise RuleViolation(N_("Choose the subject group of the timetable line."))
    if entry.weekday is None or entry.lesson_number is None or entry.valid_from is None:
        raise RuleViolation(N_("Set the weekday, the lesson number and the date the line is valid from."))
    school_id = entry.school_id or group.school_id
    lock_slot(session, TIMETABLE_LOCK, (school_id % 100000) * 1000 + int(entry.weekday) % 10 * 100 + int(entry.lesson_number) % 100)
    stored = session.scalars(
        select(ScheduleEntry).where(ScheduleEntry.school_id == school_id, ScheduleEntry.weekday == entry.weekday,
                                    ScheduleEntry.lesson_number == entry.lesson_number),
        execution_options=UNSCOPED,
    ).all()
    pending = [o for o in list(session.new) + list(session.dirty) if isinstance(o, ScheduleEntry)]
    candidates = {id(o): o for o in [*stored, *pending]
                  if o is not entry and o not in session.deleted
                  and o.weekday == entry.weekday and o.lesson_number == entry.lesson_number}
    groups = {group.id} | {getattr(related(session, o, "subject_group"), "id", None) for o in candidates.values()}
    teachers = timetable_teachers(session, groups)
    new = _placement(session, entry, teachers)
    others = [p for p in (_placement(session, o, teachers) for o in candidates.values()) if p is not None]
    timetable_rules.check_no_clash(new, others)


def check_assignment(session: Session, assignment: Assignment) -> None:
    if related(session, assignment, "lesson") is None or related(session, assignment, "type") is None:
        raise RuleViolation(N_("Choose the lesson and the type of work."))
    mark_rules.check_weight(assignment.weight)


def check_mark(session: Session, mark: Mark) -> None:
    assignment = related(session, mark, "assignment")
    if assignment is None or (mark.student_id is None and related(session, mark, "student") is None):
        raise RuleViolation(N_("Choose the assignment and the student."))
    group, day, scale_id = settled_answer(session, assignment, "marks_journal", lambda: _marks_journal(session, assignment),
                                          lambda a: _journal_rows(session, a))
    value = related(session, mark, "value")
    mark_rules.check_mark(value.scale_id if value else None, scale_id, bool(mark.is_duty))
    _check_student(session, mark, group, day)


def _marks_journal(session: Session, assignment: Assignment) -> tuple:
    """(journal, day, scale id) of an assignment's marks, the grade's own rule checked (a first
    grade has no marks): the same for each cell of a column (position.settled_answer)."""
    lesson = related(session, assignment, "lesson")
    group = related(session, lesson, "subject_group")
    _check_marked_grade(session, group)
    return group, getattr(lesson, "date", None), _scale_id_of_group(session, group)


def _journal_rows(session: Session, assignment: Assignment) -> tuple:
    """The rows _marks_journal reads of an assignment: its lesson, journal and class."""
    lesson = related(session, assignment, "lesson")
    group = related(session, lesson, "subject_group")
    return lesson, group, related(session, group, "school_class") if group is not None else None


def _check_marked_grade(session: Session, group: SubjectGroup | None) -> None:
    """No marks in a first grade (app/rules/grading.py)."""
    school_class = related(session, group, "school_class") if group is not None else None
    grading_rules.check_marked_grade(school_class.grade if school_class is not None else None)


def check_attendance(session: Session, entry: Attendance) -> None:
    lesson = related(session, entry, "lesson")
    if lesson is None or related(session, entry, "code") is None or _student_id(session, entry) is None:
        raise RuleViolation(N_("Choose the lesson, the student and the attendance code."))
    _check_student(session, entry, related(session, lesson, "subject_group"), lesson.date)


def check_period_or_final_mark(session: Session, mark: PeriodMark | FinalMark) -> None:
    group = related(session, mark, "subject_group")
    value = related(session, mark, "value")
    if group is None or value is None or related(session, mark, "student") is None and mark.student_id is None:
        raise RuleViolation(N_("Choose the subject group, the student and the mark."))
    holder = related(session, mark, "period" if isinstance(mark, PeriodMark) else "column")
    if holder is None:
        raise RuleViolation(N_("Choose the study period or the column of the mark."))
    journal_rules.check_same_year(holder.year_id or getattr(related(session, holder, "year"), "id", None), group.year_id)
    _check_marked_grade(session, group)
    mark_rules.check_mark(value.scale_id, _scale_id_of_group(session, group), False)
    _check_student(session, mark, group)


def check_unlock(session: Session, unlock: JournalUnlock) -> None:
    """A new unlock's dates and reason; a stored one may only be closed early."""
    state = inspect(unlock)
    if state.has_identity:
        changed = [attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()]
        history = state.attrs["closed_at"].history
        was_closed = bool(history.deleted and history.deleted[0] is not None) or \
            (not history.has_changes() and unlock.closed_at is not None)
        lock_rules.check_unlock_closing(changed, was_closed, unlock.until, school_today())
        return
    lock_rules.check_unlock(unlock.date_from, unlock.date_to, unlock.until, school_today(), unlock.reason)
    if related(session, unlock, "subject_group") is None:
        raise RuleViolation(N_("Choose the subject group whose journal is unlocked."))


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


def check_employee_personal_data(session: Session, data: EmployeePersonalData) -> None:
    """СНИЛС and ИНН with their check digits, the passport's numbers and dates; the
    numbers are kept in their printed form («112-233-445 95», «45 08»)."""
    employee = related(session, data, "employee")
    if employee is None:
        raise RuleViolation(N_("Choose the employee."))
    checked = staff_rules.check_personal_data(
        data.snils, data.inn, data.passport_series, data.passport_number, data.passport_division_code,
        data.passport_issued_on, employee.birth_date, school_today())
    for name in ("snils", "inn", "passport_series", "passport_number", "passport_division_code"):
        if getattr(data, name) != getattr(checked, name):
            setattr(data, name, getattr(checked, name))


CHECKS = {
    School: check_school,
    SchoolYear: check_school_year,
    StudyPeriod: check_study_period,
    Holiday: check_holiday,
    Enrolment: check_enrolment,
    Lesson: check_lesson,
    Assignment: check_assignment,
    Mark: check_mark,
    Attendance: check_attendance,
    PeriodMark: check_period_or_final_mark,
    FinalMark: check_period_or_final_mark,
    JournalUnlock: check_unlock,
    ScheduleEntry: check_schedule_entry,
    SubjectGroupMember: check_subject_group_member,
    Employee: check_employee,
    EmployeePosition: check_employee_position,
    StaffOrder: check_staff_order,
    EmployeePersonalData: check_employee_personal_data,
    EducationRecord: lambda session, r: staff_rules.check_graduation_year(r.graduation_year, school_today().year),
    Attestation: lambda session, a: staff_rules.check_attestation(a.assigned_on, a.valid_until),
    TrainingCourse: lambda session, c: staff_rules.check_course(c.start_date, c.end_date, c.hours),
}
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
    """Refuses a change of a closed year's classes, groups, calendar, enrolments and
    orders — in the year the row was in and in the one it goes to."""
    path = YEAR_PATHS.get(type(obj))
    if path is None:
        return
    for when in (BEFORE, AFTER):
        row = obj
        for rel in path:
            row = target(session, row, rel, when)
            if row is None:
                break
        if row is not None and row.is_closed:
            raise RuleViolation(N_("The school year %(year)s is closed: its data can only be viewed and printed."),
                                year=row.name)


def check(session: Session, obj: Any, action: str) -> None:
    """The value rules of a new or changed row, and a friendly word on duplicates."""
    if action == "delete":
        return
    rule = CHECKS.get(type(obj))
    if rule is not None:
        rule(session, obj)
    if obj not in session.info.get("parta_unique_checked", ()):
        check_unique(session, obj)


