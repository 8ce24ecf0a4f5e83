"""Background print jobs: the year-end archive and the summary sheets formed when a
period ends. A job is a row (ReportJob) that a thread of the web process works
through, writing its progress after every step, so that any worker's page can
show the progress bar; rendering goes to a pool of processes (PARTA_REPORT_WORKERS,
two on a two-core server) so that the archive of a school takes a minute, not
several.

With PARTA_JOBS_INLINE (the tests) a job runs to its end inside the request that
started it.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Optional

from flask import Flask, current_app
from flask_babel import gettext
from sqlalchemy import select

from app.clock import school_today, utcnow
from app.extensions import db
from app.models import DocumentKind, JobKind, JobStatus, ReportJob, School, SchoolYear, StoredDocument
from app.security.scoping import as_school

log = logging.getLogger(__name__)

# A job whose thread died with its process (a restart) is stale after this long without progress.
STALE_AFTER = dt.timedelta(minutes=30)



def workers() -> int:
    configured = current_app.config.get("PARTA_REPORT_WORKERS") or os.environ.get("PARTA_REPORT_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def running_job(session, school_id: int, kind: JobKind) -> Optional[ReportJob]:
    """The school's job of this kind still queued or running (a stale one is marked failed)."""
    job = session.scalar(select(ReportJob).where(
        ReportJob.school_id == school_id, ReportJob.kind == kind,
        ReportJob.status.in_([JobStatus.queued, JobStatus.running])).order_by(ReportJob.id.desc()).limit(1))
    if job is not None and (job.started_at or job.created_at) < utcnow() - STALE_AFTER and job.status is JobStatus.running:
        job.status, job.message, job.finished_at = JobStatus.failed, gettext("The job was interrupted."), utcnow()
        session.commit()
        return None
    return job


def start(job: ReportJob) -> None:
    """Runs a committed job: in a thread of this process, or inline (PARTA_JOBS_INLINE)."""
    app = current_app._get_current_object()
    if app.config.get("PARTA_JOBS_INLINE"):
        run(app, job.id)
        return
    threading.Thread(target=run, args=(app, job.id), name=f"parta-job-{job.id}", daemon=True).start()


def run(app: Flask, job_id: int) -> None:
    """Works a job through to its end; a failure is recorded on the job, never raised."""
    with app.app_context():
        session = db.session
        job = session.get(ReportJob, job_id)
        if job is None:
            return
        school_id = job.school_id
        try:
            with as_school(school_id):
                job = session.get(ReportJob, job_id)
                job.status, job.started_at = JobStatus.running, utcnow()
                session.commit()
                if job.kind is JobKind.year_archive:
                    _run_archive(session, job)
                else:
                    _run_summary_sheets(session, job)
                job.status, job.finished_at, job.step = JobStatus.done, utcnow(), None
                session.commit()
        except Exception:  # the job's row says it failed; the log keeps the cause
            log.exception("Report job %s failed", job_id)
            session.rollback()
            with as_school(school_id):
                job = session.get(ReportJob, job_id)
                job.status, job.finished_at = JobStatus.failed, utcnow()
                job.message = gettext("The documents could not be printed. Nothing was stored; try again or tell "
                                      "the administrator.")
                session.commit()
        finally:
            session.remove()


def _progress(session, job: ReportJob, step: str = "", pages: int = 0) -> None:
    job.done += 1
    job.pages += pages
    job.step = step or job.step
    session.commit()


def _run_summary_sheets(session, job: ReportJob) -> None:
    from reports import archive

    school = session.get(School, job.school_id)
    today = school_today()
    due = archive.due_sheets(session, today, job.school_id)
    job.total = len(due)
    session.commit()
    years: dict = {}
    for school_class, period in due:
        year = years.setdefault(school_class.year_id, session.get(SchoolYear, school_class.year_id))
        job.step = f"{school_class.name}: {period.name}"
        document = archive.form_sheet(session, school.full_name, school_class, year.name, f"p{period.id}", today,
                                      automatic=True)
        _progress(session, job, pages=document.pages)


