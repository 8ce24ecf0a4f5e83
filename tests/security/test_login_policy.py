"""Logging in and out: locks after wrong passwords, visits recorded, POST logout,
CSRF on every form, security headers."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PartaUser, Subject, VisitEvent, VisitLog
from tests.conftest import flashes, login, school_today, unique


@pytest.fixture()
def fresh_user(app):
    """A login of its own, so that its failures lock nobody else."""
    with app.app_context():
        sm = app.appbuilder.sm
        name = unique("user").replace(" ", "_")
        school_id = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "admin"))
        user = sm.add_user(name, "Ирина", "Проверкина", f"{name}@example.ru", [sm.find_role("Учитель")], password="Верный-пароль-1")
        user.school_id = school_id
        db.session.commit()
        db.session.remove()
    return name


def visits(app, username) -> list[VisitEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(VisitLog.event).where(VisitLog.username == username).order_by(VisitLog.id)))
        db.session.remove()
    return events


def test_login_and_logout_are_recorded_with_address_and_browser(app, client, fresh_user):
    client.post("/login/", data={"username": fresh_user, "password": "Верный-пароль-1"}, headers={"User-Agent": "Яндекс Браузер"})
    client.post("/logout/")
    assert visits(app, fresh_user) == [VisitEvent.login, VisitEvent.logout]
    with app.app_context():
        row = db.session.scalar(select(VisitLog).where(VisitLog.username == fresh_user).limit(1))
        assert row.address == "127.0.0.1" and row.user_agent == "Яндекс Браузер" and row.school_id is not None
        db.session.remove()


def test_failed_attempts_are_recorded_even_for_unknown_logins(app, client):
    client.post("/login/", data={"username": "nobody-here", "password": "x"})
    assert visits(app, "nobody-here")[-1] == VisitEvent.failed


def test_five_wrong_passwords_lock_the_login_even_for_the_right_one(app, client, fresh_user):
    for _ in range(5):
        client.post("/login/", data={"username": fresh_user, "password": "неверный"})
    response = client.post("/login/", data={"username": fresh_user, "password": "Верный-пароль-1"}, follow_redirects=True)
    messages = flashes(response.get_data(as_text=True))
    assert any("вход заблокирован до" in m for m in messages), messages
    assert "Неверный логин или пароль. Попробуйте ещё раз." in messages
    assert client.get("/subjectview/list/").status_code != 200


def test_api_login_is_locked_the_same_way(app, client, fresh_user):
    for _ in range(5):
        client.post("/api/v1/security/login", json={"username": fresh_user, "password": "неверный", "provider": "db"})
    response = client.post("/api/v1/security/login", json={"username": fresh_user, "password": "Верный-пароль-1", "provider": "db"})
    assert response.status_code == 401


def test_logout_by_get_does_nothing(client):
    login(client, "admin")
    assert client.get("/logout/").status_code == 405
    assert client.get("/subjectview/list/").status_code == 200


def test_pages_carry_security_headers(client):
    response = client.get("/login/")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@contextmanager
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_with_csrf_on_a_post_without_token_changes_nothing(app, client):
    login(client, "admin")
    with app.app_context():
        subject = db.session.scalar(select(Subject).order_by(Subject.id.desc()).limit(1))
        pk, name = subject.id, subject.name
        db.session.remove()
    with csrf_on(app):
        assert client.post(f"/subjectview/delete/{pk}").status_code == 400
        assert client.post(f"/subjectview/edit/{pk}", data={"name": "Подмена"}).status_code == 400
        assert client.get(f"/subjectview/delete/{pk}").status_code in (302, 405)
        assert client.post("/logout/").status_code == 400
    with app.app_context():
        assert db.session.get(Subject, pk).name == name
        db.session.remove()


def test_with_csrf_on_the_forms_carry_the_token_and_work(app, client):
    login(client, "admin")
    with csrf_on(app):
        page = client.get("/subjectview/add").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        assert token, "the add form has no CSRF token"
        name = unique("Риторика")
        response = client.post("/subjectview/add", data={"name": name, "order": "1", "csrf_token": token.group(1) or token.group(2)},
                               follow_redirects=True)
        assert "Запись добавлена" in flashes(response.get_data(as_text=True))
        navbar = client.get("/").get_data(as_text=True)
        assert re.search(r'<form method="post" action="/logout/"', navbar)


def test_visit_statistics_show_only_the_schools_own_logins(app, client, fresh_user):
    from app.models import School

    from sqlalchemy import delete

    client.post("/login/", data={"username": "nobody-at-all", "password": "x"})
    with app.app_context():
        other = School(full_name=unique("Лицей"), short_name=unique("Лицей №"))
        db.session.add(other)
        db.session.flush()
        db.session.add(VisitLog(school_id=other.id, username="чужой-логин", event=VisitEvent.login))
        db.session.commit()
        other_id = other.id
        db.session.remove()
    try:
        login(client, "coordinator")
        html = client.get("/visitlogview/list/?psize_VisitLogView=100").get_data(as_text=True)
        assert "coordinator" in html
        assert "чужой-логин" not in html and "nobody-at-all" not in html
    finally:  # the school goes again: other modules count the schools of the database
        with app.app_context():
            db.session.execute(delete(VisitLog).where(VisitLog.school_id == other_id))
            db.session.execute(delete(School).where(School.id == other_id))
            db.session.commit()
            db.session.remove()


def test_visit_statistics_filter_by_role_and_dates(app, client, fresh_user):
    client.post("/login/", data={"username": fresh_user, "password": "Верный-пароль-1"})
    client.post("/logout/")
    login(client, "coordinator")
    with app.app_context():
        teacher_role = app.appbuilder.sm.find_role("Учитель").id
        coordinator_role = app.appbuilder.sm.find_role("Координатор").id

    today = school_today().strftime("%d.%m.%Y")
    teachers = client.get(f"/visits/?role={teacher_role}&from={today}&to={today}").get_data(as_text=True)
    assert fresh_user in teachers
    coordinators = client.get(f"/visits/?role={coordinator_role}&from={today}&to={today}").get_data(as_text=True)
    assert fresh_user not in coordinators and "coordinator" in coordinators
    assert "Вход:" in coordinators
    long_ago = client.get("/visits/?from=01.01.2020&to=02.01.2020").get_data(as_text=True)
    assert "За эти даты посещений нет." in long_ago


def test_teachers_do_not_see_visit_statistics(client):
    login(client, "teacher")
    assert client.get("/visits/").status_code != 200
