"""The mail's address book names each teacher's role and subjects; a parent writes
to all the teachers of a child's class with one choice, expanded on the server to
the teachers' logins — never to another class's teachers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Employee, Enrolment, Guardian, MailMessage, MailRecipient, PartaUser, SchoolClass, SchoolYear, Student,
    StudentGuardian, Subject, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import DEMO_PASSWORD, flashes, login, unique


def _user_id(username: str) -> int:
    return db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))


@pytest.fixture(scope="module")
def family(app):
    """The demo parent's children's current classes, the logins of their teachers, and a
    teacher (with a login) of another class only; the teacher is removed afterwards."""
    with app.app_context():
        parent = _user_id("parent")
        children = select(StudentGuardian.student_id).join(Guardian, Guardian.id == StudentGuardian.guardian_id) \
            .where(Guardian.user_id == parent)
        classes = set(db.session.scalars(select(Enrolment.class_id).where(Enrolment.student_id.in_(children),
                                                                          Enrolment.end_date.is_(None))))
        class_id = db.session.scalar(select(Enrolment.class_id).join(Student, Student.id == Enrolment.student_id)
                                     .where(Student.user_id == _user_id("student"), Enrolment.end_date.is_(None)))
        groups = select(SubjectGroup.id).where(SubjectGroup.class_id == class_id)
        teachers = set(db.session.scalars(
            select(Employee.user_id).where(Employee.user_id.is_not(None), (Employee.id.in_(
                select(SubjectGroupTeacher.employee_id).where(SubjectGroupTeacher.subject_group_id.in_(groups)))) |
                (Employee.id.in_(select(SchoolClass.class_teacher_id).where(SchoolClass.id == class_id))))))
        other = db.session.scalar(select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
                                  .where(SchoolYear.is_current.is_(True), SchoolClass.id.not_in(classes))
                                  .order_by(SchoolClass.grade.desc()))
        sm = app.appbuilder.sm
        stranger = sm.add_user(unique("ot").replace(" ", ""), "Инна", "Посторонняя", f"{unique('o')[-6:]}@o.test",
                               sm.find_role("Учитель"), password=DEMO_PASSWORD)
        stranger.school_id = other.school_id
        employee = Employee(school_id=other.school_id, last_name="Посторонняя", first_name="Инна", user_id=stranger.id)
        db.session.add(employee)
        db.session.flush()
        group = db.session.scalar(select(SubjectGroup).where(SubjectGroup.class_id == other.id))
        db.session.add(SubjectGroupTeacher(school_id=other.school_id, subject_group_id=group.id, employee_id=employee.id))
        db.session.commit()
        info = {"class_id": class_id, "other_class_id": other.id, "teachers": teachers, "stranger": stranger.id,
                "employee": employee.id, "teacher": _user_id("teacher"), "classteacher": _user_id("classteacher")}
        db.session.remove()
    yield info
    with app.app_context():
        db.session.delete(db.session.get(Employee, info["employee"]))
        db.session.delete(db.session.get(PartaUser, info["stranger"]))
        db.session.commit()
        db.session.remove()


def _letters(app, subject: str) -> list[set]:
    with app.app_context():
        found = [set(db.session.scalars(select(MailRecipient.user_id).where(MailRecipient.message_id == m)))
                 for m in db.session.scalars(select(MailMessage.id).where(MailMessage.subject == subject))]
        db.session.remove()
    return found


def _option(html: str, value: str) -> str:
    found = re.search(rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', html)
    return found.group(1).strip() if found else ""


def test_the_address_book_names_each_teachers_role_and_subjects(app, family):
    with app.app_context():
        teacher = db.session.scalar(select(Employee).where(Employee.user_id == family["teacher"]))
        subjects = set(db.session.scalars(
            select(Subject.name).join(SubjectGroup, SubjectGroup.subject_id == Subject.id)
            .join(SubjectGroupTeacher, SubjectGroupTeacher.subject_group_id == SubjectGroup.id)
            .join(SchoolYear, SchoolYear.id == SubjectGroup.year_id)
            .where(SubjectGroupTeacher.employee_id == teacher.id, SchoolYear.is_current.is_(True))))
        db.session.remove()
    html = login(app.test_client(), "coordinator").get("/mail/compose").get_data(as_text=True)
    label = _option(html, str(family["teacher"]))
    assert "Учитель" in label and subjects and all(subject in label for subject in subjects), label
    # a parent sees the subjects the teacher teaches in the children's classes (the groups the parent sees)
    html = login(app.test_client(), "parent").get("/mail/compose").get_data(as_text=True)
    label = _option(html, str(family["teacher"]))
    assert "Учитель" in label and any(subject in label for subject in subjects), label
    assert "классный руководитель" in _option(html, str(family["classteacher"]))


def test_a_parent_writes_to_all_teachers_of_the_childs_class_with_one_choice(app, family):
    parent = login(app.test_client(), "parent")
    key = f"group:class-teachers:{family['class_id']}"
    html = parent.get("/mail/compose").get_data(as_text=True)
    assert _option(html, key).startswith("Все учителя класса")
    subject = unique("Родительское собрание")
    response = parent.post("/mail/compose", data={"to": [key], "subject": subject, "body": "Добрый день!"},
                           follow_redirects=True)
    assert "Письмо отправлено." in flashes(response.get_data(as_text=True))
    assert _letters(app, subject) == [family["teachers"]]
    assert family["stranger"] not in family["teachers"]


@pytest.mark.parametrize("which", ["other class", "made up"])
def test_a_parent_cannot_address_another_classs_teachers_and_nothing_is_sent(app, family, which):
    parent = login(app.test_client(), "parent")
    key = f"group:class-teachers:{family['other_class_id']}" if which == "other class" else "group:everyone"
    assert key not in parent.get("/mail/compose").get_data(as_text=True)
    subject = unique("Чужим учителям")
    response = parent.post("/mail/compose", data={"to": [key, str(family["teacher"])], "subject": subject, "body": "Текст"},
                           follow_redirects=True)
    assert any("вы писать не можете" in text for text in flashes(response.get_data(as_text=True)))
    assert _letters(app, subject) == []


def test_staff_have_no_group_of_a_classs_teachers_to_write_to(app, family):
    teacher = login(app.test_client(), "teacher")
    assert "group:class-teachers:" not in teacher.get("/mail/compose").get_data(as_text=True)
    subject = unique("Группа")
    teacher.post("/mail/compose", data={"to": [f"group:class-teachers:{family['class_id']}"], "subject": subject,
                                        "body": "Текст"})
    assert _letters(app, subject) == []
