"""The PyPI client netschoolapi 11.0.5, unchanged and in a virtual environment of its own
(its pins conflict with Parta's), reads the demo student's diary from a live Parta:
schools, login by the school's short name, a week of lessons with assignments, marks and
«точки», overdue work, announcements with a file, the school card, logout; a wrong
password raises AuthError; an expired token gets 401 and the client logs in again."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from werkzeug.serving import make_server

from app.extensions import db
from app.models import (
    Assignment, Enrolment, Lesson, Mark, PartaUser, School, Student, SubjectGroup, VisitEvent, VisitLog, WebApiSession,
)
from tests.conftest import school_today

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-netschoolapi"
PACKAGE = "netschoolapi==11.0.5"
SCRIPT = Path(__file__).with_name("netschool_client.py")


@pytest.fixture(scope="session")
def netschool_python() -> str:
    """The interpreter of a virtual environment holding netschoolapi 11.0.5 (made once, then reused)."""
    import fcntl
    import tempfile

    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; assert m.version('netschoolapi') == '11.0.5'"]
    # pytest-xdist workers (and parallel runs) make the environment one at a time
    with open(Path(tempfile.gettempdir()) / "parta-netschoolapi-venv.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not python.exists() or subprocess.run(check, capture_output=True).returncode != 0:
            base = getattr(sys, "_base_executable", None) or sys.executable
            subprocess.run([base, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True, timeout=300)
            installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                        PACKAGE], capture_output=True, text=True, timeout=600)
            assert installed.returncode == 0, installed.stderr[-2000:]
    return str(python)


@pytest.fixture(scope="module")
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def _this_monday() -> dt.date:
    return school_today() - dt.timedelta(days=school_today().weekday())


@pytest.fixture()
def demo_week(app):
    """The demo student's latest whole week with lessons (before this week), with a «точка»
    added to one of its assignments; yields (monday, student id, user id) and removes the «точка»."""
    with app.app_context():
        student, user_id = db.session.execute(select(Student.id, Student.user_id).join(
            PartaUser, Student.user_id == PartaUser.id).where(PartaUser.username == "student")).one()
        classes = select(Enrolment.class_id).where(Enrolment.student_id == student)
        groups = select(SubjectGroup.id).where(SubjectGroup.class_id.in_(classes), SubjectGroup.is_whole_class.is_(True))
        this_monday = _this_monday()
        latest = db.session.scalar(select(func.max(Lesson.date)).where(Lesson.subject_group_id.in_(groups),
                                                                        Lesson.date < this_monday))
        if latest is None:
            db.session.remove()
            pytest.skip(f"on {school_today():%d.%m.%Y} the school year has no week of lessons before this one yet")
        monday = latest - dt.timedelta(days=latest.weekday())
        free = db.session.execute(
            select(Assignment.id, Assignment.school_id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.in_(groups), Lesson.date >= monday, Lesson.date <= latest,
                   ~Assignment.id.in_(select(Mark.assignment_id).where(Mark.student_id == student)))
            .order_by(Lesson.date)).first()
        duty = db.session.scalar(insert(Mark).values(school_id=free.school_id, assignment_id=free.id, student_id=student,
                                                     value_id=None, is_duty=True, comment="Не сдана тетрадь")
                                 .returning(Mark.id))
        db.session.commit()
        db.session.remove()
    yield monday, student, user_id
    with app.app_context():
        db.session.execute(Mark.__table__.delete().where(Mark.id == duty))
        db.session.commit()
        db.session.remove()


def _logins(app, username: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(VisitLog.id)).where(VisitLog.username == username,
                                                                        VisitLog.event == VisitEvent.login))
        db.session.remove()
    return count


def test_netschoolapi_reads_the_demo_students_diary_unchanged(app, server, netschool_python, demo_week):
    monday, _student, user_id = demo_week
    with app.app_context():
        school = db.session.scalar(select(School.short_name).where(School.webapi_enabled.is_(True)))
        db.session.remove()
    logins_before = _logins(app, "student")
    client = subprocess.Popen([netschool_python, str(SCRIPT), server, school, "student", "demo", monday.isoformat()],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    first = client.stdout.readline()
    assert first.strip() == "EXPIRE", first + client.stderr.read()
    with app.app_context():  # the token's time is up
        db.session.execute(update(WebApiSession).where(WebApiSession.user_id == user_id)
                           .values(expires_at=dt.datetime(2000, 1, 1)))
        db.session.commit()
        db.session.remove()
    out, err = client.communicate("go\n", timeout=120)
    assert client.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])

    assert any("Средняя общеобразовательная школа № 1" in name for name in result["schools"])
    diary = result["diary"]
    assert diary["start"] == monday.isoformat()
    assert diary["days"] >= 4 and diary["lessons"] >= 15
    assert diary["with_time"] == diary["lessons"], "every lesson has its bell times"
    assert diary["assignments"] >= diary["lessons"] - 2 and len(diary["marks"]) >= 5
    assert set(diary["marks"]) <= {2, 3, 4, 5}
    assert diary["duty"] >= 1, "the «точка» is a duty mark"
    assert "Математика" in diary["subjects"]
    assert any(item["duty"] for item in result["overdue"])
    names = [a["name"] for a in result["announcements"]]
    assert "Зимние каникулы" in names
    assert not any("Родительское собрание" in name for name in names), "the parents' announcement is not the student's"
    assert result["attachments_of_assignment"] == 0
    assert result["school"]["name"].startswith("Муниципальное бюджетное")
    assert result["after_expiry_lessons"] == diary["lessons"]
    assert _logins(app, "student") - logins_before == 2, "the client logged in again after the 401"
    assert result["wrong_password"] == "AuthError"


def test_the_parent_reads_the_class_announcement_and_its_file(app, server, netschool_python):
    monday = _this_monday()
    with app.app_context():
        school = db.session.scalar(select(School.short_name).where(School.webapi_enabled.is_(True)))
        db.session.remove()
    client = subprocess.run([netschool_python, str(SCRIPT), server, school, "parent", "demo", monday.isoformat()],
                            input="go\n", capture_output=True, text=True, timeout=120)
    assert client.returncode == 0, client.stderr[-3000:]
    result = json.loads(client.stdout.strip().splitlines()[-1])
    meeting = next(a for a in result["announcements"] if a["name"].startswith("Родительское собрание"))
    assert meeting["files"] == ["Консультации.txt"]
    assert "Расписание консультаций" in result["attachments"]["Консультации.txt"]
