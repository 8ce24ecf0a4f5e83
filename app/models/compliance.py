"""Records the law asks for: personal-data consents (152-FZ), the audit log of
journal changes, and the log of visits."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import DateTime, Date, Enum, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

from .base import Label, LabeledEnum, Model, SchoolScoped, only_on
from .people import Guardian, Student



class PersonalDataConsent(SchoolScoped, Model):
    """A signed consent to process a student's personal data (act 002's form)."""

    __tablename__ = "personal_data_consent"
    __table_args__ = (Index("ix_personal_data_consent_student", "school_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[Optional[int]] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    signed_by: Mapped[str] = mapped_column(String(255))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    form_version: Mapped[str] = mapped_column(String(30), default="1")
    withdrawn_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    student: Mapped[Student] = relationship()
    guardian: Mapped[Optional[Guardian]] = relationship()

    def __str__(self) -> str:
        return f"{self.student}: {self.signed_on:%d.%m.%Y}"


class AuditLog(SchoolScoped, Model):
    """One changed field: who, when, from where, old → new.

    The school, login, journal and student are named by id. On PostgreSQL without foreign
    keys: its ids are never given again (sequences), so an id names what it named even after
    a deletion, and an audit row is history, not changed by what happens later to what it
    names (a deleted login's entries keep who made them); and the four checks per row were
    half of a journal save's write (`app/pipeline/cells.py`). SQLite gives a new row the
    largest id again once the row holding it is deleted: there the keys stay, and a deletion
    empties the id (the school's: its rows go with it), so that a new student never inherits
    a deleted one's history.

    Its indexes serve the audit page's filters — a school's period, a journal's, a student's
    — and nothing else: every journal save writes each of them once per changed field."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_school_at", "school_id", "at"),
        Index("ix_audit_log_school_group", "school_id", "subject_group_id", "at"),
        Index("ix_audit_log_school_student", "school_id", "student_id", "at"),
        only_on("sqlite", ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE",
                                               name="audit_log_school_id_fkey")),
        only_on("sqlite", ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="SET NULL",
                                               name="audit_log_user_id_fkey")),
        only_on("sqlite", ForeignKeyConstraint(["subject_group_id"], ["subject_group.id"], ondelete="SET NULL",
                                               name="fk_audit_log_subject_group")),
        only_on("sqlite", ForeignKeyConstraint(["student_id"], ["student.id"], ondelete="SET NULL",
                                               name="fk_audit_log_student")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, nullable=False)
    entity: Mapped[str] = mapped_column(String(50))
    row_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[Optional[str]] = mapped_column(String(50))
    old_value: Mapped[Optional[str]] = mapped_column(Text)
    new_value: Mapped[Optional[str]] = mapped_column(Text)
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[Optional[str]] = mapped_column(String(64))
    # What the «Отчёт о доступе к классному журналу» filters by.
    subject_group_id: Mapped[Optional[int]] = mapped_column(Integer)
    student_id: Mapped[Optional[int]] = mapped_column(Integer)
    entry_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    user = relationship("PartaUser")
    subject_group = relationship("SubjectGroup")
    student = relationship("Student")


class VisitEvent(LabeledEnum):
    login = Label("Logged in")
    logout = Label("Logged out")
    failed = Label("Failed login")


class VisitLog(Model):
    """A login, logout or failed attempt; kept for the «Статистика посещений» report."""

    __tablename__ = "visit_log"
    __table_args__ = (Index("ix_visit_log_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    username: Mapped[Optional[str]] = mapped_column(String(128))
    event: Mapped[VisitEvent] = mapped_column(Enum(VisitEvent, name="visit_event", native_enum=False, length=10))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[Optional[str]] = mapped_column(String(64))
    user_agent: Mapped[Optional[str]] = mapped_column(String(500))

    user = relationship("PartaUser")
