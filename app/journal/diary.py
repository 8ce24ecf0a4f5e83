"""The diary (дневник) of a student, for the student and their parents (act 001 §1.3,
§4.8: operative access to the marks of the whole period, by all subjects, at any time):
the week's lessons with their times, rooms, topics, homework and assignments with the
student's marks; the period's marks per subject with the weighted average explained;
attendance; the timetable; the work owed («точки»).

The NetSchool-compatible API (app/webapi.py) serves the same week. Every query runs
through the central scoping: a parent reads their children only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app.journal import data, marks
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, Bell, BellSchedule, Employee, Lesson, Mark, Room,
    ScheduleEntry, SchoolClass, SubjectGroup,
)
from app.models.people import short_name
from app.rules import grading
from app.rules import journal as journal_rules
from app.security.scoping import bounded_rows

DAYS_SHOWN = 6  # Monday to Saturday; Sunday too when it has lessons


# An assignment of the week with the student's mark on it, as the one read path gives it.
DiaryAssignment = marks.WorkRow


@dataclass
class DiaryLesson:
    id: int
    day: dt.date
    number: int
    start: Optional[dt.time]
    end: Optional[dt.time]
    subject: str
    group_id: int
    room: str
    teacher: str
    topic: str
    homework: str
    assignments: list = field(default_factory=list)
    absence: str = ""                # the attendance code, if any
    substitute: str = ""             # the substitute teacher who gives the lesson (then also `teacher`)


@dataclass
class DiaryWeek:
    start: dt.date                   # Monday
    end: dt.date                     # Sunday
    days: list                       # [(date, [DiaryLesson])]

    @property
    def lessons(self) -> list:
        return [lesson for _day, lessons in self.days for lesson in lessons]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _bell(times, number_column, school_column, schedule_column):
    """The outer join of a lesson number to its bell: the class's schedule, else the
    school's default (the first marked default), read inside the statement."""
    default = (select(BellSchedule.id).where(BellSchedule.school_id == school_column, BellSchedule.is_default.is_(True))
               .order_by(BellSchedule.id).limit(1).scalar_subquery())
    return and_(times.bell_schedule_id == func.coalesce(schedule_column, default), times.lesson_number == number_column)


