"""Edit locks, unlocks and the audit on the CRUD path (act 001 §4.11–4.14): the
generated Mark, Attendance and PeriodMark forms refuse locked entries with the
lock's message and change nothing; a coordinator's unlock opens them; every change
is audited and shown in the «Отчёт о доступе к классному журналу»."""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from flask_babel import gettext
from sqlalchemy import delete, select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    Attendance, AuditLog, Enrolment, Guardian, JournalUnlock, Mark, PartaUser, PeriodMark, School, SchoolClass,
    Student, StudentGuardian,
)
from app.rules.locks import LOCK_MESSAGES
from tests.conftest import flashes, login, unique
from tests.forms import read_form
from tests.views.journal_fixtures import journal, make_mark, make_period_mark  # noqa: F401 (fixture)

SAVED = "Изменения сохранены"
ADDED = "Запись добавлена"


def _ru(app, msgid: str, **params) -> str:
    """A message as the Russian UI shows it."""
    with app.test_request_context():
        return gettext(msgid, **params)


def lock_message(app, kind: str, entry_date: dt.date, days: int = 10) -> str:
    until = entry_date + dt.timedelta(days=days)
    return _ru(app, LOCK_MESSAGES[kind], date=f"{entry_date:%d.%m.%Y}", until=f"{until:%d.%m.%Y}")


def client_of(app, username: str):
    return login(app.test_client(), username)


def post(client, url: str, data: dict) -> list[str]:
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    return flashes(response.get_data(as_text=True))


def edit_mark(client, journal, ids: dict, value: str, comment: str | None = None) -> list[str]:
    data = {"assignment": ids["assignment"], "student": ids["student"], "value": journal.values[value]}
    if comment:
        data["comment"] = comment
    return post(client, f"/markview/edit/{ids['mark']}", data)


def mark_of(app, pk: int) -> Mark:
    with app.app_context():
        mark = db.session.get(Mark, pk)
        db.session.expunge(mark)
        db.session.remove()
    return mark


