"""The demo school: realistic counts, the demo accounts, and idempotence."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attendance, Employee, Enrolment, Guardian, Lesson, Mark, PartaUser, ScheduleEntry, School, SchoolClass,
    Student, StudentGuardian, StudyPeriod, SubjectGroupTeacher,
)
from tests.conftest import login, school_today


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_school_is_a_realistic_general_school(app_ctx):
    assert count(School) >= 1
    classes = db.session.scalars(select(SchoolClass)).all()
    assert {c.grade for c in classes} == set(range(1, 12))
    assert 400 <= count(Student) <= 700
    assert count(Employee) >= 25
    assert count(ScheduleEntry) > 300
    assert count(StudyPeriod) >= 4
    assert count(Enrolment, Enrolment.end_date.is_(None)) >= 400


def test_demo_journal_holds_lessons_up_to_today_with_marks_and_absences(app_ctx):
    today = school_today()
    assert db.session.scalar(select(func.max(Lesson.date))) <= today
    if today > dt.date(2026, 9, 14):
        assert count(Lesson) > 1000
        assert count(Mark) > 5000
        assert count(Attendance) > 500
        values = dict(db.session.execute(
            select(Mark.value_id, func.count()).where(Mark.value_id.is_not(None)).group_by(Mark.value_id)
        ).all())
        assert len(values) >= 4, "marks should use the whole 2–5 scale"


def test_every_demo_account_logs_in(app, client):
    from demo import DEMO_ACCOUNTS

    assert {u for u, *_ in DEMO_ACCOUNTS} == {
        "admin", "coordinator", "director", "teacher", "classteacher", "secretary", "hr", "moderator", "parent", "student",
    }
    for username, role, _ in DEMO_ACCOUNTS:
        login(client, username)
        client.post("/logout/")


def test_demo_parent_is_the_guardian_of_two_children_one_of_them_the_demo_student(app_ctx):
    parent = db.session.scalar(select(PartaUser).where(PartaUser.username == "parent"))
    student_user = db.session.scalar(select(PartaUser).where(PartaUser.username == "student"))
    guardian = db.session.scalar(select(Guardian).where(Guardian.user_id == parent.id))
    children = db.session.scalars(select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian.id)).all()
    assert len(children) == 2
    student = db.session.scalar(select(Student).where(Student.user_id == student_user.id))
    assert student.id in children


def test_demo_teacher_teaches_several_groups_and_classteacher_leads_a_class(app_ctx):
    teacher = db.session.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher"))
    assert count(SubjectGroupTeacher, SubjectGroupTeacher.employee_id == teacher.id) >= 3
    classteacher = db.session.scalar(
        select(Employee).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "classteacher"))
    assert count(SchoolClass, SchoolClass.class_teacher_id == classteacher.id) == 1


def test_seeding_again_changes_nothing(app_ctx):
    from demo import seed_demo

    tables = (School, Student, Employee, Lesson, Mark, Attendance, PartaUser)
    before = {t.__name__: count(t) for t in tables}
    assert seed_demo() is False
    assert {t.__name__: count(t) for t in tables} == before
