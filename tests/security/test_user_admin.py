"""User administration cannot create more power than it has (issue 12, item 2).

For every login that reaches the user pages — the demo school's administrator, the
system administrator (no school) and the municipal operator — every role is tried in
every place (no school, their own school, another school, their municipality,
another municipality), through the add form, the edit form and the flush that every
other path (an API, an import) goes through; only the allowed combinations are
written, a created login stays visible to its creator, and it never reads outside
its place. The escalation that was found (a school's administrator creates an
«Администратор» without a school, who reads and changes every school) is refused."""
from __future__ import annotations

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from app.extensions import db
from app.models import AccountAudit, Employee, PartaUser, Student
from app.rules.errors import RuleViolation
from app.security.roles import ADMIN, FAMILY_ROLES, MUNICIPAL_ROLES, ROLE_CONFIGS
from tests.conftest import flashes, login
from tests.forms import read_form
from tests.security.account_fixtures import (
    PASSWORD, api_headers, build_segments, make_login, remove_logins, remove_segments, sign_in, unique_name,
)

ROLES = [ADMIN, *ROLE_CONFIGS]
OPERATOR = "Оператор муниципального сегмента"
PLACES = ["no school", "own school", "another school", "own municipality", "another municipality"]
CREATORS = ["admin", "sysadmin", "operator"]


@pytest.fixture(scope="module")
def seg(app):
    segments = build_segments(app)
    yield segments
    remove_segments(app, segments)


def place_of(seg, creator: str, place: str):
    """(school, municipality) of a place, as seen from the creator's own segment."""
    own_school = {"admin": seg.a, "sysadmin": seg.a, "operator": seg.a}[creator]  # the operator's municipality holds A
    return {
        "no school": (None, None),
        "own school": (own_school, None),
        "another school": (seg.b if creator != "operator" else seg.c, None),
        "own municipality": (None, seg.m),
        "another municipality": (None, seg.m2),
    }[place]


def expected(seg, creator: str, role: str, place: str, path: str):
    """Where the login lands, or None when it is refused — the rules of the README's
    «Access and accounts» written out per creator."""
    school, municipality = place_of(seg, creator, place)
    municipal = role in MUNICIPAL_ROLES
    if creator == "admin":
        # the school's form offers no place: a login joins the administrator's school, and
        # a place sent anyway is refused unless it is that school (on other paths too)
        if municipal or (school, municipality) not in ((seg.a, None), (None, None) if path == "form" else (seg.a, None)):
            return None
        return seg.a, None
    if creator == "operator":
        # roles within the operator's own rights (their own role) in their municipality, and,
        # as whoever issues the families' passwords, students' and parents' logins in its schools
        if role == OPERATOR and (school, municipality) == (None, seg.m):
            return None, seg.m
        return (school, None) if role in FAMILY_ROLES and school in (seg.a, seg.b) else None
    # the system administrator: anywhere, municipal roles with a municipality, the others with a school
    if school is None and municipality is None:
        return (None, None) if role == ADMIN else None
    if school is not None:
        return None if municipal else (school, None)
    return (None, municipality) if municipal or role == ADMIN else None


def _client_of(app, seg, creator: str):
    client = app.test_client()
    if creator == "admin":
        return login(client, "admin")
    return sign_in(client, {"sysadmin": seg.sysadmin, "operator": seg.operator}[creator].username)


def _stored(app, username: str):
    with app.app_context():
        user = db.session.scalar(select(PartaUser).where(PartaUser.username == username))
        found = None if user is None else (user.id, user.school_id, user.municipality_id, sorted(r.name for r in user.roles))
        db.session.remove()
    return found


def _role_ids(app) -> dict:
    with app.app_context():
        ids = {role.name: role.id for role in app.appbuilder.sm.get_all_roles()}
        db.session.remove()
    return ids