def audit_rows(app, journal, entity: str, row_id: int) -> list[AuditLog]:
    """The audit of the changes made after the test wrote the row (by journal too:
    SQLite reuses the ids of rows deleted by an earlier module)."""
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(
            AuditLog.entity == entity, AuditLog.row_id == row_id, AuditLog.subject_group_id == journal.group_id,
            AuditLog.action == "update").order_by(AuditLog.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


@contextmanager
def school_setting(app, journal, **values):
    """Changes the school's journal settings for a block, and restores them."""
    with app.app_context():
        school = db.session.get(School, journal.school_id)
        before = {name: getattr(school, name) for name in values}
        for name, value in values.items():
            setattr(school, name, value)
        db.session.commit()
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            school = db.session.get(School, journal.school_id)
            for name, value in before.items():
                setattr(school, name, value)
            db.session.commit()
            db.session.remove()


@pytest.fixture()
def teacher(app):
    return client_of(app, "teacher")


# --- current marks and attendance: editable through the 10th day ------------

def test_teacher_is_refused_changing_a_mark_of_a_lesson_eleven_days_old_and_nothing_changes(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=11, value="4")
    messages = edit_mark(teacher, journal, ids, "5")
    assert lock_message(app, "mark", ids["date"]) in messages, messages
    assert f"{ids['date']:%d.%m.%Y}" in " ".join(messages)
    assert mark_of(app, ids["mark"]).value_id == journal.values["4"]
    assert audit_rows(app, journal, "mark", ids["mark"]) == []


def test_teacher_changes_a_mark_of_a_lesson_ten_days_old(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=10, value="4")
    assert SAVED in edit_mark(teacher, journal, ids, "5")
    assert mark_of(app, ids["mark"]).value_id == journal.values["5"]


def test_attendance_is_refused_from_the_eleventh_day_and_saved_through_the_tenth(app, journal, teacher):
    for days_ago, code, saved in ((11, "Б", False), (10, "Б", True)):
        ids = make_mark(app, journal, days_ago=days_ago)
        messages = post(teacher, f"/attendanceview/edit/{ids['attendance']}", {
            "lesson": ids["lesson"], "student": journal.other_student_id, "code": journal.codes[code]})
        with app.app_context():
            stored = db.session.get(Attendance, ids["attendance"]).code.code
            db.session.remove()
        if saved:
            assert SAVED in messages and stored == code, messages
        else:
            assert lock_message(app, "attendance", ids["date"]) in messages and stored == "Н", messages


def test_control_work_marks_follow_the_schools_own_day_count(app, journal, teacher):
    control_old = make_mark(app, journal, days_ago=4, control=True)
    control_recent = make_mark(app, journal, days_ago=3, control=True)
    ordinary = make_mark(app, journal, days_ago=4)
    with school_setting(app, journal, lock_control_days=3):
        refused = edit_mark(teacher, journal, control_old, "5")
        assert lock_message(app, "control", control_old["date"], days=3) in refused, refused
        assert mark_of(app, control_old["mark"]).value_id == journal.values["4"]
        assert SAVED in edit_mark(teacher, journal, control_recent, "5")
        assert SAVED in edit_mark(teacher, journal, ordinary, "5"), "ordinary marks keep their 10 days"
    # with the act's 10 days back, the control work of 4 days ago is open again
    assert SAVED in edit_mark(teacher, journal, control_old, "3")


# --- period marks: editable through the 10th day after the period's end -----

def _edit_period_mark(client, journal, pk: int, period_id: int, student: int, value: str) -> list[str]:
    return post(client, f"/periodmarkview/edit/{pk}", {
        "period": period_id, "subject_group": journal.group_id, "student": student, "value": journal.values[value]})


def test_period_marks_lock_ten_days_after_the_period_ends(app, journal, teacher):
    student = journal.classmates[0]
    past_period, end = journal.locked_period()
    past = make_period_mark(app, journal, past_period, student=student)
    current = make_period_mark(app, journal, journal.current_period_id, student=student)
    assert (journal.today - end).days > 10, "the quarter ended more than 10 days ago"

    refused = _edit_period_mark(teacher, journal, past, past_period, student, "5")
    assert lock_message(app, "period_mark", end) in refused, refused
    assert SAVED in _edit_period_mark(teacher, journal, current, journal.current_period_id, student, "5")

    # the boundary, moved to today by the school's setting: the Nth day is the last one
    days = (journal.today - end).days
    with school_setting(app, journal, lock_period_mark_days=days - 1):
        refused = _edit_period_mark(teacher, journal, past, past_period, student, "5")
        assert lock_message(app, "period_mark", end, days=days - 1) in refused, refused
    with school_setting(app, journal, lock_period_mark_days=days):
        assert SAVED in _edit_period_mark(teacher, journal, past, past_period, student, "5")
    with app.app_context():
        assert db.session.get(PeriodMark, past).value.code == "5"
        db.session.remove()


# --- unlocks ---------------------------------------------------------------

def _unlock_form(journal, day: dt.date, reason: str, until: dt.date | None = None) -> dict:
    until = until or journal.day(-1)
    return {"subject_group": journal.group_id, "date_from": f"{day:%d.%m.%Y}", "date_to": f"{day:%d.%m.%Y}",
            "until": f"{until:%d.%m.%Y}", "reason": reason}


def test_coordinators_unlock_opens_the_locked_dates_for_the_teacher_and_is_logged(app, journal, teacher):
    locked = make_mark(app, journal, days_ago=15)
    outside = make_mark(app, journal, days_ago=16)
    assert lock_message(app, "mark", locked["date"]) in edit_mark(teacher, journal, locked, "5")

    coordinator = client_of(app, "coordinator")
    reason = unique("Больничный учителя")
    assert ADDED in post(coordinator, "/journalunlockview/add", _unlock_form(journal, locked["date"], reason))
    with app.app_context():
        unlock = db.session.scalar(select(JournalUnlock).where(JournalUnlock.reason == reason))
        assert unlock.created_by_id == journal.coordinator_user_id
        assert abs(utcnow() - unlock.created_at) < dt.timedelta(minutes=5)
        assert unlock.subject_group_id == journal.group_id and unlock.until == journal.day(-1)
        db.session.remove()

    assert SAVED in edit_mark(teacher, journal, locked, "5")
    assert mark_of(app, locked["mark"]).value_id == journal.values["5"]
    assert lock_message(app, "mark", outside["date"]) in edit_mark(teacher, journal, outside, "5"), \
        "a day outside the unlocked range stays locked"

    listing = coordinator.get("/journalunlockview/list/").get_data(as_text=True)
    assert reason in listing


def test_teacher_cannot_unlock_a_journal(app, journal, teacher):
    reason = unique("Сам себе открыл")
    assert teacher.get("/journalunlockview/add").status_code != 200
    teacher.post("/journalunlockview/add", data=_unlock_form(journal, journal.day(20), reason))
    with app.app_context():
        assert db.session.scalar(select(JournalUnlock).where(JournalUnlock.reason == reason)) is None
        db.session.remove()


def test_unlock_lasting_until_a_past_day_is_refused(app, journal):
    coordinator = client_of(app, "coordinator")
    reason = unique("Поздно")
    messages = post(coordinator, "/journalunlockview/add", _unlock_form(journal, journal.day(20), reason, until=journal.day(1)))
    assert _ru(app, "The unlock must last until today or a later day.") in messages, messages
    with app.app_context():
        assert db.session.scalar(select(JournalUnlock).where(JournalUnlock.reason == reason)) is None
        db.session.remove()


def test_unlock_form_opened_from_the_journal_has_the_journal_and_dates_chosen(app, journal):
    coordinator = client_of(app, "coordinator")
    day = f"{journal.day(12):%d.%m.%Y}"
    page = coordinator.get(f"/journalunlockview/add?subject_group={journal.group_id}&date_from={day}&date_to={day}")
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True)).data
    assert form["subject_group"] == str(journal.group_id)
    assert form["date_from"] == day and form["date_to"] == day


