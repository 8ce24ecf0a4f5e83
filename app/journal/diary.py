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
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.journal import data
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, Bell, BellSchedule, Employee, GradeScaleValue, Lesson, Mark,
    Room, ScheduleEntry, SchoolClass, SubjectGroup,
)
from app.models.people import short_name
from app.rules import grading
from app.rules import journal as journal_rules

DAYS_SHOWN = 6  # Monday to Saturday; Sunday too when it has lessons


@dataclass
class DiaryAssignment:
    id: int
    type_id: int
    type_abbr: str
    type_name: str
    title: str
    weight: float
    due_date: Optional[dt.date]
    is_control: bool
    mark: Optional[str] = None       # the code: «5», «зач»
    score: Optional[float] = None
    duty: bool = False               # a «точка»: work owed
    comment: str = ""

    @property
    def label(self) -> str:
        return journal_rules.assignment_label(self.type_name, self.title)


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


def _bells(session: Session, class_ids: list) -> dict:
    """class id → {lesson number: (start, end)}: the class's bell schedule, else the school's default."""
    if not class_ids:
        return {}
    chosen = dict(session.execute(select(SchoolClass.id, SchoolClass.bell_schedule_id)
                                  .where(SchoolClass.id.in_(class_ids))).all())
    default = session.scalar(select(BellSchedule.id).where(BellSchedule.is_default.is_(True)).limit(1))
    schedules = {sid or default for sid in chosen.values()} - {None}
    times: dict = {}
    if schedules:
        for schedule, number, start, end in session.execute(
                select(Bell.bell_schedule_id, Bell.lesson_number, Bell.start_time, Bell.end_time)
                .where(Bell.bell_schedule_id.in_(schedules))):
            times.setdefault(schedule, {})[number] = (start, end)
    return {cid: times.get(sid or default, {}) for cid, sid in chosen.items()}


def diary_week(session: Session, student_id: int, start: dt.date, end: Optional[dt.date] = None) -> DiaryWeek:
    """The student's lessons from `start` (a Monday) to `end` (default: the Sunday), with
    their assignments and the student's own marks, «точки», comments and absences."""
    end = end or start + dt.timedelta(days=6)
    spans = data.student_group_spans(session, student_id, start, end)
    groups = data.student_groups(session, student_id, start, end)
    by_group = {g.id: g for g in groups}
    # a pupil moved between groups on a day sees the old group's lessons before it, the new one's after
    lessons = [lesson for lesson in data.lessons_of(session, list(by_group), start, end) if not lesson.cancelled
               and any(s.group_id == lesson.group_id and s.covers(lesson.day) for s in spans)]
    ids = [lesson.id for lesson in lessons]
    extra = {}
    if ids:
        for lid, room, last, first, middle in session.execute(
                select(Lesson.id, Room.name, Employee.last_name, Employee.first_name, Employee.middle_name)
                .outerjoin(Room, Lesson.room_id == Room.id)
                .outerjoin(Employee, Employee.id == Lesson.substitute_id)
                .where(Lesson.id.in_(ids))):
            extra[lid] = (room or "", short_name(last, first, middle) if last else "")
    teachers = data.teachers_of(session, list(by_group))
    bells = _bells(session, list({g.class_id for g in groups}))
    assignments: dict = {}
    if ids:
        for aid, lid, type_id, abbr, tname, title, own, by_type, control, due in session.execute(
                select(Assignment.id, Assignment.lesson_id, AssignmentType.id, AssignmentType.abbr, AssignmentType.name,
                       Assignment.title, Assignment.weight, AssignmentType.weight, AssignmentType.is_control,
                       Assignment.due_date)
                .join(AssignmentType, Assignment.type_id == AssignmentType.id)
                .where(Assignment.lesson_id.in_(ids)).order_by(Assignment.id)):
            assignments.setdefault(lid, []).append(DiaryAssignment(
                aid, type_id, abbr or "", tname or "", title or "", float(own if own is not None else by_type or 1), due,
                bool(control)))
    own = {}
    if assignments:
        for aid, code, score, duty, comment in session.execute(
                select(Mark.assignment_id, GradeScaleValue.code, GradeScaleValue.score, Mark.is_duty, Mark.comment)
                .outerjoin(GradeScaleValue, Mark.value_id == GradeScaleValue.id)
                .where(Mark.student_id == student_id,
                       Mark.assignment_id.in_([a.id for items in assignments.values() for a in items]))):
            own[aid] = (code, float(score) if score is not None else None, bool(duty), comment or "")
    absences = dict(session.execute(
        select(Attendance.lesson_id, AttendanceCode.code).join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .where(Attendance.student_id == student_id, Attendance.lesson_id.in_(ids))).all()) if ids else {}

    days: dict = {start + dt.timedelta(days=i): [] for i in range((end - start).days + 1)}
    for lesson in lessons:
        group = by_group[lesson.group_id]
        room, substitute = extra.get(lesson.id, ("", ""))
        start_time, end_time = bells.get(group.class_id, {}).get(lesson.number, (None, None))
        names = [name for _e, name in teachers.get(group.id, [])]
        items = assignments.get(lesson.id, [])
        for item in items:
            if item.id in own:
                item.mark, item.score, item.duty, item.comment = own[item.id]
        days.setdefault(lesson.day, []).append(DiaryLesson(
            lesson.id, lesson.day, lesson.number, start_time, end_time, group.subject, group.id, room,
            substitute or (names[0] if names else ""), lesson.topic, lesson.homework, items, absences.get(lesson.id, ""),
            substitute))
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