@lru_cache(maxsize=1)
def _week_statement():
    """diary_week's lessons, built once per process (parameters school, groups, start, end,
    student_id): with their rooms, substitutes, bells and the student's attendance."""
    student_id, school = bindparam("student_id", type_=Integer), bindparam("school", type_=Integer)
    return (
        select(Lesson.id, Lesson.subject_group_id, Lesson.date, Lesson.number, Lesson.topic, Lesson.homework,
               Room.name, Employee.last_name, Employee.first_name, Employee.middle_name, AttendanceCode.code,
               Bell.start_time, Bell.end_time)
        .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .outerjoin(Room, Lesson.room_id == Room.id)
        .outerjoin(Employee, Employee.id == Lesson.substitute_id)
        .outerjoin(Attendance, and_(Attendance.school_id == school, Attendance.lesson_id == Lesson.id,
                                    Attendance.student_id == student_id))
        .outerjoin(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .outerjoin(Bell, _bell(Bell, Lesson.number, SchoolClass.school_id, SchoolClass.bell_schedule_id))
        .where(Lesson.school_id == school,
               Lesson.subject_group_id.in_(bindparam("groups", expanding=True, type_=Integer)),
               Lesson.date >= bindparam("start", type_=Date), Lesson.date <= bindparam("end", type_=Date),
               Lesson.is_cancelled.is_(False))
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    )


def diary_week(session: Session, student_id: int, start: dt.date, end: Optional[dt.date] = None,
               places: Optional[data.StudentPlaces] = None) -> DiaryWeek:
    """The student's lessons from `start` (a Monday) to `end` (default: the Sunday), with
    their assignments and the student's own marks, «точки», comments and absences: one
    statement for the lessons (with their rooms, substitutes, bells and the student's
    attendance), one for the assignments with the student's marks (`places`, when the
    page has read them, saves the two that find the student's groups)."""
    end = end or start + dt.timedelta(days=6)
    places = places or data.student_places(session, student_id, start, end)
    spans = places.spans_during(start, end)
    by_group = {g.id: g for g in places.groups_during(start, end)}
    rows = []
    if by_group:
        rows = bounded_rows(session, _week_statement(), {
            "school": places.student.school_id, "groups": list(by_group), "start": start, "end": end,
            "student_id": student_id}, places.reads)
    # a pupil moved between groups on a day sees the old group's lessons before it, the new one's after
    rows = [row for row in rows if any(s.group_id == row[1] and s.covers(row[2]) for s in spans)]
    work = marks.work_of_lessons(session, [row[0] for row in rows], student_id, places.student.school_id,
                                 reads=places.reads)

    days: dict = {start + dt.timedelta(days=i): [] for i in range((end - start).days + 1)}
    for lid, gid, day, number, topic, homework, room, last, first, middle, absence, start_time, end_time in rows:
        group = by_group[gid]
        substitute = short_name(last, first, middle) if last else ""
        names = [name for _e, name in places.teachers.get(gid, [])]
        items = work.get(lid, [])
        days.setdefault(day, []).append(DiaryLesson(
            lid, day, number, start_time, end_time, group.subject, gid, room or "",
            substitute or (names[0] if names else ""), topic or "", homework or "", items, absence or "", substitute))
    shown = [(day, sorted(items, key=lambda lesson: lesson.number)) for day, items in sorted(days.items())
             if day.weekday() < DAYS_SHOWN or items]
    return DiaryWeek(start, end, shown)


# ---------------------------------------------------------------------------
# The period's marks, explained
# ---------------------------------------------------------------------------

@dataclass
class PeriodLine:
    """A subject in the period: each mark with its weight, both averages with the formula,
    the suggested period mark, the one set, and what it takes to reach the next."""

    subject: str
    marks: list = field(default_factory=list)     # data.MarkRow
    arithmetic: Optional[float] = None
    weighted: Optional[float] = None
    formula: str = ""
    suggested: Optional[int] = None
    period_mark: str = ""
    next_step: Optional[tuple] = None              # (how many «5», the average then, the mark then)
    one_more: Optional[tuple] = None               # (the average after one more «5», the mark then)


@dataclass
class PeriodMarks:
    period: Optional[data.PeriodRow]
    until: dt.date
    lines: list


def period_marks(session: Session, student_id: int, today: dt.date, thresholds=None,
                 places: Optional[data.StudentPlaces] = None) -> PeriodMarks:
    """The marks of the current period up to today, per subject, with the journal's
    averages: one statement for the marks and the period marks (`places`, read over the
    year before today, when the page has them, holds the periods)."""
    places = places or data.student_places(session, student_id, today - dt.timedelta(days=366), today)
    classes = places.classes(today, today) or places.classes(today - dt.timedelta(days=366), today)
    if not classes:
        return PeriodMarks(None, today, [])
    school_class = classes[-1]
    periods = [p for p in places.periods.get(school_class.id, []) if not p.is_year]
    period = marks.current_period(periods, today)
    if period is None:
        return PeriodMarks(None, today, [])
    until = min(today, period.end)
    groups = places.groups_during(period.start, until)
    subject_of = {g.id: g.subject_id for g in groups}
    lines = {sid: PeriodLine(name) for sid, name, _short, _g in data.by_subject(groups)}
    found, set_marks = marks.student_period_marks(session, student_id, period.start, until, list(subject_of), period.id,
                                                  school_id=places.student.school_id, reads=places.reads)
    for m in found:
        if m.mark is not None or m.duty:
            lines[subject_of[m.group_id]].marks.append(m)
    for (gid, _pid, _sid), mark in set_marks.items():
        lines[subject_of[gid]].period_mark = mark.code
    for line in lines.values():
        pairs = [(m.mark.score, m.weight) for m in line.marks if m.mark is not None]
        summary = grading.summarize(pairs, thresholds)
        line.arithmetic, line.weighted, line.formula, line.suggested = (
            summary.arithmetic, summary.weighted, summary.formula, summary.suggested)
        line.next_step = grading.marks_to_next(pairs, thresholds)
        if line.weighted is not None:
            line.one_more = grading.what_if(pairs, 5, 1, thresholds)
    return PeriodMarks(period, until, list(lines.values()))


# ---------------------------------------------------------------------------
# Work owed, absences, the timetable
# ---------------------------------------------------------------------------

@dataclass
class Owed:
    assignment_id: int
    day: dt.date
    due: Optional[dt.date]
    subject: str
    work: str
    type_id: int
    weight: float
    comment: str


def _owed_query(student_id, start, until, school=None, groups=None):
    query = (
        select(Assignment.id, Lesson.date, Assignment.due_date, SubjectGroup.subject_id, AssignmentType.name,
               Assignment.title, AssignmentType.id, Assignment.weight, AssignmentType.weight, Mark.comment)
        .select_from(Mark).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id).join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .where(Mark.student_id == student_id, Mark.is_duty.is_(True), Mark.value_id.is_(None), Lesson.date >= start,
               Lesson.date <= until))
    if school is not None:
        query = query.where(Mark.school_id == school, Lesson.subject_group_id.in_(groups))
    return query


def _owed_rows(session: Session, student_id: int, start: dt.date, until: dt.date, places, rows) -> list:
    groups = places.groups_during(start, until) if places else data.student_groups(session, student_id, start, until)
    subjects = {g.subject_id: g.subject for g in groups}
    return [Owed(aid, day, due, subjects.get(subject, ""), journal_rules.assignment_label(tname, title), type_id,
                 grading.effective_weight(own, by_type), comment or "")
            for aid, day, due, subject, tname, title, type_id, own, by_type, comment in rows]


