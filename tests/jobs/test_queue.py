"""Background jobs on the task queue (app/jobs.py, app/queue.py), on both of its storages: a
SQLite file and the Redis server on 127.0.0.1:6379. The worker is the real one — `flask --app
run worker` in a process of its own, killed with SIGKILL in the middle of a job — or, where a
test must break a step, the queue's own consumer step (dequeue, execute) in the test's process."""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from app import jobs, queue
from app.clock import utcnow
from app.extensions import db
from app.journal import data
from app.models import DocumentKind, JobKind, JobStatus, ReportJob, School, StoredDocument, WebApiSession
from app.security.scoping import as_school
from tests.conftest import DEMO_PASSWORD, _app_on, _dispose, school_today
from tests.workers import start_worker, stop_worker

STORAGES = ("sqlite", "redis")


def _queue_url(storage: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}" if storage == "sqlite" else "redis://127.0.0.1:6379/0"


@pytest.fixture(params=STORAGES)
def queued_app(request, copy_app, tmp_path):
    """The demo school's copy served with jobs on the queue (not inline), the queue on one
    storage under a name of this test's own."""
    url = copy_app.config["SQLALCHEMY_DATABASE_URI"]
    name = f"parta-test-{uuid.uuid4().hex[:12]}"
    application = _app_on(url, PARTA_JOBS_INLINE=False, PARTA_QUEUE_URL=_queue_url(request.param, tmp_path),
                          PARTA_QUEUE_NAME=name, PARTA_JOB_LEASE=4, PARTA_JOB_RETRIES=1, PARTA_JOB_RETRY_DELAY=0,
                          PARTA_REPORT_WORKERS=1)
    application.config["parta_test_storage"] = request.param
    yield application
    with application.app_context():
        queue.huey(application).storage.flush_all()
        db.session.execute(delete(StoredDocument).where(StoredDocument.kind.in_(
            [DocumentKind.archive_sheets, DocumentKind.archive_journals])))
        db.session.execute(delete(ReportJob))
        db.session.commit()
        db.session.remove()
    _dispose(application)


def _coordinator(application):
    client = application.test_client()
    assert client.post("/login/", data={"username": "coordinator", "password": DEMO_PASSWORD}).status_code == 302
    return client


def _year_and_classes(application, count: int) -> tuple[int, list[int]]:
    with application.app_context():
        school = db.session.scalar(select(School.id).order_by(School.id).limit(1))
        with as_school(school):
            year = data.year_on(db.session, school_today(), school)
            classes = [c.id for c in data.classes_of_year(db.session, year.id)][:count]
        db.session.remove()
    return year.id, classes


def _start_archive(application, classes: int) -> int:
    year, chosen = _year_and_classes(application, classes)
    response = _coordinator(application).post("/reports/archive/start", data={"year": year, "class": chosen})
    assert response.status_code == 302
    return _last_job(application).id


def _last_job(application) -> ReportJob:
    with application.app_context():
        job = db.session.scalar(select(ReportJob).order_by(ReportJob.id.desc()).limit(1))
        db.session.expunge_all()
        db.session.remove()
    return job


def _archive_documents(application, job_id: int) -> int:
    with application.app_context():
        count = db.session.scalar(select(func.count(StoredDocument.id)).where(StoredDocument.job_id == job_id))
        db.session.remove()
    return count


