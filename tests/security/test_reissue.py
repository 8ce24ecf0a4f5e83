"""A password reissue cannot take over an account (issue 12, item 3).

«Управление → Логины и пароли» previews exactly whose logins are created and whose
passwords change, and whom the rules skip and why; the issuer confirms with their own
password; each change is in the account audit. The takeover that was found — the
secretary reissued all 38 staff passwords, the administrator's among them, and logged
in as `admin` — and its variants are tried for every account that reaches the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccountAudit, Employee, Enrolment, Guardian, PartaUser, SchoolClass, Student, StudentGuardian
from tests.conftest import DEMO_PASSWORD, flashes, login
from tests.security.account_fixtures import (  # noqa: F401  (restored: a fixture)
    PASSWORD, USERS, Preview, confirm, make_login, pdf_text, preview, remove_logins, restored,
)

def _hashes(app) -> dict:
    with app.app_context():
        found = dict(db.session.execute(select(USERS.c.id, USERS.c.password)).all())
        db.session.remove()
    return found


def _user_id(app, username: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))
        db.session.remove()
    return found


def _class_of(app, username: str) -> tuple[int, str]:
    """The class the demo class teacher leads."""
    with app.app_context():
        school_class = db.session.scalar(
            select(SchoolClass).join(Employee, Employee.id == SchoolClass.class_teacher_id)
            .join(PartaUser, PartaUser.id == Employee.user_id).where(PartaUser.username == username)
            .order_by(SchoolClass.year_id.desc()))
        found = school_class.id, school_class.name
        db.session.remove()
    return found


def _another_class(app, class_id: int) -> int:
    with app.app_context():
        year = db.session.get(SchoolClass, class_id).year_id
        other = db.session.scalar(select(SchoolClass.id).where(SchoolClass.year_id == year, SchoolClass.id != class_id)
                                  .order_by(SchoolClass.grade.desc()).limit(1))
        db.session.remove()
    return other


def _staff_keys(app, *usernames) -> dict:
    with app.app_context():
        found = {name: f"employee:{db.session.scalar(select(Employee.id).join(PartaUser, PartaUser.id == Employee.user_id).where(PartaUser.username == name))}"
                 for name in usernames}
        db.session.remove()
    return found


# --- the takeover that was found ---------------------------------------------------------

def test_the_secretary_cannot_reissue_staff_passwords_and_take_over_the_administrator(app, restored):
    before = _hashes(app)
    secretary = login(app.test_client(), "secretary")
    assert 'value="staff"' not in secretary.get("/credentials/").get_data(as_text=True)
    refused = secretary.post("/credentials/preview", data={"target": "staff", "reissue": "y"}, follow_redirects=True)
    assert "Пароли сотрудникам выдаёт только администратор." in flashes(refused.get_data(as_text=True))
    # nor by sending the confirmation straight away, with her own password and the staff's cards
    keys = list(_staff_keys(app, "admin", "director", "teacher").values())
    forged = secretary.post("/credentials/apply", data={"target": "staff", "reissue": "y", "key": keys, "nonce": "x",
                                                         "password": DEMO_PASSWORD}, follow_redirects=True)
    assert forged.mimetype != "application/pdf"
    assert _hashes(app) == before
    login(app.test_client(), "admin")  # the administrator's password is still theirs


@pytest.mark.parametrize("username", ["secretary", "coordinator", "classteacher"])
def test_no_issuer_but_the_administrator_changes_a_staff_login_even_behind_a_parents_card(app, restored, username):
    """The director's login put behind a parent's card of the class: the family's issuers skip it."""
    class_id, _ = _class_of(app, "classteacher")
    with app.app_context():
        guardian = db.session.scalar(select(Guardian).join(StudentGuardian).join(Enrolment, Enrolment.student_id == StudentGuardian.student_id)
                                     .where(Enrolment.class_id == class_id, Guardian.user_id.is_(None)).limit(1))
        guardian_id = guardian.id
        guardian.user_id = db.session.scalar(select(PartaUser.id).where(PartaUser.username == "director"))
        db.session.commit()
        db.session.remove()
    try:
        before = _hashes(app)
        client = login(app.test_client(), username)
        shown = preview(client, target="class", class_id=class_id, parents="y", reissue="y")
        key = f"guardian:{guardian_id}"
        assert key in shown.keys("credentials-skipped")
        assert "director" in shown.row(key)
        confirm(client, shown, key=[key, *shown.confirm_form().get("key", [])])
        after = _hashes(app)
        assert after[_user_id(app, "director")] == before[_user_id(app, "director")]
    finally:
        with app.app_context():
            db.session.get(Guardian, guardian_id).user_id = None
            db.session.commit()
            db.session.remove()


