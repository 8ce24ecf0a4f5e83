"""The school and its calendar: municipality, school, years, periods, holidays,
rooms, bells and subjects."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Label, LabeledEnum, Model, SchoolScoped


def _date(d: Optional[dt.date]) -> str:
    return d.strftime("%d.%m.%Y") if d else ""


class Municipality(Model):
    """A municipal education department; its schools share one database."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    region: Mapped[Optional[str]] = mapped_column(String(255))

    schools: Mapped[list["School"]] = relationship(back_populates="municipality")

    def __str__(self) -> str:
        return self.name


class SchoolKind(LabeledEnum):
    general = Label("General school")
    kindergarten = Label("Kindergarten")
    additional = Label("Additional education")


class School(Model):
    """A school's card, with the fields of a NetSchool school card."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[SchoolKind] = mapped_column(
        Enum(SchoolKind, name="school_kind", native_enum=False, length=20), default=SchoolKind.general
    )
    full_name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(255), unique=True)
    inn: Mapped[Optional[str]] = mapped_column(String(12))
    juridical_address: Mapped[Optional[str]] = mapped_column(String(500))
    postal_address: Mapped[Optional[str]] = mapped_column(String(500))
    email: Mapped[Optional[str]] = mapped_column(String(255))
    website: Mapped[Optional[str]] = mapped_column(String(255))
    phones: Mapped[Optional[str]] = mapped_column(String(255))
    director: Mapped[Optional[str]] = mapped_column(String(255))
    deputy_uvr: Mapped[Optional[str]] = mapped_column(String(255))
    deputy_ahc: Mapped[Optional[str]] = mapped_column(String(255))
    deputy_it: Mapped[Optional[str]] = mapped_column(String(255))
    about: Mapped[Optional[str]] = mapped_column(Text)
    # Journal settings (act 001 §4.9, §4.11–4.14); the defaults are the act's.
    lock_mark_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    lock_attendance_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    lock_control_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    lock_period_mark_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    lock_final_mark_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    period_mark_due_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    threshold_5: Mapped[float] = mapped_column(Numeric(3, 2), default=4.5, server_default="4.5")
    threshold_4: Mapped[float] = mapped_column(Numeric(3, 2), default=3.5, server_default="3.5")
    threshold_3: Mapped[float] = mapped_column(Numeric(3, 2), default=2.5, server_default="2.5")
    # The NetSchool-compatible web API for existing apps and bots (/webapi/): off unless switched on.
    webapi_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    municipality: Mapped[Optional[Municipality]] = relationship(back_populates="schools")

    # the columns of the journal's settings, for a read that needs no more of the school's card
    LOCK_COLUMNS = ("lock_mark_days", "lock_attendance_days", "lock_control_days", "lock_period_mark_days",
                    "lock_final_mark_days", "period_mark_due_days")
    THRESHOLD_COLUMNS = ("threshold_5", "threshold_4", "threshold_3")

    @property
    def lock_settings(self):
        """The school's day counts for app.rules.locks."""
        return self.lock_settings_of(*(getattr(self, name) for name in self.LOCK_COLUMNS))

    @property
    def thresholds(self) -> tuple:
        """The minimum averages for «5», «4» and «3», for app.rules.grading."""
        return self.thresholds_of(*(getattr(self, name) for name in self.THRESHOLD_COLUMNS))

    @staticmethod
    def lock_settings_of(mark, attendance, control, period_mark, final_mark, period_mark_due):
        """lock_settings from the values of LOCK_COLUMNS."""
        from app.rules.locks import LockSettings

        return LockSettings(mark=mark, attendance=attendance, control=control, period_mark=period_mark,
                            final_mark=final_mark, period_mark_due=period_mark_due)

    @staticmethod
    def thresholds_of(*values) -> tuple:
        """thresholds from the values of THRESHOLD_COLUMNS."""
        return tuple(float(v) if v is not None else None for v in values)

    def __str__(self) -> str:
        return self.short_name