def _wait(application, job_id: int, until, seconds: float, worker=None) -> ReportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _last_job(application)
        assert job.id == job_id
        if until(job):
            return job
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}: {stop_worker(worker)[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"job {job_id} still {job.status.name} ({job.done} of {job.total}) after {seconds} s")


def _consume_one(application, at: dt.datetime | None = None) -> bool:
    """One step of the queue's consumer in this process: the next task due, executed."""
    huey = queue.huey(application)
    task = huey.dequeue()
    if task is None:
        due = huey.read_schedule(at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        if not due:
            return False
        task = due[0]
        for other in due[1:]:
            huey.add_schedule(other)
    try:
        huey.execute(task)
    except Exception:  # noqa: BLE001  the consumer logs and goes on; the job's row tells the test
        pass
    return True


# --- the worker, killed and started again ---------------------------------------------------------

def test_an_archive_whose_worker_is_killed_mid_job_finishes_after_the_worker_starts_again(queued_app, tmp_path):
    job_id = _start_archive(queued_app, classes=4)
    assert _last_job(queued_app).status is JobStatus.queued  # the page only enqueued it
    first = start_worker(queued_app, tmp_path)
    try:
        running = _wait(queued_app, job_id, lambda j: j.status is JobStatus.running and j.done >= 2, 90, first)
        assert running.done < running.total
    finally:
        stop_worker(first)
    killed = _last_job(queued_app)
    assert killed.status is JobStatus.running and killed.done < killed.total  # the dead worker still holds it
    assert _archive_documents(queued_app, job_id) == 0  # nothing half-stored
    second = start_worker(queued_app, tmp_path)
    try:
        done = _wait(queued_app, job_id, lambda j: j.status in (JobStatus.done, JobStatus.failed), 120, second)
    finally:
        stop_worker(second)
    assert (done.status, done.done, done.total, done.attempts) == (JobStatus.done, 8, 8, 2)
    assert done.worker != killed.worker
    assert _archive_documents(queued_app, job_id) == 8
    page = _coordinator(queued_app).get("/reports/archive/").get_data(as_text=True)
    assert page.count(": итоговые и сводные ведомости, ") == 4


# --- retries, cancelling, a lost queue ------------------------------------------------------------

def test_a_failed_attempt_says_it_will_be_tried_again_and_the_next_attempt_finishes_the_job(queued_app, monkeypatch):
    import reports.archive

    render = reports.archive.render_sheets
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("printer jammed")
        return render(*args, **kwargs)

    monkeypatch.setattr(reports.archive, "render_sheets", fails_once)
    job_id = _start_archive(queued_app, classes=1)
    assert _consume_one(queued_app)
    waiting = _last_job(queued_app)
    assert waiting.status is JobStatus.queued and waiting.attempts == 1
    assert "будет повторено" in waiting.message and "попытка 2 из 2" in waiting.message
    assert "printer jammed" not in waiting.message
    status = _coordinator(queued_app).get(f"/reports/archive/status/{job_id}").get_json()
    assert status["status"] == "queued" and "будет повторено" in status["message"]
    assert _consume_one(queued_app, at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=5))
    done = _last_job(queued_app)
    assert (done.status, done.attempts, done.done, done.total, done.message) == (JobStatus.done, 2, 2, 2, None)


def test_a_job_failing_every_attempt_fails_with_a_russian_message_and_stores_nothing(queued_app, monkeypatch):
    import reports.archive

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(reports.archive, "render_journals", broken)
    job_id = _start_archive(queued_app, classes=1)
    _consume_one(queued_app)
    _consume_one(queued_app, at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=5))
    failed = _last_job(queued_app)
    assert (failed.status, failed.attempts) == (JobStatus.failed, 2)
    assert failed.message.startswith("Документы не удалось напечатать")
    assert not _consume_one(queued_app, at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                            + dt.timedelta(minutes=5))  # no third attempt
    assert _archive_documents(queued_app, job_id) == 0
    page = _coordinator(queued_app).get("/reports/archive/").get_data(as_text=True)
    assert "завершилась ошибкой" in page and "renderer down" not in page


def test_cancelling_a_running_archive_stops_it_at_its_next_step_and_stores_nothing(queued_app, monkeypatch):
    import reports.archive

    render = reports.archive.render_sheets
    coordinator = _coordinator(queued_app)
    job_ids = []

    def cancel_while_printing(*args, **kwargs):
        response = coordinator.post(f"/reports/archive/cancel/{job_ids[0]}")
        assert response.status_code == 302
        return render(*args, **kwargs)

    monkeypatch.setattr(reports.archive, "render_sheets", cancel_while_printing)
    job_ids.append(_start_archive(queued_app, classes=2))
    assert _consume_one(queued_app)
    cancelled = _last_job(queued_app)
    assert cancelled.status is JobStatus.cancelled and cancelled.done == 1 and cancelled.message == "Задание отменено."
    assert _archive_documents(queued_app, job_ids[0]) == 0
    assert "была отменена" in coordinator.get("/reports/archive/").get_data(as_text=True)


