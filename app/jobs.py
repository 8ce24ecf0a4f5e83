"""Background jobs, run by the task queue's worker (`flask --app run worker`, app/queue.py),
never by a web process: the year-end archive and the summary sheets formed when a period
ends, and the housekeeping on a schedule.

A job a user waits for is a row (ReportJob) that any web worker's page reads for its
progress. The queue carries only the row's id; the row is the truth:

- claim: a worker takes a job with one conditional UPDATE (queued, or running with a stale
  heartbeat), so that a job enqueued twice still runs once;
- heartbeat: while a job runs, a thread beside it writes `heartbeat_at` every quarter of the
  lease (PARTA_JOB_LEASE seconds, 60 by default);
- recovery: at a worker's start and then every minute, a running job whose heartbeat is older
  than the lease, or whose worker on this host is gone, is queued and enqueued again; so is a
  queued job the queue lost (a web process that died between its commit and the enqueue).
  A killed worker's job therefore finishes after the next start, from its beginning: the
  archive stores its documents in one transaction at its end, the summary sheets one by one
  (a sheet formed is not due any more);
- retries: a failed attempt is tried again PARTA_JOB_RETRIES times (2) after
  PARTA_JOB_RETRY_DELAY seconds (30), the row saying so in Russian; then it fails for good;
- cancel: a queued job is cancelled at once, a running one at its next step.

Rendering goes to a pool of processes (PARTA_REPORT_WORKERS, two on a two-core server), so
that the archive of a school takes a minute, not several. With PARTA_JOBS_INLINE (the tests)
a job runs to its end, once, inside the request that submits it.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Optional

from flask import Flask, current_app
from flask_babel import gettext
from huey import crontab
from sqlalchemy import delete, or_, select, update

from app import queue
from app.clock import school_today, school_zone, utcnow
from app.extensions import db
from app.models import (BackupRun, BackupRunKind, DocumentKind, JobKind, JobStatus, ReportJob, School, SchoolYear,
                        StoredDocument, WebApiSession)
from app.security.scoping import as_school

log = logging.getLogger(__name__)

_UNSCOPED = {"parta_unscoped": True}  # the worker's own bookkeeping reads every school's jobs
_JOBS = ReportJob.__table__


class Cancelled(Exception):
    """A user asked to stop the job; it stops at its next step."""


class Lost(Exception):
    """Another worker holds the job now (this one was taken for dead): stop without writing."""


# --- settings -------------------------------------------------------------------------------

def lease(app: Flask) -> dt.timedelta:
    """How long a running job's worker may stay silent before the job is started again."""
    return dt.timedelta(seconds=max(3, int(app.config["PARTA_JOB_LEASE"])))


def retries(app: Flask) -> int:
    return max(0, int(app.config["PARTA_JOB_RETRIES"]))


def retry_delay(app: Flask) -> int:
    return max(0, int(app.config["PARTA_JOB_RETRY_DELAY"]))


def workers() -> int:
    configured = current_app.config.get("PARTA_REPORT_WORKERS") or os.environ.get("PARTA_REPORT_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# The schedules: PARTA_SCHEDULE_<NAME> in the settings (config.py), five crontab fields in the
# school's time zone; an empty one turns a schedule off.


def schedule(app: Flask, name: str) -> Optional[str]:
    return (app.config.get(f"PARTA_SCHEDULE_{name}") or "").strip() or None


def local_crontab(spec: str, zone: Optional[dt.tzinfo] = None):
    """A periodic task's test of a minute: the crontab fields read in the school's time zone
    (the queue keeps UTC; its scheduler thread has no app, so the zone is taken when registered)."""
    zone = zone or school_zone()
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"a schedule needs five crontab fields (minute hour day month weekday), not {spec!r}")
    minute, hour, day, month, weekday = fields
    matches = crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday)

    def validate(timestamp: dt.datetime) -> bool:
        local = timestamp.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
        return matches(local)

    return validate


