"""A login's scope (which groups, pupils and families it sees and may write) is kept in the
process under the rights version, not read on every request — and a change of what opens
rows to a login reaches its very next request, whether written row by row (a form, REST,
an order) or by one statement (a bulk delete)."""
from __future__ import annotations

from sqlalchemy import delete, event, select

from app.extensions import db
from app.models import Employee, PartaUser, SchoolClass, SubjectGroup, SubjectGroupTeacher
from tests.conftest import login
from tests.views.journal_fixtures import journal  # noqa: F401 (fixture)


def _scope_reads(app, client, path: str) -> tuple:
    """(status, how many times the login's scope was read) of one request."""
    found = []

    def listener(_conn, _cursor, statement, *_args):
        if "UNION ALL" in statement and "employee" in statement and "guardian" in statement:
            found.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return status, len(found)


def _save_empty(client, group: int) -> int:
    return client.post("/journal/save", json={"group": group, "period": None, "changes": []}).status_code


def test_a_teachers_scope_is_read_once_while_nothing_it_depends_on_changes(app, client):
    teacher = login(client, "teacher")
    _scope_reads(app, teacher, "/journal/")
    assert _scope_reads(app, teacher, "/journal/") == (200, 0)
    assert _scope_reads(app, teacher, "/") == (200, 0)


def test_a_group_given_to_a_teacher_opens_on_the_next_request_and_a_bulk_removal_closes_it(app, client):
    teacher = login(client, "teacher")
    with app.app_context():
        user = db.session.scalar(select(PartaUser).where(PartaUser.username == "teacher"))
        employee = db.session.scalar(select(Employee).where(Employee.user_id == user.id))
        taught = set(db.session.scalars(select(SubjectGroupTeacher.subject_group_id)
                                        .where(SubjectGroupTeacher.employee_id == employee.id)))
        led = select(SchoolClass.id).where(SchoolClass.class_teacher_id == employee.id)
        group = db.session.scalar(select(SubjectGroup.id).where(
            SubjectGroup.school_id == user.school_id, SubjectGroup.id.not_in(taught), SubjectGroup.class_id.not_in(led))
            .order_by(SubjectGroup.id))
        employee_id = employee.id
        db.session.remove()
    assert _save_empty(teacher, group) == 404  # not theirs: not even found
    assert _save_empty(teacher, group) == 404  # (the scope is now the process's)
    try:
        with app.app_context():  # as the administrator's form does: a row through the session's flush
            db.session.add(SubjectGroupTeacher(school_id=db.session.get(SubjectGroup, group).school_id,
                                               subject_group_id=group, employee_id=employee_id))
            db.session.commit()
            db.session.remove()
        assert _save_empty(teacher, group) == 200
    finally:
        with app.app_context():  # one statement, no flush
            db.session.execute(delete(SubjectGroupTeacher).where(SubjectGroupTeacher.subject_group_id == group,
                                                                 SubjectGroupTeacher.employee_id == employee_id))
            db.session.commit()
            db.session.remove()
    assert _save_empty(teacher, group) == 404


def test_saving_marks_and_attendance_leaves_the_rights_version_and_so_every_scope_in_place(app, client, journal):
    """Marks are the busiest writes: they must not make every login's scope and rights be read again."""
    from app.models import Assignment, Lesson
    from app.security import grants

    day = journal.lesson_day(0)  # the school's date (the test is skipped outside the school year)
    with app.app_context():
        lesson = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=day, number=6)
        assignment = Assignment(school_id=journal.school_id, lesson=lesson, type_id=journal.ordinary_type_id)
        db.session.add_all([lesson, assignment])
        db.session.commit()
        lesson_id, assignment_id = lesson.id, assignment.id
        before = grants.read_version(db.session)
        db.session.remove()
    teacher, student = login(client, "teacher"), journal.child_id
    changes = [{"kind": "mark", "assignment": assignment_id, "student": student, "value": "5", "duty": False,
                "comment": "", "old": ["", False, ""]},
               {"kind": "attendance", "lesson": lesson_id, "student": student, "value": "н", "old": ""}]
    try:
        _scope_reads(app, teacher, "/journal/")
        answer = teacher.post("/journal/save", json={"group": journal.group_id, "period": None,
                                                     "changes": changes}).get_json()
        assert answer["saved"] == [0, 1], answer
        with app.app_context():
            assert grants.read_version(db.session) == before
            db.session.remove()
        assert _scope_reads(app, teacher, "/journal/") == (200, 0)
    finally:
        with app.app_context():
            db.session.delete(db.session.get(Lesson, lesson_id))
            db.session.commit()
            db.session.remove()


def test_every_link_of_a_scope_is_a_row_of_its_own_so_a_flush_writing_it_is_seen():
    """The version moves when a scope's row is new, deleted or has a changed column; a link kept
    in a secondary table (a many-to-many collection) would change none of them. (A login's roles
    are one: they are read with the login on every request and are part of the key.)"""
    from app.models.base import Model
    from app.security.grants import SCOPE_MODELS

    for mapper in Model.registry.mappers:
        for relationship in mapper.relationships:
            if mapper.class_ in SCOPE_MODELS or relationship.mapper.class_ in SCOPE_MODELS:
                assert relationship.secondary is None, f"{mapper.class_.__name__}.{relationship.key}"