def test_a_queued_job_cancelled_before_a_worker_takes_it_never_runs(queued_app):
    job_id = _start_archive(queued_app, classes=1)
    assert _coordinator(queued_app).post(f"/reports/archive/cancel/{job_id}").status_code == 302
    assert _last_job(queued_app).status is JobStatus.cancelled
    assert _consume_one(queued_app)  # the task is delivered, and does nothing
    job = _last_job(queued_app)
    assert (job.status, job.attempts, job.done) == (JobStatus.cancelled, 0, 0)


def test_a_teacher_cannot_cancel_the_archive(queued_app):
    job_id = _start_archive(queued_app, classes=1)
    teacher = queued_app.test_client()
    teacher.post("/login/", data={"username": "teacher", "password": DEMO_PASSWORD})
    assert teacher.post(f"/reports/archive/cancel/{job_id}").status_code in (302, 403)
    assert _last_job(queued_app).status is JobStatus.queued


def test_a_job_delivered_twice_runs_once(queued_app):
    job_id = _start_archive(queued_app, classes=1)
    with queued_app.app_context():
        queue.task("run_job", queued_app)(job_id)  # a second delivery, as a recovery racing a live worker may make
    assert _consume_one(queued_app) and _consume_one(queued_app)
    job = _last_job(queued_app)
    assert (job.status, job.attempts) == (JobStatus.done, 1)
    assert _archive_documents(queued_app, job_id) == 2


def test_an_unreachable_queue_fails_the_job_with_a_message_instead_of_the_page(copy_app, tmp_path):
    application = _app_on(copy_app.config["SQLALCHEMY_DATABASE_URI"], PARTA_JOBS_INLINE=False,
                          PARTA_QUEUE_URL="redis://127.0.0.1:1/0", PARTA_QUEUE_NAME="parta-unreachable")
    try:
        job_id = _start_archive(application, classes=1)
        job = _last_job(application)
        assert job.id == job_id and job.status is JobStatus.failed
        assert job.message.startswith("Очередь заданий недоступна")
    finally:
        with application.app_context():
            db.session.execute(delete(ReportJob))
            db.session.commit()
            db.session.remove()
        _dispose(application)


# --- recovery -------------------------------------------------------------------------------------

def test_recovery_queues_again_the_jobs_of_dead_or_silent_workers_and_leaves_live_ones(queued_app):
    import socket

    year, classes = _year_and_classes(queued_app, 1)
    with queued_app.app_context():
        school = db.session.scalar(select(School.id).order_by(School.id).limit(1))
        ids = [jobs.new_job(db.session, JobKind.year_archive, school, year, classes).id for _ in range(4)]
        huey = queue.huey(queued_app)
        now = utcnow()
        here = socket.gethostname()
        states = {ids[0]: (f"{here}:{2 ** 22 + 7}", now),                   # this host, its process gone
                  ids[1]: ("elsewhere:1", now - dt.timedelta(seconds=30)),   # silent longer than the lease
                  ids[2]: ("elsewhere:2", now),                             # alive on another server
                  ids[3]: (f"{here}:{os.getpid()}", now)}                   # alive here
        for job_id, (worker, beat) in states.items():
            db.session.execute(update(ReportJob).where(ReportJob.id == job_id).values(
                status=JobStatus.running, worker=worker, heartbeat_at=beat))
        db.session.commit()
        assert jobs.recover(queued_app) == 2
        rows = dict(db.session.execute(select(ReportJob.id, ReportJob.status).where(ReportJob.id.in_(ids))).all())
        assert rows == {ids[0]: JobStatus.queued, ids[1]: JobStatus.queued,
                        ids[2]: JobStatus.running, ids[3]: JobStatus.running}
        assert huey.pending_count() == 2
        message = db.session.scalar(select(ReportJob.message).where(ReportJob.id == ids[0]))
        assert message.startswith("Исполнитель задания остановился")
        db.session.remove()