def work_owed(session: Session, student_id: int, start: dt.date, until: dt.date,
              places: Optional[data.StudentPlaces] = None) -> list:
    """The «точки» still without a mark: work the student owes, oldest first."""
    rows = session.execute(_owed_query(student_id, start, until).order_by(Lesson.date)).all()
    return _owed_rows(session, student_id, start, until, places, rows)


@lru_cache(maxsize=1)
def _owed_and_absences_statement():
    """owed_and_absences' statement, built once per process (parameters student_id, school,
    groups, owed_since, absent_since, until)."""
    student_id, school = bindparam("student_id", type_=Integer), bindparam("school", type_=Integer)
    groups, until = bindparam("groups", expanding=True, type_=Integer), bindparam("until", type_=Date)
    owed = _owed_query(student_id, bindparam("owed_since", type_=Date), until, school, groups).add_columns(
        literal("o"), Lesson.number, cast(null(), String), cast(null(), String), cast(null(), Boolean),
        cast(null(), String))
    missed = (select(null(), Lesson.date, null(), null(), null(), null(), null(), null(), null(), null(), literal("a"),
                     Lesson.number, SubjectGroup.name, AttendanceCode.code, AttendanceCode.is_excused,
                     AttendanceCode.name)
              .select_from(Attendance).join(Lesson, Attendance.lesson_id == Lesson.id)
              .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
              .join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
              .where(Attendance.school_id == school, Attendance.student_id == student_id,
                     Lesson.subject_group_id.in_(groups), Lesson.date >= bindparam("absent_since", type_=Date),
                     Lesson.date <= until))
    return union_all(owed, missed)


def owed_and_absences(session: Session, student_id: int, owed_since: dt.date, absent_since: dt.date,
                      until: dt.date, places: Optional[data.StudentPlaces] = None) -> tuple[list, list]:
    """work_owed() from `owed_since`, oldest first, and (day, lesson number, subject, code,
    name, excused) of every attendance entry from `absent_since`, the latest first, in the
    groups the student learns in over those dates: one statement (UNION ALL of the two,
    each row tagged)."""
    places = places or data.student_places(session, student_id, min(owed_since, absent_since), until)
    if places.student is None:
        return [], []
    groups = [g.id for g in places.groups_during(min(owed_since, absent_since), until)]
    owed_rows, absent_rows = [], []
    for row in bounded_rows(session, _owed_and_absences_statement(), {
            "student_id": student_id, "school": places.student.school_id, "groups": groups, "owed_since": owed_since,
            "absent_since": absent_since, "until": until}, places.reads):
        *fields, tag, number, group_name, code, excused, code_name = row
        day = fields[1] if isinstance(fields[1], dt.date) else dt.date.fromisoformat(str(fields[1])[:10])
        if tag == "o":
            due = fields[2]
            if due is not None and not isinstance(due, dt.date):
                due = dt.date.fromisoformat(str(due)[:10])
            owed_rows.append((day, fields[0], [fields[0], day, due, *fields[3:]]))
        else:
            absent_rows.append((day, number, group_name, code, code_name, bool(excused)))
    owed_rows.sort(key=lambda item: (item[0], item[1]))
    absent_rows.sort(key=lambda item: (-item[0].toordinal(), item[1]))
    return _owed_rows(session, student_id, owed_since, until, places, [row for _d, _a, row in owed_rows]), absent_rows


@lru_cache(maxsize=1)
def _timetable_statement():
    """timetable's statement, built once per process (parameters groups, day)."""
    day = bindparam("day", type_=Date)
    return (
        select(ScheduleEntry.subject_group_id, ScheduleEntry.weekday, ScheduleEntry.lesson_number, Room.name,
               Bell.start_time, Bell.end_time)
        .join(SubjectGroup, ScheduleEntry.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .outerjoin(Room, ScheduleEntry.room_id == Room.id)
        .outerjoin(Bell, _bell(Bell, ScheduleEntry.lesson_number, SchoolClass.school_id, SchoolClass.bell_schedule_id))
        .where(ScheduleEntry.school_id == bindparam("school", type_=Integer),
               ScheduleEntry.subject_group_id.in_(bindparam("groups", expanding=True, type_=Integer)),
               ScheduleEntry.valid_from <= day, or_(ScheduleEntry.valid_to.is_(None), ScheduleEntry.valid_to >= day))
    )


def timetable(session: Session, student_id: int, day: dt.date, places: Optional[data.StudentPlaces] = None) -> dict:
    """weekday (1–6) → [(lesson number, start, end, subject, room)] valid on the day: one statement."""
    places = places or data.student_places(session, student_id, day, day)
    by_group = {g.id: g for g in places.groups_during(day, day)}
    week: dict = {}
    if not by_group:
        return week
    for gid, weekday, number, room, start, end in bounded_rows(
            session, _timetable_statement(), {"school": places.student.school_id, "groups": list(by_group), "day": day},
            places.reads):
        week.setdefault(weekday, []).append((number, start, end, by_group[gid].subject, room or ""))
    return {weekday: sorted(items, key=lambda item: item[0]) for weekday, items in sorted(week.items())}
