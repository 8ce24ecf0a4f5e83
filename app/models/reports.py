"""Stored documents and the background jobs that make them: the summary sheets formed
when a study period ends (act 001 §4.15) and the year-end archive of final and
summary sheets and journal printouts (act 001 §4.18, kept 75 years)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.clock import utcnow

from .base import Label, LabeledEnum, Model, SchoolScoped
from .org import SchoolYear, StudyPeriod
from .teaching import SchoolClass



class JobKind(LabeledEnum):
    year_archive = Label("Year-end archive")
    summary_sheets = Label("Summary sheets at the end of a period")


class JobStatus(LabeledEnum):
    queued = Label("Queued")
    running = Label("Running")
    done = Label("Done")
    failed = Label("Failed")
    cancelled = Label("Job cancelled")


class Progress:
    """A background job's share done: steps `done` of `total`, per cent."""

    @property
    def progress(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status is JobStatus.done else 0)


class ReportJob(Progress, SchoolScoped, Model):
    """A job the task queue's worker runs (app/jobs.py), with its progress (steps done of
    total) and what the worker holding it last said: the worker's name and heartbeat (a
    job whose heartbeat stops is started again), the attempts made, a cancellation asked."""

    __tablename__ = "report_job"
    __table_args__ = (Index("ix_report_job_school_kind", "school_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(Enum(JobKind, name="job_kind", native_enum=False, length=20))
    year_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(Enum(JobStatus, name="job_status", native_enum=False, length=10),
                                              default=JobStatus.queued)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[Optional[str]] = mapped_column(String(255))       # what is being printed now
    message: Mapped[Optional[str]] = mapped_column(Text)           # why it failed
    pages: Mapped[int] = mapped_column(Integer, default=0)
    classes: Mapped[Optional[str]] = mapped_column(String(2000))   # class ids, comma-separated; empty: all
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[Optional[str]] = mapped_column(String(100))     # host:pid of the worker holding it
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    year: Mapped[Optional[SchoolYear]] = relationship()
    created_by = relationship("PartaUser")

    @property
    def class_ids(self) -> list:
        return [int(part) for part in (self.classes or "").split(",") if part.strip().isdigit()]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%d.%m.%Y %H:%M}"


class DocumentKind(LabeledEnum):
    summary_sheet = Label("Summary sheet")
    archive_sheets = Label("Final and summary sheets")
    archive_journals = Label("Journal printouts")


class StoredDocument(SchoolScoped, Model):
    """A PDF kept as it was printed, with its SHA-256: a downloaded copy can be checked
    against the stored checksum."""

    __tablename__ = "stored_document"
    __table_args__ = (
        Index("ix_stored_document_school_class", "school_id", "kind", "class_id"),
        Index("ix_stored_document_school_job", "school_id", "job_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(Enum(DocumentKind, name="document_kind", native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    year_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    period_id: Mapped[Optional[int]] = mapped_column(ForeignKey("study_period.id", ondelete="CASCADE"))
    column_key: Mapped[Optional[str]] = mapped_column(String(20))   # the sheet's column: p<period id>, f<column id>
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("report_job.id", ondelete="CASCADE"))
    is_automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    school_class: Mapped[Optional[SchoolClass]] = relationship()
    period: Mapped[Optional[StudyPeriod]] = relationship()
    job: Mapped[Optional[ReportJob]] = relationship()
    created_by = relationship("PartaUser")

    def __str__(self) -> str:
        return self.title


class BackupRunKind(LabeledEnum):
    create = Label("Backup")
    verify = Label("Verification of a backup")


class BackupRun(Progress, Model):
    """A backup made, or verified by a restore into a scratch database, by the worker for the
    system administrator's page «Резервные копии» (app/backup.py): the installation's, no
    school's."""

    __tablename__ = "backup_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BackupRunKind] = mapped_column(Enum(BackupRunKind, name="backup_run_kind", native_enum=False,
                                                     length=10))
    file: Mapped[Optional[str]] = mapped_column(String(200))       # the backup made or verified
    status: Mapped[JobStatus] = mapped_column(Enum(JobStatus, name="job_status", native_enum=False, length=10),
                                              default=JobStatus.queued)
    step: Mapped[Optional[str]] = mapped_column(String(255))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[Optional[str]] = mapped_column(Text)
    worker: Mapped[Optional[str]] = mapped_column(String(100))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
