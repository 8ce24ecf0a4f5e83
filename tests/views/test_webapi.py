"""The NetSchool-compatible /webapi/: the handshake, the token, scoping by the token's
students, the school's and the login's switches, the login lock; the «Доступ для
мобильных приложений» page."""
from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Guardian, PartaUser, School, Student, StudentGuardian, VisitEvent, VisitLog, WebApiAccount
from tests.conftest import DEMO_PASSWORD, flashes, login


def _pw2(salt: str, password: str) -> str:
    """What the netschoolapi client sends."""
    return hashlib.md5(salt.encode() + hashlib.md5(password.encode("windows-1251")).hexdigest().encode()).hexdigest()


def _school(app) -> tuple:
    with app.app_context():
        school = db.session.scalar(select(School).where(School.short_name == "МБОУ СОШ № 1"))
        found = school.id, school.short_name
        db.session.remove()
    return found


def api_login(app, username: str, password: str = DEMO_PASSWORD):
    """(client, response of POST login): the handshake as the apps do it."""
    client = app.test_client()
    school_id, _ = _school(app)
    assert client.get("/webapi/logindata").status_code == 200
    meta = client.post("/webapi/auth/getdata").get_json()
    assert set(meta) == {"lt", "ver", "salt"} and all(isinstance(v, str) and v.isdigit() for v in meta.values())
    response = client.post("/webapi/login", data={"loginType": 1, "scid": school_id, "un": username,
                                                  "pw": _pw2(meta["salt"], password)[:len(password)],
                                                  "pw2": _pw2(meta["salt"], password), "lt": meta["lt"], "ver": meta["ver"]})
    return client, response


