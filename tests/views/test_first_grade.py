"""A first grade learns without marks (безотметочное обучение): its journal shows no mark
scale, averages or period marks, its final marks page none, and no path stores a mark —
the one rule (app/rules/grading.py) the missing-marks report follows too.

The journal is a fresh subject group of the demo teacher's in a first grade (lessons with
assignments on the school days of the last four weeks), removed at the end of the module."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.journal.control import classes_of
from app.models import Mark, PeriodMark, SchoolClass, SchoolYear, StudyPeriod
from app.rules.grading import is_marked_grade
from tests.conftest import login
from tests.views.journal_fixtures import delete_group, timetabled_group
from tests.views.test_grid import _open, _save

UNMARKED = "В первом классе обучение безотметочное"


@pytest.fixture(scope="module")
def first_grade(app):
    with app.app_context():
        class_id = db.session.scalar(select(SchoolClass.id).join(SchoolYear, SchoolClass.year_id == SchoolYear.id)
                                     .where(SchoolYear.is_current.is_(True), SchoolClass.grade == 1)
                                     .order_by(SchoolClass.letter))
        db.session.remove()
    data = timetabled_group(app, "Первый класс без отметок", class_id=class_id)
    yield data["group"]
    delete_group(app, data["group"])


def test_the_first_grade_journal_has_attendance_and_topics_but_no_scale_or_period_marks(app, client, first_grade):
    login(client, "teacher")
    data = _open(client, first_grade)
    assert data["marked"] is False
    assert data["scale"] == [] and data["periodMarks"] == {} and data["averages"] == {}
    assert UNMARKED in client.get(f"/journal/?group={first_grade}").get_data(as_text=True)

    final = client.get(f"/journal/final?group={first_grade}").get_data(as_text=True)
    assert UNMARKED in final and "parta-final-cell" not in final


def test_a_mark_or_a_period_mark_in_a_first_grade_is_refused_while_attendance_is_saved(app, client, first_grade):
    login(client, "teacher")
    data = _open(client, first_grade)
    lesson = next(l for l in reversed(data["lessons"]) if not l["lock"] and l["assignments"])
    student = next(s["id"] for s in data["students"] if not s["left"])
    status, answer = _save(client, first_grade, data["period"]["id"], [
        {"kind": "mark", "assignment": lesson["assignments"][0]["id"], "student": student, "value": "5", "duty": False,
         "comment": "", "old": ["", False, ""]},
        {"kind": "period", "period": data["period"]["id"], "student": student, "value": "5", "old": ""},
        {"kind": "attendance", "lesson": lesson["id"], "student": student, "value": "н", "old": ""},
    ])
    assert status == 200
    assert UNMARKED in answer["errors"]["0"] and UNMARKED in answer["errors"]["1"]
    assert "2" not in answer["errors"], "attendance is kept in a first grade"
    with app.app_context():
        assert db.session.scalar(select(Mark.id).where(Mark.assignment_id == lesson["assignments"][0]["id"],
                                                       Mark.student_id == student)) is None
        assert db.session.scalar(select(PeriodMark.id).where(PeriodMark.subject_group_id == first_grade)) is None
        db.session.remove()
    assert _open(client, first_grade)["attendance"][f"{lesson['id']}:{student}"] == "Н"


def test_the_missing_marks_report_follows_the_same_rule(app):
    assert not is_marked_grade(1) and is_marked_grade(2) and is_marked_grade(11)
    with app.app_context():
        year = db.session.scalar(select(SchoolYear.id).where(SchoolYear.is_current.is_(True)))
        period = db.session.scalar(select(StudyPeriod).where(StudyPeriod.year_id == year, StudyPeriod.grade_from == 1))
        if period is None:
            pytest.skip("no study period of the current year starts at the first grade")
        assert all(is_marked_grade(c.grade) for c in classes_of(db.session, period))
        db.session.remove()


def test_reports_of_marks_do_not_offer_a_first_grade(app, client):
    with app.app_context():
        first, second = (db.session.scalar(select(SchoolClass.id).join(SchoolYear, SchoolClass.year_id == SchoolYear.id)
                                           .where(SchoolYear.is_current.is_(True), SchoolClass.grade == grade)
                                           .order_by(SchoolClass.letter)) for grade in (1, 2))
        db.session.remove()
    login(client, "coordinator")
    for report in ("class-results", "summary-sheet"):
        page = client.get(f"/reports/{report}/").get_data(as_text=True)
        assert f'<option value="{second}"' in page and f'<option value="{first}"' not in page, report
        assert client.get(f"/reports/{report}/?class={first}").status_code == 404, report
    attendance = client.get("/reports/class-attendance/").get_data(as_text=True)
    assert f'<option value="{first}"' in attendance, "attendance is kept in a first grade"