# --- the audit ---------------------------------------------------------------

def test_every_change_writes_audit_rows_with_old_and_new_codes_user_and_address(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=journal.recent(2), value="4")
    comment = unique("Переписал")
    assert SAVED in edit_mark(teacher, journal, ids, "5", comment=comment)
    rows = {row.field: row for row in audit_rows(app, journal, "mark", ids["mark"])}
    assert (rows["value_id"].old_value, rows["value_id"].new_value) == ("4", "5")
    assert (rows["comment"].old_value, rows["comment"].new_value) == (None, comment)
    for row in rows.values():
        assert row.user_id == journal.teacher_user_id and row.address == "127.0.0.1" and row.action == "update"
        assert (row.subject_group_id, row.student_id, row.entry_date) == (journal.group_id, journal.child_id, ids["date"])

    assert SAVED in post(teacher, f"/attendanceview/edit/{ids['attendance']}", {
        "lesson": ids["lesson"], "student": journal.other_student_id, "code": journal.codes["Б"]})
    [attendance] = audit_rows(app, journal, "attendance", ids["attendance"])
    assert (attendance.field, attendance.old_value, attendance.new_value) == ("code_id", "Н", "Б")

    student = journal.classmates[1]
    period_mark = make_period_mark(app, journal, journal.current_period_id, student=student)
    assert SAVED in _edit_period_mark(teacher, journal, period_mark, journal.current_period_id, student, "3")
    [row] = audit_rows(app, journal, "period_mark", period_mark)
    assert (row.field, row.old_value, row.new_value, row.user_id) == ("value_id", "4", "3", journal.teacher_user_id)


def test_a_student_added_after_a_deleted_one_inherits_none_of_its_change_history(app, journal):
    """SQLite gives a new row the largest id again once the row holding it is deleted, and
    PostgreSQL never gives an id twice: on both, a deleted student's changes stay in the log
    and none of them becomes a new student's (whose parents would read them)."""
    marker = unique("История выбывшего")
    with app.app_context():
        gone = Student(school_id=journal.school_id, last_name="Удалённый", first_name="Ученик", personal_file_no=unique("У"))
        db.session.add(gone)
        db.session.commit()
        db.session.add(AuditLog(school_id=journal.school_id, entity="mark", row_id=0, action="update", field="comment",
                                new_value=marker, user_id=journal.teacher_user_id, subject_group_id=journal.group_id,
                                student_id=gone.id, entry_date=journal.day(1)))
        db.session.commit()
        db.session.delete(gone)
        db.session.commit()
        new = Student(school_id=journal.school_id, last_name="Новый", first_name="Ученик", personal_file_no=unique("Н"))
        db.session.add(new)
        db.session.commit()
        try:
            [kept] = db.session.scalars(select(AuditLog).where(AuditLog.new_value == marker)).all()
            assert kept.student_id != new.id
            assert db.session.scalars(select(AuditLog).where(AuditLog.student_id == new.id)).all() == []
        finally:
            db.session.execute(delete(AuditLog).where(AuditLog.new_value == marker))
            db.session.delete(new)
            db.session.commit()
            db.session.remove()


def _report(client, **filters) -> str:
    response = client.get("/journalaudit/", query_string=filters)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_audit_report_shows_the_changes_filtered_by_class_and_user(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=journal.recent(1))
    comment = unique("Для отчёта")
    assert SAVED in edit_mark(teacher, journal, ids, "3", comment=comment)
    with app.app_context():
        other_class = db.session.scalar(select(SchoolClass.id).where(SchoolClass.id != journal.class_id).limit(1))
        db.session.remove()

    coordinator = client_of(app, "coordinator")
    html = _report(coordinator, **{"class": journal.class_id, "user": "teacher"})
    assert comment in html
    row = next(r for r in html.split('<tr class="audit-row">')[1:] if 'class="old">4</td>' in r and 'class="new">3</td>' in r and "Отметка" in r)
    assert f"{ids['date']:%d.%m.%Y}" in row and "127.0.0.1" in row
    assert comment not in _report(coordinator, **{"class": other_class})
    assert comment not in _report(coordinator, user="coordinator")
    assert comment in _report(coordinator, student="")  # no filter: every change of the last 30 days