def new_login(app, username: str, role: str, password: str) -> int:
    """A login of the demo school, for a test of its own."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username, "Тест", "Тестов", f"{username}@x.test", sm.find_role(role), password=password)
        user.school_id = _school(app)[0]
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id


def _children(app, username: str) -> set:
    with app.app_context():
        guardian = db.session.scalar(select(Guardian.id).join(PartaUser, Guardian.user_id == PartaUser.id)
                                     .where(PartaUser.username == username))
        found = set(db.session.scalars(select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian)))
        db.session.remove()
    return found


def test_the_school_list_names_the_schools_that_let_apps_in(app):
    schools = app.test_client().get("/webapi/schools/search").get_json()
    assert [s["shortName"] for s in schools] == ["МБОУ СОШ № 1"]
    assert set(schools[0]) == {"id", "shortName", "name", "addressString"}


def test_every_call_but_the_handshake_needs_a_token_and_gets_json_401(app):
    client = app.test_client()
    for url in ("/webapi/student/diary/init", "/webapi/years/current", "/webapi/announcements?take=-1"):
        response = client.get(url, headers={"at": "forged"})
        assert response.status_code == 401 and response.is_json, url


def test_a_parents_token_sees_both_children_and_refuses_any_other_student(app):
    client, response = api_login(app, "parent")
    assert response.status_code == 200
    token = response.get_json()["at"]
    init = client.get("/webapi/student/diary/init", headers={"at": token}).get_json()
    children = _children(app, "parent")
    assert {s["studentId"] for s in init["students"]} == children and init["currentStudentId"] == 0
    with app.app_context():
        stranger = db.session.scalar(select(Student.id).where(Student.id.not_in(children)).order_by(Student.id))
        db.session.remove()
    week = "weekStart=2026-11-23&weekEnd=2026-11-28"
    for child in children:
        assert client.get(f"/webapi/student/diary?studentId={child}&{week}", headers={"at": token}).status_code == 200
    for url in (f"/webapi/student/diary?studentId={stranger}&{week}", f"/webapi/student/diary/pastMandatory?studentId={stranger}",
                f"/webapi/student/diary/assigns/1?studentId={stranger}"):
        refused = client.get(url, headers={"at": token})
        assert refused.status_code == 403 and refused.is_json, url


def test_dates_are_written_the_way_the_clients_parse_them(app):
    client, response = api_login(app, "student")
    token = response.get_json()["at"]
    year = client.get("/webapi/years/current", headers={"at": token}).get_json()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", year["startDate"])
    init = client.get("/webapi/student/diary/init", headers={"at": token}).get_json()
    student = init["students"][0]["studentId"]
    diary = client.get(f"/webapi/student/diary?studentId={student}&weekStart=2026-11-23&weekEnd=2026-11-28",
                       headers={"at": token}).get_json()
    assert diary["weekStart"] == "2026-11-23T00:00:00"
    for day in diary["weekDays"]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", day["date"])
        for lesson in day["lessons"]:
            assert isinstance(lesson["assignments"], list)
            for assignment in lesson["assignments"]:
                assert "id" not in (assignment["mark"] or {}), "the client copies the mark's keys over the assignment"
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", assignment["dueDate"])
    types = {t["id"] for t in client.get("/webapi/grade/assignment/types?all=false", headers={"at": token}).get_json()}
    assert all(a["typeId"] in types for day in diary["weekDays"] for lesson in day["lessons"] for a in lesson["assignments"])


def test_a_wrong_password_is_refused_with_409_and_counted(app):
    _client, response = api_login(app, "student", "wrong-password")
    assert response.status_code == 409 and "message" in response.get_json()
    with app.app_context():
        assert db.session.scalar(select(VisitLog).where(VisitLog.username == "student", VisitLog.event == VisitEvent.failed))
        db.session.remove()


def test_five_wrong_passwords_lock_the_login_like_the_main_form(app):
    new_login(app, "api_locked", "Ученик", "Верный-пароль-1")
    client = login(app.test_client(), "api_locked", "Верный-пароль-1")
    client.post("/apps-access/", data={"action": "enable", "password": "Верный-пароль-1"})
    assert api_login(app, "api_locked", "Верный-пароль-1")[1].status_code == 200
    for _ in range(5):
        assert api_login(app, "api_locked", "неверный")[1].status_code == 409
    locked = api_login(app, "api_locked", "Верный-пароль-1")[1]
    assert locked.status_code == 409 and "заблокирован" in locked.get_json()["message"]


def test_an_expired_token_gets_401_and_a_new_login_with_the_same_cookie_revives_it(app):
    from app.models import WebApiSession

    client, response = api_login(app, "student")
    token = response.get_json()["at"]
    with app.app_context():
        db.session.execute(update(WebApiSession).where(WebApiSession.token == token).values(expires_at=dt.datetime(2000, 1, 1)))
        db.session.commit()
        db.session.remove()
    assert client.get("/webapi/years/current", headers={"at": token}).status_code == 401
    client.get("/webapi/logindata")
    meta = client.post("/webapi/auth/getdata").get_json()
    school_id, _ = _school(app)
    again = client.post("/webapi/login", data={"loginType": 1, "scid": school_id, "un": "student",
                                               "pw2": _pw2(meta["salt"], DEMO_PASSWORD), "lt": meta["lt"], "ver": meta["ver"]})
    assert again.get_json()["at"] == token  # the request the client built before retries with it
    assert client.get("/webapi/years/current", headers={"at": token}).status_code == 200
    assert client.post("/webapi/auth/logout", headers={"at": token}).status_code == 200
    assert client.get("/webapi/years/current", headers={"at": token}).status_code == 401


def test_a_token_in_use_lives_on_its_expiry_written_at_most_once_a_minute(app):
    from app.clock import utcnow
    from app.models import WebApiSession
    from app.webapi import _lifetime

    client, response = api_login(app, "student")
    token = response.get_json()["at"]

    def expiry():
        with app.app_context():
            value = db.session.scalar(select(WebApiSession.expires_at).where(WebApiSession.token == token))
            db.session.remove()
        return value

    with app.app_context():  # ten minutes left: the next call gives the token its whole lifetime again
        db.session.execute(update(WebApiSession).where(WebApiSession.token == token)
                           .values(expires_at=utcnow() + dt.timedelta(minutes=10)))
        db.session.commit()
        db.session.remove()
        lifetime = _lifetime()
    before = utcnow()
    assert client.get("/webapi/years/current", headers={"at": token}).status_code == 200
    slid = expiry()
    assert before + lifetime <= slid <= utcnow() + lifetime
    assert client.get("/webapi/years/current", headers={"at": token}).status_code == 200
    assert expiry() == slid  # a second call within the minute writes nothing


def test_a_school_that_has_not_switched_the_api_on_lets_nobody_in(app):
    school_id, _ = _school(app)
    with app.app_context():
        db.session.execute(update(School).where(School.id == school_id).values(webapi_enabled=False))
        db.session.commit()
        db.session.remove()
    try:
        assert api_login(app, "student")[1].status_code == 409
        assert app.test_client().get("/webapi/schools/search").get_json() == []
    finally:
        with app.app_context():
            db.session.execute(update(School).where(School.id == school_id).values(webapi_enabled=True))
            db.session.commit()
            db.session.remove()


def test_a_login_without_the_switch_on_is_refused_and_the_page_switches_it_on_with_the_password(app):
    assert api_login(app, "teacher")[1].status_code == 409  # staff have no API account
    new_login(app, "api_new", "Родитель", "Нина-пароль-2")
    assert api_login(app, "api_new", "Нина-пароль-2")[1].status_code == 409
    page = login(app.test_client(), "api_new", "Нина-пароль-2")
    wrong = page.post("/apps-access/", data={"action": "enable", "password": "не тот"}, follow_redirects=True)
    assert "Неверный пароль." in flashes(wrong.get_data(as_text=True))
    right = page.post("/apps-access/", data={"action": "enable", "password": "Нина-пароль-2"}, follow_redirects=True)
    assert "Теперь приложения могут входить с вашими логином и паролем." in flashes(right.get_data(as_text=True))
    with app.app_context():
        account = db.session.scalar(select(WebApiAccount).join(PartaUser, WebApiAccount.user_id == PartaUser.id)
                                    .where(PartaUser.username == "api_new"))
        assert account.secret and "Нина" not in account.secret and hashlib.md5("Нина-пароль-2".encode("cp1251")).hexdigest() \
            not in account.secret, "the secret is kept encrypted"
        db.session.remove()
    assert api_login(app, "api_new", "Нина-пароль-2")[1].status_code == 200
    page.post("/apps-access/", data={"action": "disable"})
    assert api_login(app, "api_new", "Нина-пароль-2")[1].status_code == 409


def test_a_changed_password_follows_into_the_api(app):
    user_id = new_login(app, "api_change", "Ученик", "Старый-пароль-3")
    page = login(app.test_client(), "api_change", "Старый-пароль-3")
    page.post("/apps-access/", data={"action": "enable", "password": "Старый-пароль-3"})
    with app.app_context():
        app.appbuilder.sm.reset_password(user_id, "Новый-пароль-4")
        db.session.remove()
    assert api_login(app, "api_change", "Старый-пароль-3")[1].status_code == 409
    assert api_login(app, "api_change", "Новый-пароль-4")[1].status_code == 200


def test_a_password_changed_outside_parta_is_taken_into_the_api_at_the_next_sign_in(app):
    """The hash written directly (a restore, a script): the next sign-in on the form sees the
    new password and updates the app secret as the login's school — no error page."""
    from app.security.passwords import hash_password

    user_id = new_login(app, "api_outside", "Ученик", "Старый-пароль-5")
    page = login(app.test_client(), "api_outside", "Старый-пароль-5")
    page.post("/apps-access/", data={"action": "enable", "password": "Старый-пароль-5"})
    with app.app_context():
        db.session.get(PartaUser, user_id).password = hash_password("Новый-пароль-6")
        db.session.commit()
        db.session.remove()
    response = app.test_client().post("/login/", data={"username": "api_outside", "password": "Новый-пароль-6"})
    assert response.status_code == 302
    assert api_login(app, "api_outside", "Новый-пароль-6")[1].status_code == 200