# --- what each issuer may do ------------------------------------------------------------------

def test_the_administrator_reissues_staff_passwords_but_not_those_of_equal_or_higher_logins(app, restored):
    with app.app_context():
        cards = db.session.scalars(select(Employee.id).where(Employee.user_id.is_(None)).order_by(Employee.id).limit(2)).all()
        db.session.remove()
    peer = make_login(app, "peer", ["Администратор"], school_id=1)
    root = make_login(app, "root", ["Администратор"])
    with app.app_context():
        for card_id, login_id in zip(cards, (peer.id, root.id)):
            db.session.get(Employee, card_id).user_id = login_id
        db.session.commit()
        db.session.remove()
    try:
        before = _hashes(app)
        admin = login(app.test_client(), "admin")
        shown = preview(admin, target="staff", reissue="y")
        staff = _staff_keys(app, "admin", "director", "teacher", "secretary")
        reissued, skipped = shown.keys("credentials-reissued"), shown.keys("credentials-skipped")
        assert {staff["director"], staff["teacher"], staff["secretary"]} <= reissued
        assert {staff["admin"], f"employee:{cards[0]}", f"employee:{cards[1]}"} <= skipped
        assert "собственная" in shown.row(staff["admin"])
        assert "равные вашим или выше" in shown.row(f"employee:{cards[0]}")
        text = pdf_text(confirm(admin, shown))
        after = _hashes(app)
        changed = {i for i in after if i in before and after[i] != before[i]}
        assert _user_id(app, "director") in changed and _user_id(app, "teacher") in changed
        assert not {_user_id(app, "admin"), peer.id, root.id} & changed
        assert "director" in text and peer.username not in text
        login(app.test_client(), peer.username, PASSWORD)
        with app.app_context():
            audit = db.session.scalars(select(AccountAudit).where(AccountAudit.action == "password_reissued",
                                                                  AccountAudit.target_id == _user_id(app, "director"))).all()
            assert [(a.actor_username, a.address) for a in audit][-1] == ("admin", "127.0.0.1")
            db.session.remove()
    finally:
        remove_logins(app, peer.id, root.id)


@pytest.mark.parametrize("username", ["admin", "coordinator", "secretary", "classteacher"])
def test_a_class_is_reissued_exactly_as_previewed_with_every_change_audited(app, restored, username):
    class_id, class_name = _class_of(app, "classteacher")
    before = _hashes(app)
    client = login(app.test_client(), username)
    shown = preview(client, target="class", class_id=class_id, students="y", parents="y", reissue="y")
    reissued, created = shown.keys("credentials-reissued"), shown.keys("credentials-created")
    assert reissued or created
    with app.app_context():
        people = {f"student:{s.id}": s.user_id for s in db.session.scalars(select(Student).join(Enrolment).where(Enrolment.class_id == class_id))}
        people |= {f"guardian:{g.id}": g.user_id for g in db.session.scalars(
            select(Guardian).join(StudentGuardian).join(Enrolment, Enrolment.student_id == StudentGuardian.student_id)
            .where(Enrolment.class_id == class_id))}
        db.session.remove()
    assert reissued | created <= set(people)
    text = pdf_text(confirm(client, shown))
    after = _hashes(app)
    changed = {i for i in before if after.get(i) != before[i]}
    assert changed == {people[k] for k in reissued}
    assert class_name in text
    with app.app_context():
        issuer = _user_id(app, username)
        rows = db.session.scalars(select(AccountAudit).where(AccountAudit.actor_id == issuer,
                                                             AccountAudit.action == "password_reissued")).all()
        assert changed <= {r.target_id for r in rows}
        made = db.session.scalars(select(AccountAudit.target_id).where(AccountAudit.actor_id == issuer,
                                                                       AccountAudit.action == "created")).all()
        assert len(created) <= len(made)
        db.session.remove()