def period_marks(session: Session, student_id: int, today: dt.date, thresholds=None) -> PeriodMarks:
    """The marks of the current period up to today, per subject, with the journal's averages."""
    classes = data.student_classes(session, student_id, today, today) or \
        data.student_classes(session, student_id, today - dt.timedelta(days=366), today)
    if not classes:
        return PeriodMarks(None, today, [])
    school_class = classes[-1]
    periods = [p for p in data.periods_of_grade(session, school_class.year_id, school_class.grade) if not p.is_year]
    period = data.period_at(periods, today) or max((p for p in periods if p.end < today), key=lambda p: p.end,
                                                   default=None)
    if period is None:
        return PeriodMarks(None, today, [])
    until = min(today, period.end)
    groups = data.student_groups(session, student_id, period.start, until)
    subject_of = {g.id: g.subject_id for g in groups}
    lines = {sid: PeriodLine(name) for sid, name, _short, _g in data.by_subject(groups)}
    for m in data.marks_of(session, period.start, until, group_ids=list(subject_of), student_ids=[student_id]):
        if m.mark is not None or m.duty:
            lines[subject_of[m.group_id]].marks.append(m)
    set_marks = data.period_marks_of(session, list(subject_of), [period.id], [student_id])
    for (gid, _pid, _sid), mark in set_marks.items():
        lines[subject_of[gid]].period_mark = mark.code
    for line in lines.values():
        pairs = [(m.mark.score, m.weight) for m in line.marks if m.mark is not None]
        line.arithmetic = grading.arithmetic_average(s for s, _w in pairs)
        line.weighted = grading.weighted_average(pairs)
        line.formula = grading.weighted_formula(pairs)
        line.suggested = grading.suggest_period_mark(line.weighted, thresholds)
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


def work_owed(session: Session, student_id: int, start: dt.date, until: dt.date) -> list:
    """The «точки» still without a mark: work the student owes, oldest first."""
    rows = session.execute(
        select(Assignment.id, Lesson.date, Assignment.due_date, SubjectGroup.subject_id, AssignmentType.name,
               Assignment.title, AssignmentType.id, Assignment.weight, AssignmentType.weight, Mark.comment)
        .select_from(Mark).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id).join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .where(Mark.student_id == student_id, Mark.is_duty.is_(True), Mark.value_id.is_(None), Lesson.date >= start,
               Lesson.date <= until)
        .order_by(Lesson.date)
    ).all()
    subjects = {g.subject_id: g.subject for g in data.student_groups(session, student_id, start, until)}
    return [Owed(aid, day, due, subjects.get(subject, ""), journal_rules.assignment_label(tname, title), type_id,
                 float(own if own is not None else by_type or 1), comment or "")
            for aid, day, due, subject, tname, title, type_id, own, by_type, comment in rows]


def absences(session: Session, student_id: int, start: dt.date, until: dt.date) -> list:
    """(day, lesson number, subject, code, name, excused) of every attendance entry."""
    return session.execute(
        select(Lesson.date, Lesson.number, SubjectGroup.name, AttendanceCode.code, AttendanceCode.name,
               AttendanceCode.is_excused)
        .select_from(Attendance).join(Lesson, Attendance.lesson_id == Lesson.id)
        .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(AttendanceCode, Attendance.code_id == AttendanceCode.id)
        .where(Attendance.student_id == student_id, Lesson.date >= start, Lesson.date <= until)
        .order_by(Lesson.date.desc(), Lesson.number)
    ).all()


def timetable(session: Session, student_id: int, day: dt.date) -> dict:
    """weekday (1–6) → [(lesson number, start, end, subject, room)] valid on the day."""
    groups = data.student_groups(session, student_id, day, day)
    by_group = {g.id: g for g in groups}
    bells = _bells(session, list({g.class_id for g in groups}))
    week: dict = {}
    if not by_group:
        return week
    for gid, weekday, number, room in session.execute(
            select(ScheduleEntry.subject_group_id, ScheduleEntry.weekday, ScheduleEntry.lesson_number, Room.name)
            .outerjoin(Room, ScheduleEntry.room_id == Room.id)
            .where(ScheduleEntry.subject_group_id.in_(list(by_group)), ScheduleEntry.valid_from <= day,
                   or_(ScheduleEntry.valid_to.is_(None), ScheduleEntry.valid_to >= day))):
        group = by_group[gid]
        start, end = bells.get(group.class_id, {}).get(number, (None, None))
        week.setdefault(weekday, []).append((number, start, end, group.subject, room or ""))
    return {weekday: sorted(items, key=lambda item: item[0]) for weekday, items in sorted(week.items())}

