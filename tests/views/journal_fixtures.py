"""A journal of its own for the lock, unlock and audit tests: a fresh subject group
of the demo student's class (5А), taught by the demo teacher, with lessons made at
exact ages. Deleted at the end of the module (`journal`) or of the test
(`fresh_journal`), so no other test sees it.

The school's date may be any day (PARTA_TODAY): the periods are chosen by the date, and
an entry that cannot exist on it (a lesson 11 days old on 1 September, a quarter locked
before the first one has ended) skips the test with the reason."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, Employee, Enrolment, GradeScale, GradeScaleValue, Guardian,
    Lesson, Mark, PartaUser, PeriodMark, Student, StudentGuardian, StudyPeriod, Subject, SubjectGroup,
    SubjectGroupTeacher,
)
from tests.conftest import unique


@dataclass
class Journal:
    school_id: int
    group_id: int
    class_id: int
    teacher_user_id: int
    coordinator_user_id: int
    child_id: int          # the demo student, a child of the demo parent
    other_student_id: int  # a classmate who is no child of the demo parent
    ordinary_type_id: int
    control_type_id: int
    classmates: list = field(default_factory=list)  # more classmates, for rows that must not collide
    values: dict = field(default_factory=dict)  # code -> id, default scale
    codes: dict = field(default_factory=dict)   # attendance code -> id
    past_period_id: int = 0               # the latest quarter whose period marks are locked (0: none yet)
    past_period_end: dt.date | None = None
    current_period_id: int = 0            # the quarter whose period marks are being given now
    today: dt.date | None = None
    year_start: dt.date | None = None
    year_end: dt.date | None = None

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def lesson_day(self, days_ago: int) -> dt.date:
        """The date `days_ago` days before the school's date; skips the test when that day is
        outside the school year (no lesson of the year can be that old, or the year is over)."""
        day = self.day(days_ago)
        if day < self.year_start:
            pytest.skip(f"on {self.today:%d.%m.%Y} no lesson of the school year is {days_ago} days old "
                        f"(the year began on {self.year_start:%d.%m.%Y})")
        if day > self.year_end:
            pytest.skip(f"on {self.today:%d.%m.%Y} the school year is over (it ended on {self.year_end:%d.%m.%Y}): "
                        f"no lesson of it is {days_ago} days old")
        return day

    def recent(self, days_ago: int) -> int:
        """`days_ago`, or fewer when the school year is younger: for a lesson that only has to
        be recent (still open), not of an exact age."""
        return max(0, min(days_ago, (self.today - self.year_start).days))

    def locked_period(self) -> tuple[int, dt.date]:
        """(id, end) of the latest quarter ended more than 10 days ago; skips the test before there is one."""
        if not self.past_period_id:
            pytest.skip(f"on {self.today:%d.%m.%Y} no quarter of the school year has ended more than 10 days ago")
        return self.past_period_id, self.past_period_end


def _user_id(username: str) -> int:
    return db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))


def _periods_on(quarters: list, today: dt.date, lock_days: int = 10) -> tuple:
    """(the current quarter, the latest locked quarter or None) on `today`: the current one
    holds today; in the holidays it is the one just ended while its marks may still be
    given (act §4.14: 10 days), else the next to begin."""
    quarters = sorted(quarters, key=lambda p: p.start_date)
    locked = [p for p in quarters if p.end_date + dt.timedelta(days=lock_days) < today]
    current = (next((p for p in quarters if p.start_date <= today <= p.end_date), None)
               or next((p for p in reversed(quarters) if p.end_date < today and p not in locked), None)
               or next((p for p in quarters if p.start_date > today), None)
               or quarters[-1])
    return current, (locked[-1] if locked else None)


def new_journal(app) -> Journal:
    """Creates the journal (remove it with `delete_group(app, journal.group_id)`)."""
    from app.clock import school_today
    from app.models import PeriodType, SchoolClass

    with app.test_request_context():
        today = school_today()  # the school's date, as the locks count it
    with app.app_context():
        teacher = db.session.scalar(select(Employee).where(Employee.user_id == _user_id("teacher")))
        child = db.session.scalar(select(Student).where(Student.user_id == _user_id("student")))
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == child.id, Enrolment.end_date.is_(None)))
        guardian = db.session.scalar(select(Guardian.id).where(Guardian.user_id == _user_id("parent")))
        children = select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian)
        others = db.session.scalars(
            select(Student.id).join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.class_id == enrolment.class_id, Enrolment.end_date.is_(None), Student.id.not_in(children))
            .order_by(Student.id)).all()
        model_group = db.session.scalar(select(SubjectGroup).where(SubjectGroup.class_id == enrolment.class_id))
        subject = db.session.scalar(select(Subject.id).where(Subject.name == "Математика")) or model_group.subject_id
        group = SubjectGroup(school_id=child.school_id, year_id=model_group.year_id, class_id=enrolment.class_id,
                             subject_id=subject, name=unique("Журнал для проверки"), is_whole_class=True)
        db.session.add(group)
        db.session.flush()
        db.session.add(SubjectGroupTeacher(school_id=child.school_id, subject_group_id=group.id, employee_id=teacher.id))
        scale = db.session.scalar(select(GradeScale.id).where(GradeScale.is_default.is_(True)))
        values = dict(db.session.execute(select(GradeScaleValue.code, GradeScaleValue.id).where(GradeScaleValue.scale_id == scale)).all())
        school_class = db.session.get(SchoolClass, enrolment.class_id)
        quarters = db.session.scalars(
            select(StudyPeriod).join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
            .where(StudyPeriod.year_id == model_group.year_id, PeriodType.is_year.is_(False),
                   StudyPeriod.grade_from <= school_class.grade, StudyPeriod.grade_to >= school_class.grade)).all()
        current, past = _periods_on(quarters, today)
        data = Journal(
            school_id=child.school_id, group_id=group.id, class_id=enrolment.class_id,
            teacher_user_id=_user_id("teacher"), coordinator_user_id=_user_id("coordinator"),
            child_id=child.id, other_student_id=others[0], classmates=list(others[1:]),
            ordinary_type_id=db.session.scalar(select(AssignmentType.id).where(AssignmentType.is_control.is_(False)).order_by(AssignmentType.id)),
            control_type_id=db.session.scalar(select(AssignmentType.id).where(AssignmentType.is_control.is_(True)).order_by(AssignmentType.id)),
            values=values, codes=dict(db.session.execute(select(AttendanceCode.code, AttendanceCode.id)).all()),
            past_period_id=past.id if past else 0, past_period_end=past.end_date if past else None,
            current_period_id=current.id, today=today, year_start=school_class.year.start_date,
            year_end=school_class.year.end_date,
        )
        db.session.commit()
        db.session.remove()
    return data


@pytest.fixture(scope="module")
def journal(app):
    data = new_journal(app)
    yield data
    delete_group(app, data.group_id)  # lessons, marks and unlocks go with it


@pytest.fixture()
def fresh_journal(app):
    """The same, for one test: for the tests that count what the whole group holds."""
    data = new_journal(app)
    yield data
    delete_group(app, data.group_id)


def make_mark(app, journal: Journal, days_ago: int, control: bool = False, value: str = "4",
              student: int | None = None) -> dict:
    """A lesson `days_ago` days old with one assignment and a mark, written as history
    (outside a request, where locks do not bind)."""
    with app.app_context():
        lesson = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.lesson_day(days_ago),
                        number=1)
        assignment = Assignment(school_id=journal.school_id, lesson=lesson,
                                type_id=journal.control_type_id if control else journal.ordinary_type_id)
        mark = Mark(school_id=journal.school_id, assignment=assignment, student_id=student or journal.child_id,
                    value_id=journal.values[value])
        attendance = Attendance(school_id=journal.school_id, lesson=lesson, student_id=journal.other_student_id,
                                code_id=journal.codes["Н"])
        db.session.add_all([lesson, assignment, mark, attendance])
        db.session.commit()
        ids = {"lesson": lesson.id, "assignment": assignment.id, "mark": mark.id, "attendance": attendance.id,
               "student": mark.student_id, "date": lesson.date}
        db.session.remove()
    return ids


def make_period_mark(app, journal: Journal, period_id: int, value: str = "4", student: int | None = None) -> int:
    with app.app_context():
        mark = PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, period_id=period_id,
                          student_id=student or journal.child_id, value_id=journal.values[value])
        db.session.add(mark)
        db.session.commit()
        pk = mark.id
        db.session.remove()
    return pk


LESSON_NUMBER = 8  # after the demo's last lesson of the day: a fresh group's slots are its own


def timetabled_group(app, name: str, weekdays=(1, 2, 3, 4, 5), days=28, class_id: int | None = None,
                     number: int = LESSON_NUMBER) -> dict:
    """A fresh subject group taught by the demo teacher in the demo student's class (or
    `class_id`), timetabled on `weekdays` (lesson `number`, 8 unless another group of the demo
    teacher's holds it then: the timetable refuses a teacher in two places at once), with the lessons of the last `days`
    days up to the school's date made by the calendar (holidays and days outside the
    periods left out), each with an ordinary assignment. Remove it with `delete_group`."""
    from app.clock import school_today
    from app.journal.calendar import generate_lessons
    from app.models import ScheduleEntry, SchoolClass

    with app.test_request_context():
        today = school_today()
    with app.app_context():
        teacher = db.session.scalar(select(Employee).where(Employee.user_id == _user_id("teacher")))
        child = db.session.scalar(select(Student).where(Student.user_id == _user_id("student")))
        class_id = class_id or db.session.scalar(select(Enrolment.class_id).where(Enrolment.student_id == child.id,
                                                                                 Enrolment.end_date.is_(None)))
        school_class = db.session.get(SchoolClass, class_id)
        subject = db.session.scalar(select(Subject.id).where(Subject.name == "Математика"))
        group = SubjectGroup(school_id=child.school_id, year_id=school_class.year_id, class_id=class_id,
                             subject_id=subject, name=unique(name), is_whole_class=True)
        db.session.add(group)
        db.session.flush()
        db.session.add(SubjectGroupTeacher(school_id=child.school_id, subject_group_id=group.id, employee_id=teacher.id))
        db.session.add_all(ScheduleEntry(school_id=child.school_id, subject_group_id=group.id, weekday=day,
                                         lesson_number=number, valid_from=school_class.year.start_date)
                           for day in weekdays)
        db.session.commit()
        generate_lessons(db.session, [group.id], today - dt.timedelta(days=days), today, apply=True)
        ordinary = db.session.scalar(select(AssignmentType.id).where(AssignmentType.is_control.is_(False))
                                     .order_by(AssignmentType.id))
        lessons = db.session.scalars(select(Lesson).where(Lesson.subject_group_id == group.id).order_by(Lesson.date)).all()
        db.session.add_all(Assignment(school_id=child.school_id, lesson_id=lesson.id, type_id=ordinary) for lesson in lessons)
        db.session.commit()
        data = {"group": group.id, "class": class_id, "school": child.school_id, "today": today,
                "lessons": [(lesson.id, lesson.date) for lesson in lessons]}
        db.session.remove()
    return data


def delete_group(app, group_id: int) -> None:
    """Removes a fresh subject group with everything in it (lessons, marks, unlocks go with it)."""
    with app.app_context():
        db.session.delete(db.session.get(SubjectGroup, group_id))
        db.session.commit()
        db.session.remove()
