"""Sessions end when they should (app/security/sessions.py): a browser cookie, a REST
token pair and a NetSchool API token, each copied before an event, are tried after it
from another client. Logout ends the browser's session; a password change (own, set by
an administrator, reissued), deactivation, a change of roles or of school end every
session and token of the login; an administrator ends them on «Сеансы пользователей»."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import types
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AccountAudit, PartaUser, School, UserSession
from tests.conftest import login, unique

PASSWORD = "Первый-пароль-7"
NEW_PASSWORD = "Второй-пароль-8"
SIGNED_IN_PAGE = "/resetmypassword/form"  # every login may open it; others are sent to the form


def _pw2(salt: str, password: str) -> str:
    return hashlib.md5(salt.encode() + hashlib.md5(password.encode("windows-1251")).hexdigest().encode()).hexdigest()


@pytest.fixture()
def new_login(app):
    """Makes logins of the demo school (or of `school_id`) for one test; removes them after."""
    made = []

    def make(role: str = "Ученик", school_id: int | None = -1, apps: bool = False) -> types.SimpleNamespace:
        with app.app_context():
            sm = app.appbuilder.sm
            name = unique("sess").replace(" ", "_")
            user = sm.add_user(name, "Вера", "Сеансова", f"{name}@example.ru", [sm.find_role(role)], password=PASSWORD)
            if school_id == -1:
                school_id = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "admin"))
            user.school_id = school_id
            db.session.commit()
            if apps:
                from app.security import webapi

                webapi.enable(db.session, user, PASSWORD)
                db.session.commit()
            found = types.SimpleNamespace(id=user.id, username=name, school_id=school_id)
            db.session.remove()
        made.append(found.id)
        return found

    yield make
    with app.app_context():
        for user_id in made:
            user = db.session.get(PartaUser, user_id)
            if user is not None:
                db.session.delete(user)
        db.session.commit()
        db.session.remove()


def _session_cookie(response) -> str:
    """The value of the session cookie the response sets (what a thief would copy)."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError("the response sets no session cookie")


