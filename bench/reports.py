"""Benchmark: printing reports.

  archive        — the year-end archive of the demo school (every class: final and
                   summary sheets, journal printouts), the background job as the page
                   starts it, with PARTA_REPORT_WORKERS processes (default 2);
                   {"name": "archive", "total_s", "classes", "documents", "pages", "workers"}
                   cpu_s counts this process and its pool of workers (a shared machine's
                   wall time is noisy; the CPU is not)
  summary_sheet  — the summary sheet PDF of a class of 30 students × 15 subjects, one
                   period, as the download request serves it (logged in as the demo
                   coordinator); {"name": "summary_sheet", "p50_s", "p95_s", "runs", "pdf"}
  class_pdf      — each printout of the demo's class 5А as its download request serves it:
                   the summary sheet, the class's results, its attendance by days and by
                   subjects, a journal page; each in a fresh process that starts the app
                   and waits for its warm-up (PARTA_WARM_UP, as a server's start; with
                   PARTA_WARM_UP=0 only reports.warm.warm_up()), so that `first_ms` is a
                   user's first click after a start and p50_ms/p95_ms the warm ones;
                   {"name": "class_pdf", "document", "first_ms", "p50_ms", "p95_ms", "cpu_ms",
                   "runs", "bytes", "pages"}
  class_slips    — the login slips of class 5А's students and parents (the PDF only) and, apart,
                   the password hashing the issuing request does for as many logins;
                   {"name": "class_slips", "slips", "pages", "first_ms", "p50_ms", "hash_ms_each",
                   "hash_ms_total"}
  app_warm_up    — how long the app's warm-up took before the first click; {"name", "ms"}
                   (pdf_warm_up, {"name", "ms", "cpu_ms"}, with PARTA_WARM_UP=0: reports.warm.warm_up() alone)

Run: .venv/bin/python bench/reports.py  (PARTA_BENCH_DATABASE_URL picks another database;
the default is a fresh SQLite file; PARTA_BENCH_RUNS the runs of each document).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
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
        started, cpu = time.perf_counter(), _cpu()
        run(app, job_id)
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
        db.session.expire_all()
        with as_school(year.school_id):
            job = db.session.get(ReportJob, job_id)
            documents = db.session.query(StoredDocument).filter_by(job_id=job_id).count()
            emit(name="archive", total_s=round(elapsed, 1), cpu_s=round(cpu, 1), classes=classes, documents=documents, pages=job.pages,
                 status=job.status.name, workers=app.config["PARTA_REPORT_WORKERS"])


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the archive's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _percentiles(times: list) -> dict:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times) * 1000), "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)] * 1000)}


CLASS_PDFS = {
    "summary_sheet": "/reports/summary-sheet/download.pdf?class={cls}",
    "class_results": "/reports/class-results/download.pdf?class={cls}",
    "class_attendance_days": "/reports/class-attendance/download.pdf?class={cls}&start={start}&end={end}",
    "class_attendance_subjects": "/reports/class-attendance/download.pdf?class={cls}&mode=subjects&start={start}&end={end}",
    "journal_print": "/reports/journal-print/download.pdf?class={cls}&group={group}",
}


def demo_class(app) -> dict:
    """Class 5А of the current year: its id, its first subject group, a month of its lessons."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import SchoolClass, SchoolYear, SubjectGroup
    from app.security.scoping import as_school

    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        with as_school(year.school_id):
            cls = db.session.scalar(select(SchoolClass.id).where(SchoolClass.year_id == year.id, SchoolClass.grade == 5,
                                                                 SchoolClass.letter == "А"))
            group = db.session.scalar(select(SubjectGroup.id).where(SubjectGroup.class_id == cls).order_by(SubjectGroup.id))
        start = year.start_date + dt.timedelta(days=65)
        db.session.remove()
    return {"cls": cls, "group": group, "start": f"{start:%d.%m.%Y}", "end": f"{start + dt.timedelta(days=29):%d.%m.%Y}"}