def test_parent_and_student_see_the_audit_of_their_own_marks_only(app, journal, teacher):
    own = make_mark(app, journal, days_ago=journal.recent(1), student=journal.child_id)
    stranger = make_mark(app, journal, days_ago=journal.recent(1), student=journal.other_student_id)
    own_comment, stranger_comment = unique("Сыну"), unique("Однокласснику")
    assert SAVED in edit_mark(teacher, journal, own, "5", comment=own_comment)
    assert SAVED in edit_mark(teacher, journal, stranger, "5", comment=stranger_comment)

    for username in ("parent", "student"):
        html = _report(client_of(app, username))
        assert own_comment in html, username
        assert stranger_comment not in html, username
    html = _report(teacher)
    assert own_comment in html and stranger_comment in html


def _options(html: str, name: str) -> list[str]:
    select_ = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select_)


def test_parent_sees_who_changed_a_mark_by_name_without_login_or_address(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=journal.recent(1), student=journal.child_id)
    comment = unique("Без логина")
    assert SAVED in edit_mark(teacher, journal, ids, "5", comment=comment)
    with app.app_context():
        author = db.session.scalar(select(PartaUser).where(PartaUser.id == journal.teacher_user_id))
        name = f"{author.last_name} {author.first_name}"
        guardian = select(Guardian.id).join(PartaUser, Guardian.user_id == PartaUser.id).where(PartaUser.username == "parent")
        children = select(StudentGuardian.student_id).where(StudentGuardian.guardian_id.in_(guardian))
        own_classes = {c.name for c in db.session.scalars(
            select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
            .where(Enrolment.student_id.in_(children), Enrolment.end_date.is_(None)))}
        db.session.remove()

    html = _report(client_of(app, "parent"))
    row = next(r for r in html.split('<tr class="audit-row">')[1:] if comment in r)
    assert f'<td class="who">{name}</td>' in row
    assert "teacher" not in html and "127.0.0.1" not in html
    assert 'name="user"' not in html, "no looking logins up"
    assert sorted(_options(html, "class")) == sorted(own_classes) and len(own_classes) == 2  # 5А and the brother's 2Б

    staff = _report(client_of(app, "coordinator"), student="")
    staff_row = next(r for r in staff.split('<tr class="audit-row">')[1:] if comment in r)
    assert f"{name} (teacher)" in staff_row and "127.0.0.1" in staff_row
    assert len(_options(staff, "class")) > len(own_classes)


def test_a_parent_cannot_find_changes_by_a_login(app, journal, teacher):
    ids = make_mark(app, journal, days_ago=journal.recent(1), student=journal.child_id)
    comment = unique("Поиск по логину")
    assert SAVED in edit_mark(teacher, journal, ids, "3", comment=comment)
    assert comment in _report(client_of(app, "parent"), user="nobody-has-this-login")


def test_audit_report_pages_by_a_hundred_rows_newest_first(app, journal):
    """120 changes on a day nobody else changed anything (20 days ago): two pages."""
    marker, day = unique("Страница"), journal.day(20)
    noon = dt.datetime.combine(day, dt.time(9))  # UTC: the same day in any Russian time zone
    with app.app_context():
        db.session.execute(AuditLog.__table__.insert(), [
            {"school_id": journal.school_id, "entity": "mark", "row_id": 0, "action": "update", "field": "comment",
             "old_value": None, "new_value": f"{marker} {i:03d}", "at": noon - dt.timedelta(seconds=i),
             "subject_group_id": journal.group_id, "student_id": journal.child_id, "entry_date": day}
            for i in range(120)])
        db.session.commit()
        db.session.remove()
    coordinator = client_of(app, "coordinator")
    dates = {"from": f"{day:%d.%m.%Y}", "to": f"{day:%d.%m.%Y}", "class": journal.class_id}
    first = _report(coordinator, **dates)
    assert first.count('<tr class="audit-row">') == 100
    assert first.index(f"{marker} 000") < first.index(f"{marker} 001") < first.index(f"{marker} 099"), "newest first"
    assert f"{marker} 100" not in first
    second = _report(coordinator, **dates, page=2)
    assert second.count('<tr class="audit-row">') == 20
    assert f"{marker} 119" in second and f"{marker} 099" not in second