# --- the tasks ----------------------------------------------------------------------------

def register(huey, app: Flask) -> dict:
    """The tasks of the queue, by name (app/queue.py calls this once per app)."""

    def run_job(job_id: int, task=None) -> None:
        run(app, job_id, queued=True)

    def recover_jobs() -> None:
        with app.app_context():
            mark_worker_seen(huey)
            recover(app)

    # one run at a time however many consumers run the schedules (several servers on one Redis);
    # a worker's start clears them (`flask worker`: flush_locks), so a killed run does not block
    sheets_lock, backup_lock = huey.lock_task("parta-summary-sheets"), huey.lock_task("parta-backup")

    def form_summary_sheets() -> None:
        with sheets_lock, app.app_context():
            form_due_summary_sheets_everywhere()

    def purge_sessions() -> None:
        with app.app_context():
            purge_expired_sessions()

    def nightly_backup() -> None:
        with backup_lock, app.app_context():
            back_up()

    def backup_run(run_id: int) -> None:
        work_backup_run(app, run_id)

    tasks = {"run_job": huey.task(retries=retries(app), retry_delay=retry_delay(app), context=True,
                                  name="run_job")(run_job),
             "recover_jobs": huey.periodic_task(crontab(), name="recover_jobs")(recover_jobs),
             "backup_run": huey.task(name="backup_run")(backup_run)}
    for name, function in (("SUMMARY_SHEETS", form_summary_sheets), ("PURGE", purge_sessions),
                           ("BACKUP", nightly_backup)):
        spec = schedule(app, name)
        if spec:
            with app.app_context():
                zone = school_zone()
            tasks[function.__name__] = huey.periodic_task(local_crontab(spec, zone), name=function.__name__)(function)
    return tasks


WORKER_SEEN = "parta:worker-seen"


def mark_worker_seen(huey) -> None:
    """A worker says it is alive (at its start and every minute): read by GET /health."""
    huey.storage.put_data(WORKER_SEEN, dt.datetime.now(dt.timezone.utc).isoformat().encode())


def worker_seen(huey) -> Optional[dt.datetime]:
    """When a worker of this queue last said it was alive (None: never)."""
    from huey.constants import EmptyData

    value = huey.storage.peek_data(WORKER_SEEN)
    if value is EmptyData or value is None:
        return None
    return dt.datetime.fromisoformat(bytes(value).decode())


def submit(session, job: ReportJob) -> None:
    """Hands a committed job to the worker (or runs it here, PARTA_JOBS_INLINE). A queue that
    cannot be reached fails the job with a message instead of failing the page."""
    app = current_app._get_current_object()
    if app.config.get("PARTA_JOBS_INLINE"):
        run(app, job.id)
        return
    try:
        queue.task("run_job", app)(job.id)
    except Exception:  # the queue's storage (a file, Redis) is unreachable
        log.exception("Job %s could not be enqueued", job.id)
        session.execute(update(_JOBS).where(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.queued)
                        .values(status=JobStatus.failed, finished_at=utcnow(),
                                message=gettext("The task queue is unavailable; the job was not started. "
                                                "Try again later or tell the administrator.")))
        session.commit()


def claim(session, job_id: int, me: str, stale: dt.timedelta) -> bool:
    """Takes the job for this worker: only if it is queued, or running with a heartbeat older
    than `stale` (its worker died). One statement, so two workers never both win."""
    now = utcnow()
    taken = session.execute(
        update(_JOBS).where(_JOBS.c.id == job_id, or_(
            _JOBS.c.status == JobStatus.queued,
            (_JOBS.c.status == JobStatus.running) & (_JOBS.c.heartbeat_at < now - stale)))
        .values(status=JobStatus.running, worker=me, heartbeat_at=now, attempts=_JOBS.c.attempts + 1,
                started_at=now, finished_at=None)).rowcount
    session.commit()
    return taken == 1