@pytest.mark.parametrize("url", ["/webapi/announcements?take=-1", "/webapi/student/diary/init"])
def test_the_api_never_redirects(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 401 and "Location" not in response.headers


def _webapi_sessions(app) -> int:
    from sqlalchemy import func

    from app.models import WebApiSession

    with app.app_context():
        count = db.session.scalar(select(func.count(WebApiSession.id)))
        db.session.remove()
    return count


def test_anonymous_logindata_calls_keep_nothing_on_the_server(app):
    before = _webapi_sessions(app)
    for _ in range(20):
        response = app.test_client().get("/webapi/logindata")
        assert response.status_code == 200 and response.get_json()["productName"]
        assert "Set-Cookie" not in response.headers
    assert _webapi_sessions(app) == before


def test_the_handshake_keeps_one_session_per_cookie_from_getdata_on(app):
    client = app.test_client()
    before = _webapi_sessions(app)
    client.get("/webapi/logindata")
    first = client.post("/webapi/auth/getdata").get_json()["salt"]
    second = client.post("/webapi/auth/getdata").get_json()["salt"]
    assert _webapi_sessions(app) == before + 1 and first != second


def test_the_right_password_in_an_app_starts_the_count_of_wrong_ones_again(app):
    from app.security import webapi as accounts

    user_id = new_login(app, "api_recount", "Ученик", "Верный-пароль-6")
    with app.app_context():
        accounts.enable(db.session, db.session.get(PartaUser, user_id), "Верный-пароль-6")
        db.session.commit()
        db.session.remove()
    try:
        for _ in range(2):
            for _ in range(4):
                assert api_login(app, "api_recount", "неверный")[1].status_code == 409
            assert api_login(app, "api_recount", "Верный-пароль-6")[1].status_code == 200
    finally:
        with app.app_context():
            db.session.delete(db.session.get(PartaUser, user_id))
            db.session.commit()
            db.session.remove()
