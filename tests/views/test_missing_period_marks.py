"""«Не выставленные отметки за период» (act 001 §4.13): the coordinator sees, per
class and subject group, the students still without a period mark, and the day by
which the marks are due."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Enrolment, PeriodMark, Student, StudyPeriod
from tests.conftest import login
from tests.views.journal_fixtures import journal, make_period_mark  # noqa: F401 (fixture)


def _row(html: str, group_id: int) -> str | None:
    found = re.search(rf'<tr class="missing-group" data-group="{group_id}">(.*?)</tr>', html, re.S)
    return found.group(1) if found else None


def _missing_count(row: str) -> int:
    return int(re.search(r"<strong>(\d+)</strong>", row).group(1))


def _class_size(app, journal, period_end: dt.date) -> int:
    with app.app_context():
        size = db.session.scalar(select(func.count(Enrolment.id)).where(
            Enrolment.class_id == journal.class_id, Enrolment.start_date <= period_end,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= period_end)))
        db.session.remove()
    return size


def test_coordinator_sees_the_students_of_a_group_still_without_a_period_mark(app, client, journal):
    with app.app_context():
        period = db.session.get(StudyPeriod, journal.current_period_id)
        end = period.end_date
        marked = db.session.get(Student, journal.classmates[2]).short_name
        db.session.remove()
    login(client, "coordinator")
    url = f"/missingperiodmarks/?period={journal.current_period_id}"
    row = _row(client.get(url).get_data(as_text=True), journal.group_id)
    assert row is not None, "the new group has no period marks at all"
    size = _class_size(app, journal, end)
    assert _missing_count(row) == size and marked in row

    make_period_mark(app, journal, journal.current_period_id, student=journal.classmates[2])
    row = _row(client.get(url).get_data(as_text=True), journal.group_id)
    assert _missing_count(row) == size - 1
    assert marked not in row


def test_due_date_is_two_days_before_the_period_ends(app, client, journal):
    with app.app_context():
        period = db.session.get(StudyPeriod, journal.current_period_id)
        due, locked = period.end_date - dt.timedelta(days=2), period.end_date + dt.timedelta(days=10)
        db.session.remove()
    login(client, "coordinator")
    html = client.get(f"/missingperiodmarks/?period={journal.current_period_id}").get_data(as_text=True)
    dates = re.search(r'<p id="period-dates">(.*?)</p>', html, re.S).group(1)
    assert f"{due:%d.%m.%Y}" in dates and f"{locked:%d.%m.%Y}" in dates


def test_the_current_period_is_chosen_by_default(app, client, journal):
    login(client, "coordinator")
    html = client.get("/missingperiodmarks/").get_data(as_text=True)
    assert f'<option value="{journal.current_period_id}" selected>' in html


def test_a_group_leaves_the_list_once_every_student_has_a_mark(app, client, journal):
    login(client, "coordinator")
    url = f"/missingperiodmarks/?period={journal.past_period_id}"
    assert _row(client.get(url).get_data(as_text=True), journal.group_id) is not None
    with app.app_context():
        end = db.session.get(StudyPeriod, journal.past_period_id).end_date
        students = db.session.scalars(select(Enrolment.student_id).where(
            Enrolment.class_id == journal.class_id, Enrolment.start_date <= end,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= end))).all()
        db.session.add_all(PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, student_id=s,
                                      period_id=journal.past_period_id, value_id=journal.values["5"]) for s in students)
        db.session.commit()
        db.session.remove()
    html = client.get(url).get_data(as_text=True)
    assert _row(html, journal.group_id) is None


def test_the_report_reads_a_constant_number_of_statements(app, client, journal):
    login(client, "coordinator")
    client.get("/missingperiodmarks/")  # warm the caches of the first request
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/missingperiodmarks/?period={journal.past_period_id}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    # ~90 groups and ~450 students of grades 2–9, yet a handful of statements
    assert len(statements) <= 20, "\n".join(statements)


def test_teacher_and_parent_cannot_open_the_report(app, client):
    for username in ("teacher", "parent"):
        login(client, username)
        assert client.get("/missingperiodmarks/").status_code != 200
        client.post("/logout/")