def class_pdf(url: str, document: str, ids: dict) -> None:
    """One printout in this (fresh) process: the first request after the start, then the warm ones."""
    from reports.pdf import page_count

    app = make_app(url)
    started = time.perf_counter()
    thread = app.extensions.get("parta_warm_up")
    if thread is not None:  # the app's warm-up at start (PARTA_WARM_UP), over before the first click
        thread.join()
        emit(name="app_warm_up", document=document, ms=round((time.perf_counter() - started) * 1000))
    else:
        with app.app_context():
            from reports.warm import warm_up

            cpu = time.process_time()
            warm_up()
            emit(name="pdf_warm_up", document=document, ms=round((time.perf_counter() - started) * 1000),
                 cpu_ms=round((time.process_time() - cpu) * 1000))
    client = app.test_client()
    assert client.post("/login/", data={"username": "coordinator", "password": "demo"}).status_code == 302
    path = CLASS_PDFS[document].format(**ids)
    times, cpus, body, first = [], [], b"", None
    for run in range(RUNS + 1):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200 and response.mimetype == "application/pdf", (document, response.status_code)
        body = response.data
        if first is None:
            first = elapsed
        else:
            times.append(elapsed)
            cpus.append(time.process_time() - cpu)
    emit(name="class_pdf", document=document, first_ms=round(first * 1000), **_percentiles(times),
         cpu_ms=round(statistics.median(cpus) * 1000), runs=len(times), bytes=len(body), pages=page_count(body))


def class_pdfs(url: str, ids: dict) -> None:
    """Each class printout in a process of its own (a first click needs a fresh start)."""
    for document in CLASS_PDFS:
        subprocess.run([sys.executable, __file__, "--class-pdf", document, json.dumps(ids)], check=True,
                       env={**os.environ, "PARTA_BENCH_DATABASE_URL": url})


def class_slips(app, ids: dict) -> None:
    """The slips of a class's students and parents, and the hashing of as many passwords (as
    the slips' logins are hashed: app.security.passwords.hash_initial_password)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Enrolment, Guardian, Student, StudentGuardian
    from app.rules.passwords import generate_password
    from app.security.scoping import as_school
    from reports.credentials import Slip, credential_slips_pdf
    from reports.pdf import page_count

    with app.app_context():
        from app.models import SchoolClass

        school_id = db.session.get(SchoolClass, ids["cls"]).school_id
        with as_school(school_id):
            students = db.session.scalars(select(Student).join(Enrolment, Enrolment.student_id == Student.id)
                                          .where(Enrolment.class_id == ids["cls"]).distinct()).all()
            guardians = db.session.scalars(select(Guardian).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                                           .where(StudentGuardian.student_id.in_([s.id for s in students])).distinct()).all()
            slips = [Slip(p.full_name, "5А", role, f"login{n}", generate_password())
                     for n, (p, role) in enumerate([(s, "Ученик") for s in students] + [(g, "Родитель") for g in guardians])]
        times, body = [], b""
        for _run in range(RUNS + 1):
            started = time.perf_counter()
            body = credential_slips_pdf("МБОУ «Средняя общеобразовательная школа № 1»", "https://parta.example.ru/", slips)
            times.append(time.perf_counter() - started)
        from app.security.passwords import hash_initial_password

        started = time.perf_counter()
        hashes = [hash_initial_password(slip.password) for slip in slips[:10]]
        each = (time.perf_counter() - started) / 10
        method = hashes[0].split("$", 1)[0]
        db.session.remove()
    emit(name="class_slips", slips=len(slips), pages=page_count(body), first_ms=round(times[0] * 1000),
         **_percentiles(times[1:]), hash_method=method, hash_ms_each=round(each * 1000),
         hash_ms_total=round(each * len(slips) * 1000))


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
    if sys.argv[1:2] == ["--class-pdf"]:
        class_pdf(os.environ["PARTA_BENCH_DATABASE_URL"], sys.argv[2], json.loads(sys.argv[3]))
        return
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="parta-bench-")
        url = f"sqlite:///{tmp}/bench.db"
    app = make_app(url)
    seed(app)
    ids = demo_class(app)
    class_pdfs(url, ids)
    class_slips(app, ids)
    archive(app)
    class_id, period_id = big_class(app)
    summary_sheet(app, class_id, period_id)


if __name__ == "__main__":
    main()