def _reads_only_its_place(app, seg, username: str, school, municipality) -> None:
    """The new login's REST token reads no student outside the place it was given."""
    client = app.test_client()
    headers = api_headers(client, username)
    listed = client.get("/api/v1/student/?q=(page_size:1)", headers=headers)
    if listed.status_code != 200:
        assert listed.status_code in (401, 403)
        return
    inside = [school] if school else [seg.a, seg.b] if municipality == seg.m else [seg.c] if municipality == seg.m2 else None
    if inside is None:
        return  # the system administrator reads everything
    assert listed.json["count"] <= seg.count(*inside)
    for other in {seg.a, seg.b, seg.c} - set(inside):
        assert client.get(f"/api/v1/student/{seg.student_of[other]}", headers=headers).status_code == 404
        assert client.put(f"/api/v1/student/{seg.student_of[other]}", json={"last_name": "Взлом"},
                          headers=headers).status_code in (403, 404)  # 403: the role writes no students at all


@pytest.mark.parametrize("creator", CREATORS)
def test_the_add_form_creates_only_the_allowed_role_and_place_combinations(app, seg, creator):
    client = _client_of(app, seg, creator)
    role_ids = _role_ids(app)
    wrong, created = [], []
    for role in ROLES:
        for place in PLACES:
            school, municipality = place_of(seg, creator, place)
            username = unique_name("new")
            response = client.post("/users/add", data={
                "first_name": "Новый", "last_name": "Пользователь", "username": username, "email": f"{username}@example.invalid",
                "active": "y", "roles": str(role_ids[role]), "school": str(school or ""), "municipality": str(municipality or ""),
                "password": PASSWORD, "conf_password": PASSWORD})
            assert response.status_code in (200, 302)
            stored = _stored(app, username)
            want = expected(seg, creator, role, place, "form")
            got = None if stored is None else (stored[1], stored[2])
            if got != want:
                wrong.append(f"{role} / {place}: expected {want}, got {got}")
            if stored is not None:
                created.append((stored[0], username, got))
    try:
        assert wrong == [], "\n".join(wrong)
        for user_id, username, (school, municipality) in created:
            # what its creator made stays in sight, and reads only its own place
            assert client.get(f"/users/show/{user_id}").status_code == 200, username
            _reads_only_its_place(app, seg, username, school, municipality)
    finally:
        remove_logins(app, *(user_id for user_id, _, _ in created))


@pytest.mark.parametrize("creator", CREATORS)
def test_the_edit_form_changes_a_login_only_to_the_allowed_combinations(app, seg, creator):
    client = _client_of(app, seg, creator)
    role_ids = _role_ids(app)
    original = ("Учитель", seg.a, None) if creator != "operator" else (OPERATOR, None, seg.m)
    target = make_login(app, "target", [original[0]], school_id=original[1], municipality_id=original[2])
    wrong = []
    try:
        # the form as offered for the login as it is (restored after each try below, so it reads the same each time)
        page = client.get(f"/users/edit/{target.id}")
        assert page.status_code == 200
        offered = read_form(page.get_data(as_text=True)).data
        for role in ROLES:
            for place in PLACES:
                school, municipality = place_of(seg, creator, place)
                form = dict(offered)
                # the place is sent even where it is not offered (the school's administrator)
                form.update(roles=str(role_ids[role]), school=str(school or ""), municipality=str(municipality or ""))
                client.post(f"/users/edit/{target.id}", data=form)
                _, got_school, got_municipality, got_roles = _stored(app, target.username)
                want = expected(seg, creator, role, place, "form")
                got = (got_school, got_municipality) if got_roles == [role] else None
                if role == original[0] and want is None:
                    got = None if (got_school, got_municipality) == original[1:] else (got_school, got_municipality)
                if got != want:
                    wrong.append(f"{role} / {place}: expected {want}, got {(got_school, got_municipality, got_roles)}")
                _restore(app, target.id, *original)
    finally:
        remove_logins(app, target.id)
    assert wrong == [], "\n".join(wrong)


