"""People: employees, students (health kept apart), guardians and their links."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Date, Enum, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import school_today

from .base import Label, LabeledEnum, Model, SchoolScoped


class Gender(LabeledEnum):
    male = Label("Male")
    female = Label("Female")


def full_name(last: str, first: str, middle: Optional[str] = None) -> str:
    """«Иванова Анна Сергеевна»."""
    return " ".join(p for p in (last, first, middle) if p)


def short_name(last: str, first: str, middle: Optional[str] = None) -> str:
    """«Иванова А. С.», as journals print a name."""
    initials = " ".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


class PersonName:
    """Фамилия, имя, отчество and how Parta prints them."""

    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[Optional[str]] = mapped_column(String(100))

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)

    def __str__(self) -> str:
        return self.full_name


class Position(SchoolScoped, Model):
    """A staff position (должность): учитель, заместитель директора по УВР, …"""

    __tablename__ = "position"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_position_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    is_teaching: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Employee(PersonName, SchoolScoped, Model):
    """A staff member's personal card."""

    __tablename__ = "employee"
    __table_args__ = (
        Index("ix_employee_school_name", "school_id", "last_name", "first_name"),
        UniqueConstraint("school_id", "user_id", name="uq_employee_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    gender: Mapped[Optional[Gender]] = mapped_column(Enum(Gender, name="gender", native_enum=False, length=10))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    email: Mapped[Optional[str]] = mapped_column(String(255))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    education: Mapped[Optional[str]] = mapped_column(String(500))
    qualification_category: Mapped[Optional[str]] = mapped_column(String(100))
    hire_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    leave_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    user = relationship("PartaUser", foreign_keys=[user_id])
    positions: Mapped[list["EmployeePosition"]] = relationship(back_populates="employee", cascade="all, delete-orphan")


class EmployeePosition(SchoolScoped, Model):
    """An employee holds a position at a rate (ставка) from a date."""

    __tablename__ = "employee_position"
    __table_args__ = (Index("ix_employee_position_school", "school_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id", ondelete="RESTRICT"))
    rate: Mapped[Optional[float]] = mapped_column(Numeric(4, 2), default=1)
    start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    employee: Mapped[Employee] = relationship(back_populates="positions")
    position: Mapped[Position] = relationship()

    def __str__(self) -> str:
        return f"{self.employee}: {self.position}"


class Student(PersonName, SchoolScoped, Model):
    """A student's personal card (личное дело)."""

    __tablename__ = "student"
    __table_args__ = (
        Index("ix_student_school_name", "school_id", "last_name", "first_name"),
        UniqueConstraint("school_id", "personal_file_no", name="uq_student_personal_file"),
        UniqueConstraint("school_id", "user_id", name="uq_student_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    personal_file_no: Mapped[str] = mapped_column(String(30))
    gender: Mapped[Optional[Gender]] = mapped_column(Enum(Gender, name="gender", native_enum=False, length=10))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    snils: Mapped[Optional[str]] = mapped_column(String(14))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    email: Mapped[Optional[str]] = mapped_column(String(255))
    arrival_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    leave_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    user = relationship("PartaUser", foreign_keys=[user_id])
    guardian_links: Mapped[list["StudentGuardian"]] = relationship(back_populates="student", cascade="all, delete-orphan")
    enrolments: Mapped[list["Enrolment"]] = relationship(  # noqa: F821
        back_populates="student", cascade="all, delete-orphan", order_by="Enrolment.start_date"
    )

    def class_on(self, day: dt.date):
        """The class the student belongs to on a day, or None."""
        for enrolment in self.enrolments:
            if enrolment.start_date <= day and (enrolment.end_date is None or enrolment.end_date >= day):
                return enrolment.school_class
        return None

    @property
    def current_class(self):
        return self.class_on(school_today())

    consents = relationship("PersonalDataConsent", viewonly=True, order_by="PersonalDataConsent.signed_on")

    @property
    def consent_state(self):
        """The signed and not withdrawn consent (152-FZ), or None."""
        valid = [c for c in self.consents if c.withdrawn_on is None]
        return valid[-1] if valid else None


class StudentHealth(SchoolScoped, Model):
    """Health data, kept apart from the card so that only those entitled read it (152-FZ)."""

    __tablename__ = "student_health"
    __table_args__ = (UniqueConstraint("school_id", "student_id", name="uq_student_health_student"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    health_group: Mapped[Optional[str]] = mapped_column(String(10))
    pe_group: Mapped[Optional[str]] = mapped_column(String(50))
    disability: Mapped[Optional[str]] = mapped_column(String(255))
    notes: Mapped[Optional[str]] = mapped_column(Text)

    student: Mapped[Student] = relationship()

    def __str__(self) -> str:
        return str(self.student)


class Guardian(PersonName, SchoolScoped, Model):
    """A parent or other legal representative (законный представитель)."""

    __tablename__ = "guardian"
    __table_args__ = (
        Index("ix_guardian_school_name", "school_id", "last_name", "first_name"),
        UniqueConstraint("school_id", "user_id", name="uq_guardian_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    email: Mapped[Optional[str]] = mapped_column(String(255))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    workplace: Mapped[Optional[str]] = mapped_column(String(255))

    user = relationship("PartaUser", foreign_keys=[user_id])
    student_links: Mapped[list["StudentGuardian"]] = relationship(back_populates="guardian", cascade="all, delete-orphan")


class Relation(LabeledEnum):
    mother = Label("Mother")
    father = Label("Father")
    guardian = Label("Guardian")
    trustee = Label("Trustee")
    other = Label("Other representative")


class StudentGuardian(SchoolScoped, Model):
    __tablename__ = "student_guardian"
    __table_args__ = (
        UniqueConstraint("school_id", "student_id", "guardian_id", name="uq_student_guardian"),
        Index("ix_student_guardian_guardian", "school_id", "guardian_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    relation: Mapped[Relation] = mapped_column(
        Enum(Relation, name="relation", native_enum=False, length=20), default=Relation.mother
    )

    student: Mapped[Student] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="student_links")

    def __str__(self) -> str:
        return f"{self.guardian} — {self.student}"
