"""Issuing logins: slips in Cyrillic with the logins, and the first login forces a
password of the user's own that passes the policy. (Who may issue to whom, the preview
and the confirmation: tests/security/test_reissue.py.)"""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enrolment, Guardian, PartaUser, SchoolClass, Student, StudentGuardian
from tests.conftest import flashes, login
from tests.security.account_fixtures import confirm, preview, restored  # noqa: F401  (restored: a fixture)


def _class_without_demo_accounts(app):
    with app.app_context():
        school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.grade == 3).order_by(SchoolClass.letter))
        pk, name = school_class.id, school_class.name
        db.session.remove()
    return pk, name


def test_secretary_prints_slips_for_a_class_and_its_parents(app, client, restored):
    class_id, class_name = _class_without_demo_accounts(app)
    login(client, "secretary")
    response = confirm(client, preview(client, target="class", class_id=class_id, students="y", parents="y"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    with app.app_context():
        students = db.session.scalars(select(Student).join(Enrolment).where(Enrolment.class_id == class_id, Enrolment.end_date.is_(None))).all()
        assert students and all(s.user_id is not None for s in students)
        first = students[0]
        assert first.last_name in text and first.user.username in text
        assert first.user.must_change_password
        guardians = db.session.scalar(select(func.count(Guardian.id)).join(StudentGuardian).where(
            StudentGuardian.student_id.in_([s.id for s in students]), Guardian.user_id.is_not(None)))
        assert guardians >= len(students)
        db.session.remove()
    assert class_name in text


def test_an_issued_password_logs_in_once_and_must_be_changed(app, client, restored):
    class_id, _ = _class_without_demo_accounts(app)
    login(client, "secretary")
    response = confirm(client, preview(client, target="class", class_id=class_id, students="y", reissue="y"))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    with app.app_context():
        student = db.session.scalar(select(Student).join(Enrolment).where(Enrolment.class_id == class_id).order_by(Student.last_name))
        username = student.user.username
        # generated and to be changed at once: a cheap hash (slips print fast), not the login's lasting one
        assert student.user.password.startswith("pbkdf2:sha256:10000$")
        db.session.remove()
    password = re.search(re.escape(username) + r"\s+\S*?\s*([A-Za-z0-9]{10})\b", text)
    assert password, text[:500]
    client.post("/logout/")
    client.post("/login/", data={"username": username, "password": password.group(1)})
    page = client.get("/", follow_redirects=True)
    assert "/resetmypassword/form" in page.request.path
    weak = client.post("/resetmypassword/form", data={"password": "123", "conf_password": "123"}, follow_redirects=True)
    assert "не менее 8 символов" in weak.get_data(as_text=True)
    client.post("/resetmypassword/form", data={"password": "Своё-слово-2026", "conf_password": "Своё-слово-2026"})
    with app.app_context():
        assert db.session.scalar(select(PartaUser.must_change_password).where(PartaUser.username == username)) is False
        # the password the person chose is hashed as every login's password is
        assert db.session.scalar(select(PartaUser.password).where(PartaUser.username == username)).startswith(
            app.config["FAB_PASSWORD_HASH_METHOD"] + "$")
        db.session.remove()
    assert client.get("/", follow_redirects=True).request.path == "/"


def test_teachers_cannot_issue_staff_passwords(client):
    login(client, "teacher")
    response = client.post("/credentials/preview", data={"target": "staff"}, follow_redirects=True)
    assert "Пароли сотрудникам выдаёт только администратор." in flashes(response.get_data(as_text=True))