# --- schedules and housekeeping ------------------------------------------------------------------

def test_schedules_are_read_in_the_school_s_time_zone(app_ctx):
    morning = jobs.local_crontab("30 6 * * *")
    assert morning(dt.datetime(2026, 12, 8, 3, 30))       # 06:30 in Moscow
    assert not morning(dt.datetime(2026, 12, 8, 6, 30))
    with pytest.raises(ValueError):
        jobs.local_crontab("30 6 * *")


def test_the_worker_runs_the_schedules_it_is_given_and_no_other(copy_app):
    application = _app_on(copy_app.config["SQLALCHEMY_DATABASE_URI"], PARTA_QUEUE_URL="memory://",
                          PARTA_SCHEDULE_SUMMARY_SHEETS="0 7 * * 1-5", PARTA_SCHEDULE_PURGE="")
    def due(*moment) -> set:  # the periodic tasks the worker starts at that minute (UTC)
        return {type(task).__name__ for task in queue.huey(application).read_periodic(dt.datetime(*moment))}

    try:
        with application.app_context():
            assert due(2026, 12, 7, 4, 0) == {"recover_jobs", "form_summary_sheets"}  # Monday 07:00 in Moscow
            assert due(2026, 12, 12, 4, 0) == {"recover_jobs"}                        # Saturday
            assert due(2026, 12, 8, 0, 15) == {"recover_jobs"}                        # 03:15: the purge is off
    finally:
        _dispose(application)


def test_the_nightly_purge_forgets_expired_netschool_sessions_only(app_ctx):
    now = utcnow()
    rows = {"expired": WebApiSession(cookie=uuid.uuid4().hex, token="t1", expires_at=now - dt.timedelta(days=2)),
            "revivable": WebApiSession(cookie=uuid.uuid4().hex, token="t3", expires_at=now - dt.timedelta(minutes=1)),
            "live": WebApiSession(cookie=uuid.uuid4().hex, token="t2", expires_at=now + dt.timedelta(minutes=30)),
            "abandoned": WebApiSession(cookie=uuid.uuid4().hex, created_at=now - dt.timedelta(days=2)),
            "fresh": WebApiSession(cookie=uuid.uuid4().hex, created_at=now)}
    db.session.add_all(rows.values())
    db.session.commit()
    cookies = {name: row.cookie for name, row in rows.items()}
    try:
        assert jobs.purge_expired_sessions() >= 2
        left = set(db.session.scalars(select(WebApiSession.cookie).where(WebApiSession.cookie.in_(cookies.values()))))
        assert left == {cookies["live"], cookies["fresh"], cookies["revivable"]}
    finally:
        db.session.execute(delete(WebApiSession).where(WebApiSession.cookie.in_(cookies.values())))
        db.session.commit()


def test_an_attempt_whose_job_another_worker_took_over_stops_without_writing(queued_app, monkeypatch):
    import reports.archive

    render = reports.archive.render_sheets
    job_ids = []

    def taken_over(*args, **kwargs):  # a recovery elsewhere took this worker for dead and claimed the job
        with queued_app.app_context():
            db.session.execute(update(ReportJob).where(ReportJob.id == job_ids[0]).values(
                worker="elsewhere:1", attempts=ReportJob.attempts + 1, heartbeat_at=utcnow()))
            db.session.commit()
            db.session.remove()
        return render(*args, **kwargs)

    monkeypatch.setattr(reports.archive, "render_sheets", taken_over)
    job_ids.append(_start_archive(queued_app, classes=2))
    assert _consume_one(queued_app)
    job = _last_job(queued_app)
    assert (job.status, job.worker, job.attempts, job.done) == (JobStatus.running, "elsewhere:1", 2, 0)
    assert _archive_documents(queued_app, job_ids[0]) == 0
