"""«Не выставленные отметки за период» (act 001 §4.13): the coordinator sees, per
class and subject group, the students still without a period mark, and the day by
which the marks are due."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Enrolment, PeriodMark, Student, StudyPeriod
from app.rules.locks import LockSettings
from app.journal.control import default_period
from tests.conftest import login
from tests.views.journal_fixtures import fresh_journal, make_period_mark  # noqa: F401 (fixture)


@pytest.fixture()
def journal(fresh_journal):  # noqa: F811
    """A fresh group for each test: the tests count the period marks the whole group holds."""
    return fresh_journal


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
    period = journal.current_period_id
    url = f"/missingperiodmarks/?period={period}"
    assert _row(client.get(url).get_data(as_text=True), journal.group_id) is not None
    with app.app_context():
        end = db.session.get(StudyPeriod, period).end_date
        students = db.session.scalars(select(Enrolment.student_id).where(
            Enrolment.class_id == journal.class_id, Enrolment.start_date <= end,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= end))).all()
        db.session.add_all(PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, student_id=s,
                                      period_id=period, value_id=journal.values["5"]) for s in students)
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
        response = client.get(f"/missingperiodmarks/?period={journal.current_period_id}")
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


# --- a compact control report --------------------------------------------------

def _period(name: str, start: dt.date, end: dt.date, is_year: bool = False, grade_from: int = 1):
    return SimpleNamespace(name=name, start_date=start, end_date=end, grade_from=grade_from,
                           period_type=SimpleNamespace(is_year=is_year))


QUARTER_1 = _period("1 четверть", dt.date(2026, 9, 1), dt.date(2026, 10, 24))
QUARTER_2 = _period("2 четверть", dt.date(2026, 11, 5), dt.date(2026, 12, 28))
HALF_1 = _period("1 полугодие", dt.date(2026, 9, 1), dt.date(2026, 12, 28), grade_from=10)
QUARTER_4 = _period("4 четверть", dt.date(2027, 3, 30), dt.date(2027, 5, 31))
YEAR = _period("Год", dt.date(2026, 9, 1), dt.date(2027, 5, 31), is_year=True)
PERIODS = [YEAR, QUARTER_4, HALF_1, QUARTER_2, QUARTER_1]


def test_an_overdue_period_still_open_is_chosen_before_the_next_one():
    # 1 четверть: due 22.10, editable through 03.11
    assert default_period(PERIODS, dt.date(2026, 11, 2)).name == "1 четверть"


def test_the_next_period_to_fall_due_is_chosen_once_the_last_one_is_locked():
    assert default_period(PERIODS, dt.date(2026, 11, 23)).name == "2 четверть", "the quarter before the half-year"
    assert default_period(PERIODS, dt.date(2026, 12, 20)).name == "2 четверть"


def test_the_lock_days_of_the_school_decide_whether_a_period_is_still_open():
    settings = LockSettings(period_mark=30)
    assert default_period(PERIODS, dt.date(2026, 11, 20), settings).name == "1 четверть"


def test_the_last_period_to_end_is_chosen_when_the_year_is_over():
    assert default_period(PERIODS, dt.date(2027, 7, 1)).name == "4 четверть"
    assert default_period([], dt.date(2027, 7, 1)) is None


def test_periods_are_listed_by_start_shorter_first_and_the_year_last(client, journal):
    login(client, "coordinator")
    html = client.get("/missingperiodmarks/").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="period"[^>]*>(.*?)</select>', html, re.S).group(1)
    names = [re.sub(r" \(.*", "", n) for n in re.findall(r"<option[^>]*>([^<]*)</option>", select_)]
    assert names == ["1 четверть", "1 полугодие", "2 четверть", "3 четверть", "2 полугодие", "4 четверть", "Год"]


def test_a_long_list_of_names_is_folded_and_a_short_one_shown(app, client, journal):
    login(client, "coordinator")
    url = f"/missingperiodmarks/?period={journal.current_period_id}&class={journal.class_id}"
    row = _row(client.get(url).get_data(as_text=True), journal.group_id)
    assert "<details>" in row and "<details open" not in row

    with app.app_context():
        end = db.session.get(StudyPeriod, journal.current_period_id).end_date
        students = db.session.scalars(select(Enrolment.student_id).where(
            Enrolment.class_id == journal.class_id, Enrolment.start_date <= end,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= end)).order_by(Enrolment.student_id)).all()
        marked = set(db.session.scalars(select(PeriodMark.student_id).where(
            PeriodMark.subject_group_id == journal.group_id, PeriodMark.period_id == journal.current_period_id)))
        unmarked = [s for s in students if s not in marked]
        left = db.session.get(Student, unmarked[0]).short_name
        db.session.add_all(PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, student_id=s,
                                      period_id=journal.current_period_id, value_id=journal.values["4"])
                           for s in unmarked[1:])
        db.session.commit()
        db.session.remove()
    row = _row(client.get(url).get_data(as_text=True), journal.group_id)
    assert _missing_count(row) == 1
    assert "<details" not in row and left in row


def test_the_class_filter_keeps_one_class_and_groups_link_to_their_journal(client, journal):
    login(client, "coordinator")
    period = journal.current_period_id
    html = client.get(f"/missingperiodmarks/?period={period}&class={journal.class_id}").get_data(as_text=True)
    assert set(re.findall(r'data-class="(\d+)"', html)) == {str(journal.class_id)}
    rows = re.findall(r'<tr class="missing-group" data-group="(\d+)">(.*?)</tr>', html, re.S)
    assert rows, "the demo's current quarter has no period marks yet"
    for group, row in rows:
        assert f'href="/journal/?group={group}&amp;period={period}"' in row

    everything = client.get(f"/missingperiodmarks/?period={period}").get_data(as_text=True)
    assert len(set(re.findall(r'data-class="(\d+)"', everything))) > 1
