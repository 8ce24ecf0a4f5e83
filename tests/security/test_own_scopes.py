"""Own/all scopes on top of the school segment: a parent sees their children, a
student themselves, a teacher the groups they teach — in the UI and the API."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Employee, Guardian, Mark, PartaUser, Student, StudentGuardian, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import DEMO_PASSWORD, login


def api_token(client, username: str) -> dict:
    response = client.post("/api/v1/security/login", json={"username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def ids_of(client, headers, resource: str) -> set[int]:
    found, page = set(), 0
    while True:
        response = client.get(f"/api/v1/{resource}/?q=(page:{page},page_size:100)", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        found |= set(response.json["ids"])
        if len(response.json["ids"]) < 100:
            return found
        page += 1


@pytest.fixture(scope="module")
def family(app):
    with app.app_context():
        parent = db.session.scalar(select(PartaUser).where(PartaUser.username == "parent"))
        guardian = db.session.scalar(select(Guardian).where(Guardian.user_id == parent.id))
        children = set(db.session.scalars(select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian.id)))
        student_user = db.session.scalar(select(PartaUser).where(PartaUser.username == "student"))
        student = db.session.scalar(select(Student.id).where(Student.user_id == student_user.id))
        school = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "admin"))
        # the demo school's students (other tests may add schools of their own to the database)
        all_students = set(db.session.scalars(select(Student.id).where(Student.school_id == school)))
        db.session.remove()
    return {"guardian": guardian.id, "children": children, "student": student, "all": all_students}


def test_parent_lists_exactly_their_children_through_the_api(client, family):
    headers = api_token(client, "parent")
    assert ids_of(client, headers, "student") == family["children"]
    assert ids_of(client, headers, "guardian") == {family["guardian"]}


def test_parent_cannot_read_another_child_by_id(client, family):
    headers = api_token(client, "parent")
    stranger = min(family["all"] - family["children"])
    assert client.get(f"/api/v1/student/{stranger}", headers=headers).status_code == 404
    own = min(family["children"])
    assert client.get(f"/api/v1/student/{own}", headers=headers).status_code == 200


def test_parent_cannot_change_their_child_through_the_api(client, family):
    headers = api_token(client, "parent")
    own = min(family["children"])
    response = client.put(f"/api/v1/student/{own}", json={"first_name": "Взломщик"}, headers=headers)
    assert response.status_code in (401, 403, 405)


def test_student_sees_only_themselves(client, family):
    headers = api_token(client, "student")
    assert ids_of(client, headers, "student") == {family["student"]}


def test_admin_lists_the_whole_school(client, family):
    headers = api_token(client, "admin")
    assert ids_of(client, headers, "student") >= family["all"] - {None}


def test_teacher_opens_only_marks_of_their_groups(app, client):
    from app.models import Assignment, Lesson

    with app.app_context():
        teacher = db.session.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher"))
        own_groups = set(db.session.scalars(select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == teacher.id)))
        foreign_mark = db.session.scalar(
            select(Mark.id).join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.not_in(own_groups), Lesson.substitute_id.is_(None)).order_by(Mark.id).limit(1))
        own_mark = db.session.scalar(
            select(Mark.id).join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.in_(own_groups)).order_by(Mark.id).limit(1))
        db.session.remove()
    login(client, "teacher")
    assert client.get(f"/markview/show/{own_mark}").status_code == 200
    assert client.get(f"/markview/show/{foreign_mark}").status_code == 404
    assert client.get(f"/markview/edit/{foreign_mark}").status_code == 404


def test_teacher_cannot_move_a_mark_into_another_teachers_group(app, client):
    from app.models import Assignment, Lesson

    with app.app_context():
        teacher = db.session.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher"))
        own_groups = set(db.session.scalars(select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == teacher.id)))
        mark = db.session.scalar(
            select(Mark).join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.in_(own_groups), Mark.value_id.is_not(None)).order_by(Mark.id).limit(1))
        foreign_assignment = db.session.scalar(
            select(Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.not_in(own_groups)).order_by(Assignment.id).limit(1))
        mark_id, assignment_before = mark.id, mark.assignment_id
        data = {"assignment": foreign_assignment, "student": mark.student_id, "value": mark.value_id}
        db.session.remove()
    login(client, "teacher")
    client.post(f"/markview/edit/{mark_id}", data=data)
    with app.app_context():
        assert db.session.get(Mark, mark_id).assignment_id == assignment_before
        db.session.remove()


def _class_led_by(app, username):
    from app.models import SchoolClass

    with app.app_context():
        employee = db.session.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == username))
        school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.class_teacher_id == employee.id))
        taught = set(db.session.scalars(select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == employee.id)))
        result = (school_class.id, taught)
        db.session.remove()
    return result


def _mark_in_class_not_taught(app, class_id, taught):
    from app.models import Assignment, Lesson

    with app.app_context():
        mark = db.session.scalar(
            select(Mark).join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
            .where(SubjectGroup.class_id == class_id, SubjectGroup.id.not_in(taught), Mark.value_id.is_not(None))
            .order_by(Lesson.date.desc(), Mark.id).limit(1))
        data = {"assignment": mark.assignment_id, "student": mark.student_id, "value": mark.value_id, "comment": "Проверено"}
        pk = mark.id
        db.session.remove()
    return pk, data


def _set_curriculum(app, class_id, kind):
    from app.models import SchoolClass
    from app.models.teaching import CurriculumType

    with app.app_context():
        db.session.get(SchoolClass, class_id).curriculum_type = CurriculumType[kind]
        db.session.commit()
        db.session.remove()


def test_class_teacher_keeps_the_journals_of_their_class_but_only_reads_them_for_an_iup_class(app, client):
    class_id, taught = _class_led_by(app, "classteacher")
    pk, data = _mark_in_class_not_taught(app, class_id, taught)
    login(client, "classteacher")
    assert client.get(f"/markview/show/{pk}").status_code == 200
    client.post(f"/markview/edit/{pk}", data=data)
    with app.app_context():
        assert db.session.get(Mark, pk).comment == "Проверено"
        db.session.remove()

    _set_curriculum(app, class_id, "individual")
    try:
        client.post("/logout/")
        login(client, "classteacher")
        response = client.post(f"/markview/edit/{pk}", data={**data, "comment": "ИУП"}, follow_redirects=True)
        assert "Вы не можете изменять журнал этой предмет-группы." in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(Mark, pk).comment == "Проверено"
            db.session.remove()
    finally:
        _set_curriculum(app, class_id, "classic")


def test_municipal_specialist_reads_the_municipalitys_schools_and_changes_nothing(app, client):
    from app.models import School

    with app.app_context():
        sm = app.appbuilder.sm
        demo_school = db.session.scalar(select(School).where(School.short_name == "МБОУ СОШ № 1"))
        user = sm.add_user("uo-specialist", "Ольга", "Управленцева", "uo@example.ru",
                           [sm.find_role("Специалист управления образования")], password=DEMO_PASSWORD)
        user.municipality_id = demo_school.municipality_id
        db.session.commit()
        school_students = set(db.session.scalars(select(Student.id).where(Student.school_id == demo_school.id)))
        db.session.remove()
    headers = api_token(client, "uo-specialist")
    assert school_students <= ids_of(client, headers, "student")
    login(client, "uo-specialist")
    assert client.get("/studentview/list/").status_code == 200
    response = client.post("/subjectview/add", data={"name": "Муниципальный предмет"}, follow_redirects=True)
    assert response.status_code in (200, 302, 403)
    with app.app_context():
        from app.models import Subject

        assert db.session.scalar(select(Subject).where(Subject.name == "Муниципальный предмет")) is None
        db.session.remove()