class _Heartbeat(threading.Thread):
    """Writes a running job's heartbeat until stopped, on a connection of its own."""

    def __init__(self, app: Flask, job_id: int, me: str, every: float) -> None:
        super().__init__(name=f"parta-job-{job_id}-heartbeat", daemon=True)
        self.app, self.job_id, self.me, self.every = app, job_id, me, every
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.every):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(update(_JOBS).where(
                            _JOBS.c.id == self.job_id, _JOBS.c.worker == self.me,
                            _JOBS.c.status == JobStatus.running).values(heartbeat_at=utcnow()))
                except Exception:  # the next beat tries again; the lease allows for a few misses
                    log.warning("Heartbeat of job %s not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()


def run(app: Flask, job_id: int, queued: bool = False) -> None:
    """Works a job through to its end. A failure is recorded on the job; it is raised again
    only when the queue is to try once more (a job run `queued` with attempts left: the job's
    attempts count, not the queue's message, which recovery may have sent afresh)."""
    from flask import has_request_context

    inline = bool(app.config.get("PARTA_JOBS_INLINE")) and has_request_context()
    with app.app_context():
        session = db.session
        me = worker_name()
        beat = None
        try:
            if not claim(session, job_id, me, lease(app)):
                return  # done, cancelled, or running in a live worker: a second delivery
            school_id, mine = session.execute(select(ReportJob.school_id, ReportJob.attempts)
                                              .where(ReportJob.id == job_id), execution_options=_UNSCOPED).one()
            retries_left = max(0, retries(app) + 1 - mine) if queued else 0
            if not inline:  # a worker's job, or a command's (another worker may look at it meanwhile)
                beat = _Heartbeat(app, job_id, me, lease(app).total_seconds() / 4)
                beat.start()
            with as_school(school_id):
                job = session.get(ReportJob, job_id)
                job.parta_fence = (me, mine)
                try:
                    if job.kind is JobKind.year_archive:
                        _run_archive(session, job)
                    else:
                        _run_summary_sheets(session, job)
                    _still_mine(session, job)
                    job.status, job.finished_at, job.step, job.message = JobStatus.done, utcnow(), None, None
                    session.commit()
                except Lost:
                    session.rollback()
                    log.warning("Job %s is held by another worker now; this attempt stops", job_id)
                except Cancelled:
                    session.rollback()
                    _finish(session, job_id, JobStatus.cancelled, gettext("The job was cancelled."), (me, mine))
                except Exception:  # the job's row says it failed; the log keeps the cause
                    log.exception("Job %s failed (attempt with %s retries left)", job_id, retries_left)
                    session.rollback()
                    if retries_left > 0:
                        if _finish(session, job_id, JobStatus.queued, gettext(
                                "The attempt failed; the job will be tried again in %(seconds)s s "
                                "(attempt %(next)s of %(total)s).", seconds=retry_delay(app), next=mine + 1,
                                total=mine + retries_left), (me, mine)):
                            raise
                        return
                    _finish(session, job_id, JobStatus.failed, gettext(
                        "The documents could not be printed. Nothing was stored; try again or tell "
                        "the administrator.") if job.kind is JobKind.year_archive else gettext(
                        "The job failed; what was done before the failure is kept. Try again or tell the "
                        "administrator."), (me, mine))
        finally:
            if beat is not None:
                beat.stop()
            session.remove()


def _finish(session, job_id: int, status: JobStatus, message: str, fence: Optional[tuple] = None) -> bool:
    """Ends an attempt; with a fence (worker, attempt) only while that attempt still holds the
    job. Returns whether the row was written."""
    values = {"status": status, "message": message, "heartbeat_at": utcnow()}
    if status is not JobStatus.queued:
        values["finished_at"] = utcnow()
    query = update(_JOBS).where(_JOBS.c.id == job_id)
    if fence is not None:
        query = query.where(_JOBS.c.worker == fence[0], _JOBS.c.attempts == fence[1])
    written = session.execute(query.values(**values)).rowcount
    session.commit()
    return written == 1


def _still_mine(session, job: ReportJob) -> None:
    """Raises Lost when another attempt holds the job (a recovery took this one for dead)."""
    me, mine = job.parta_fence
    with session.no_autoflush:
        holder = session.execute(select(ReportJob.worker, ReportJob.attempts).where(ReportJob.id == job.id)).one()
    if tuple(holder) != (me, mine):
        raise Lost()


def cancel(session, job: ReportJob) -> None:
    """Cancels a queued job at once and asks a running one to stop at its next step."""
    session.execute(update(_JOBS).where(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.queued)
                    .values(status=JobStatus.cancelled, finished_at=utcnow(),
                            message=gettext("The job was cancelled.")))
    session.execute(update(_JOBS).where(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.running)
                    .values(cancel_requested=True))
    # a running job whose worker fell silent ends now: no worker would read the request
    session.execute(update(_JOBS).where(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.running,
                                        _JOBS.c.heartbeat_at < utcnow() - lease(current_app))
                    .values(status=JobStatus.cancelled, finished_at=utcnow(), message=gettext("The job was cancelled.")))
    session.commit()


def _alive_here(worker: Optional[str]) -> bool:
    """Whether a worker named host:pid could still be running: always, unless it was on this
    host and its process is gone."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(pid) != 0


def recover(app: Flask, starting: bool = False) -> int:
    """Queues again the jobs a dead worker left and the queued ones the queue lost; returns
    how many were enqueued. A worker `starting` also takes back the jobs held under its own
    name: an earlier process of the same host and pid (a container restarted) held them."""
    session = db.session
    now, stale = utcnow(), lease(app)
    lost_after = stale + dt.timedelta(seconds=retry_delay(app))
    rows = session.execute(select(ReportJob.id, ReportJob.status, ReportJob.worker, ReportJob.heartbeat_at,
                                  ReportJob.created_at)
                           .where(ReportJob.status.in_([JobStatus.queued, JobStatus.running])),
                           execution_options=_UNSCOPED).all()
    again = []
    for job_id, status, worker, heartbeat, created in rows:
        seen = heartbeat or created
        if status is JobStatus.running and (seen < now - stale or not _alive_here(worker)
                                            or (starting and worker == worker_name())):
            moved = session.execute(update(_JOBS).where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.running,
                                                        _JOBS.c.worker == worker)
                                    .values(status=JobStatus.queued, heartbeat_at=now, message=gettext(
                                        "The worker running the job stopped; the job was started again."))).rowcount
            if moved:
                again.append(job_id)
        elif status is JobStatus.queued and seen < now - lost_after:
            session.execute(update(_JOBS).where(_JOBS.c.id == job_id).values(heartbeat_at=now))
            again.append(job_id)
    if starting:  # a backup or verification cut off with its worker is not taken up: it is started again by hand
        for run_id, worker in session.execute(select(BackupRun.id, BackupRun.worker)
                                              .where(BackupRun.status == JobStatus.running)).all():
            if worker == worker_name() or not _alive_here(worker):
                _end_backup_run(session, run_id, JobStatus.failed, gettext(
                    "The worker stopped before the end; nothing was kept. Start it again."))
    session.commit()
    for job_id in again:
        log.warning("Job %s enqueued again", job_id)
        queue.task("run_job", app)(job_id)
    return len(again)


def purge_expired_sessions() -> int:
    """Forgets NetSchool API sessions that ended or were never signed into within a day."""
    from app.security.webapi import forgotten_sessions

    gone = db.session.execute(delete(WebApiSession).where(forgotten_sessions(utcnow())),
                              execution_options=_UNSCOPED).rowcount
    db.session.commit()
    return gone


def back_up(progress=None):
    """A backup of the whole database into PARTA_BACKUP_DIR, then the retention
    (PARTA_BACKUP_KEEP: the newest daily, weekly, monthly ones kept); returns the manifest."""
    from pathlib import Path

    from app import backup

    app = current_app._get_current_object()
    directory = Path(app.config["PARTA_BACKUP_DIR"])
    manifest = backup.create(db.engine, directory, app.config.get("PARTA_BACKUP_KEY"), progress)
    daily, weekly, monthly = (int(n) for n in str(app.config.get("PARTA_BACKUP_KEEP") or "7,4,12").split(","))
    for gone in backup.prune(directory, daily, weekly, monthly):
        log.info("Backup %s deleted by the retention", gone)
    log.info("Backup %s: %s tables, %s rows, %s bytes", manifest.file, len(manifest.tables), manifest.rows,
             manifest.size)
    return manifest


def start_backup_run(session, kind: BackupRunKind, file: Optional[str] = None,
                     user_id: Optional[int] = None) -> BackupRun:
    """A backup made now, or a backup verified, by the worker (inline: here)."""
    run_row = BackupRun(kind=kind, file=file, status=JobStatus.queued, done=0, total=0, created_by_id=user_id,
                        created_at=utcnow())
    session.add(run_row)
    session.commit()
    app = current_app._get_current_object()
    if app.config.get("PARTA_JOBS_INLINE"):
        work_backup_run(app, run_row.id)
        return run_row
    try:
        queue.task("backup_run", app)(run_row.id)
    except Exception:  # the queue's storage is unreachable
        log.exception("Backup run %s could not be enqueued", run_row.id)
        _end_backup_run(session, run_row.id, JobStatus.failed, gettext(
            "The task queue is unavailable; the job was not started. Try again later or tell the administrator."))
    return run_row


def _end_backup_run(session, run_id: int, status: JobStatus, message: Optional[str], **values) -> None:
    session.execute(update(BackupRun).where(BackupRun.id == run_id).values(
        status=status, message=message, finished_at=utcnow(), step=None, **values))
    session.commit()


def work_backup_run(app: Flask, run_id: int) -> None:
    """Makes or verifies a backup, writing its progress table by table."""
    from pathlib import Path

    from sqlalchemy import inspect

    from app import backup

    with app.app_context():
        session = db.session
        try:
            taken = session.execute(update(BackupRun).where(BackupRun.id == run_id, BackupRun.status == JobStatus.queued)
                                    .values(status=JobStatus.running, worker=worker_name(),
                                            total=len(inspect(db.engine).get_table_names()) + 1)).rowcount
            session.commit()
            if taken != 1:
                return
            row = session.get(BackupRun, run_id)

            def progress(step: str) -> None:
                session.execute(update(BackupRun).where(BackupRun.id == run_id)
                                .values(step=step[:255], done=BackupRun.done + 1))
                session.commit()

            directory = Path(app.config["PARTA_BACKUP_DIR"])
            try:
                if row.kind is BackupRunKind.create:
                    manifest = back_up(progress)
                    _end_backup_run(session, run_id, JobStatus.done, gettext(
                        "Tables: %(tables)s, rows: %(rows)s.", tables=len(manifest.tables), rows=manifest.rows),
                        file=manifest.file)
                else:
                    done = backup.verify(directory / Path(row.file).name, db.engine,
                                         app.config.get("PARTA_BACKUP_KEY"), progress)
                    if done.ok:
                        _end_backup_run(session, run_id, JobStatus.done, gettext(
                            "Restored into a scratch database: tables %(tables)s, rows %(rows)s — all as in the "
                            "manifest.", tables=done.tables, rows=done.rows))
                    else:
                        _end_backup_run(session, run_id, JobStatus.failed, gettext(
                            "The restored database differs from the manifest in: %(tables)s.",
                            tables=", ".join(name for name, _, _ in done.differences)))
            except backup.BackupError as error:
                session.rollback()
                _end_backup_run(session, run_id, JobStatus.failed, str(error))
        except Exception:
            log.exception("Backup run %s failed", run_id)
            session.rollback()
            _end_backup_run(session, run_id, JobStatus.failed, gettext(
                "The backup could not be made; the server's log keeps the cause. Tell the administrator."))
        finally:
            session.remove()


# --- the work -------------------------------------------------------------------------------

def _progress(session, job: ReportJob, step: str = "", pages: int = 0) -> None:
    _still_mine(session, job)
    job.done += 1
    job.pages += pages
    job.step = step or job.step
    session.commit()
    if session.scalar(select(ReportJob.cancel_requested).where(ReportJob.id == job.id)):
        raise Cancelled()


def _run_summary_sheets(session, job: ReportJob) -> None:
    from reports import archive

    school = session.get(School, job.school_id)
    today = school_today()
    due = archive.due_sheets(session, today, job.school_id)
    job.total = job.done + len(due)  # an attempt after an interruption goes on from the sheets formed
    session.commit()
    years: dict = {}
    for school_class, period in due:
        year = years.setdefault(school_class.year_id, session.get(SchoolYear, school_class.year_id))
        job.step = f"{school_class.name}: {period.name}"
        session.commit()  # not held while the sheet prints: SQLite would keep its write lock meanwhile
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
    job.total, job.done, job.pages = 2 * len(classes), 0, 0  # an attempt starts the archive again
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
            session.commit()  # not held while the class prints: a cancel writes this row meanwhile
            prepared = archive.prepare_class(session, school.full_name, year, school_class)
            keep(school_class, DocumentKind.archive_sheets, archive.render_sheets(prepared.sheets))
            keep(school_class, DocumentKind.archive_journals, archive.render_journals(
                prepared.journals, prepared.school_name, prepared.footer, prepared.labels))
    else:
        # spawn: a clean interpreter per worker, safe beside the worker's threads
        pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))
        try:
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
        except BaseException:  # cancelled or failed: the documents not yet printed are not waited for
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    _still_mine(session, job)
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


# --- starting jobs ----------------------------------------------------------------------------

def running_job(session, school_id: int, kind: JobKind) -> Optional[ReportJob]:
    """The school's job of this kind still queued or running."""
    return session.scalar(select(ReportJob).where(
        ReportJob.school_id == school_id, ReportJob.kind == kind,
        ReportJob.status.in_([JobStatus.queued, JobStatus.running])).order_by(ReportJob.id.desc()).limit(1))


def new_job(session, kind: JobKind, school_id: int, year_id: Optional[int] = None, class_ids=(),
            user_id: Optional[int] = None) -> ReportJob:
    job = ReportJob(kind=kind, school_id=school_id, year_id=year_id, status=JobStatus.queued, total=0, done=0, pages=0,
                    classes=",".join(str(c) for c in class_ids) or None, created_by_id=user_id, created_at=utcnow())
    session.add(job)
    session.commit()
    return job


def form_due_summary_sheets(session, school_id: int, user_id: Optional[int] = None) -> Optional[ReportJob]:
    """Starts the job forming the summary sheets of the periods that have ended (act 001
    §4.15), unless none is due or one is already waiting or running; returns that job."""
    from reports.archive import due_sheets

    # two first visits at once start one job: the school's row is locked until the job is committed
    # (PostgreSQL; SQLite's writers queue anyway)
    session.execute(select(School.id).where(School.id == school_id).with_for_update(), execution_options=_UNSCOPED)
    running = running_job(session, school_id, JobKind.summary_sheets)
    if running is not None:
        session.commit()
        return running
    with as_school(school_id):
        due = due_sheets(session, school_today(), school_id)
    if not due:
        session.commit()
        return None
    job = new_job(session, JobKind.summary_sheets, school_id, user_id=user_id)
    submit(session, job)
    return job


def form_due_summary_sheets_everywhere() -> list[ReportJob]:
    """The schedule's run: a summary-sheet job for each school with sheets due."""
    session = db.session
    started = []
    for school_id in session.scalars(select(School.id).order_by(School.id), execution_options=_UNSCOPED).all():
        with as_school(school_id):
            job = form_due_summary_sheets(session, school_id)
        if job is not None:
            started.append(job)
    return started
