"""«Контроль ведения журнала» counts every mark by when it was first entered: each mark
and attendance entry carries the time and the author of its first entry, set by the
write pipeline on every path (here REST), kept by later changes; the demo's marks
carry plausible entry times, and the report's count is the demo's; a journal without
a teacher is named as such."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import Assignment, Lesson, Mark, SchoolClass, SchoolYear, SubjectGroup
from tests.views.journal_fixtures import delete_group, journal, make_mark  # noqa: F401 (fixture)
from tests.conftest import login
from tests.views.test_journal_api import token

SECOND = dt.timedelta(seconds=1)


def _now(app) -> dt.datetime:
    from app.clock import utcnow

    with app.app_context():
        return utcnow()


def _group_line(app, journal, day: dt.date, group_id=None):
    """The report's line of the journal (one group) for lessons of `day`."""
    from reports import control

    with app.app_context():
        year_id = db.session.get(SubjectGroup, group_id or journal.group_id).year_id
        report = control.journal_control(db.session, year_id, day, day, journal.today, class_id=journal.class_id)
        db.session.remove()
    lines = [line for teacher in report.by_teacher for line in teacher.groups]
    return next(line for line in lines if line.key == (group_id or journal.group_id)), report


def _row(app, model, pk):
    with app.app_context():
        row = db.session.get(model, pk)
        db.session.expunge(row)
        db.session.remove()
    return row


def test_a_mark_and_an_attendance_entry_made_through_rest_carry_their_author_and_first_entry(app, client, journal):
    from app.models import Attendance

    headers = token(client, "teacher")
    lesson = make_mark(app, journal, days_ago=journal.recent(1))
    student = journal.classmates[5]
    before = _now(app) - SECOND
    mark = client.post("/api/v1/mark/", headers=headers, json={
        "assignment_id": lesson["assignment"], "student_id": student, "value_id": journal.values["4"]})
    absent = client.post("/api/v1/attendance/", headers=headers, json={
        "lesson_id": lesson["lesson"], "student_id": student, "code_id": journal.codes["Н"]})
    after = _now(app) + SECOND
    assert mark.status_code == 201 and absent.status_code == 201, (mark.json, absent.json)
    for model, pk in ((Mark, mark.json["id"]), (Attendance, absent.json["id"])):
        row = _row(app, model, pk)
        assert row.entered_by_id == journal.teacher_user_id and before <= row.entered_at <= after
    shown = client.get(f"/api/v1/mark/{mark.json['id']}", headers=headers).json["result"]
    assert shown["entered_by_id"] == journal.teacher_user_id
    first = _row(app, Mark, mark.json["id"]).entered_at
    # a change keeps the first entry (the audit has the change's who and when); nobody posts a stamp
    changed = client.put(f"/api/v1/mark/{mark.json['id']}", headers=headers, json={"value_id": journal.values["5"]})
    assert changed.status_code == 200, changed.json
    assert _row(app, Mark, mark.json["id"]).entered_at == first
    forged = client.post("/api/v1/mark/", headers=headers, json={
        "assignment_id": lesson["assignment"], "student_id": journal.classmates[6], "value_id": journal.values["4"],
        "entered_at": "2020-01-01T00:00:00", "entered_by_id": journal.coordinator_user_id})
    assert forged.status_code in (400, 422)  # refused: the stamps are not the client's to give


def test_a_mark_and_an_absence_saved_in_the_grid_carry_their_author(app, client, journal):
    from app.models import Attendance

    login(client, "teacher")
    lesson = make_mark(app, journal, days_ago=0)
    student = journal.classmates[8]
    changes = [{"kind": "mark", "assignment": lesson["assignment"], "student": student, "value": "5", "duty": False,
                "comment": "", "old": ["", False, ""]},
               {"kind": "attendance", "lesson": lesson["lesson"], "student": student, "value": "н", "old": ""}]
    response = client.post("/journal/save", json={"group": journal.group_id, "period": journal.current_period_id,
                                                  "changes": changes})
    assert response.status_code == 200 and response.json["saved"] == [0, 1], response.json
    with app.app_context():
        rows = [db.session.scalar(select(model).where(key == ident, model.student_id == student))
                for model, key, ident in ((Mark, Mark.assignment_id, lesson["assignment"]),
                                          (Attendance, Attendance.lesson_id, lesson["lesson"]))]
        assert [(row.entered_by_id, row.entered_at is not None) for row in rows] == [(journal.teacher_user_id, True)] * 2
        db.session.remove()


def test_a_mark_entered_after_the_lesson_day_counts_as_late_and_one_of_the_day_does_not(app, client, journal):
    headers = token(client, "teacher")
    for days_ago, late in ((2, 1), (0, 0)):
        lesson = make_mark(app, journal, days_ago=days_ago)
        line, _ = _group_line(app, journal, lesson["date"])
        marks, late_marks = line.completeness.marks, line.completeness.late_marks
        response = client.post("/api/v1/mark/", headers=headers, json={
            "assignment_id": lesson["assignment"], "student_id": journal.classmates[7], "value_id": journal.values["5"]})
        assert response.status_code == 201, response.json
        line, _ = _group_line(app, journal, lesson["date"])
        assert (line.completeness.marks, line.completeness.late_marks) == (marks + 1, late_marks + late)
        if late:
            assert line.completeness.max_delay >= 2


def test_the_report_counts_every_mark_of_the_demo_and_names_a_journal_without_a_teacher(app, journal):
    """The whole year up to today: the report's marks are the demo school's marks of the
    lessons held (all stamped), a plausible few of them late."""
    from reports import control

    with app.app_context():
        school_class = db.session.get(SchoolClass, journal.class_id)
        year = db.session.get(SchoolYear, school_class.year_id)
        year_id, year_start = year.id, year.start_date
        orphan = SubjectGroup(school_id=journal.school_id, year_id=year.id, class_id=journal.class_id,
                              subject_id=db.session.get(SubjectGroup, journal.group_id).subject_id,
                              name="Журнал без учителя", is_whole_class=True)
        db.session.add(orphan)
        db.session.commit()
        orphan_id = orphan.id
        db.session.remove()
    try:
        with app.app_context():
            report = control.journal_control(db.session, year_id, year_start, journal.today, journal.today)
            in_year = (select(func.count(Mark.id))
                       .join(Assignment, (Mark.school_id == Assignment.school_id) & (Mark.assignment_id == Assignment.id))
                       .join(Lesson, Assignment.lesson_id == Lesson.id)
                       .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
                       .where(Mark.school_id == journal.school_id, SubjectGroup.year_id == year_id,
                              Lesson.date <= journal.today, Lesson.is_cancelled.is_(False)))
            demo_marks = db.session.scalar(in_year)
            unstamped = db.session.scalar(in_year.where(Mark.entered_at.is_(None)))
            db.session.remove()
        total = report.total.completeness
        assert total.marks == demo_marks and unstamped == 0
        if demo_marks > 5000:  # past the first weeks of the year
            assert 0.02 < total.late_marks / total.marks < 0.2
            with_marks = [line for line in report.by_teacher if line.completeness.marks]
            assert len(with_marks) > len(report.by_teacher) / 2
        with app.app_context():
            report = control.journal_control(db.session, year_id, year_start, journal.today, journal.today,
                                             class_id=journal.class_id)
            db.session.remove()
        nobody = [line for line in report.by_teacher if line.key is None]
        assert [line.name for line in nobody] == ["Учитель не назначен"]
        assert orphan_id in {g.key for g in nobody[0].groups}
    finally:
        delete_group(app, orphan_id)
