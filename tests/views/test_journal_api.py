"""The journal's REST API (issue 4, item 8): lessons, assignments, marks, attendance
and period marks with JWT, under the same scoping, locks and audit as the pages."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Assignment, AuditLog, Employee, Lesson, Mark, PeriodMark, SubjectGroup, SubjectGroupTeacher,
)
from app.rules.locks import LOCK_MESSAGES
from tests.conftest import DEMO_PASSWORD, flashes, login, unique
from tests.views.journal_fixtures import journal, make_mark, make_period_mark  # noqa: F401 (fixture)

JOURNAL_PATHS = ["/api/v1/lesson/", "/api/v1/assignment/", "/api/v1/mark/", "/api/v1/attendance/", "/api/v1/periodmark/"]


def token(client, username: str) -> dict:
    response = client.post("/api/v1/security/login", json={"username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def lock_message(app, kind: str, entry_date: dt.date, days: int = 10) -> str:
    with app.test_request_context():
        return gettext(LOCK_MESSAGES[kind], date=f"{entry_date:%d.%m.%Y}",
                       until=f"{entry_date + dt.timedelta(days=days):%d.%m.%Y}")


def _teacher_groups(app) -> set[int]:
    with app.app_context():
        groups = set(db.session.scalars(
            select(SubjectGroupTeacher.subject_group_id).join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
            .where(Employee.user_id == _user("teacher"))))
        db.session.remove()
    return groups


def _user(username: str) -> int:
    from app.models import PartaUser

    return db.session.scalar(select(PartaUser.id).where(PartaUser.username == username))


def _updates(app, journal, entity: str, row_id: int, action: str = "update") -> list[AuditLog]:
    """Audit rows of the module's journal (SQLite reuses the ids of rows an earlier module deleted)."""
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(
            AuditLog.entity == entity, AuditLog.row_id == row_id, AuditLog.action == action,
            AuditLog.subject_group_id == journal.group_id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _audit_count(app) -> int:
    from sqlalchemy import func

    with app.app_context():
        count = db.session.scalar(select(func.count(AuditLog.id)))
        db.session.remove()
    return count


@pytest.fixture()
def teacher(client):
    return token(client, "teacher")


def _at_least_marks(app, journal, count: int) -> None:
    """Early in the year the demo teacher's groups hold few marks: the journal gets a lesson
    of today with enough marks for a full page."""
    from sqlalchemy import func

    with app.app_context():
        held = db.session.scalar(select(func.count(Mark.id)).join(Assignment, Mark.assignment_id == Assignment.id)
                                 .join(Lesson, Assignment.lesson_id == Lesson.id)
                                 .where(Lesson.subject_group_id.in_(_teacher_groups(app))))
        db.session.remove()
    missing = count - held
    if missing <= 0:
        return
    students = [journal.child_id, journal.other_student_id, *journal.classmates]
    with app.app_context():
        lesson = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.today, number=2)
        for n in range(-(-missing // len(students))):
            assignment = Assignment(school_id=journal.school_id, lesson=lesson, type_id=journal.ordinary_type_id)
            db.session.add_all(Mark(school_id=journal.school_id, assignment=assignment, student_id=student,
                                    value_id=journal.values["5"]) for student in students)
        db.session.commit()
        db.session.remove()


def test_teacher_lists_marks_of_their_own_groups_only(app, client, journal, teacher):
    _at_least_marks(app, journal, 200)
    response = client.get("/api/v1/mark/?q=(page:0,page_size:200)", headers=teacher)
    assert response.status_code == 200
    listed = response.json["ids"]
    assert len(listed) == 200
    assert {"id", "assignment_id", "student_id", "value_id", "value", "is_duty", "comment"} <= set(response.json["result"][0])
    with app.app_context():
        groups = set(db.session.scalars(
            select(Lesson.subject_group_id).join(Assignment, Assignment.lesson_id == Lesson.id)
            .join(Mark, Mark.assignment_id == Assignment.id).where(Mark.id.in_(listed))))
        foreign = db.session.scalar(
            select(Mark.id).join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id.not_in(_teacher_groups(app)), Lesson.substitute_id.is_(None)).limit(1))
        db.session.remove()
    assert groups <= _teacher_groups(app)
    assert client.get(f"/api/v1/mark/{foreign}", headers=teacher).status_code == 404


def test_teacher_creates_a_mark_on_a_recent_lesson_and_the_audit_names_them(app, client, journal, teacher):
    lesson = make_mark(app, journal, days_ago=journal.recent(1))
    student = journal.classmates[3]
    response = client.post("/api/v1/mark/", headers=teacher, json={
        "assignment_id": lesson["assignment"], "student_id": student, "value_id": journal.values["5"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    pk = response.json["id"]
    shown = client.get(f"/api/v1/mark/{pk}", headers=teacher).json["result"]
    assert shown["value"] == {"code": "5"} and shown["student_id"] == student
    [row] = [r for r in _updates(app, journal, "mark", pk, action="create") if r.field == "value_id"]
    with app.app_context():
        assert row.user_id == _user("teacher")
        db.session.remove()
    assert (row.new_value, row.address, row.subject_group_id, row.student_id) == ("5", "127.0.0.1", journal.group_id, student)


def test_teacher_sets_a_lesson_topic_and_attendance_through_the_api(app, client, journal, teacher):
    lesson = make_mark(app, journal, days_ago=0)
    topic = unique("Дроби")
    response = client.put(f"/api/v1/lesson/{lesson['lesson']}", headers=teacher, json={"topic": topic})
    assert response.status_code == 200, response.get_data(as_text=True)
    [row] = _updates(app, journal, "lesson", lesson["lesson"])
    assert (row.field, row.new_value) == ("topic", topic)
    response = client.post("/api/v1/attendance/", headers=teacher, json={
        "lesson_id": lesson["lesson"], "student_id": journal.child_id, "code_id": journal.codes["Б"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [r.new_value for r in _updates(app, journal, "attendance", response.json["id"], action="create")
            if r.field == "code_id"] == ["Б"]


def test_changing_a_mark_of_a_lesson_eleven_days_old_is_refused_until_the_coordinator_unlocks_it(
        app, client, journal, teacher):
    old = make_mark(app, journal, days_ago=11, value="4")
    response = client.put(f"/api/v1/mark/{old['mark']}", headers=teacher, json={"value_id": journal.values["5"]})
    assert response.status_code == 422
    assert response.json["message"] == lock_message(app, "mark", old["date"])
    assert f"{old['date']:%d.%m.%Y}" in response.json["message"]
    assert _updates(app, journal, "mark", old["mark"]) == []

    coordinator = login(app.test_client(), "coordinator")
    day = f"{old['date']:%d.%m.%Y}"
    added = coordinator.post("/journalunlockview/add", follow_redirects=True, data={
        "subject_group": journal.group_id, "date_from": day, "date_to": day,
        "until": f"{journal.day(-2):%d.%m.%Y}", "reason": unique("Исправление ошибки")})
    assert "Запись добавлена" in flashes(added.get_data(as_text=True))

    response = client.put(f"/api/v1/mark/{old['mark']}", headers=teacher, json={"value_id": journal.values["5"]})
    assert response.status_code == 200, (response.get_data(as_text=True), response.headers)
    [row] = _updates(app, journal, "mark", old["mark"])
    assert (row.old_value, row.new_value) == ("4", "5")


def test_deleting_a_locked_mark_is_refused(app, client, journal, teacher):
    old = make_mark(app, journal, days_ago=12)
    response = client.delete(f"/api/v1/mark/{old['mark']}", headers=teacher)
    assert response.status_code == 422
    assert response.json["message"] == lock_message(app, "mark", old["date"])
    with app.app_context():
        assert db.session.get(Mark, old["mark"]) is not None
        db.session.remove()


def test_period_mark_of_a_period_ended_long_ago_is_refused(app, client, journal, teacher):
    past_period, end = journal.locked_period()
    pk = make_period_mark(app, journal, past_period, student=journal.classmates[5])
    response = client.put(f"/api/v1/periodmark/{pk}", headers=teacher, json={"value_id": journal.values["5"]})
    assert response.status_code == 422
    assert response.json["message"] == lock_message(app, "period_mark", end)
    with app.app_context():
        assert db.session.get(PeriodMark, pk).value.code == "4"
        db.session.remove()


def test_teacher_cannot_write_into_another_teachers_group(app, client, journal, teacher):
    with app.app_context():
        foreign = db.session.execute(
            select(Assignment.id, Lesson.subject_group_id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
            .where(Lesson.subject_group_id.not_in(_teacher_groups(app)), Lesson.date <= journal.today,
                   SubjectGroup.class_id == journal.class_id)
            .order_by(Lesson.date.desc()).limit(1)).first()  # the latest: its lock is still open
        db.session.remove()
    before = _audit_count(app)
    response = client.post("/api/v1/mark/", headers=teacher, json={
        "assignment_id": foreign.id, "student_id": journal.child_id, "value_id": journal.values["5"],
        "comment": "чужой журнал"})
    assert response.status_code == 422
    assert response.json["message"] == "Вы не можете изменять журнал этой предмет-группы."
    with app.app_context():
        assert db.session.scalar(select(Mark.id).where(Mark.comment == "чужой журнал")) is None
        db.session.remove()
    assert _audit_count(app) == before


def test_director_reads_the_journal_but_cannot_write_it(app, client, journal):
    director = token(client, "director")
    assert client.get("/api/v1/lesson/?q=(page_size:5)", headers=director).status_code == 200
    lesson = make_mark(app, journal, days_ago=0)
    response = client.put(f"/api/v1/lesson/{lesson['lesson']}", headers=director, json={"topic": "Директор"})
    assert response.status_code in (401, 403)


def test_parent_has_no_journal_api(client):
    assert client.get("/api/v1/mark/", headers=token(client, "parent")).status_code in (401, 403)


def test_openapi_document_lists_the_journal_paths(client):
    response = client.get("/api/v1/_openapi", headers=token(client, "admin"))
    assert response.status_code == 200
    paths = response.json["paths"]
    for path in JOURNAL_PATHS:
        assert path in paths, path
        assert f"{path}{{pk}}" in paths, path


def test_a_teacher_reads_the_openapi_description_of_the_journal_api(app, client):
    response = client.post("/api/v1/security/login", json={"username": "teacher", "password": "demo", "provider": "db"})
    token = response.get_json()["access_token"]
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"})
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    for resource in ("lesson", "assignment", "mark", "attendance", "periodmark"):
        assert f"/api/v1/{resource}/" in paths