def _restore(app, user_id, role, school, municipality) -> None:
    with app.app_context():
        user = db.session.get(PartaUser, user_id)
        user.roles = [app.appbuilder.sm.find_role(role)]
        user.school_id, user.municipality_id = school, municipality
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("creator", CREATORS)
def test_every_other_path_is_held_by_the_flush_check(app, seg, creator):
    """An API, an import or any code that writes a login while someone is logged in."""
    actor_id = {"sysadmin": seg.sysadmin.id, "operator": seg.operator.id}.get(creator)
    wrong, made = [], []
    for role in ROLES:
        for place in PLACES:
            school, municipality = place_of(seg, creator, place)
            with app.test_request_context("/api/v1/anything", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
                actor = db.session.get(PartaUser, actor_id) if actor_id else \
                    db.session.scalar(select(PartaUser).where(PartaUser.username == "admin"))
                login_user(actor)
                username = unique_name("api")
                user = PartaUser(username=username, first_name="Через", last_name="Интерфейс", email=f"{username}@example.invalid",
                                 active=True, roles=[app.appbuilder.sm.find_role(role)], school_id=school,
                                 municipality_id=municipality, password="x")
                db.session.add(user)
                try:
                    db.session.commit()
                    got = (school, municipality)
                    made.append(user.id)
                except RuleViolation:
                    db.session.rollback()
                    got = None
                db.session.remove()
            want = expected(seg, creator, role, place, "flush")
            if got != want:
                wrong.append(f"{role} / {place}: expected {want}, got {got}")
    remove_logins(app, *made)
    assert wrong == [], "\n".join(wrong)


def test_the_escalation_that_was_found_is_refused(app, seg):
    """The demo administrator asks for «Администратор» without a school: the login joins
    their school, reads only its students, changes no other school's student, and stays
    in their list."""
    client = login(app.test_client(), "admin")
    role_ids = _role_ids(app)
    username = unique_name("escalate")
    client.post("/users/add", data={
        "first_name": "Ещё", "last_name": "Админ", "username": username, "email": f"{username}@example.invalid",
        "active": "y", "roles": str(role_ids[ADMIN]), "school": "", "municipality": "", "password": PASSWORD,
        "conf_password": PASSWORD})
    user_id, school, municipality, roles = _stored(app, username)
    try:
        assert (school, municipality, roles) == (seg.a, None, [ADMIN])
        headers = api_headers(app.test_client(), username)
        reader = app.test_client()
        assert reader.get("/api/v1/student/?q=(page_size:1)", headers=headers).json["count"] == seg.count(seg.a)
        assert reader.put(f"/api/v1/student/{seg.student_of[seg.b]}", json={"last_name": "Взлом"}, headers=headers).status_code == 404
        assert client.get(f"/users/show/{user_id}").status_code == 200
        # and a forged place is not taken from the form either
        forged = unique_name("forged")
        client.post("/users/add", data={
            "first_name": "Ещё", "last_name": "Админ", "username": forged, "email": f"{forged}@example.invalid", "active": "y",
            "roles": str(role_ids[ADMIN]), "school": str(seg.b), "municipality": str(seg.m), "password": PASSWORD,
            "conf_password": PASSWORD})
        forged_login = _stored(app, forged)
        assert forged_login is None or forged_login[1:3] == (seg.a, None)
    finally:
        remove_logins(app, user_id, (_stored(app, forged) or [None])[0])


def test_the_schools_form_offers_no_place_and_no_municipal_role(app):
    client = login(app.test_client(), "admin")
    form = read_form(client.get("/users/add").get_data(as_text=True))
    assert "school" not in form.data and "municipality" not in form.data
    with app.app_context():
        offered = {app.appbuilder.sm.find_role(n).id for n in MUNICIPAL_ROLES}
        db.session.remove()
    assert not offered & {int(v) for v in form.selects["roles"] if v.isdigit()}


def test_the_operator_is_offered_only_their_municipality_and_its_schools(app, seg):
    client = sign_in(app.test_client(), seg.operator.username)
    assert "/users/list/" in client.get("/").get_data(as_text=True), "«Безопасность → Пользователи» in the menu"
    form = read_form(client.get("/users/add").get_data(as_text=True))
    assert {int(v) for v in form.selects["school"] if v.isdigit()} == {seg.a, seg.b}
    assert {int(v) for v in form.selects["municipality"] if v.isdigit()} == {seg.m}


@pytest.mark.parametrize("username", ["coordinator", "director", "teacher", "classteacher", "secretary", "hr",
                                      "moderator", "parent", "student"])
def test_accounts_without_user_administration_reach_no_user_page_and_create_nothing(app, username):
    client = login(app.test_client(), username)
    assert "/users/list/" not in client.get("/").get_data(as_text=True), "no «Пользователи» in the menu"
    assert client.get("/users/list/").status_code == 403
    assert client.get("/users/add").status_code == 403
    new = unique_name("sneaky")
    client.post("/users/add", data={"first_name": "A", "last_name": "B", "username": new, "email": f"{new}@example.invalid",
                                    "roles": "1", "password": PASSWORD, "conf_password": PASSWORD})
    assert _stored(app, new) is None
    assert client.get("/roles/list/").status_code == 403


def test_the_security_rest_api_of_fab_is_not_served(app):
    client = app.test_client()
    headers = api_headers(client, "admin", "demo")
    for path in ("/api/v1/security/users/", "/api/v1/security/roles/", "/api/v1/security/groups/"):
        assert client.get(path, headers=headers).status_code == 404
        assert client.post(path, json={"username": "x", "roles": [1]}, headers=headers).status_code in (404, 405)


def test_a_schools_administrator_reads_the_roles_but_does_not_change_them(app, seg):
    client = login(app.test_client(), "admin")
    assert client.get("/roles/list/").status_code == 200
    page = client.get("/roles/list/").get_data(as_text=True)
    assert "/roles/add" not in page and "/roles/edit/" not in page
    with app.app_context():
        teacher = app.appbuilder.sm.find_role("Учитель")
        teacher_id, before = teacher.id, len(teacher.permissions)
        db.session.remove()
    assert client.get(f"/roles/edit/{teacher_id}").status_code == 403
    assert client.post(f"/roles/edit/{teacher_id}", data={"name": "Учитель", "permissions": []}).status_code == 403
    assert client.post("/roles/add", data={"name": "Всемогущий"}).status_code == 403
    assert client.post("/roles/action_post", data={"action": "copyrole", "rowid": [teacher_id]}).status_code == 403
    assert client.get("/groups/add").status_code == 403
    with app.app_context():
        assert len(app.appbuilder.sm.find_role("Учитель").permissions) == before
        assert app.appbuilder.sm.find_role("Всемогущий") is None
        db.session.remove()


def test_only_the_system_administrator_saves_the_rights_of_roles(app, seg):
    for client in (login(app.test_client(), "coordinator"), login(app.test_client(), "admin")):
        page = client.get("/rolematrix/").get_data(as_text=True)
        assert "системный администратор" in page and 'type="submit"' not in page.split("role_matrix")[-1].split("</form>")[0] \
            or "Сохранить" not in page
        response = client.post("/rolematrix/", data={"grant": []}, follow_redirects=True)
        assert "только системный администратор" in " ".join(flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert app.appbuilder.sm.find_permission_view_menu("users_edit", "Rights") in app.appbuilder.sm.find_role("Секретарь").permissions
        db.session.remove()

    root = sign_in(app.test_client(), seg.sysadmin.username)
    page = root.get("/rolematrix/").get_data(as_text=True)
    granted = re.findall(r'name="grant" value="([^"]+)"\s+title="[^"]*"\s+checked', page)
    with app.app_context():
        key = f"{app.appbuilder.sm.find_role('Секретарь').id}:users_edit"
        db.session.remove()
    assert key in granted
    try:
        response = root.post("/rolematrix/", data={"grant": [g for g in granted if g != key]}, follow_redirects=True)
        assert "Права ролей сохранены." in response.get_data(as_text=True)
        secretary = login(app.test_client(), "secretary")
        assert "некому" in secretary.get("/credentials/").get_data(as_text=True)
    finally:
        root.post("/rolematrix/", data={"grant": granted})
    assert "некому" not in login(app.test_client(), "secretary").get("/credentials/").get_data(as_text=True)


def test_nobody_deletes_or_deactivates_their_own_login(app):
    client = login(app.test_client(), "admin")
    admin_id = _stored(app, "admin")[0]
    response = client.post(f"/users/delete/{admin_id}", follow_redirects=True)
    assert "собственную" in " ".join(flashes(response.get_data(as_text=True)))
    form = read_form(client.get(f"/users/edit/{admin_id}").get_data(as_text=True)).data
    form.pop("active", None)
    response = client.post(f"/users/edit/{admin_id}", data=form, follow_redirects=True)
    assert "собственную" in " ".join(flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.get(PartaUser, admin_id).active
        db.session.remove()


def test_another_schools_logins_are_neither_seen_nor_changed(app, seg):
    client = login(app.test_client(), "admin")
    for path in (f"/users/show/{seg.admin_b.id}", f"/users/edit/{seg.admin_b.id}", f"/resetpassword/form?pk={seg.admin_b.id}",
                 f"/users/show/{seg.sysadmin.id}", f"/users/show/{seg.operator.id}"):
        assert client.get(path).status_code == 404, path
    client.post(f"/users/delete/{seg.admin_b.id}")
    assert _stored(app, seg.admin_b.username) is not None


def test_a_password_set_by_an_administrator_is_audited_and_an_equal_login_is_refused(app, seg):
    client = login(app.test_client(), "admin")
    teacher = make_login(app, "teacher", ["Учитель"], school_id=seg.a)
    peer = make_login(app, "peer", [ADMIN], school_id=seg.a)
    try:
        new = {"password": "Новый-пароль-77", "conf_password": "Новый-пароль-77"}
        assert client.post(f"/resetpassword/form?pk={teacher.id}", data=new).status_code == 302
        sign_in(app.test_client(), teacher.username, "Новый-пароль-77")
        refused = client.post(f"/resetpassword/form?pk={peer.id}", data=new, follow_redirects=True)
        assert "равные вашим или выше" in " ".join(flashes(refused.get_data(as_text=True)))
        sign_in(app.test_client(), peer.username)  # the old password still works
        with app.app_context():
            rows = db.session.scalars(select(AccountAudit).where(AccountAudit.target_id == teacher.id)).all()
            assert [(r.action, r.actor_username) for r in rows if r.action == "password_set"] == [("password_set", "admin")]
            assert not db.session.scalars(select(AccountAudit).where(AccountAudit.target_id == peer.id,
                                                                     AccountAudit.action == "password_set")).all()
            db.session.remove()
    finally:
        remove_logins(app, teacher.id, peer.id)


def test_creating_changing_and_deleting_a_login_is_written_to_the_account_audit(app, seg):
    client = login(app.test_client(), "admin")
    role_ids = _role_ids(app)
    username = unique_name("audited")
    client.post("/users/add", data={
        "first_name": "Журнал", "last_name": "Проверка", "username": username, "email": f"{username}@example.invalid",
        "active": "y", "roles": str(role_ids["Учитель"]), "password": PASSWORD, "conf_password": PASSWORD})
    user_id = _stored(app, username)[0]
    form = read_form(client.get(f"/users/edit/{user_id}").get_data(as_text=True)).data
    form.update(roles=[str(role_ids["Учитель"]), str(role_ids["Завуч"])])
    form.pop("active", None)
    client.post(f"/users/edit/{user_id}", data=form)
    client.post(f"/users/delete/{user_id}")
    assert _stored(app, username) is None
    with app.app_context():
        rows = db.session.scalars(select(AccountAudit).where(AccountAudit.target_username == username)
                                  .order_by(AccountAudit.id)).all()
        assert [r.action for r in rows] == ["created", "changed", "deleted"]
        assert all(r.actor_username == "admin" and r.address == "127.0.0.1" and r.school_id == seg.a for r in rows)
        assert "Учитель" in rows[0].details and "Завуч" in rows[1].details and "нет" in rows[1].details
        db.session.remove()
    page = login(app.test_client(), "coordinator").get("/accountauditview/list/?_flt_0_target_username=" + username)
    assert page.status_code == 200 and username in page.get_data(as_text=True)
    assert "Учётная запись создана" in page.get_data(as_text=True)


def test_the_account_audit_shows_a_school_only_its_own_rows(app, seg):
    with app.app_context():
        db.session.add(AccountAudit(school_id=seg.b, actor_username="администратор-другой-школы",
                                    target_username="чужой-в-журнале", action="created"))
        db.session.commit()
        db.session.remove()
    page = login(app.test_client(), "coordinator").get("/accountauditview/list/")
    assert page.status_code == 200 and "администратор-другой-школы" not in page.get_data(as_text=True)
    root = sign_in(app.test_client(), seg.sysadmin.username).get("/accountauditview/list/")
    assert "администратор-другой-школы" in root.get_data(as_text=True)
    assert login(app.test_client(), "teacher").get("/accountauditview/list/").status_code == 403


@pytest.mark.parametrize("username,view,field,target", [
    ("secretary", "studentview", "user", "admin"),      # a student card linked to the administrator's login
    ("secretary", "guardianview", "user", "director"),
    ("hr", "employeeview", "user", "director"),          # the personnel officer does not administer logins
])
def test_a_card_is_not_linked_to_a_login_its_editor_may_not_administer(app, username, view, field, target):
    client = login(app.test_client(), username)
    with app.app_context():
        model = {"studentview": Student, "guardianview": __import__("app.models", fromlist=["Guardian"]).Guardian,
                 "employeeview": Employee}[view]
        card = db.session.scalar(select(model).where(model.user_id.is_(None)).order_by(model.id).limit(1))
        card_id = card.id
        target_id = db.session.scalar(select(PartaUser.id).where(PartaUser.username == target))
        db.session.remove()
    form = read_form(client.get(f"/{view}/edit/{card_id}").get_data(as_text=True)).data
    form[field] = str(target_id)
    response = client.post(f"/{view}/edit/{card_id}", data=form, follow_redirects=True)
    assert response.status_code == 200
    shown = flashes(response.get_data(as_text=True))
    assert shown and not any("ошибки базы данных" in m for m in shown), shown  # the refusal's own words
    with app.app_context():
        assert db.session.get(model, card_id).user_id is None
        db.session.remove()


def test_the_administrator_links_a_staff_card_to_a_staff_login(app, seg):
    client = login(app.test_client(), "admin")
    teacher = make_login(app, "linked", ["Учитель"], school_id=seg.a)
    with app.app_context():
        card_id = db.session.scalar(select(Employee.id).where(Employee.user_id.is_(None), Employee.school_id == seg.a)
                                    .order_by(Employee.id).limit(1))
        db.session.remove()
    try:
        form = read_form(client.get(f"/employeeview/edit/{card_id}").get_data(as_text=True)).data
        form["user"] = str(teacher.id)
        client.post(f"/employeeview/edit/{card_id}", data=form)
        with app.app_context():
            assert db.session.get(Employee, card_id).user_id == teacher.id
            actions = db.session.scalars(select(AccountAudit.action).where(AccountAudit.target_id == teacher.id)).all()
            assert "linked" in actions
            db.session.get(Employee, card_id).user_id = None
            db.session.commit()
            db.session.remove()
    finally:
        remove_logins(app, teacher.id)


@pytest.mark.parametrize("who", ["admin", "coordinator", "operator"])
def test_role_definitions_change_on_no_path_but_the_system_administrators(app, seg, who):
    """The flush check behind the pages: a role's permissions, a new role, FAB's groups."""
    from flask_appbuilder.security.sqla.models import Group

    for change in ("permissions", "new role", "group"):
        with app.test_request_context("/api/v1/anything"):
            actor = db.session.get(PartaUser, seg.operator.id) if who == "operator" else \
                db.session.scalar(select(PartaUser).where(PartaUser.username == who))
            login_user(actor)
            sm = app.appbuilder.sm
            if change == "permissions":
                teacher = sm.find_role("Учитель")  # held: the session keeps loaded rows weakly
                teacher.permissions.append(sm.find_permission_view_menu("can_add", "PartaUserDBModelView"))
            elif change == "new role":
                db.session.add(sm.role_model(name="Всемогущий"))
            else:
                db.session.add(Group(name="Все", roles=[sm.find_role(ADMIN)], users=[actor]))
            with pytest.raises(RuleViolation):
                db.session.commit()
            db.session.rollback()
            db.session.remove()
    with app.test_request_context("/api/v1/anything"):
        login_user(db.session.get(PartaUser, seg.sysadmin.id))
        role = app.appbuilder.sm.role_model(name="Роль системного администратора")
        db.session.add(role)
        db.session.commit()
        db.session.delete(role)
        db.session.commit()
        db.session.remove()
