"""The diary: a parent reads their children only, switching between them; the week
shows lessons with times, topics, homework, assignments, marks and «точки»; the
period's marks are explained with the weights, the formula and what it takes."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.journal import data
from app.models import (
    Assignment, AssignmentType, Employee, Enrolment, GradeScale, GradeScaleValue, Guardian, Lesson, Mark, PartaUser,
    Student, StudentGuardian, Subject, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import is_session_touch, login, unique
from tests.views.journal_fixtures import fresh_journal  # noqa: F401  (fixture)


def _user(username: str) -> int:
    return db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))


@pytest.fixture(scope="module")
def subject_journal(app):
    """A subject of its own in the demo student's class, with four marks of the current
    period: 4, 4, 4 (weight 1) and 5 (a control work, weight 2) — (4+4+4+5×2)/5 = 4,40."""
    from app.clock import school_today

    with app.test_request_context():
        today = school_today()
    with app.app_context():
        child = db.session.scalar(select(Student).where(Student.user_id == _user("student")))
        class_id = db.session.scalar(select(Enrolment.class_id).where(Enrolment.student_id == child.id,
                                                                     Enrolment.end_date.is_(None)))
        school_class = data.class_row(db.session, class_id)
        periods = [p for p in data.periods_of_grade(db.session, school_class.year_id, school_class.grade) if not p.is_year]
        period = data.period_at(periods, today) or max((p for p in periods if p.end < today), key=lambda p: p.end)
        last = min(today, period.end)
        days = [max(period.start, last - dt.timedelta(days=k)) for k in (6, 4, 2, 1)]
        subject = Subject(school_id=child.school_id, name=unique("Астрономия"), short_name="Астр.", order=99)
        group = SubjectGroup(school_id=child.school_id, year_id=school_class.year_id, class_id=class_id, subject=subject,
                             name=unique("Астрономия 5А"), is_whole_class=True)
        db.session.add_all([subject, group])
        db.session.flush()
        teacher = db.session.scalar(select(Employee).where(Employee.user_id == _user("teacher")))
        db.session.add(SubjectGroupTeacher(school_id=child.school_id, subject_group_id=group.id, employee_id=teacher.id))
        scale = db.session.scalar(select(GradeScale.id).where(GradeScale.is_default.is_(True)))
        values = dict(db.session.execute(select(GradeScaleValue.code, GradeScaleValue.id)
                                         .where(GradeScaleValue.scale_id == scale)).all())
        oral = db.session.scalar(select(AssignmentType).where(AssignmentType.weight == 1,
                                                             AssignmentType.is_control.is_(False)).order_by(AssignmentType.id))
        control = db.session.scalar(select(AssignmentType).where(AssignmentType.weight == 2,
                                                                AssignmentType.is_control.is_(True)).order_by(AssignmentType.id))
        lessons = []
        for n, (day, code, kind) in enumerate(zip(days, ["4", "4", "4", "5"], [oral, oral, oral, control]), start=1):
            lesson = Lesson(school_id=child.school_id, subject_group_id=group.id, date=day, number=8, topic=f"Тема {n}",
                            homework=f"Задание {n}")
            assignment = Assignment(school_id=child.school_id, lesson=lesson, type_id=kind.id, title=f"Работа {n}")
            db.session.add_all([lesson, assignment, Mark(school_id=child.school_id, assignment=assignment,
                                                         student_id=child.id, value_id=values[code])])
            lessons.append(lesson)
        owed = Assignment(school_id=child.school_id, lesson=lessons[-1], type_id=oral.id, title="Сочинение")
        db.session.add_all([owed, Mark(school_id=child.school_id, assignment=owed, student_id=child.id, is_duty=True,
                                       comment="Не сдано")])
        db.session.commit()
        info = {"group": group.id, "subject": subject.name, "child": child.id, "week": days[-1], "period": period}
        db.session.remove()
    yield info
    with app.app_context():
        db.session.delete(db.session.get(SubjectGroup, info["group"]))
        db.session.commit()
        db.session.remove()


def _row(html: str, subject: str) -> str:
    match = re.search(rf'<tr data-subject="{re.escape(subject)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {subject}"
    return match.group(1)


def test_the_period_marks_show_weights_formula_and_what_it_takes(app, client, subject_journal):
    login(client, "parent")
    html = client.get(f"/diary/?student={subject_journal['child']}").get_data(as_text=True)
    row = _row(html, subject_journal["subject"])
    assert "(4×1 + 4×1 + 4×1 + 5×2) / (1 + 1 + 1 + 2) = 4,40" in row
    assert "<b>4,40</b>" in row
    assert "Ещё одна «5» даст 4,50 → «5»." in row
    assert row.count("×1") >= 3 and "×2" in row


def test_the_week_shows_lessons_with_topic_homework_assignments_marks_and_the_duty(app, client, subject_journal):
    login(client, "parent")
    week = subject_journal["week"]
    html = client.get(f"/diary/?student={subject_journal['child']}&week={week.isoformat()}").get_data(as_text=True)
    assert "Тема 4" in html and "Задание 4" in html and "«Работа 4»" in html
    assert "«Сочинение»" in html
    assert re.search(r'class="duty"[^>]*>•', html), "the «точка» shows"
    assert "Не сдано" in html


def test_the_work_owed_lists_the_duty(app, client, subject_journal):
    login(client, "student")
    html = client.get("/diary/").get_data(as_text=True)
    owed = html[html.index('id="owed"'):]
    assert "Сочинение" in owed[:3000] and subject_journal["subject"] in owed[:3000]


def test_a_parent_switches_between_two_children_and_cannot_open_anyone_else(app, client):
    login(client, "parent")
    with app.app_context():
        guardian = db.session.scalar(select(Guardian.id).where(Guardian.user_id == _user("parent")))
        children = set(db.session.scalars(select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian)))
        stranger = db.session.scalar(select(Student.id).where(Student.id.not_in(children)).order_by(Student.id))
        db.session.remove()
    html = client.get("/diary/").get_data(as_text=True)
    pills = re.findall(r'href="/diary/\?student=(\d+)"', html[html.index('id="diary-children"'):])
    assert {int(p) for p in pills} == children
    for child in children:
        assert client.get(f"/diary/?student={child}").status_code == 200
    assert client.get(f"/diary/?student={stranger}").status_code == 404


def test_a_student_reads_only_their_own_diary(app, client):
    login(client, "student")
    with app.app_context():
        me = db.session.scalar(select(Student.id).where(Student.user_id == _user("student")))
        classmate = db.session.scalar(select(Student.id).where(Student.id != me).order_by(Student.id))
        db.session.remove()
    assert client.get("/diary/").status_code == 200
    assert client.get(f"/diary/?student={classmate}").status_code == 404


def _subjects_shown(html: str) -> set:
    """The subjects of the period's table and of the week's lessons."""
    return set(re.findall(r'<tr data-subject="([^"]+)"', html)) | set(re.findall(r'class="l-subject-name">([^<]+)<', html))


def test_a_subject_teacher_reads_a_pupils_diary_of_their_journals_only_and_the_class_teacher_all_of_it(
        app, client, subject_journal):
    """The diary reads a student a user sees whole (every journal of the student's groups) without the
    per-row criteria; a subject teacher sees the pupil but not the other teachers' journals, and reads
    through the criteria: their subjects, never another's marks, lessons or absences."""
    child, week = subject_journal["child"], subject_journal["week"].isoformat()
    login(client, "teacher")
    page = client.get(f"/diary/?student={child}&week={week}")
    assert page.status_code == 200
    mine = _subjects_shown(page.get_data(as_text=True))
    class_teacher = login(app.test_client(), "classteacher")
    whole = _subjects_shown(class_teacher.get(f"/diary/?student={child}&week={week}").get_data(as_text=True))
    with app.app_context():
        taught = set(db.session.scalars(
            select(Subject.name).join(SubjectGroup, SubjectGroup.subject_id == Subject.id)
            .join(SubjectGroupTeacher, SubjectGroupTeacher.subject_group_id == SubjectGroup.id)
            .join(Employee, Employee.id == SubjectGroupTeacher.employee_id)
            .join(Enrolment, Enrolment.class_id == SubjectGroup.class_id)
            .where(Employee.user_id == _user("teacher"), Enrolment.student_id == child)))
        db.session.remove()
    assert subject_journal["subject"] in mine and mine <= taught, mine - taught
    assert "Русский язык" in whole and subject_journal["subject"] in whole and mine < whole


def test_a_bad_week_falls_back_to_this_week(app, client):
    login(client, "student")
    assert client.get("/diary/?week=понедельник").status_code == 200


# ---------------------------------------------------------------------------
# What the family's pages cost: a fixed number of statements whatever the week,
# the period and the year hold (app/journal/marks.py: one statement per kind of data)
# ---------------------------------------------------------------------------

# The whole request, the session, roles, rights and scope included; the pages' own reads
# are counted apart below.
DIARY_STATEMENTS, STUDENT_REPORT_STATEMENTS, WEBAPI_WEEK_STATEMENTS = 10, 8, 8


def _statements(app, client, url: str, headers: dict | None = None) -> int:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    assert client.get(url, headers=headers or {}).status_code == 200  # warm: the first request of a login loads more
    statements = []
    listener = lambda *args: is_session_touch(args[2]) or statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url, headers=headers or {}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def _family_pages(app, journal) -> dict:
    """The statements of the diary, the student report and the /webapi week of the demo child."""
    from tests.views.test_webapi import api_login

    week = journal.today - dt.timedelta(days=journal.today.weekday())
    parent = login(app.test_client(), "parent")
    api, answer = api_login(app, "parent")
    return {
        "diary": _statements(app, parent, f"/diary/?student={journal.child_id}"),
        "report": _statements(app, parent, f"/reports/student/?student={journal.child_id}"),
        "webapi": _statements(app, api, f"/webapi/student/diary?studentId={journal.child_id}&weekStart={week}"
                                        f"&weekEnd={week + dt.timedelta(days=5)}", {"at": answer.get_json()["at"]}),
    }


def test_the_family_pages_read_as_many_statements_with_more_lessons_marks_and_subjects(app, fresh_journal):
    from tests.views.journal_fixtures import delete_group, make_mark, make_period_mark, new_journal

    # a lesson with a mark on this week's Monday first (the /webapi week ends on Saturday): a week
    # without lessons skips reading their work
    monday = fresh_journal.recent(fresh_journal.today.weekday())
    make_mark(app, fresh_journal, monday, value="4")
    before = _family_pages(app, fresh_journal)
    for days_ago in {fresh_journal.recent(n) for n in (1, 2, 3, 8, 15)} - {monday}:
        make_mark(app, fresh_journal, days_ago, control=days_ago % 2 == 0, value="5")
    make_period_mark(app, fresh_journal, fresh_journal.current_period_id)
    second = new_journal(app)  # one more subject, with its own marks
    try:
        make_mark(app, second, second.recent(1))
        after = _family_pages(app, fresh_journal)
    finally:
        delete_group(app, second.group_id)
    assert after == before
    assert before["diary"] <= DIARY_STATEMENTS and before["report"] <= STUDENT_REPORT_STATEMENTS \
        and before["webapi"] <= WEBAPI_WEEK_STATEMENTS, before


def _own_reads(app, journal) -> dict:
    """The statements of the diary's and the student report's own reads (no request: no
    session, rights or scope to resolve)."""
    from sqlalchemy import event

    from app.journal import diary
    from reports.student import student_progress

    today, child = journal.today, journal.child_id
    counted: dict = {}
    with app.app_context():
        engine, session = db.engine, db.session
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            places = data.student_places(session, child, today - dt.timedelta(days=366), today, year_on=today)
            diary.diary_week(session, child, diary.week_start(today), places=places)
            marks = diary.period_marks(session, child, today, places.thresholds, places=places)
            since = marks.period.start if marks.period else places.year_start
            diary.owed_and_absences(session, child, places.year_start, since, today, places=places)
            diary.timetable(session, child, today, places=places)
            counted["diary"] = len(statements)
            statements.clear()
            student_progress(session, child, since, today)
            counted["report"] = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        session.remove()
    return counted


def test_the_diary_and_the_student_report_read_one_statement_per_kind_of_data(app, fresh_journal):
    from tests.views.journal_fixtures import make_mark

    make_mark(app, fresh_journal, fresh_journal.recent(0))  # a week without lessons reads less
    before = _own_reads(app, fresh_journal)
    for days_ago in (fresh_journal.recent(n) for n in (1, 2, 5, 9)):
        make_mark(app, fresh_journal, days_ago)
    assert _own_reads(app, fresh_journal) == before
    # where the student learns, the periods and the year (2), the week (2), the period's marks, work owed with
    # absences, the timetable
    assert before["diary"] <= 7, before
    # where the student learns (2), marks with absences and the lessons held
    assert before["report"] <= 3, before
