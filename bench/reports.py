"""Benchmark: printing reports.

  archive        — the year-end archive of the demo school (every class: final and
                   summary sheets, journal printouts), the background job as the page
                   starts it, with PARTA_REPORT_WORKERS processes (default 2);
                   {"name": "archive", "total_s", "classes", "documents", "pages", "workers"}
  summary_sheet  — the summary sheet PDF of a class of 30 students × 15 subjects, one
                   period, as the download request serves it (logged in as the demo
                   coordinator); {"name": "summary_sheet", "p50_s", "p95_s", "runs", "pdf"}

Run: .venv/bin/python bench/reports.py  (PARTA_BENCH_DATABASE_URL picks another database;
the default is a fresh SQLite file; PARTA_BENCH_RUNS the runs of the sheet).
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("PARTA_BENCH_RUNS", "15"))
STUDENTS, SUBJECTS = 30, 15
OUT = ROOT / "bench" / "out"


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def make_app(url: str):
    import config
    from app import create_app

    class Config(config.Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        PARTA_JOBS_INLINE = True
        PARTA_REPORT_WORKERS = int(os.environ.get("PARTA_REPORT_WORKERS", "2"))

    return create_app(Config)


def seed(app) -> None:
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from demo import seed_demo

    with app.app_context():
        upgrade()
        sync_permissions_and_roles()
        seed_demo(only_if_empty=True)


def archive(app) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.jobs import new_job, run
    from app.models import JobKind, ReportJob, SchoolClass, SchoolYear, StoredDocument
    from app.security.scoping import as_school

    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        with as_school(year.school_id):
            classes = db.session.query(SchoolClass).filter_by(year_id=year.id).count()
            job_id = new_job(db.session, JobKind.year_archive, year.school_id, year.id).id
        started = time.perf_counter()
        run(app, job_id)
        elapsed = time.perf_counter() - started
        db.session.expire_all()
        with as_school(year.school_id):
            job = db.session.get(ReportJob, job_id)
            documents = db.session.query(StoredDocument).filter_by(job_id=job_id).count()
            emit(name="archive", total_s=round(elapsed, 1), classes=classes, documents=documents, pages=job.pages,
                 status=job.status.name, workers=app.config["PARTA_REPORT_WORKERS"])


def big_class(app) -> tuple:
    """A class of 30 students learning 15 subjects, with first-quarter marks; (class id, period id)."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import (
        Enrolment, GradeScale, GradeScaleValue, PeriodMark, SchoolClass, SchoolYear, Student, StudyPeriod, Subject,
        SubjectGroup,
    )

    rng = random.Random(5)
    with app.app_context():
        s = db.session
        year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        sid = year.school_id
        period = s.scalar(select(StudyPeriod).where(StudyPeriod.year_id == year.id, StudyPeriod.grade_from <= 7,
                                                    StudyPeriod.grade_to >= 7).order_by(StudyPeriod.start_date))
        scale = s.scalar(select(GradeScale.id).where(GradeScale.school_id == sid, GradeScale.is_default.is_(True)))
        values = s.scalars(select(GradeScaleValue.id).where(GradeScaleValue.scale_id == scale)).all()
        class_id = s.scalar(insert(SchoolClass).values(school_id=sid, year_id=year.id, grade=7, letter="Я",
                                                       curriculum_type="classic").returning(SchoolClass.id))
        subjects = s.scalars(select(Subject.id).where(Subject.school_id == sid).order_by(Subject.order)).all()[:SUBJECTS]
        students = []
        for n in range(STUDENTS):
            student = s.scalar(insert(Student).values(school_id=sid, last_name=f"Бенчмарков-{n:02d}", first_name="Иван",
                                                      middle_name="Петрович", personal_file_no=f"Б-{n}")
                               .returning(Student.id))
            s.execute(insert(Enrolment).values(school_id=sid, student_id=student, class_id=class_id,
                                               start_date=year.start_date))
            students.append(student)
        for subject in subjects:
            group = s.scalar(insert(SubjectGroup).values(school_id=sid, year_id=year.id, class_id=class_id,
                                                         subject_id=subject, name=f"Предмет {subject} 7Я",
                                                         is_whole_class=True).returning(SubjectGroup.id))
            s.execute(insert(PeriodMark), [dict(school_id=sid, subject_group_id=group, student_id=student,
                                                period_id=period.id, value_id=rng.choice(values)) for student in students])
        s.commit()
        return class_id, period.id


def summary_sheet(app, class_id: int, period_id: int) -> None:
    client = app.test_client()
    assert client.post("/login/", data={"username": "coordinator", "password": "demo"}).status_code == 302
    url = f"/reports/summary-sheet/download.pdf?class={class_id}&column=p{period_id}"
    times, body = [], b""
    for run in range(RUNS + 2):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        body = response.data
        if run >= 2:  # two warm-ups: templates compiled, fonts parsed
            times.append(elapsed)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "summary_sheet.pdf"
    path.write_bytes(body)
    times.sort()
    emit(name="summary_sheet", p50_s=round(statistics.median(times), 3),
         p95_s=round(times[max(0, int(len(times) * 0.95) - 1)], 3), runs=len(times), students=STUDENTS,
         subjects=SUBJECTS, pdf=str(path))


def main() -> None:
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="parta-bench-")
        url = f"sqlite:///{tmp}/bench.db"
    app = make_app(url)
    seed(app)
    archive(app)
    class_id, period_id = big_class(app)
    summary_sheet(app, class_id, period_id)


if __name__ == "__main__":
    main()