def _run_archive(session, job: ReportJob) -> None:
    from app.journal import data
    from reports import archive

    school = session.get(School, job.school_id)
    year = session.get(SchoolYear, job.year_id)
    classes = data.classes_of_year(session, year.id)
    if job.class_ids:
        classes = [c for c in classes if c.id in job.class_ids]
    job.total = 2 * len(classes)
    session.commit()
    printed: list = []  # stored together at the end: a failed job leaves the earlier archive as it was

    def keep(school_class, kind: DocumentKind, result) -> None:
        content, pages = result
        printed.append((school_class, kind, content, pages))
        _progress(session, job, archive.archive_titles(school_class, year.name)[kind], pages)

    count = workers()
    if count == 1:
        for school_class in classes:
            job.step = school_class.name
            prepared = archive.prepare_class(session, school.full_name, year, school_class)
            keep(school_class, DocumentKind.archive_sheets, archive.render_sheets(prepared.sheets))
            keep(school_class, DocumentKind.archive_journals, archive.render_journals(
                prepared.journals, prepared.school_name, prepared.footer, prepared.labels))
    else:
        # spawn: a clean interpreter per worker, safe beside the web server's threads
        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending = []
            for school_class in classes:
                job.step = school_class.name  # the class being read, until a document of it is printed
                session.commit()
                prepared = archive.prepare_class(session, school.full_name, year, school_class)
                pending.append((school_class, DocumentKind.archive_sheets,
                                pool.submit(archive.render_sheets, prepared.sheets)))
                pending.append((school_class, DocumentKind.archive_journals,
                                pool.submit(archive.render_journals, prepared.journals, prepared.school_name,
                                            prepared.footer, prepared.labels)))
                # count what is ready while the pool works on the rest
                while pending and pending[0][2].done():
                    school_class_done, kind, future = pending.pop(0)
                    keep(school_class_done, kind, future.result())
            for school_class_done, kind, future in pending:
                keep(school_class_done, kind, future.result())
    # the new documents replace the year's earlier ones of the same classes, in one transaction
    done_classes = {c.id for c in classes}
    for old in session.scalars(select(StoredDocument).where(
            StoredDocument.school_id == job.school_id, StoredDocument.year_id == year.id,
            StoredDocument.kind.in_([DocumentKind.archive_sheets, DocumentKind.archive_journals]),
            StoredDocument.class_id.in_(done_classes))):
        session.delete(old)
    for school_class, kind, content, pages in printed:
        name = "sheets" if kind is DocumentKind.archive_sheets else "journals"
        archive.store(session, kind, archive.archive_titles(school_class, year.name)[kind],
                      f"archive-{year.id}-{school_class.id}-{name}.pdf", content, pages, year_id=year.id,
                      class_id=school_class.id, job_id=job.id)
    session.commit()


def new_job(session, kind: JobKind, school_id: int, year_id: Optional[int] = None, class_ids=(),
            user_id: Optional[int] = None) -> ReportJob:
    job = ReportJob(kind=kind, school_id=school_id, year_id=year_id, status=JobStatus.queued, total=0, done=0, pages=0,
                    classes=",".join(str(c) for c in class_ids) or None, created_by_id=user_id, created_at=utcnow())
    session.add(job)
    session.commit()
    return job


def form_due_summary_sheets(session, school_id: int, user_id: Optional[int] = None) -> Optional[ReportJob]:
    """Starts the job forming the summary sheets of the periods that have ended (act 001
    §4.15), unless none is due or one is already running; returns that job."""
    from reports.archive import due_sheets

    running = running_job(session, school_id, JobKind.summary_sheets)
    if running is not None:
        return running
    with as_school(school_id):
        due = due_sheets(session, school_today(), school_id)
    if not due:
        return None
    job = new_job(session, JobKind.summary_sheets, school_id, user_id=user_id)
    start(job)
    return job
