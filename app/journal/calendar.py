"""Generating the lesson calendar of subject groups: the timetable × the study
periods of the class's grade − the class's holidays (act 001 §4.4).

The decisions are app.rules.calendar's: a slot that already has a lesson is left
alone, an empty generated lesson off the timetable is removed, a filled one (topic,
homework, assignments, marks or attendance) is reported as a conflict and kept,
and lessons added by hand are kept. A preview (`apply=False`) changes nothing.

The data of all the groups is read in a fixed number of queries; the new lessons
are written with one bulk INSERT and the empty ones removed with one DELETE that
checks again, in the same statement, that they are still empty.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

from sqlalchemy import and_, delete, exists, false, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from app.models import (
    WEEKDAYS, Assignment, Attendance, Employee, Holiday, Lesson, Mark, PeriodType, Room, ScheduleEntry, SchoolClass,
    StudyPeriod, SubjectGroup, SubjectGroupTeacher,
)
from app.rules import calendar as rules
from app.rules import timetable as timetable_rules
from app.pipeline import check_journal_write
from app.rules.errors import N_, RuleViolation


@dataclass
class LessonState:
    """An existing lesson and what it holds."""

    id: int
    date: dt.date
    number: int
    moved_from: Optional[dt.date]
    is_manual: bool
    is_cancelled: bool
    topic: Optional[str]
    homework: Optional[str]
    assignments: int = 0
    marks: int = 0
    attendance: int = 0

    @property
    def slot_date(self) -> dt.date:
        return self.moved_from or self.date

    @property
    def has_content(self) -> bool:
        return bool((self.topic or "").strip() or (self.homework or "").strip()
                    or self.assignments or self.marks or self.attendance)


@dataclass
class GroupCalendar:
    """What generation does (or would do) to one subject group."""

    group: SubjectGroup
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    create: list = field(default_factory=list)     # rules.Slot
    remove: list = field(default_factory=list)     # LessonState
    conflicts: list = field(default_factory=list)  # LessonState
    kept: int = 0
    refused: Optional[RuleViolation] = None        # nothing is changed in this group
    notes: list = field(default_factory=list)      # RuleViolation: warnings that change nothing

    @property
    def changes(self) -> bool:
        return bool(self.create or self.remove)


@dataclass
class CalendarResult:
    groups: list = field(default_factory=list)  # GroupCalendar
    applied: bool = False

    @property
    def created(self) -> int:
        return sum(len(g.create) for g in self.groups if g.refused is None)

    @property
    def removed(self) -> int:
        return sum(len(g.remove) for g in self.groups if g.refused is None)

    @property
    def conflicts(self) -> int:
        return sum(len(g.conflicts) for g in self.groups)

    @property
    def refused(self) -> int:
        return sum(1 for g in self.groups if g.refused is not None)


def _ranges(periods: Iterable[StudyPeriod], start: dt.date, end: dt.date) -> list:
    """The periods' date ranges cut to start–end."""
    cut = []
    for period in periods:
        a, b = max(period.start_date, start), min(period.end_date, end)
        if a <= b:
            cut.append((a, b))
    return cut


def _periods_of_grade(periods: list, grade: int) -> list:
    """The study periods of a grade; quarters, trimesters or halves rather than the
    whole year (a year period would also cover the days between the periods)."""
    of_grade = [(p, is_year) for p, is_year in periods if p.grade_from <= grade <= p.grade_to]
    parts = [p for p, is_year in of_grade if not is_year]
    return parts or [p for p, _ in of_grade]


def _lesson_states(session: Session, group_ids: list, school_ids: list, start: dt.date, end: dt.date) -> dict:
    """Group id → its lessons whose timetable date lies in start–end, with their counts of content."""
    slot_date = func.coalesce(Lesson.moved_from, Lesson.date)
    in_range = and_(Lesson.subject_group_id.in_(group_ids), slot_date >= start, slot_date <= end)
    rows = session.execute(
        select(Lesson.id, Lesson.subject_group_id, Lesson.date, Lesson.number, Lesson.moved_from, Lesson.is_manual,
               Lesson.is_cancelled, Lesson.topic, Lesson.homework).where(in_range)
    ).all()
    lesson_ids = select(Lesson.id).where(in_range).scalar_subquery()
    assignments = dict(session.execute(
        select(Assignment.lesson_id, func.count(Assignment.id))
        .where(Assignment.school_id.in_(school_ids), Assignment.lesson_id.in_(lesson_ids)).group_by(Assignment.lesson_id)
    ).all())
    marks = dict(session.execute(
        select(Assignment.lesson_id, func.count(Mark.id))
        .join(Mark, and_(Mark.school_id == Assignment.school_id, Mark.assignment_id == Assignment.id))  # the index
        .where(Assignment.school_id.in_(school_ids), Assignment.lesson_id.in_(lesson_ids)).group_by(Assignment.lesson_id)
    ).all()) if assignments else {}
    attendance = dict(session.execute(
        select(Attendance.lesson_id, func.count(Attendance.id))
        .where(Attendance.school_id.in_(school_ids), Attendance.lesson_id.in_(lesson_ids)).group_by(Attendance.lesson_id)
    ).all())
    by_group = defaultdict(list)
    for lesson_id, group_id, date, number, moved_from, is_manual, is_cancelled, topic, homework in rows:
        by_group[group_id].append(LessonState(
            lesson_id, date, number, moved_from, bool(is_manual), bool(is_cancelled), topic, homework,
            assignments.get(lesson_id, 0), marks.get(lesson_id, 0), attendance.get(lesson_id, 0),
        ))
    return by_group


