"""The class journal: lessons, assignments, marks, attendance, period and final
marks, and the calendar-thematic plan (КТП)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Label, LabeledEnum, Model, SchoolScoped
from .org import Room, SchoolYear, StudyPeriod
from .people import Employee, Student
from .teaching import SubjectGroup

DUTY = "is_duty IS TRUE"  # a mark's cell that holds a «точка» (with or without the mark given later)


class GradeScale(SchoolScoped, Model):
    """A mark scale: «2–5» by default; schools add зачёт/незачёт and others."""

    __tablename__ = "grade_scale"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_grade_scale_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    values: Mapped[list["GradeScaleValue"]] = relationship(
        back_populates="scale", order_by="GradeScaleValue.order", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class GradeScaleValue(SchoolScoped, Model):
    """One value of a scale: its code as written in the journal («5», «зач», «н/а»),
    its numeric score for averages (none for зачёт-like values), and whether it passes."""

    __tablename__ = "grade_scale_value"
    __table_args__ = (UniqueConstraint("school_id", "scale_id", "code", name="uq_grade_scale_value_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("grade_scale.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[Optional[str]] = mapped_column(String(100))
    score: Mapped[Optional[float]] = mapped_column(Numeric(4, 2))
    is_passing: Mapped[bool] = mapped_column(Boolean, default=True)
    order: Mapped[int] = mapped_column(Integer, default=0)

    scale: Mapped[GradeScale] = relationship(back_populates="values")

    def __str__(self) -> str:
        return self.code


class AssignmentType(SchoolScoped, Model):
    """A kind of work (вид работы) with its weight; control works have their own lock."""

    __tablename__ = "assignment_type"
    __table_args__ = (
        UniqueConstraint("school_id", "name", name="uq_assignment_type_name"),
        UniqueConstraint("school_id", "abbr", name="uq_assignment_type_abbr"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    abbr: Mapped[str] = mapped_column(String(10))
    weight: Mapped[float] = mapped_column(Numeric(4, 2), default=1)
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)
    order: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name


class Lesson(SchoolScoped, Model):
    """One lesson of a subject group on a date, with its topic and homework."""

    __tablename__ = "lesson"
    __table_args__ = (
        Index("ix_lesson_school_group_date", "school_id", "subject_group_id", "date", "number"),
        Index("ix_lesson_school_date", "school_id", "date"),
        Index("ix_lesson_school_substitute", "school_id", "substitute_id"),
        # a teacher's lessons between two dates (their week, substitutions): the lesson's own teacher
        Index("ix_lesson_school_teacher_date", "school_id", "teacher_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    teacher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    substitute_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    room_id: Mapped[Optional[int]] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    topic: Mapped[Optional[str]] = mapped_column(String(500))
    homework: Mapped[Optional[str]] = mapped_column(Text)
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Added by hand (not from the timetable): re-generating the calendar keeps it.
    is_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A lesson moved by hand remembers its timetable date, so that re-generation
    # does not put a second lesson there.
    moved_from: Mapped[Optional[dt.date]] = mapped_column(Date)

    subject_group: Mapped[SubjectGroup] = relationship(lazy="joined")
    teacher: Mapped[Optional[Employee]] = relationship(foreign_keys=[teacher_id])
    substitute: Mapped[Optional[Employee]] = relationship(foreign_keys=[substitute_id])
    room: Mapped[Optional[Room]] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="lesson", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}, {self.number}: {self.subject_group}"


class Assignment(SchoolScoped, Model):
    """An assignment (задание) of a lesson; its weight overrides the type's when set."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_school_lesson", "school_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("assignment_type.id", ondelete="RESTRICT"))
    title: Mapped[Optional[str]] = mapped_column(String(255))
    weight: Mapped[Optional[float]] = mapped_column(Numeric(4, 2))
    due_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    # Joined: an assignment is always shown with its type, date and subject group.
    lesson: Mapped[Lesson] = relationship(back_populates="assignments", lazy="joined")
    type: Mapped[AssignmentType] = relationship(lazy="joined")

    def __str__(self) -> str:
        """«Контрольная работа «Дроби», 12.11.2026, Математика 5А»."""
        parts = [f"{self.type.name if self.type else ''}{f' «{self.title}»' if self.title else ''}"]
        if self.lesson is not None:
            parts += [f"{self.lesson.date:%d.%m.%Y}", str(self.lesson.subject_group)]
        return ", ".join(p for p in parts if p)


