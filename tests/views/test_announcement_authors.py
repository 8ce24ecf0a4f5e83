"""Announcements belong to their authors (issue 12, item 9): a teacher, the class
teacher and the secretary neither change nor delete the director's announcement —
not by the buttons, not by the URL, not by a POST; the author changes their own; the
administration («Управление объявлениями») changes anyone's, and the announcement
shows who changed it and when."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Announcement, Audience, PartaUser
from app.rules.errors import RuleViolation
from tests.conftest import login, unique

TEXT = "Собрание переносится на пятницу."


def _user(username: str) -> PartaUser:
    return db.session.scalar(select(PartaUser).where(PartaUser.username == username))


@pytest.fixture()
def announcement_of(app):
    """announcement_of("director") → the id of a new announcement for the whole school by
    that login; every one made is deleted afterwards."""
    made = []

    def make(username: str) -> int:
        with app.app_context():
            author = _user(username)
            item = Announcement(school_id=author.school_id, title=unique("Объявление"), text=TEXT,
                                audience=Audience.school, author_id=author.id, posted_at=utcnow())
            db.session.add(item)
            db.session.commit()
            made.append(item.id)
            db.session.remove()
        return made[-1]

    yield make
    with app.app_context():
        for pk in made:
            item = db.session.get(Announcement, pk)
            if item is not None:
                db.session.delete(item)
        db.session.commit()
        db.session.remove()


def _stored(app, pk: int):
    """(text, edited by username, edited at) of the announcement, or None when deleted."""
    with app.app_context():
        item = db.session.get(Announcement, pk)
        found = None if item is None else (item.text, item.edited_by.username if item.edited_by else None,
                                           item.edited_at)
        db.session.remove()
    return found


def _edit(client, pk: int, text: str):
    return client.post(f"/announcementview/edit/{pk}", data={"title": "Изменённое объявление", "text": text,
                                                             "audience": "school", "visible_until": ""})


@pytest.mark.parametrize("username", ["teacher", "classteacher", "secretary"])
def test_staff_cannot_change_or_delete_the_directors_announcement_by_any_url(app, announcement_of, username):
    pk = announcement_of("director")
    client = login(app.test_client(), username)
    assert client.get("/announcementview/list/").status_code == 200
    assert f"/announcementview/edit/{pk}" not in client.get("/announcementview/list/").get_data(as_text=True)
    assert client.get(f"/announcementview/edit/{pk}").status_code == 404
    assert _edit(client, pk, "Чужой текст").status_code == 404
    assert client.post(f"/announcementview/delete/{pk}").status_code == 404
    assert client.post("/announcementview/action_post", data={"action": "muldelete", "rowid": [str(pk)]}).status_code == 404
    assert client.post(f"/announcementview/action/muldelete/{pk}").status_code == 404
    assert _stored(app, pk) == (TEXT, None, None)


def test_the_author_changes_and_deletes_their_own_announcement(app, announcement_of):
    pk = announcement_of("teacher")
    client = login(app.test_client(), "teacher")
    assert f"/announcementview/edit/{pk}" in client.get("/announcementview/list/").get_data(as_text=True)
    response = _edit(client, pk, "Собрание в четверг.")
    assert response.status_code == 302
    text, editor, edited_at = _stored(app, pk)
    assert (text, editor) == ("Собрание в четверг.", "teacher") and edited_at is not None
    client.post(f"/announcementview/delete/{pk}")
    assert _stored(app, pk) is None


def test_the_administrator_changes_the_directors_announcement_and_is_shown_as_its_editor(app, announcement_of):
    pk = announcement_of("director")
    client = login(app.test_client(), "admin")
    assert _edit(client, pk, "Собрание в субботу.").status_code == 302
    text, editor, edited_at = _stored(app, pk)
    assert (text, editor) == ("Собрание в субботу.", "admin") and edited_at is not None
    with app.app_context():
        admin = _user("admin")
        admin_name = f"{admin.first_name} {admin.last_name}"
        db.session.remove()
    board = login(app.test_client(), "teacher").get("/announcements/").get_data(as_text=True)
    card = board[board.index(f'data-announcement="{pk}"'):]
    card = card[:card.index("panel-body")]
    assert re.search(rf"изменено \d\d\.\d\d\.\d{{4}} \d\d:\d\d \({re.escape(admin_name)}\)", card), card
    show = client.get(f"/announcementview/show/{pk}").get_data(as_text=True)
    assert "Кем изменено" in show and admin_name in show


def test_the_coordinator_deletes_the_directors_announcement(app, announcement_of):
    pk = announcement_of("director")
    client = login(app.test_client(), "coordinator")
    response = client.post(f"/announcementview/delete/{pk}", follow_redirects=True)
    assert response.status_code == 200
    assert _stored(app, pk) is None


def test_a_write_past_the_pages_is_refused_at_the_flush_too(app, announcement_of):
    """Any other path (a future REST endpoint, an import, a script in a request) meets the same rule."""
    from flask_login import login_user

    pk = announcement_of("director")
    with app.test_request_context():
        login_user(_user("teacher"))
        item = db.session.get(Announcement, pk)
        item.text = "Чужой текст"
        with pytest.raises(RuleViolation):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(Announcement, pk))
        with pytest.raises(RuleViolation):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert _stored(app, pk) == (TEXT, None, None)


def test_the_director_as_author_may_change_their_announcement_on_any_path(app, announcement_of):
    from flask_login import login_user

    pk = announcement_of("director")
    with app.test_request_context():
        login_user(_user("director"))
        db.session.get(Announcement, pk).text = "Новый текст"
        db.session.commit()
        db.session.remove()
    assert _stored(app, pk)[:2] == ("Новый текст", "director")


def test_a_teacher_cannot_post_an_announcement_in_another_authors_name(app):
    from flask_login import login_user

    with app.test_request_context():
        teacher, director = _user("teacher"), _user("director")
        login_user(teacher)
        db.session.add(Announcement(school_id=teacher.school_id, title=unique("Подлог"), text=TEXT,
                                    audience=Audience.school, author_id=director.id, posted_at=utcnow()))
        with pytest.raises(RuleViolation):
            db.session.commit()
        db.session.rollback()
        db.session.remove()


def test_only_the_administration_holds_the_right_to_manage_announcements():
    from app.security.rights import RIGHTS, ROLE_RIGHTS

    assert "announcements_manage" in RIGHTS
    holders = {role for role, rights in ROLE_RIGHTS.items() if "announcements_manage" in rights}
    assert holders == {"Администратор", "Координатор", "Директор"}


def test_the_director_manages_a_teachers_announcement_on_the_page(app, announcement_of):
    """The director holds «Управление объявлениями»: edits a teacher's announcement from the
    page and is recorded as its editor."""
    pk = announcement_of("teacher")
    director = login(app.test_client(), "director")
    assert director.get(f"/announcementview/edit/{pk}").status_code == 200
    assert _edit(director, pk, "Родительское собрание переносится.").status_code == 302
    text, editor, _at = _stored(app, pk)
    assert (text, editor) == ("Родительское собрание переносится.", "director")