def generate_lessons(session: Session, group_ids: Iterable[int], date_from: Optional[dt.date] = None,
                     date_to: Optional[dt.date] = None, apply: bool = False) -> CalendarResult:
    """Plans (and with `apply`, writes) the lessons of the subject groups between
    the two dates (default: their school year). The caller commits.

    Groups the user cannot see are skipped; groups whose journal the user may not
    change, or whose year is closed, are reported as refused and left unchanged.
    """
    ids = sorted({int(i) for i in group_ids})
    result = CalendarResult(applied=apply)
    if not ids:
        return result
    groups = session.scalars(
        select(SubjectGroup).where(SubjectGroup.id.in_(ids))
        .options(joinedload(SubjectGroup.school_class), joinedload(SubjectGroup.year))
        .order_by(SubjectGroup.class_id, SubjectGroup.name)
    ).unique().all()
    if not groups:
        return result
    ids = [g.id for g in groups]
    year_ids = {g.year_id for g in groups}
    school_ids = sorted({g.school_id for g in groups})

    periods = session.execute(
        select(StudyPeriod, PeriodType.is_year).join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
        .where(StudyPeriod.year_id.in_(year_ids)).order_by(StudyPeriod.start_date)
    ).all()
    periods_by_year = defaultdict(list)
    for period, is_year in periods:
        periods_by_year[period.year_id].append((period, bool(is_year)))

    set_ids = {g.school_class.holiday_set_id for g in groups if g.school_class.holiday_set_id is not None}
    holidays = defaultdict(list)
    if set_ids:
        for set_id, start, end in session.execute(
            select(Holiday.holiday_set_id, Holiday.start_date, Holiday.end_date).where(Holiday.holiday_set_id.in_(set_ids))
        ):
            holidays[set_id].append((start, end))

    timetable = defaultdict(list)
    for entry in session.execute(
        select(ScheduleEntry.subject_group_id, ScheduleEntry.weekday, ScheduleEntry.lesson_number,
               ScheduleEntry.valid_from, ScheduleEntry.valid_to, ScheduleEntry.room_id)
        .where(ScheduleEntry.subject_group_id.in_(ids))
    ):
        group_id, weekday, number, valid_from, valid_to, room_id = entry
        timetable[group_id].append(rules.TimetableLine(weekday, number, valid_from, valid_to, room_id))

    teachers = {}
    for group_id, employee_id in session.execute(
        select(SubjectGroupTeacher.subject_group_id, SubjectGroupTeacher.employee_id)
        .where(SubjectGroupTeacher.subject_group_id.in_(ids))
        .order_by(SubjectGroupTeacher.is_main.desc(), SubjectGroupTeacher.id)
    ):
        teachers.setdefault(group_id, employee_id)  # the main teacher, else the first

    clashes = _timetable_clashes(session, groups)
    years = {g.year_id: g.year for g in groups}
    start = min(max(date_from, years[y].start_date) if date_from else years[y].start_date for y in years)
    end = max(min(date_to, years[y].end_date) if date_to else years[y].end_date for y in years)
    lessons = _lesson_states(session, ids, school_ids, start, end)

    new_rows, remove_ids = [], []
    for group in groups:
        year, school_class = group.year, group.school_class
        g_from = max(date_from, year.start_date) if date_from else year.start_date
        g_to = min(date_to, year.end_date) if date_to else year.end_date
        plan_of = GroupCalendar(group, g_from, g_to)
        result.groups.append(plan_of)
        if g_from > g_to:
            plan_of.notes.append(RuleViolation(N_("The dates lie outside the school year %(year)s."), year=year.name))
            continue
        grade_periods = _periods_of_grade(periods_by_year[year.id], school_class.grade)
        if not grade_periods:
            plan_of.notes.append(RuleViolation(N_("The school year has no study periods for grade %(grade)s."),
                                               grade=school_class.grade))
        if not timetable[group.id]:
            plan_of.notes.append(RuleViolation(N_("The subject group has no lessons in the timetable.")))
        if group.id not in teachers:
            plan_of.notes.append(RuleViolation(N_("The subject group has no teacher: its lessons are generated without one.")))
        plan_of.notes += clashes.get(group.id, [])
        if school_class.holiday_set_id is None:
            plan_of.notes.append(RuleViolation(N_("The class has no holiday set: lessons fall on every day of the periods.")))
        slots = rules.lesson_slots(timetable[group.id], _ranges(grade_periods, g_from, g_to),
                                   holidays.get(school_class.holiday_set_id, []))
        existing = [lesson for lesson in lessons.get(group.id, []) if g_from <= lesson.slot_date <= g_to]
        plan = rules.plan_calendar(slots, [
            rules.ExistingLesson(lesson.id, lesson.slot_date, lesson.number, lesson.has_content, lesson.is_manual)
            for lesson in existing
        ])
        by_id = {lesson.id: lesson for lesson in existing}
        plan_of.create = plan.create
        plan_of.remove = [by_id[i] for i in plan.remove]
        plan_of.conflicts = sorted((by_id[i] for i in plan.conflicts), key=lambda s: (s.date, s.number))
        plan_of.kept = plan.kept
        try:
            # the bulk INSERT below skips the flush: the pipeline's checks for a whole journal
            check_journal_write(session, group, with_rights=apply)
        except RuleViolation as refusal:
            plan_of.refused = refusal
        if plan_of.refused is not None or not apply:
            continue
        teacher_id = teachers.get(group.id)
        new_rows += [{
            "school_id": group.school_id, "subject_group_id": group.id, "date": slot.date, "number": slot.number,
            "teacher_id": teacher_id, "substitute_id": None, "room_id": slot.room_id, "topic": None,
            "homework": None, "is_cancelled": False, "is_manual": False, "moved_from": None,
        } for slot in plan.create]
        remove_ids += plan.remove

    if apply:
        if new_rows:
            session.execute(insert(Lesson.__table__), new_rows)
        if remove_ids:
            _remove_empty(session, remove_ids)
    return result