class SchoolYear(SchoolScoped, Model):
    """A school year, e.g. 2026/2027; it exists before 1 September (act 001 §4.4)."""

    __tablename__ = "school_year"
    __table_args__ = (
        UniqueConstraint("school_id", "name", name="uq_school_year_name"),
        Index("ix_school_year_school", "school_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)

    periods: Mapped[list["StudyPeriod"]] = relationship(back_populates="year", order_by="StudyPeriod.start_date")

    def __str__(self) -> str:
        return self.name


class PeriodType(SchoolScoped, Model):
    """Четверть, триместр, полугодие, год, or a school's own kind of period."""

    __tablename__ = "period_type"
    __table_args__ = (
        UniqueConstraint("school_id", "name", name="uq_period_type_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    periods_per_year: Mapped[int] = mapped_column(Integer, default=1)
    is_year: Mapped[bool] = mapped_column(Boolean, default=False)

    def __str__(self) -> str:
        return self.name


class StudyPeriod(SchoolScoped, Model):
    """One study period (e.g. «1 четверть») of a year, for a range of grades."""

    __tablename__ = "study_period"
    __table_args__ = (
        Index("ix_study_period_school", "school_id", "year_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    period_type_id: Mapped[int] = mapped_column(ForeignKey("period_type.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    grade_from: Mapped[int] = mapped_column(Integer, default=1)
    grade_to: Mapped[int] = mapped_column(Integer, default=11)

    year: Mapped[SchoolYear] = relationship(back_populates="periods")
    period_type: Mapped[PeriodType] = relationship()

    def __str__(self) -> str:
        return f"{self.name} ({_date(self.start_date)}–{_date(self.end_date)})"


class HolidaySet(SchoolScoped, Model):
    """A set of holidays (каникулы) assigned to classes, e.g. an extra week for 1st grade."""

    __tablename__ = "holiday_set"
    __table_args__ = (UniqueConstraint("school_id", "year_id", "name", name="uq_holiday_set_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    year: Mapped[SchoolYear] = relationship()
    holidays: Mapped[list["Holiday"]] = relationship(back_populates="holiday_set", order_by="Holiday.start_date")

    def __str__(self) -> str:
        return self.name


class Holiday(SchoolScoped, Model):
    """Days without lessons: vacations and public holidays."""

    __tablename__ = "holiday"
    __table_args__ = (Index("ix_holiday_school", "school_id", "holiday_set_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holiday_set_id: Mapped[int] = mapped_column(ForeignKey("holiday_set.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)

    holiday_set: Mapped[HolidaySet] = relationship(back_populates="holidays")

    def __str__(self) -> str:
        return f"{self.name} ({_date(self.start_date)}–{_date(self.end_date)})"


class Room(SchoolScoped, Model):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_room_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    floor: Mapped[Optional[int]] = mapped_column(Integer)
    capacity: Mapped[Optional[int]] = mapped_column(Integer)
    note: Mapped[Optional[str]] = mapped_column(String(255))

    def __str__(self) -> str:
        return self.name


class BellSchedule(SchoolScoped, Model):
    """A bell schedule (расписание звонков); a school may keep several (shifts, Saturdays)."""

    __tablename__ = "bell_schedule"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_bell_schedule_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    bells: Mapped[list["Bell"]] = relationship(back_populates="bell_schedule", order_by="Bell.lesson_number")

    def __str__(self) -> str:
        return self.name


class Bell(SchoolScoped, Model):
    """The start and end of one lesson number."""

    __tablename__ = "bell"
    __table_args__ = (
        UniqueConstraint("school_id", "bell_schedule_id", "lesson_number", name="uq_bell_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bell_schedule_id: Mapped[int] = mapped_column(ForeignKey("bell_schedule.id", ondelete="CASCADE"))
    lesson_number: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)

    bell_schedule: Mapped[BellSchedule] = relationship(back_populates="bells")

    def __str__(self) -> str:
        return f"{self.lesson_number}: {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Subject(SchoolScoped, Model):
    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_subject_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    short_name: Mapped[Optional[str]] = mapped_column(String(30))
    subject_area: Mapped[Optional[str]] = mapped_column(String(150))
    order: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.name
