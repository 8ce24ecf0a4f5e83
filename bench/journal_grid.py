"""Benchmark: the journal grid, served by gunicorn and requested over HTTP.

A class of 30 students with 60 lessons × 2 assignments in the current period and
realistic marks is added to the demo school; the demo teacher logs in as a browser
would (session cookie, CSRF token from the page) and the benchmark measures
  grid_get     — GET /journal/?group=… (the whole page),
  column_save  — POST /journal/save with a column of 30 marks (written with audit),
over RUNS runs each, printing one JSON line per measure:
  {"name", "p50_ms", "p95_ms", "sql_statements", "runs"}
sql_statements is what the server ran for one request (X-Parta-SQL-Statements,
switched on by PARTA_COUNT_SQL=1 for this server only).

Run: .venv/bin/python bench/journal_grid.py  (PARTA_BENCH_DATABASE_URL picks another
database; the default is a fresh SQLite file).
"""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("PARTA_BENCH_RUNS", "40"))
WARMUP = 3
STUDENTS, LESSONS, PER_LESSON = 30, 60, 2


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def build(url: str) -> int:
    """Migrates, seeds the demo school and adds the benchmark class; returns its group id."""
    import config
    from app import create_app
    from app.extensions import db

    class Config(config.Config):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app.cli import sync_permissions_and_roles
    from demo import seed_demo
    from app.models import (
        Assignment, AssignmentType, Attendance, AttendanceCode, Employee, Enrolment, GradeScale, GradeScaleValue,
        Lesson, Mark, PartaUser, SchoolClass, SchoolYear, Student, StudyPeriod, Subject, SubjectGroup,
        SubjectGroupTeacher,
    )

    rng = random.Random(4)
    with app.app_context():
        upgrade()
        sync_permissions_and_roles()
        seed_demo(only_if_empty=True)
        s = db.session
        year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        today = dt.date.today()
        period = s.scalar(select(StudyPeriod).where(StudyPeriod.year_id == year.id, StudyPeriod.start_date <= today,
                                                    StudyPeriod.end_date >= today).order_by(StudyPeriod.end_date))
        sid = year.school_id
        teacher = s.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id)
                           .where(PartaUser.username == "teacher"))
        klass = SchoolClass(school_id=sid, year_id=year.id, grade=7, letter="Я")
        s.add(klass)
        s.flush()
        subject = s.scalar(select(Subject).where(Subject.school_id == sid).order_by(Subject.id))
        scale = s.scalar(select(GradeScale).where(GradeScale.school_id == sid, GradeScale.is_default.is_(True)))
        group = SubjectGroup(school_id=sid, year_id=year.id, class_id=klass.id, subject_id=subject.id,
                             name=f"{subject.name} 7Я", is_whole_class=True, grade_scale_id=scale.id)
        s.add(group)
        s.flush()
        s.add(SubjectGroupTeacher(school_id=sid, subject_group_id=group.id, employee_id=teacher.id))
        students = [Student(school_id=sid, last_name=f"Ученик{i:02d}", first_name="Бенч", personal_file_no=f"Б-{i}")
                    for i in range(STUDENTS)]
        s.add_all(students)
        s.flush()
        s.add_all(Enrolment(school_id=sid, student_id=st.id, class_id=klass.id, start_date=year.start_date)
                  for st in students)
        # 60 lessons, two a day, on the period's school days
        days = [period.start_date + dt.timedelta(days=i) for i in range((period.end_date - period.start_date).days + 1)]
        days = [d for d in days if d.isoweekday() <= 5][: LESSONS // 2]
        lessons = [Lesson(school_id=sid, subject_group_id=group.id, date=d, number=n, teacher_id=teacher.id,
                          topic=f"Тема {i * 2 + n}") for i, d in enumerate(days) for n in (1, 2)]
        s.add_all(lessons)
        s.flush()
        types = s.scalars(select(AssignmentType).where(AssignmentType.school_id == sid).order_by(AssignmentType.id)).all()
        assignments = [Assignment(school_id=sid, lesson_id=l.id, type_id=types[(i + k) % len(types)].id)
                       for i, l in enumerate(lessons) for k in range(PER_LESSON)]
        s.add_all(assignments)
        s.flush()
        values = s.scalars(select(GradeScaleValue).where(GradeScaleValue.scale_id == scale.id,
                                                         GradeScaleValue.score.is_not(None))).all()
        codes = s.scalars(select(AttendanceCode).where(AttendanceCode.school_id == sid)).all()
        marks, absences = [], []
        for a in assignments:
            for st in students:
                if rng.random() < 0.35:  # about a third of the cells hold a mark
                    marks.append({"school_id": sid, "assignment_id": a.id, "student_id": st.id,
                                  "value_id": rng.choice(values).id, "is_duty": False})
        for l in lessons:
            for st in students:
                if rng.random() < 0.06:
                    absences.append({"school_id": sid, "lesson_id": l.id, "student_id": st.id, "code_id": rng.choice(codes).id})
        s.execute(Mark.__table__.insert(), marks)
        s.execute(Attendance.__table__.insert(), absences)
        s.commit()
        # the column saved: an assignment of a lesson still open, with no marks yet
        target = next(a for a, l in zip(assignments[::PER_LESSON], lessons) if l.date >= today - dt.timedelta(days=5))
        s.execute(Mark.__table__.delete().where(Mark.assignment_id == target.id))
        s.commit()
        emit(name="bench_data", students=STUDENTS, lessons=len(lessons), assignments=len(assignments), marks=len(marks),
             absences=len(absences))
        result = (group.id, target.id, [st.id for st in students], period.id)
        db.session.remove()
        db.engine.dispose()
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Cookies, a CSRF token and keep-nothing HTTP, like a browser tab."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read(), response.headers

    def login(self, username: str, password: str) -> None:
        _, page, _ = self.request("/login/")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        self.request("/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})


def timed(call) -> tuple[float, int]:
    started = time.perf_counter()
    status, _body, headers = call()
    elapsed = (time.perf_counter() - started) * 1000
    assert status == 200, status
    return elapsed, int(headers.get("X-Parta-SQL-Statements", "-1"))


def summary(name: str, samples: list) -> None:
    times = sorted(t for t, _ in samples)
    statements = sorted({n for _, n in samples})
    emit(name=name, p50_ms=round(statistics.median(times), 1),
         p95_ms=round(times[max(0, int(len(times) * 0.95) - 1)], 1),
         sql_statements=statements[0] if len(statements) == 1 else statements, runs=len(times))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="parta-bench-"))
    url = os.environ.get("PARTA_BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.db"
    group, assignment, students, period = build(url)

    port = free_port()
    env = {**os.environ, "PARTA_DATABASE_URL": url, "PARTA_COUNT_SQL": "1", "PARTA_SECRET_KEY": "bench-" + "x" * 40,
           "PARTA_INSTANCE_DIR": str(workdir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "run:app"],
        cwd=ROOT, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/login/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        browser = Browser(base)
        browser.login("teacher", os.environ.get("PARTA_DEMO_PASSWORD", "demo"))
        _, page, _ = browser.request(f"/journal/?group={group}")
        token = re.search(rb'id="grid-csrf" value="([^"]+)"', page).group(1).decode()
        assert f'"id": {assignment}'.encode() in page or f'"id":{assignment}'.encode() in page, "the column is not on the page"

        grid = [timed(lambda: browser.request(f"/journal/?group={group}")) for _ in range(WARMUP + RUNS)][WARMUP:]
        summary("grid_get", grid)

        saved = {sid: ["", False, ""] for sid in students}
        codes = ["5", "4", "3", "4"]

        def save(run: int):
            changes = []
            for i, sid in enumerate(students):
                value = codes[(run + i) % len(codes)]
                changes.append({"kind": "mark", "assignment": assignment, "student": sid, "value": value,
                                "duty": False, "comment": "", "old": saved[sid]})
            body = json.dumps({"group": group, "period": period, "changes": changes}).encode()
            result = browser.request("/journal/save", body, {"Content-Type": "application/json", "X-CSRFToken": token})
            answer = json.loads(result[1])
            assert len(answer["saved"]) == len(students), answer
            for change in changes:
                saved[change["student"]] = [change["value"], False, ""]
            return result

        # each run changes every mark of the column (the first one creates them)
        samples = [timed(lambda run=run: save(run)) for run in range(WARMUP + RUNS)]
        summary("column_save", samples[WARMUP:])
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
