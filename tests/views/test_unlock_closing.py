"""Closing a journal unlock early (act 001 §4.11–4.14): who may grant an unlock
closes it; who and when are recorded and audited; the journal locks again at once,
so the teacher's next change of a locked entry is refused. Nobody else closes it,
and a closed unlock is neither closed again nor edited."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.clock import school_zone, utcnow
from app.extensions import db
from app.models import AuditLog, JournalUnlock, Mark, PartaUser
from app.rules.locks import LOCK_MESSAGES
from tests.conftest import flashes, login, unique
from tests.views.journal_fixtures import journal, make_mark  # noqa: F401 (fixture)


def _ru(app, msgid: str, **params) -> str:
    with app.test_request_context():
        return gettext(msgid, **params)


def _post(client, url: str, data: dict | None = None) -> list[str]:
    response = client.post(url, data=data or {}, follow_redirects=True)
    return flashes(response.get_data(as_text=True))


def _edit_mark(client, journal, ids: dict, value: str) -> list[str]:
    return _post(client, f"/markview/edit/{ids['mark']}",
                 {"assignment": ids["assignment"], "student": ids["student"], "value": journal.values[value]})


def _value_of(app, mark_id: int) -> int:
    with app.app_context():
        value = db.session.get(Mark, mark_id).value_id
        db.session.remove()
    return value


def _unlock(app, journal, day: dt.date) -> int:
    """The coordinator opens the journal for `day`, through the form."""
    coordinator = login(app.test_client(), "coordinator")
    reason = unique("Больничный")
    _post(coordinator, "/journalunlockview/add", {
        "subject_group": journal.group_id, "date_from": f"{day:%d.%m.%Y}", "date_to": f"{day:%d.%m.%Y}",
        "until": f"{journal.day(-5):%d.%m.%Y}", "reason": reason})
    with app.app_context():
        pk = db.session.scalar(select(JournalUnlock.id).where(JournalUnlock.reason == reason))
        db.session.remove()
    assert pk is not None
    return pk


def _closed(app, pk: int) -> tuple:
    with app.app_context():
        unlock = db.session.get(JournalUnlock, pk)
        found = (unlock.closed_by_id, unlock.closed_at)
        db.session.remove()
    return found


def test_coordinator_closes_an_unlock_early_and_the_teachers_next_change_is_refused_at_once(app, journal):
    ids = make_mark(app, journal, days_ago=15, value="4")
    pk = _unlock(app, journal, ids["date"])
    teacher = login(app.test_client(), "teacher")
    assert "Изменения сохранены" in _edit_mark(teacher, journal, ids, "5"), "the unlock opens the entry"

    coordinator = login(app.test_client(), "coordinator")
    page = coordinator.get(f"/journalunlockview/show/{pk}").get_data(as_text=True)
    assert "Закрыть досрочно" in page
    messages = _post(coordinator, f"/journalunlockview/close/{pk}")
    assert _ru(app, "The unlock is closed: the journal's locks apply again.") in messages, messages

    closed_by, closed_at = _closed(app, pk)
    assert closed_by == journal.coordinator_user_id
    assert abs(utcnow() - closed_at) < dt.timedelta(minutes=5)
    with app.app_context():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "unlock", AuditLog.row_id == pk,
                                                          AuditLog.field == "closed_at")).all()
        assert [(a.user_id, a.subject_group_id, a.old_value) for a in audit] == \
            [(journal.coordinator_user_id, journal.group_id, None)]
        db.session.remove()

    until = ids["date"] + dt.timedelta(days=10)
    refused = _ru(app, LOCK_MESSAGES["mark"], date=f"{ids['date']:%d.%m.%Y}", until=f"{until:%d.%m.%Y}")
    assert refused in _edit_mark(teacher, journal, ids, "3")
    assert _value_of(app, ids["mark"]) == journal.values["5"], "the change after the closing is not written"

    listing = coordinator.get("/journalunlockview/list/").get_data(as_text=True)
    # the list shows the school's time: after 21:00 UTC it is the next day in Moscow
    shown = (closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=dt.timezone.utc)).astimezone(school_zone())
    assert shown.strftime("%d.%m.%Y %H:%M") in listing
    assert "Закрыть досрочно" not in coordinator.get(f"/journalunlockview/show/{pk}").get_data(as_text=True)
    audit_page = coordinator.get(f"/journalaudit/?class={journal.class_id}&user=coordinator").get_data(as_text=True)
    assert "Разблокировка закрыта досрочно" in audit_page


@pytest.mark.parametrize("username", ["teacher", "director", "secretary", "parent"])
def test_only_who_may_grant_an_unlock_closes_it(app, journal, username):
    pk = _unlock(app, journal, journal.day(20))
    client = login(app.test_client(), username)
    client.post(f"/journalunlockview/close/{pk}")
    assert _closed(app, pk) == (None, None)
    page = client.get(f"/journalunlockview/show/{pk}").get_data(as_text=True)
    assert "Закрыть досрочно" not in page


def test_a_closed_unlock_is_not_closed_again_and_keeps_who_closed_it(app, journal):
    pk = _unlock(app, journal, journal.day(21))
    first = login(app.test_client(), "coordinator")
    _post(first, f"/journalunlockview/close/{pk}")
    closed = _closed(app, pk)
    assert closed[0] is not None
    messages = _post(login(app.test_client(), "admin"), f"/journalunlockview/close/{pk}")
    assert _ru(app, "The unlock is already closed.") in messages, messages
    assert _closed(app, pk) == closed


def test_a_granted_unlock_changes_in_nothing_but_its_closing(app, journal):
    pk = _unlock(app, journal, journal.day(22))
    with app.test_request_context():
        from flask_login import login_user

        login_user(db.session.scalar(select(PartaUser).where(PartaUser.username == "coordinator")))
        unlock = db.session.get(JournalUnlock, pk)
        unlock.until = journal.day(-30)
        from app.rules.errors import RuleViolation

        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
