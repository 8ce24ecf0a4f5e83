"""«Фоновые задания» (app/views/background.py): the school's jobs with their progress, attempts and
errors; who may start the archive cancels one; another school's jobs are neither listed nor
cancelled."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app import jobs
from app.extensions import db
from app.models import JobKind, JobStatus, ReportJob, School
from tests.conftest import DEMO_PASSWORD


def _client(application, username: str):
    client = application.test_client()
    assert client.post("/login/", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.fixture()
def school_jobs(copy_app):
    """A failed job and a queued one of the demo school, a queued one of another school."""
    with copy_app.app_context():
        demo = db.session.scalar(select(School.id).order_by(School.id).limit(1))
        other = School(full_name="Школа другого сегмента", short_name="Другая школа")
        db.session.add(other)
        db.session.commit()
        failed = jobs.new_job(db.session, JobKind.year_archive, demo)
        failed.status, failed.attempts, failed.message = JobStatus.failed, 3, "Документы не удалось напечатать."
        waiting = jobs.new_job(db.session, JobKind.summary_sheets, demo)
        foreign = jobs.new_job(db.session, JobKind.summary_sheets, other.id)
        db.session.commit()
        ids = {"failed": failed.id, "waiting": waiting.id, "foreign": foreign.id, "other": other.id}
        db.session.remove()
    yield ids
    with copy_app.app_context():
        db.session.execute(delete(ReportJob).where(ReportJob.id.in_([ids["failed"], ids["waiting"], ids["foreign"]])))
        db.session.execute(delete(School).where(School.id == ids["other"]))
        db.session.commit()
        db.session.remove()


def _status(application, job_id: int) -> JobStatus:
    with application.app_context():
        status = db.session.scalar(select(ReportJob.status).where(ReportJob.id == job_id))
        db.session.remove()
    return status


def test_the_coordinator_sees_the_school_s_jobs_and_cancels_a_waiting_one(copy_app, school_jobs):
    coordinator = _client(copy_app, "coordinator")
    page = coordinator.get("/jobs/").get_data(as_text=True)
    assert f'id="job-{school_jobs["failed"]}"' in page and f'id="job-{school_jobs["waiting"]}"' in page
    assert f'id="job-{school_jobs["foreign"]}"' not in page
    assert "Документы не удалось напечатать." in page and "В очереди" in page and "Ошибка" in page
    answer = coordinator.post(f"/jobs/cancel/{school_jobs['waiting']}", follow_redirects=True).get_data(as_text=True)
    assert "Задание отменяется." in answer
    assert _status(copy_app, school_jobs["waiting"]) is JobStatus.cancelled


def test_another_school_s_job_cannot_be_cancelled(copy_app, school_jobs):
    assert _client(copy_app, "coordinator").post(f"/jobs/cancel/{school_jobs['foreign']}").status_code == 404
    assert _status(copy_app, school_jobs["foreign"]) is JobStatus.queued


def test_the_director_reads_the_jobs_but_cannot_cancel_and_a_teacher_cannot_open_them(copy_app, school_jobs):
    director = _client(copy_app, "director")
    page = director.get("/jobs/").get_data(as_text=True)
    assert f'id="job-{school_jobs["waiting"]}"' in page and "job-cancel" not in page
    assert director.post(f"/jobs/cancel/{school_jobs['waiting']}").status_code in (302, 403)
    assert _status(copy_app, school_jobs["waiting"]) is JobStatus.queued
    assert _client(copy_app, "teacher").get("/jobs/").status_code in (302, 403)
