"""Staff personal files (личное дело сотрудника): staff orders, education,
qualification categories and professional development courses of an employee."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import school_today

from .base import Label, LabeledEnum, Model, SchoolScoped
from .people import Employee, EmployeePosition, Position


def _date(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


class StaffOrderKind(LabeledEnum):
    hire = Label("Hire")
    transfer = Label("Transfer to another position")
    dismissal = Label("Dismissal")


class StaffOrder(SchoolScoped, Model):
    """A staff order (кадровый приказ) about one employee; it takes effect when
    saved: a hire opens a position, a transfer moves to another one, a dismissal
    closes them all. Numbered per school and calendar year («К-12»)."""

    __tablename__ = "staff_order"
    __table_args__ = (
        UniqueConstraint("school_id", "calendar_year", "number", name="uq_staff_order_number"),
        Index("ix_staff_order_school_employee", "school_id", "employee_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    kind: Mapped[StaffOrderKind] = mapped_column(Enum(StaffOrderKind, name="staff_order_kind", native_enum=False, length=12))
    calendar_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(30))
    date: Mapped[dt.date] = mapped_column(Date)
    position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("position.id", ondelete="RESTRICT"))
    rate: Mapped[Optional[float]] = mapped_column(Numeric(4, 2))
    from_position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee_position.id", ondelete="SET NULL"))
    opened_position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employee_position.id", ondelete="SET NULL"))
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    article: Mapped[Optional[str]] = mapped_column(String(200))

    employee: Mapped[Employee] = relationship()
    position: Mapped[Optional[Position]] = relationship()
    from_position: Mapped[Optional[EmployeePosition]] = relationship(foreign_keys=[from_position_id])
    opened_position: Mapped[Optional[EmployeePosition]] = relationship(foreign_keys=[opened_position_id])

    def __str__(self) -> str:
        return f"№ {self.number} от {_date(self.date)}"


class EducationLevel(LabeledEnum):
    secondary_general = Label("Secondary general")
    secondary_vocational = Label("Secondary vocational")
    higher_bachelor = Label("Higher: bachelor's degree")
    higher_specialist = Label("Higher: specialist or master's degree")
    higher_postgraduate = Label("Higher: highly qualified personnel")
    retraining = Label("Professional retraining")


class EducationRecord(SchoolScoped, Model):
    """A diploma: level, institution, year, specialty and the qualification it gives."""

    __tablename__ = "education_record"
    __table_args__ = (Index("ix_education_record_school_employee", "school_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    level: Mapped[EducationLevel] = mapped_column(Enum(EducationLevel, name="education_level", native_enum=False, length=20))
    institution: Mapped[str] = mapped_column(String(500))
    graduation_year: Mapped[Optional[int]] = mapped_column(Integer)
    specialty: Mapped[Optional[str]] = mapped_column(String(300))
    qualification: Mapped[Optional[str]] = mapped_column(String(300))
    diploma_number: Mapped[Optional[str]] = mapped_column(String(100))

    employee: Mapped[Employee] = relationship()

    def __str__(self) -> str:
        year = f", {self.graduation_year}" if self.graduation_year else ""
        return f"{self.institution}{year}"


class QualificationCategory(LabeledEnum):
    highest = Label("Highest")
    first = Label("First")
    compliance = Label("Compliance with the position held")
    methodist = Label("Teacher-methodologist")
    mentor = Label("Teacher-mentor")


class Attestation(SchoolScoped, Model):
    """A qualification category assigned by attestation, for a term (usually five years)."""

    __tablename__ = "attestation"
    __table_args__ = (
        Index("ix_attestation_school_employee", "school_id", "employee_id", "assigned_on"),
        Index("ix_attestation_school_valid_until", "school_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    category: Mapped[QualificationCategory] = mapped_column(
        Enum(QualificationCategory, name="qualification_category", native_enum=False, length=20))
    position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("position.id", ondelete="SET NULL"))
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    order_number: Mapped[Optional[str]] = mapped_column(String(100))
    valid_until: Mapped[Optional[dt.date]] = mapped_column(Date)

    employee: Mapped[Employee] = relationship()
    position: Mapped[Optional[Position]] = relationship()

    @property
    def expiry_status(self) -> str:
        """«valid», «expiring» (within six months), «expired» or «unlimited», as of today."""
        from app.rules.staff import category_status

        return category_status(self.valid_until, school_today())

    def __str__(self) -> str:
        return f"{self.category} ({_date(self.assigned_on)})"


class TrainingCourse(SchoolScoped, Model):
    """A professional development course (курсы повышения квалификации) with its certificate."""

    __tablename__ = "training_course"
    __table_args__ = (Index("ix_training_course_school_employee", "school_id", "employee_id", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    program: Mapped[str] = mapped_column(String(500))
    organisation: Mapped[str] = mapped_column(String(300))
    hours: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    certificate_number: Mapped[Optional[str]] = mapped_column(String(100))

    employee: Mapped[Employee] = relationship()

    def __str__(self) -> str:
        return self.program


class MaritalStatus(LabeledEnum):
    """Состояние в браке, as the personal card (форма Т-2, section 9) records it."""

    never_married = Label("Never married")
    married = Label("Married")
    divorced = Label("Divorced")
    widowed = Label("Widowed")


class EmployeePersonalData(SchoolScoped, Model):
    """The personal data a personnel department keeps on the personal card (форма
    Т-2): СНИЛС, ИНН, passport, addresses, marital status and family. Kept apart
    from the employee's card, as students' health data are: only who holds the page
    «Личные данные сотрудников» (the personnel officer, the director) sees them, on
    the page, in the personal file and in its printed card. Education is kept in
    EducationRecord, one row per diploma."""

    __tablename__ = "employee_personal_data"
    __table_args__ = (UniqueConstraint("school_id", "employee_id", name="uq_employee_personal_data_employee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    snils: Mapped[Optional[str]] = mapped_column(String(14))
    inn: Mapped[Optional[str]] = mapped_column(String(12))
    citizenship: Mapped[Optional[str]] = mapped_column(String(100))
    birth_place: Mapped[Optional[str]] = mapped_column(String(300))
    passport_series: Mapped[Optional[str]] = mapped_column(String(5))
    passport_number: Mapped[Optional[str]] = mapped_column(String(6))
    passport_issued_by: Mapped[Optional[str]] = mapped_column(String(300))
    passport_issued_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    passport_division_code: Mapped[Optional[str]] = mapped_column(String(7))
    registration_address: Mapped[Optional[str]] = mapped_column(String(500))
    actual_address: Mapped[Optional[str]] = mapped_column(String(500))
    marital_status: Mapped[Optional[MaritalStatus]] = mapped_column(
        Enum(MaritalStatus, name="marital_status", native_enum=False, length=20))
    family: Mapped[Optional[str]] = mapped_column(Text)

    employee: Mapped[Employee] = relationship()

    @property
    def passport(self) -> str:
        """«45 08 123456, выдан …, 01.02.2010, код подразделения 770-001»."""
        from flask_babel import gettext

        parts = [" ".join(p for p in (self.passport_series, self.passport_number) if p)]
        if self.passport_issued_by:
            parts.append(gettext("issued by %(who)s", who=self.passport_issued_by))
        parts.append(_date(self.passport_issued_on))
        if self.passport_division_code:
            parts.append(gettext("division code %(code)s", code=self.passport_division_code))
        return ", ".join(p for p in parts if p)

    def __str__(self) -> str:
        return str(self.employee) if self.employee else ""