def test_a_class_teacher_issues_only_for_the_class_they_lead(app, restored):
    class_id, _ = _class_of(app, "classteacher")
    other = _another_class(app, class_id)
    before = _hashes(app)
    client = login(app.test_client(), "classteacher")
    page = client.get("/credentials/").get_data(as_text=True)
    assert f'value="{class_id}"' in page and f'value="{other}"' not in page and 'value="staff"' not in page
    refused = client.post("/credentials/preview", data={"target": "class", "class_id": other, "students": "y", "reissue": "y"},
                          follow_redirects=True)
    assert "Выберите класс." in flashes(refused.get_data(as_text=True))
    refused = client.post("/credentials/preview", data={"target": "staff", "reissue": "y"}, follow_redirects=True)
    assert "Пароли сотрудникам выдаёт только администратор." in flashes(refused.get_data(as_text=True))
    assert _hashes(app) == before


def test_a_teacher_who_leads_no_class_has_nobody_to_issue_to(app, restored):
    client = login(app.test_client(), "teacher")
    assert "некому" in client.get("/credentials/").get_data(as_text=True)
    before = _hashes(app)
    class_id, _ = _class_of(app, "classteacher")
    client.post("/credentials/preview", data={"target": "class", "class_id": class_id, "students": "y", "reissue": "y"})
    client.post("/credentials/preview", data={"target": "staff", "reissue": "y"})
    assert _hashes(app) == before


@pytest.mark.parametrize("username", ["director", "hr", "moderator", "parent", "student"])
def test_accounts_without_the_page_are_refused(app, username):
    client = login(app.test_client(), username)
    assert client.get("/credentials/").status_code == 403
    assert client.post("/credentials/preview", data={"target": "staff", "reissue": "y"}).status_code == 403
    assert client.post("/credentials/apply", data={"target": "staff", "reissue": "y"}).status_code == 403


# --- the confirmation -----------------------------------------------------------------------

def test_a_wrong_password_changes_nothing_and_says_so(app, restored):
    class_id, _ = _class_of(app, "classteacher")
    before = _hashes(app)
    client = login(app.test_client(), "secretary")
    shown = preview(client, target="class", class_id=class_id, students="y", reissue="y")
    response = confirm(client, shown, password="не-мой-пароль")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Ваш пароль введён неверно: ни один пароль не изменён." in flashes(response.get_data(as_text=True))
    assert _hashes(app) == before
    # the page is shown again, and the right password then applies it
    again = Preview(response)
    assert again.keys("credentials-reissued") == shown.keys("credentials-reissued")
    assert pdf_text(confirm(client, again)).strip()


def test_a_confirmed_list_is_applied_once(app, restored):
    class_id, _ = _class_of(app, "classteacher")
    client = login(app.test_client(), "secretary")
    shown = preview(client, target="class", class_id=class_id, students="y", reissue="y")
    pdf_text(confirm(client, shown))
    after_first = _hashes(app)
    replay = confirm(client, shown)
    assert replay.mimetype != "application/pdf"
    assert _hashes(app) == after_first


def test_only_what_the_preview_showed_is_changed(app, restored):
    class_id, _ = _class_of(app, "classteacher")
    client = login(app.test_client(), "secretary")
    shown = preview(client, target="class", class_id=class_id, students="y", reissue="y")
    keys = sorted(shown.keys("credentials-reissued"))
    before = _hashes(app)
    response = confirm(client, shown, key=[keys[0], "employee:1", "guardian:999999"])
    pdf_text(response)
    changed = {i for i in before if _hashes(app).get(i) != before[i]}
    assert len(changed) == 1


def test_the_preview_shows_names_logins_roles_and_reasons(app, restored):
    class_id, _ = _class_of(app, "classteacher")
    client = login(app.test_client(), "admin")
    shown = preview(client, target="class", class_id=class_id, students="y", parents="y")  # no reissue ticked
    assert "Почему не меняется" in shown.html
    key = next(iter(shown.keys("credentials-skipped")))
    assert "Учётная запись уже есть" in shown.row(key)
    assert "Ученик" in shown.html and "Родитель" in shown.html