class Mark(SchoolScoped, Model):
    """A student's mark for an assignment; a «точка» (duty mark) records work owed.

    `entered_at` (UTC) and `entered_by_id` record the first entry of the row, set by
    the write pipeline on every path (grid, CRUD, REST, imports); later changes keep
    them — each change has its own who and when in the journal's audit. The journal
    control counts a mark as late by its first entry: correcting a mark the next week
    is no late entry. Rows written before the stamps existed have none."""

    __tablename__ = "mark"
    __table_args__ = (
        UniqueConstraint("school_id", "assignment_id", "student_id", name="uq_mark_assignment_student"),
        Index("ix_mark_school_student", "school_id", "student_id"),
        # the «точки» (duties), among which the diary finds at every visit the work a student still
        # owes (no mark yet): few rows. The predicate names the duty only, not the mark: no index
        # of the table covers a mark's value, so that correcting a mark writes no index entry
        # (on PostgreSQL a heap-only update; tests/test_migrations.py)
        Index("ix_mark_duty", "school_id", "student_id", postgresql_where=text(DUTY), sqlite_where=text(DUTY)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    value_id: Mapped[Optional[int]] = mapped_column(ForeignKey("grade_scale_value.id", ondelete="RESTRICT"))
    is_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[Optional[str]] = mapped_column(String(500))
    # When and by whom the entry was first made (see EntryStamp).
    entered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    assignment: Mapped[Assignment] = relationship(lazy="joined")
    student: Mapped[Student] = relationship(lazy="joined")
    value: Mapped[Optional[GradeScaleValue]] = relationship(lazy="joined")

    def __str__(self) -> str:
        return "•" if self.is_duty and self.value is None else str(self.value or "")


class AttendanceCode(SchoolScoped, Model):
    """A code of the attendance dictionary (Н, Б, УП, НП, ОП, …)."""

    __tablename__ = "attendance_code"
    __table_args__ = (UniqueConstraint("school_id", "code", name="uq_attendance_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(100))
    is_excused: Mapped[bool] = mapped_column(Boolean, default=False)
    # A missed lesson (Н, Б, УП…), not a lateness (ОП): the reports count lessons and days missed by it.
    is_absence: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    order: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.code


class Attendance(SchoolScoped, Model):
    """A student's absence or lateness at a lesson."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("school_id", "lesson_id", "student_id", name="uq_attendance_lesson_student"),
        Index("ix_attendance_school_student", "school_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("attendance_code.id", ondelete="RESTRICT"))
    comment: Mapped[Optional[str]] = mapped_column(String(255))
    # When and by whom the entry was first made (see Mark).
    entered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    lesson: Mapped[Lesson] = relationship(lazy="joined")
    student: Mapped[Student] = relationship(lazy="joined")
    code: Mapped[AttendanceCode] = relationship(lazy="joined")

    def __str__(self) -> str:
        return str(self.code)


class PeriodMark(SchoolScoped, Model):
    """A student's mark for a study period in a subject group."""

    __tablename__ = "period_mark"
    __table_args__ = (
        UniqueConstraint("school_id", "subject_group_id", "student_id", "period_id", name="uq_period_mark"),
        Index("ix_period_mark_school_student", "school_id", "student_id"),
        # the marks of one period (its locks, the journal control, the summary sheet), by group
        Index("ix_period_mark_school_period_group", "school_id", "period_id", "subject_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("study_period.id", ondelete="CASCADE"))
    value_id: Mapped[int] = mapped_column(ForeignKey("grade_scale_value.id", ondelete="RESTRICT"))
    comment: Mapped[Optional[str]] = mapped_column(String(255))

    subject_group: Mapped[SubjectGroup] = relationship()
    student: Mapped[Student] = relationship()
    period: Mapped[StudyPeriod] = relationship()
    value: Mapped[GradeScaleValue] = relationship()

    def __str__(self) -> str:
        return str(self.value)


class FinalMarkKind(LabeledEnum):
    year = Label("Year mark")
    exam = Label("Exam")
    final = Label("Final mark")


class FinalMarkColumn(SchoolScoped, Model):
    """A column of the «Итоговые отметки» tab: the year mark, any number of exams, the final mark."""

    __tablename__ = "final_mark_column"
    __table_args__ = (UniqueConstraint("school_id", "year_id", "name", name="uq_final_mark_column_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FinalMarkKind] = mapped_column(Enum(FinalMarkKind, name="final_mark_kind", native_enum=False, length=10))
    grade_from: Mapped[int] = mapped_column(Integer, default=1)
    grade_to: Mapped[int] = mapped_column(Integer, default=11)
    order: Mapped[int] = mapped_column(Integer, default=0)

    year: Mapped[SchoolYear] = relationship()

    def __str__(self) -> str:
        return self.name


class FinalMark(SchoolScoped, Model):
    __tablename__ = "final_mark"
    __table_args__ = (
        UniqueConstraint("school_id", "subject_group_id", "student_id", "column_id", name="uq_final_mark"),
        Index("ix_final_mark_school_student", "school_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    column_id: Mapped[int] = mapped_column(ForeignKey("final_mark_column.id", ondelete="CASCADE"))
    value_id: Mapped[int] = mapped_column(ForeignKey("grade_scale_value.id", ondelete="RESTRICT"))

    subject_group: Mapped[SubjectGroup] = relationship()
    student: Mapped[Student] = relationship()
    column: Mapped[FinalMarkColumn] = relationship()
    value: Mapped[GradeScaleValue] = relationship()

    def __str__(self) -> str:
        return str(self.value)


class ThematicPlan(SchoolScoped, Model):
    """The calendar-thematic plan (КТП) of a subject group, due by 15 September."""

    __tablename__ = "thematic_plan"
    __table_args__ = (UniqueConstraint("school_id", "subject_group_id", name="uq_thematic_plan_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    approved_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    subject_group: Mapped[SubjectGroup] = relationship()
    topics: Mapped[list["ThematicPlanTopic"]] = relationship(
        back_populates="plan", order_by="ThematicPlanTopic.position", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class ThematicPlanTopic(SchoolScoped, Model):
    __tablename__ = "thematic_plan_topic"
    __table_args__ = (UniqueConstraint("school_id", "plan_id", "position", name="uq_thematic_plan_topic_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("thematic_plan.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    hours: Mapped[float] = mapped_column(Numeric(4, 1), default=1)
    homework: Mapped[Optional[str]] = mapped_column(Text)

    plan: Mapped[ThematicPlan] = relationship(back_populates="topics")

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class JournalUnlock(SchoolScoped, Model):
    """A coordinator's unlock (act 001 §4.11–4.14): the journal of a subject group,
    for entries dated `date_from`–`date_to`, stays editable through `until`."""

    __tablename__ = "journal_unlock"
    __table_args__ = (Index("ix_journal_unlock_school_group", "school_id", "subject_group_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_group_id: Mapped[int] = mapped_column(ForeignKey("subject_group.id", ondelete="CASCADE"))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Closed early by whoever may grant unlocks: from then on the lock applies again.
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    subject_group: Mapped[SubjectGroup] = relationship()
    created_by = relationship("PartaUser", foreign_keys=[created_by_id])
    closed_by = relationship("PartaUser", foreign_keys=[closed_by_id])

    @classmethod
    def in_force(cls):
        """The unlocks that still open their journal (their `until` aside): not closed early."""
        return cls.closed_at.is_(None)

    def __str__(self) -> str:
        return f"{self.subject_group}: {self.date_from:%d.%m.%Y}–{self.date_to:%d.%m.%Y}"