def _browser_with(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _signed_in(client) -> bool:
    return client.get(SIGNED_IN_PAGE).status_code == 200


@dataclass
class Credentials:
    cookie: str
    access: str
    refresh: str
    webapi: str | None


def sign_in_everywhere(app, user, password: str = PASSWORD) -> tuple:
    """(the browser, Credentials): a form login, a REST token pair and, for logins with the
    apps switched on, a NetSchool API token."""
    browser = app.test_client()
    response = browser.post("/login/", data={"username": user.username, "password": password})
    assert response.status_code == 302 and _signed_in(browser)
    tokens = app.test_client().post("/api/v1/security/login", json={
        "username": user.username, "password": password, "provider": "db", "refresh": True}).get_json()
    token = None
    if _apps_on(app, user.id):
        api = app.test_client()
        api.get("/webapi/logindata")
        salt = api.post("/webapi/auth/getdata").get_json()["salt"]
        answer = api.post("/webapi/login", data={"loginType": 1, "scid": user.school_id, "un": user.username,
                                                 "pw2": _pw2(salt, password), "lt": "1", "ver": "1"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        token = answer.get_json()["at"]
    return browser, Credentials(_session_cookie(response), tokens["access_token"], tokens["refresh_token"], token)


def _apps_on(app, user_id: int) -> bool:
    from app.models import WebApiAccount

    with app.app_context():
        on = bool(db.session.scalar(select(WebApiAccount.enabled).where(WebApiAccount.user_id == user_id)))
        db.session.remove()
    return on


def what_still_works(app, credentials: Credentials) -> dict:
    """Each copied credential tried from a fresh client."""
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {credentials.access}"}
    works = {
        "cookie": _signed_in(_browser_with(app, credentials.cookie)),
        "access token": client.get("/api/v1/student/", headers=bearer).status_code == 200,
        "refresh token": client.post("/api/v1/security/refresh",
                                     headers={"Authorization": f"Bearer {credentials.refresh}"}).status_code == 200,
    }
    if credentials.webapi:
        works["app token"] = client.get("/webapi/grade/assignment/types", headers={"at": credentials.webapi}).status_code == 200
    return works


def _change(app, user_id: int, **values) -> None:
    """A change made outside any page (the CLI, a script): the flush hook still ends the sessions."""
    with app.app_context():
        user = db.session.get(PartaUser, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()
        db.session.remove()


def test_a_cookie_copied_before_logout_no_longer_signs_in_after_it(app, new_login):
    user = new_login()
    browser, credentials = sign_in_everywhere(app, user)
    assert _signed_in(_browser_with(app, credentials.cookie))
    browser.post("/logout/")
    assert not _signed_in(browser)
    assert not _signed_in(_browser_with(app, credentials.cookie))
    # logging out of one browser leaves the login's other sign-ins alone
    assert what_still_works(app, credentials) == {"cookie": False, "access token": True, "refresh token": True}


def test_own_password_change_ends_every_other_sign_in_and_keeps_the_browser_that_made_it(app, new_login):
    user = new_login(apps=True)
    browser, credentials = sign_in_everywhere(app, user)
    other_browser, _ = sign_in_everywhere(app, user)
    changed = browser.post("/resetmypassword/form", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _signed_in(browser), "the browser that changed the password stays signed in"
    assert not _signed_in(other_browser)
    assert what_still_works(app, credentials) == {"cookie": False, "access token": False, "refresh token": False,
                                                  "app token": False}
    _browser, fresh = sign_in_everywhere(app, user, NEW_PASSWORD)
    assert all(what_still_works(app, fresh).values())


def test_a_password_set_by_an_administrator_ends_the_users_sessions(app, new_login):
    user = new_login(role="Учитель")
    _browser, credentials = sign_in_everywhere(app, user)
    admin = login(app.test_client(), "admin")
    response = admin.post(f"/resetpassword/form?pk={user.id}", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert what_still_works(app, credentials) == {"cookie": False, "access token": False, "refresh token": False}
    assert _signed_in(admin), "the administrator's own session goes on"


def test_a_reissued_password_ends_the_sessions_made_with_the_old_one(app, new_login):
    from app.security.passwords import issue_logins

    user = new_login(apps=True)
    _browser, credentials = sign_in_everywhere(app, user)
    with app.app_context():
        row = db.session.get(PartaUser, user.id)
        person = types.SimpleNamespace(user=row, first_name=row.first_name, last_name=row.last_name)
        issue_logins(db.session, app.appbuilder.sm, [person], "Ученик", lambda p: "", user.school_id)
        db.session.remove()
    assert what_still_works(app, credentials) == {"cookie": False, "access token": False, "refresh token": False,
                                                  "app token": False}


@pytest.mark.parametrize("event", ["deactivated", "roles changed", "moved to another school",
                                   "moved by setting the school itself"])
def test_deactivation_a_change_of_roles_or_of_school_ends_every_session_and_token(app, new_login, event):
    user = new_login(apps=True)
    _browser, credentials = sign_in_everywhere(app, user)
    assert all(what_still_works(app, credentials).values())
    if event == "deactivated":
        _change(app, user.id, active=False)
    elif event == "roles changed":
        with app.app_context():
            parent = app.appbuilder.sm.find_role("Родитель")
            db.session.remove()
        _change(app, user.id, roles=[parent])
    else:
        with app.app_context():
            school = School(full_name=unique("Школа"), short_name=unique("Школа №"))
            db.session.add(school)
            db.session.commit()
            school_id = school.id
            db.session.remove()
        if event == "moved to another school":
            _change(app, user.id, school_id=school_id)
        else:  # what a form does: the relationship, whose column follows only at the flush
            with app.app_context():
                user_row = db.session.get(PartaUser, user.id)
                user_row.school = db.session.get(School, school_id)
                db.session.commit()
                db.session.remove()
    assert not any(what_still_works(app, credentials).values()), event
    if event.startswith("moved"):
        with app.app_context():
            db.session.execute(update(PartaUser).where(PartaUser.id == user.id).values(school_id=None))
            db.session.execute(delete(School).where(School.id == school_id))
            db.session.commit()
            db.session.remove()


def test_a_change_that_touches_nothing_of_the_kind_keeps_the_sessions(app, new_login):
    user = new_login()
    _browser, credentials = sign_in_everywhere(app, user)
    _change(app, user.id, first_name="Вероника", email=f"{user.username}@example.org")
    assert all(what_still_works(app, credentials).values())


def test_an_idle_session_ends_on_the_server_even_if_the_cookie_is_replayed(app, new_login):
    user = new_login()
    browser, credentials = sign_in_everywhere(app, user)
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == user.id)
                           .values(last_seen_at=dt.datetime(2000, 1, 1)))
        db.session.commit()
        db.session.remove()
    assert not _signed_in(_browser_with(app, credentials.cookie))
    with app.app_context():
        reasons = set(db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)))
        db.session.remove()
    assert reasons == {"idle"}
    assert not _signed_in(browser)


def test_the_cookie_is_sent_again_when_the_sign_in_is_touched_not_with_every_answer(app, new_login):
    """Every answer used to sign and send the cookie again. Now an answer that changes nothing
    in the session (the journal's data and saves; FAB's forms and lists keep their page history
    there) sends it with the server-side row's touch, at most once a minute, expiring a minute
    after the idle time: the browser never drops it before the server ends the sign-in."""
    user = new_login("Учитель")
    browser = app.test_client()
    browser.post("/login/", data={"username": user.username, "password": PASSWORD})
    page = "/journal/averages"  # {} without a journal
    assert browser.get(page).status_code == 200
    quiet = browser.get(page)
    assert quiet.status_code == 200 and "Set-Cookie" not in quiet.headers
    with app.app_context():
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        row.last_seen_at -= dt.timedelta(minutes=2)
        db.session.commit()
        db.session.remove()
    touched = browser.get(page)
    assert touched.status_code == 200
    cookie = next(header for header in touched.headers.getlist("Set-Cookie") if header.startswith("session="))
    expires = dt.datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    idle = app.permanent_session_lifetime + dt.timedelta(minutes=1)
    assert abs(expires - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - idle) < dt.timedelta(seconds=30)
    assert "Set-Cookie" not in browser.get(page).headers
    assert _signed_in(browser)


def test_a_session_is_kept_on_the_server_by_the_hash_of_its_token_with_address_and_browser(app, new_login):
    user = new_login()
    browser = app.test_client()
    browser.post("/login/", data={"username": user.username, "password": PASSWORD}, headers={"User-Agent": "Яндекс Браузер"})
    with app.app_context():
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        assert (row.address, row.user_agent, row.ended_at, row.school_id) == ("127.0.0.1", "Яндекс Браузер", None, user.school_id)
        cookie = browser.get_cookie("session").value
        assert row.token_hash not in cookie and len(row.token_hash) == 64
        db.session.remove()


# --- the administrator's page ------------------------------------------------------

def test_the_administrator_ends_every_session_of_a_login_and_it_is_recorded(app, new_login):
    user = new_login(apps=True)
    _browser, credentials = sign_in_everywhere(app, user)
    admin = login(app.test_client(), "admin")
    page = admin.get("/sessions/").get_data(as_text=True)
    assert user.username in page
    response = admin.post(f"/sessions/end/{user.id}", follow_redirects=True)
    assert response.status_code == 200
    assert "Все сеансы" in response.get_data(as_text=True)
    assert not any(what_still_works(app, credentials).values())
    assert user.username not in admin.get("/sessions/").get_data(as_text=True)
    with app.app_context():
        audit = db.session.scalar(select(AccountAudit).where(AccountAudit.target_id == user.id,
                                                             AccountAudit.action == "sessions_ended"))
        assert audit is not None and audit.actor_username == "admin" and audit.address == "127.0.0.1"
        db.session.remove()


def test_a_login_without_a_browser_session_is_found_by_name_and_its_tokens_ended(app, new_login):
    user = new_login()
    tokens = app.test_client().post("/api/v1/security/login", json={
        "username": user.username, "password": PASSWORD, "provider": "db", "refresh": True}).get_json()
    admin = login(app.test_client(), "admin")
    assert f"/sessions/end/{user.id}" in admin.get(f"/sessions/?q={user.username}").get_data(as_text=True)
    admin.post(f"/sessions/end/{user.id}")
    assert app.test_client().get("/api/v1/student/", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401


def test_a_school_administrator_cannot_end_sessions_outside_the_school_or_of_the_system_administrator(app, new_login):
    with app.app_context():
        school = School(full_name=unique("Лицей"), short_name=unique("Лицей №"))
        db.session.add(school)
        db.session.commit()
        other_school = school.id
        db.session.remove()
    stranger = new_login(role="Учитель", school_id=other_school)
    system = new_login(role="Администратор", school_id=None)
    stranger_browser, stranger_credentials = sign_in_everywhere(app, stranger)
    system_browser, system_credentials = sign_in_everywhere(app, system)
    admin = login(app.test_client(), "admin")
    page = admin.get("/sessions/").get_data(as_text=True)
    assert stranger.username not in page and system.username not in page
    for target in (stranger, system):
        assert admin.post(f"/sessions/end/{target.id}").status_code == 404
    assert _signed_in(stranger_browser) and _signed_in(system_browser)
    # the system administrator reaches every school
    assert system_browser.post(f"/sessions/end/{stranger.id}").status_code == 302
    assert not _signed_in(stranger_browser)
    with app.app_context():
        db.session.execute(delete(PartaUser).where(PartaUser.id == stranger.id))
        db.session.execute(delete(School).where(School.id == other_school))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("username", ["teacher", "secretary", "coordinator"])
def test_only_the_administrator_opens_the_sessions_page(app, username):
    client = login(app.test_client(), username)
    assert client.get("/sessions/").status_code != 200


# --- where the form sends the browser after signing in --------------------------------

@pytest.fixture()
def redirect_warnings(caplog):
    """The «Invalid redirect» warnings logged during the test (the migrations' logging
    set-up disables the loggers that existed before it: they are switched back on here)."""
    loggers = [logging.getLogger(name) for name in ("flask_appbuilder.utils.base", "app.security.manager")]
    disabled = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = False
    caplog.set_level(logging.WARNING)
    yield lambda: [r.getMessage() for r in caplog.records if "Invalid redirect" in r.getMessage()]
    for logger, was in zip(loggers, disabled):
        logger.disabled = was


def test_a_normal_sign_in_goes_home_and_logs_no_invalid_redirect(app, new_login, redirect_warnings):
    user = new_login()
    response = app.test_client().post("/login/", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert redirect_warnings() == []


def test_signing_in_from_a_page_returns_to_it_on_a_host_with_a_port(app, new_login, redirect_warnings):
    user = new_login(role="Учитель")
    browser = app.test_client()
    sent = browser.get("/resetmypassword/form", base_url="http://127.0.0.1:5000")
    assert sent.status_code == 302 and "next=" in sent.headers["Location"]
    response = browser.post(sent.headers["Location"], base_url="http://127.0.0.1:5000",
                            data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/resetmypassword/form"
    assert redirect_warnings() == []


@pytest.mark.parametrize("target", ["http://evil.example/steal", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"])
def test_a_next_that_leads_off_the_site_is_refused(app, new_login, redirect_warnings, target):
    user = new_login()
    response = app.test_client().post("/login/", query_string={"next": target},
                                      data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert redirect_warnings(), "a refused redirect is still reported"


def test_sessions_of_a_login_holding_rights_the_user_lacks_are_not_ended(app, new_login):
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.add_role(unique("Дежурный администратор"))
        from app.security.rights import RIGHTS_VIEW
        from app.security.roles import SELF_SERVICE

        # pages of its own, and the right to administer logins — but not a teacher's journal
        grants = {("can_list", "UserSessionsView"), ("can_end", "UserSessionsView"), ("users_edit", RIGHTS_VIEW),
                  ("can_edit", "PartaUserDBModelView"), *SELF_SERVICE}
        for permission, view in grants:
            found = sm.find_permission_view_menu(permission, view)
            if found is not None:
                role.permissions.append(found)
        db.session.commit()
        role_name, role_id = role.name, role.id
        db.session.remove()
    try:
        keeper = new_login(role=role_name)
        colleague = new_login(role=role_name)
        teacher = new_login(role="Учитель")
        teacher_browser, _ = sign_in_everywhere(app, teacher)
        colleague_browser, _ = sign_in_everywhere(app, colleague)
        client = login(app.test_client(), keeper.username, PASSWORD)
        refused = client.post(f"/sessions/end/{teacher.id}", follow_redirects=True).get_data(as_text=True)
        assert "есть права, которых нет у вас" in refused, refused
        assert _signed_in(teacher_browser)
        client.post(f"/sessions/end/{colleague.id}")
        assert not _signed_in(colleague_browser)
    finally:
        with app.app_context():
            from flask_appbuilder.security.sqla.models import Role, assoc_permissionview_role, assoc_user_role

            db.session.execute(assoc_user_role.delete().where(assoc_user_role.c.role_id == role_id))
            db.session.execute(assoc_permissionview_role.delete().where(assoc_permissionview_role.c.role_id == role_id))
            db.session.execute(delete(Role).where(Role.id == role_id))
            db.session.commit()
            db.session.remove()


def _edit_through_the_form(app, user_id: int, **changes) -> None:
    """The administrator's «Пользователи → Изменить» form, posted back as read, with `changes`."""
    from tests.forms import read_form

    admin = login(app.test_client(), "admin")
    form = read_form(admin.get(f"/users/edit/{user_id}").get_data(as_text=True))
    data = {**form.data, **changes}
    response = admin.post(f"/users/edit/{user_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def test_an_administrators_edit_of_name_or_email_keeps_the_users_sessions(app, new_login):
    user = new_login(role="Учитель")
    _browser, credentials = sign_in_everywhere(app, user)
    _edit_through_the_form(app, user.id, email=f"{user.username}@example.org", first_name="Вероника")
    assert all(what_still_works(app, credentials).values())


def test_an_administrators_change_of_roles_on_the_form_ends_the_users_sessions(app, new_login):
    user = new_login(role="Учитель")
    _browser, credentials = sign_in_everywhere(app, user)
    with app.app_context():
        other = str(app.appbuilder.sm.find_role("Секретарь").id)
        db.session.remove()
    _edit_through_the_form(app, user.id, roles=other)
    assert not any(what_still_works(app, credentials).values())