def _timetable_clashes(session: Session, groups: list) -> dict:
    """Group id → the clashes of its timetable lines with the school's others (a class,
    a teacher or a room in two places at once), as the timetable's rule words them:
    lines stored before the rule existed, or written around it, are named, not generated silently."""
    school_ids = {g.school_id for g in groups}
    rows = session.execute(
        select(ScheduleEntry, SubjectGroup, SchoolClass, Room)
        .join(SubjectGroup, ScheduleEntry.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .outerjoin(Room, ScheduleEntry.room_id == Room.id)
        .where(ScheduleEntry.school_id.in_(school_ids))
    ).all()
    teachers = defaultdict(tuple)
    for group_id, employee in session.execute(
        select(SubjectGroupTeacher.subject_group_id, Employee).join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
        .where(SubjectGroupTeacher.school_id.in_(school_ids))
    ):
        teachers[group_id] += ((employee.id, employee.short_name),)
    by_slot = defaultdict(list)
    for entry, group, school_class, room in rows:
        by_slot[(entry.weekday, entry.lesson_number)].append(timetable_rules.Placement(
            group.id, group.name, school_class.id, school_class.name, group.is_whole_class is not False, entry.weekday,
            entry.lesson_number, entry.valid_from, entry.valid_to, entry.room_id, room.name if room else "",
            teachers[group.id], WEEKDAYS.get(entry.weekday, entry.weekday), ref=entry.id))
    wanted = {g.id for g in groups}
    found = defaultdict(list)
    for lines in by_slot.values():
        for line in lines:
            if line.group_id in wanted:
                found[line.group_id] += timetable_rules.find_clashes(line, lines)
    return found


def _remove_empty(session: Session, lesson_ids: list) -> None:
    """Deletes the lessons that are still empty generated lessons (checked in the statement itself)."""
    blank = lambda column: or_(column.is_(None), func.trim(column) == "")  # noqa: E731
    for start in range(0, len(lesson_ids), 500):
        chunk = lesson_ids[start:start + 500]
        session.execute(
            delete(Lesson).where(
                Lesson.id.in_(chunk), or_(Lesson.is_manual.is_(None), Lesson.is_manual == false()), blank(Lesson.topic), blank(Lesson.homework),
                ~exists().where(Assignment.school_id == Lesson.school_id, Assignment.lesson_id == Lesson.id),
                ~exists().where(Attendance.school_id == Lesson.school_id, Attendance.lesson_id == Lesson.id),
            ).execution_options(synchronize_session=False)
        )


def group_ids_for(session: Session, class_id: Optional[int] = None, group_id: Optional[int] = None,
                  year_id: Optional[int] = None) -> list:
    """The subject groups a wizard choice means: one group, a class's groups, or every class's of the year."""
    query = select(SubjectGroup.id)
    if group_id:
        query = query.where(SubjectGroup.id == group_id)
        if class_id:
            query = query.where(SubjectGroup.class_id == class_id)
    elif class_id:
        query = query.where(SubjectGroup.class_id == class_id)
    elif year_id:
        query = query.where(SubjectGroup.year_id == year_id)
    else:
        return []
    return list(session.scalars(query))
