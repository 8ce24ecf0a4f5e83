"""Segments for the user-administration tests: the demo school (A) with its
municipality (M), a second school of M (B), a school (C) of another municipality
(M2), each with a few students; a system administrator and M's operator. Everything
made here is removed again when the module's tests end."""
from __future__ import annotations

import html as html_lib
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Optional

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Municipality, PartaUser, School, Student, WebApiAccount

PASSWORD = "Проверка-2026"
DEMO_PASSWORD = "demo"


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def make_login(app, prefix: str, roles: list[str], school_id=None, municipality_id=None, password=PASSWORD) -> PartaUser:
    """A login made directly (no one logged in: not restricted), detached, with its id and username."""
    from app.security.passwords import hash_password

    with app.app_context():
        sm = app.appbuilder.sm
        username = unique_name(prefix)
        user = PartaUser(username=username, first_name="Проверка", last_name=prefix.capitalize(),
                         email=f"{username}@example.invalid", active=True, roles=[sm.find_role(r) for r in roles],
                         school_id=school_id, municipality_id=municipality_id, password=hash_password(password))
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        db.session.remove()
    return user


def remove_logins(app, *ids) -> None:
    with app.app_context():
        db.session.execute(delete(PartaUser.__table__).where(PartaUser.__table__.c.id.in_([i for i in ids if i])))
        db.session.commit()
        db.session.remove()


@dataclass
class Segments:
    a: int                     # the demo school
    m: int                     # its municipality
    b: int                     # another school of M
    c: int                     # a school of another municipality
    m2: int
    students: dict             # school id → count of its students
    student_of: dict           # school id → one student's id
    sysadmin: PartaUser
    operator: PartaUser
    admin_b: PartaUser
    made: list = field(default_factory=list)

    def count(self, *schools: int) -> int:
        return sum(self.students[s] for s in schools)


def build_segments(app) -> Segments:
    with app.app_context():
        a = db.session.scalar(select(School.id).order_by(School.id).limit(1))
        m = db.session.scalar(select(School.municipality_id).where(School.id == a))
        m2 = Municipality(name=unique_name("Другой район "))
        db.session.add(m2)
        db.session.flush()
        schools = {}
        for key, municipality in (("b", m), ("c", m2.id)):
            school = School(full_name=unique_name("Школа проверки "), short_name=unique_name("Школа "), municipality_id=municipality)
            db.session.add(school)
            db.session.flush()
            for n in range(3 if key == "b" else 2):
                db.session.add(Student(school_id=school.id, last_name=f"Чужой{n}", first_name="Ученик",
                                       personal_file_no=unique_name("П")))
            schools[key] = school.id
        db.session.commit()
        counts = dict(db.session.execute(select(Student.school_id, func.count(Student.id)).group_by(Student.school_id)).all())
        student_of = {s: db.session.scalar(select(Student.id).where(Student.school_id == s).order_by(Student.id).limit(1))
                      for s in (a, schools["b"], schools["c"])}
        m2_id = m2.id
        db.session.remove()
    return Segments(
        a=a, m=m, b=schools["b"], c=schools["c"], m2=m2_id, students=counts, student_of=student_of,
        sysadmin=make_login(app, "root", ["Администратор"]),
        operator=make_login(app, "operator", ["Оператор муниципального сегмента"], municipality_id=m),
        admin_b=make_login(app, "adminb", ["Администратор"], school_id=schools["b"]),
    )


def remove_segments(app, segments: Segments) -> None:
    remove_logins(app, segments.sysadmin.id, segments.operator.id, segments.admin_b.id, *segments.made)
    with app.app_context():
        db.session.execute(delete(School.__table__).where(School.__table__.c.id.in_([segments.b, segments.c])))
        db.session.execute(delete(Municipality.__table__).where(Municipality.__table__.c.id == segments.m2))
        db.session.commit()
        db.session.remove()


def sign_in(client, username: str, password: str = PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed"
    return client


def api_headers(client, username: str, password: str = PASSWORD) -> Optional[dict]:
    response = client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


# --- «Логины и пароли» -------------------------------------------------------------

USERS = PartaUser.__table__
APPS = WebApiAccount.__table__


@pytest.fixture()
def restored(app):
    """Every login's password (and its apps' secret) as it was, and no login the test
    created left behind."""
    with app.app_context():
        before = {row.id: (row.password, row.must_change_password)
                  for row in db.session.execute(select(USERS.c.id, USERS.c.password, USERS.c.must_change_password))}
        secrets = dict(db.session.execute(select(APPS.c.id, APPS.c.secret)).all())
        db.session.remove()
    yield
    with app.app_context():
        created = [i for i in db.session.scalars(select(USERS.c.id)) if i not in before]
        db.session.execute(USERS.delete().where(USERS.c.id.in_(created)))
        for user_id, (password, must_change) in before.items():
            db.session.execute(USERS.update().where(USERS.c.id == user_id, USERS.c.password != password)
                               .values(password=password, must_change_password=must_change))
        for account_id, secret in secrets.items():
            db.session.execute(APPS.update().where(APPS.c.id == account_id).values(secret=secret))
        db.session.commit()
        db.session.remove()


class Preview:
    def __init__(self, response):
        self.response = response
        self.html = response.get_data(as_text=True)

    def keys(self, table: str) -> set[str]:
        part = re.search(rf'<table[^>]*id="{table}".*?</table>', self.html, re.S)
        return set(re.findall(r'data-key="([^"]+)"', part.group(0))) if part else set()

    def row(self, key: str) -> str:
        found = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', self.html, re.S)
        return html_lib.unescape(re.sub(r"<[^>]+>|\s+", " ", found.group(1))) if found else ""

    def confirm_form(self) -> dict:
        form = re.search(r'<form[^>]*id="credentials-confirm".*?</form>', self.html, re.S)
        assert form, "no confirmation form"
        data: dict = {}
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)):
            if name == "key":
                data.setdefault("key", []).append(value)
            elif name != "csrf_token":
                data[name] = html_lib.unescape(value)
        return data


def preview(client, **choice) -> Preview:
    return Preview(client.post("/credentials/preview", data=choice))


def confirm(client, shown: Preview, password: str = DEMO_PASSWORD, **changes):
    return client.post("/credentials/apply", data={**shown.confirm_form(), "password": password, **changes})


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf", response.get_data(as_text=True)[:300]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


