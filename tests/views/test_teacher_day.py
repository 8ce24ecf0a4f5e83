"""The teacher's home page: today's lessons with links into the journal, and what is still unfilled."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, Lesson, PartaUser, SubjectGroupTeacher
from tests.conftest import login, school_today
from tests.views.journal_fixtures import fresh_journal  # noqa: F401  (fixture)


def _teacher_group(app):
    with app.app_context():
        employee = db.session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
                                     .where(PartaUser.username == "teacher"))
        group = db.session.scalar(select(SubjectGroupTeacher.subject_group_id)
                                  .where(SubjectGroupTeacher.employee_id == employee).order_by(SubjectGroupTeacher.id))
        school = db.session.scalar(select(Employee.school_id).where(Employee.id == employee))
        db.session.remove()
    return group, school


def _add_lesson(app, group, school, day, number, topic):
    with app.app_context():
        lesson = Lesson(school_id=school, subject_group_id=group, date=day, number=number, topic=topic, is_manual=True)
        db.session.add(lesson)
        db.session.commit()
        pk = lesson.id
        db.session.remove()
    return pk


def _remove(app, *ids):
    with app.app_context():
        for pk in ids:
            db.session.delete(db.session.get(Lesson, pk))
        db.session.commit()
        db.session.remove()


def test_teacher_sees_todays_lessons_linked_to_the_journal(app, client):
    group, school = _teacher_group(app)
    today = school_today()
    todays = _add_lesson(app, group, school, today, 9, "Решение задач на движение")
    try:
        login(client, "teacher")
        html = client.get("/").get_data(as_text=True)
        assert "Мои уроки сегодня" in html
        assert "Решение задач на движение" in html
        assert f"/journal/?group={group}" in html
    finally:
        _remove(app, todays)


def test_teacher_sees_the_recent_lessons_still_without_a_topic(app, client):
    from app.models import SchoolYear, SubjectGroup

    group, school = _teacher_group(app)
    today = school_today()
    with app.app_context():
        year_start = db.session.scalar(select(SchoolYear.start_date).join(SubjectGroup, SubjectGroup.year_id == SchoolYear.id)
                                       .where(SubjectGroup.id == group))
        db.session.remove()
    day = max(today - dt.timedelta(days=2), year_start)
    if day >= today:
        pytest.skip(f"on {today:%d.%m.%Y}, the first day of the school year, no lesson of the year is in the past")
    untitled = _add_lesson(app, group, school, day, 9, None)
    try:
        login(client, "teacher")
        html = client.get("/").get_data(as_text=True)
        assert "Ещё не заполнено" in html
        assert day.strftime("%d.%m.%Y") + ", урок 9" in html
    finally:
        _remove(app, untitled)


def test_a_secretary_has_no_teacher_day(app, client):
    login(client, "secretary")
    assert "Мои уроки сегодня" not in client.get("/").get_data(as_text=True)


def test_todays_lesson_counts_its_own_marks_and_absences(app, client, fresh_journal):
    from tests.views.journal_fixtures import make_mark

    make_mark(app, fresh_journal, 0)  # today's lesson: one mark, one absence
    make_mark(app, fresh_journal, fresh_journal.recent(1), value="5")  # another lesson's mark is not counted
    login(client, "teacher")
    html = client.get("/").get_data(as_text=True)
    assert "отметок: 1, отсутствовали: 1" in html
