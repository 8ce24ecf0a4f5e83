"""Teaching structure: classes, enrolments, subject groups, curriculum and schedule."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import (
    Boolean, Date, Enum, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, and_, cast, false, null, or_,
    select, union_all,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from .base import Label, LabeledEnum, Model, SchoolScoped
from .org import BellSchedule, HolidaySet, Room, SchoolYear, Subject
from .people import Employee, Student


class CurriculumType(LabeledEnum):
    classic = Label("Classic")
    individual = Label("Individual curriculum (IUP)")


class SchoolClass(SchoolScoped, Model):
    """A class of one year, e.g. 5 «А»."""

    __tablename__ = "school_class"
    __table_args__ = (
        UniqueConstraint("school_id", "year_id", "grade", "letter", name="uq_school_class_letter"),
        Index("ix_school_class_school", "school_id", "year_id", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    letter: Mapped[str] = mapped_column(String(5))
    profile: Mapped[Optional[str]] = mapped_column(String(150))
    curriculum_type: Mapped[CurriculumType] = mapped_column(
        Enum(CurriculumType, name="curriculum_type", native_enum=False, length=20), default=CurriculumType.classic
    )
    class_teacher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    room_id: Mapped[Optional[int]] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    holiday_set_id: Mapped[Optional[int]] = mapped_column(ForeignKey("holiday_set.id", ondelete="SET NULL"))
    bell_schedule_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bell_schedule.id", ondelete="SET NULL"))

    year: Mapped[SchoolYear] = relationship()
    class_teacher: Mapped[Optional[Employee]] = relationship()
    room: Mapped[Optional[Room]] = relationship()
    holiday_set: Mapped[Optional[HolidaySet]] = relationship()
    bell_schedule: Mapped[Optional[BellSchedule]] = relationship()
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="school_class")

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"

    def __str__(self) -> str:
        return self.name


class Enrolment(SchoolScoped, Model):
    """A student belongs to a class from `start_date` to `end_date` (open = still there)."""

    __tablename__ = "enrolment"
    __table_args__ = (
        Index("ix_enrolment_school_class", "school_id", "class_id", "start_date"),
        Index("ix_enrolment_school_student", "school_id", "student_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("movement_order.id", ondelete="SET NULL"))
    # Transferred to this class conditionally (условный перевод): a failing final mark to make good.
    is_conditional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    student: Mapped[Student] = relationship(back_populates="enrolments")
    school_class: Mapped[SchoolClass] = relationship(back_populates="enrolments")

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class}"


class SubjectGroup(SchoolScoped, Model):
    """«Предмет-группа»: a subject taught to a whole class or to a subgroup of it."""

    __tablename__ = "subject_group"
    __table_args__ = (
        UniqueConstraint("school_id", "class_id", "subject_id", "name", name="uq_subject_group_name"),
        Index("ix_subject_group_school", "school_id", "year_id", "class_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(150))
    is_whole_class: Mapped[bool] = mapped_column(Boolean, default=True)
    grade_scale_id: Mapped[Optional[int]] = mapped_column(ForeignKey("grade_scale.id", ondelete="SET NULL"))
    hours_per_week: Mapped[Optional[float]] = mapped_column(Numeric(4, 1))

    year: Mapped[SchoolYear] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    grade_scale = relationship("GradeScale")
    teachers: Mapped[list["SubjectGroupTeacher"]] = relationship(back_populates="subject_group", cascade="all, delete-orphan")
    members: Mapped[list["SubjectGroupMember"]] = relationship(back_populates="subject_group", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class SubjectGroupTeacher(SchoolScoped, Model):
    """A teacher of a subject group (the load, нагрузка)."""

    __tablename__ = "subject_group_teacher"
    __table_args__ = (
        UniqueConstraint("school_id", "subject_group_id", "employee_id", name="uq_subject_group_teacher"),
        Index("ix_subject_group_teacher_employee", "school_id", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    is_main: Mapped[bool] = mapped_column(Boolean, default=True)

    subject_group: Mapped[SubjectGroup] = relationship(back_populates="teachers")
    employee: Mapped[Employee] = relationship()

    def __str__(self) -> str:
        return f"{self.subject_group}: {self.employee}"


class SubjectGroupMember(SchoolScoped, Model):
    """A student in a subgroup from `valid_from` to `valid_to` (empty: from the year's
    start, to its end); a move between groups closes one membership and opens the next,
    so that a student may come back to a group later. A whole-class group takes the
    class's enrolments instead. Who is in a group on a day: `group_member_spans`."""

    __tablename__ = "subject_group_member"
    __table_args__ = (
        Index("ix_subject_group_member_group", "school_id", "subject_group_id", "student_id"),
        Index("ix_subject_group_member_student", "school_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date)

    subject_group: Mapped[SubjectGroup] = relationship(back_populates="members")
    student: Mapped[Student] = relationship()

    def __str__(self) -> str:
        return f"{self.subject_group}: {self.student}"


@dataclass(frozen=True)
class MemberSpan:
    """A student in a subject group from `start` to `end` (None: still there)."""
    group_id: int
    student_id: int
    start: dt.date
    end: Optional[dt.date]

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def group_member_rows(group_ids, start: dt.date, end: dt.date, student_ids=None, school_ids=None):
    """The statement behind group_member_spans, for a caller that joins more to it (the
    grid: the names): group_id, student_id, valid_from, valid_to, joined, left — a
    whole-class group's enrolments (no membership dates) and a subgroup's memberships
    with the student's enrolments in the group's class. `group_ids`: ids, or a select of them;
    `group_ids` and `student_ids` may be expanding bound parameters (a statement built once);
    `school_ids` (ids or such a parameter), the groups' schools when the caller knows them, bound
    a student's enrolments and memberships by their school whichever table the plan reads first."""
    ids = group_ids if isinstance(group_ids, (Select, BindParameter)) else list(group_ids)
    # every table by its group's school too: the indexes lead with school_id (a whole
    # municipality's enrolments were read to find one pupil's)
    enrolled = and_(Enrolment.school_id == SubjectGroup.school_id, Enrolment.class_id == SubjectGroup.class_id,
                    Enrolment.start_date <= end, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= start))
    if student_ids is not None and not isinstance(student_ids, BindParameter):
        student_ids = list(student_ids)
    enrolments = [] if student_ids is None else [Enrolment.student_id.in_(student_ids)]
    memberships = []
    if school_ids is not None:
        schools = school_ids if isinstance(school_ids, BindParameter) else list(school_ids)
        enrolments += [Enrolment.school_id.in_(schools)]
        memberships = [SubjectGroupMember.school_id.in_(schools)]
    whole = (select(SubjectGroup.id.label("group_id"), Enrolment.student_id.label("student_id"),
                    cast(null(), Date).label("valid_from"), cast(null(), Date).label("valid_to"),
                    Enrolment.start_date.label("joined"), Enrolment.end_date.label("left"))
             .join(Enrolment, enrolled)
             .where(SubjectGroup.id.in_(ids), SubjectGroup.is_whole_class.is_not(False), *enrolments))
    sub = (select(SubjectGroupMember.subject_group_id, SubjectGroupMember.student_id, SubjectGroupMember.valid_from,
                  SubjectGroupMember.valid_to, Enrolment.start_date, Enrolment.end_date)
           .join(SubjectGroup, and_(SubjectGroup.id == SubjectGroupMember.subject_group_id,
                                    SubjectGroup.school_id == SubjectGroupMember.school_id))
           .join(Enrolment, and_(enrolled, Enrolment.student_id == SubjectGroupMember.student_id))
           .where(SubjectGroupMember.subject_group_id.in_(ids), SubjectGroup.is_whole_class.is_(False),
                  or_(SubjectGroupMember.valid_from.is_(None), SubjectGroupMember.valid_from <= end),
                  or_(SubjectGroupMember.valid_to.is_(None), SubjectGroupMember.valid_to >= start), *enrolments,
                  *memberships))
    return union_all(whole, sub).subquery("group_member_rows")


def member_spans_of(rows, start: dt.date, end: dt.date) -> list:
    """MemberSpans from group_member_rows' rows (group id, student id, valid_from,
    valid_to, joined, left, …): each membership cut to the enrolment."""
    from app.rules.subgroups import effective_span

    spans = []
    for group_id, student_id, valid_from, valid_to, joined, left, *_ in rows:
        span = effective_span(valid_from, valid_to, (joined, left))
        if span is not None and span[0] <= end and (span[1] is None or span[1] >= start):
            spans.append(MemberSpan(group_id, student_id, *span))
    return spans


def group_member_spans(session, group_ids, start: dt.date, end: dt.date, options: Optional[dict] = None,
                       student_ids=None) -> list:
    """Who learns in each of the subject groups at some time in [start, end], and when —
    the one answer for the journal grid, the reports, the diary and the API: a whole-class
    group has the class's enrolments; a subgroup its memberships, each cut to the
    student's enrolments in the group's class (a pupil of another class is in none of
    its groups). A student who moved out and back has several spans."""
    if not list(group_ids):
        return []
    rows = group_member_rows(group_ids, start, end, student_ids)
    return member_spans_of(session.execute(select(rows), execution_options=options or {}), start, end)


def members_on(spans, day: dt.date) -> dict:
    """group id → the students in it on the day."""
    found: dict = {}
    for span in spans:
        if span.covers(day):
            found.setdefault(span.group_id, set()).add(span.student_id)
    return found


class CurriculumItem(SchoolScoped, Model):
    """A line of the curriculum (учебный план): class × subject × hours a week."""

    __tablename__ = "curriculum_item"
    __table_args__ = (
        UniqueConstraint("school_id", "year_id", "class_id", "subject_id", name="uq_curriculum_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="RESTRICT"))
    hours_per_week: Mapped[float] = mapped_column(Numeric(4, 1))

    year: Mapped[SchoolYear] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()

    def __str__(self) -> str:
        return f"{self.school_class}: {self.subject}"


# Weekdays are stored as date.isoweekday() numbers, so that timetables sort by day.
WEEKDAYS = {
    1: Label("Monday"),
    2: Label("Tuesday"),
    3: Label("Wednesday"),
    4: Label("Thursday"),
    5: Label("Friday"),
    6: Label("Saturday"),
}


class ScheduleEntry(SchoolScoped, Model):
    """A line of the timetable: a subject group on a weekday at a lesson number."""

    __tablename__ = "schedule_entry"
    __table_args__ = (
        Index("ix_schedule_entry_school", "school_id", "subject_group_id", "weekday"),
        # the clash check looks up a slot of the whole school: a class, a teacher or a room in one place at a time
        Index("ix_schedule_entry_slot", "school_id", "weekday", "lesson_number"),
        # a room's week in the timetable editor
        Index("ix_schedule_entry_school_room", "school_id", "room_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    lesson_number: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[Optional[int]] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date)

    subject_group: Mapped[SubjectGroup] = relationship()
    room: Mapped[Optional[Room]] = relationship()

    def __str__(self) -> str:
        return f"{WEEKDAYS.get(self.weekday, self.weekday)}, {self.lesson_number}: {self.subject_group}"
