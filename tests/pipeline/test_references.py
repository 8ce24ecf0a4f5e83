"""References never cross schools: a school-scoped row that points at a row of another
school is refused on every path (the review: a school-B coordinator created, through
REST, a lesson in school A's subject group, an assignment on school A's lesson, and
rows pointing at school A's assignment type and attendance code).

The list of references is read off the tables' foreign keys, so a new table is
checked — and covered by the first test — without being named here."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import JobKind, JobStatus, ReportJob
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, Enrolment, Lesson, Mark, School, SchoolClass, SchoolYear,
    Student, Subject, SubjectGroup,
)
from app.models.base import Model, SchoolScoped
from app.pipeline.segment import check_references, school_references
from app.rules.errors import RuleViolation
from tests.conftest import unique
from tests.security.account_fixtures import PASSWORD, api_headers, make_login, remove_logins

REFUSAL = "Запись ссылается на данные другой школы."


def school_scoped_models() -> list:
    return sorted({m.class_ for m in Model.registry.mappers if issubclass(m.class_, SchoolScoped)}, key=lambda c: c.__name__)


def every_reference() -> list:
    return [(model, column, target) for model in school_scoped_models()
            for column, _rel, target in school_references(model) if isinstance(target, type)]


def test_every_foreign_key_to_a_school_bound_table_is_a_checked_reference():
    """Read from the metadata: each school-scoped table's columns that point at a table
    with a school_id (other than school_id itself) are all in the pipeline's list."""
    for model in school_scoped_models():
        expected = {c.key for c in model.__table__.columns if c.key != "school_id"
                    and any("school_id" in fk.column.table.c for fk in c.foreign_keys)}
        assert {column for column, _rel, _t in school_references(model)} == expected, model.__name__
    known = {(m.__name__, c) for m, c, _t in every_reference()}
    assert {("Lesson", "subject_group_id"), ("Assignment", "lesson_id"), ("Assignment", "type_id"),
            ("Attendance", "code_id"), ("Mark", "value_id"), ("Employee", "user_id")} <= known


@pytest.fixture(scope="module")
def school_b(app):
    """A second school with a year, a class, a subject group and a lesson, and its coordinator."""
    with app.app_context():
        school = School(full_name=unique("Школа Б"), short_name=unique("Школа Б №"))
        db.session.add(school)
        db.session.flush()
        year = SchoolYear(school_id=school.id, name="2026/2027", start_date=dt.date(2026, 9, 1),
                          end_date=dt.date(2027, 5, 31), is_current=True)
        subject = Subject(school_id=school.id, name=unique("Предмет Б"))
        db.session.add_all([year, subject])
        db.session.flush()
        school_class = SchoolClass(school_id=school.id, year_id=year.id, grade=5, letter="Б")
        db.session.add(school_class)
        db.session.flush()
        group = SubjectGroup(school_id=school.id, year_id=year.id, class_id=school_class.id, subject_id=subject.id,
                             name=unique("Группа Б"))
        db.session.add(group)
        db.session.flush()
        lesson = Lesson(school_id=school.id, subject_group_id=group.id, date=dt.date(2026, 11, 19), number=1)
        pupil = Student(school_id=school.id, last_name="Учеников", first_name="Б", personal_file_no=unique("Б"))
        db.session.add_all([lesson, pupil])
        db.session.commit()
        found = {"school": school.id, "group": group.id, "lesson": lesson.id, "class": school_class.id, "student": pupil.id}
        db.session.remove()
    coordinator = make_login(app, "coordb", ["Координатор"], school_id=found["school"])
    found["coordinator"] = coordinator
    yield found
    remove_logins(app, coordinator.id)
    with app.app_context():
        db.session.execute(delete(School.__table__).where(School.__table__.c.id == found["school"]))
        db.session.commit()
        db.session.remove()


# Rows the demo school has none of until someone uses the feature: made here, in the test's transaction.
MADE_FOR_THE_TEST = {
    "ReportJob": lambda school_id: ReportJob(school_id=school_id, kind=JobKind.year_archive, status=JobStatus.done),
    # the demo's first order is of 12.10.2026: on earlier school dates (PARTA_TODAY) it has none
    "MovementOrder": lambda school_id: _order(school_id),
}


def _order(school_id: int):
    from app.models import MovementOrder, OrderKind, SchoolYear

    year = db.session.scalar(select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)))
    return MovementOrder(school_id=school_id, year_id=year.id, number="Проверка-1", date=year.start_date + dt.timedelta(days=1),
                         kind=OrderKind.enrolment)


def _row_of(session, model, school_id: int):
    table = model.__table__
    found = session.scalar(select(table.c.id).where(table.c.school_id == school_id).order_by(table.c.id).limit(1))
    if found is None and model.__name__ in MADE_FOR_THE_TEST:
        row = MADE_FOR_THE_TEST[model.__name__](school_id)
        session.add(row)
        session.flush()
        found = row.id
    return found


def test_a_new_row_pointing_at_another_schools_row_is_refused_for_every_reference(app, school_b):
    """For every reference of the metadata: a row of school B pointing at a row of the
    demo school is refused; pointing at a row of its own school is not."""
    demo = None
    checked = []
    with app.app_context():
        session = db.session
        demo = session.scalar(select(School.id).where(School.id != school_b["school"]).order_by(School.id).limit(1))
        for model, column, target in every_reference():
            target_id = _row_of(session, target, demo)
            assert target_id is not None, (f"the demo school has no {target.__name__} to point {model.__name__}.{column} "
                                           "at: add one to MADE_FOR_THE_TEST")
            row = model()
            setattr(row, column, target_id)
            row.school_id = school_b["school"]
            with pytest.raises(RuleViolation, match="another school"):
                check_references(session, [row])
            row.school_id = demo
            check_references(session, [row])  # its own school's row: no refusal
            checked.append(f"{model.__name__}.{column}")
        session.rollback()
        db.session.remove()
    assert len(checked) >= 60, checked


def test_a_changed_reference_to_another_schools_row_is_refused(app, school_b):
    with app.app_context():
        lesson = db.session.get(Lesson, school_b["lesson"])
        demo_group = db.session.scalar(select(SubjectGroup.id).where(SubjectGroup.school_id != school_b["school"]).limit(1))
        lesson.subject_group_id = demo_group
        with pytest.raises(RuleViolation):
            check_references(db.session, [lesson])
        db.session.rollback()
        db.session.remove()


def _demo_ids(app, school_b) -> dict:
    with app.app_context():
        other = school_b["school"]
        found = {
            "group": db.session.scalar(select(SubjectGroup.id).where(SubjectGroup.school_id != other).order_by(SubjectGroup.id)),
            "lesson": db.session.scalar(select(Lesson.id).where(Lesson.school_id != other).order_by(Lesson.id)),
            "type": db.session.scalar(select(AssignmentType.id).where(AssignmentType.school_id != other).order_by(AssignmentType.id)),
            "code": db.session.scalar(select(AttendanceCode.id).where(AttendanceCode.school_id != other).order_by(AttendanceCode.id)),
        }
        db.session.remove()
    return found


def _counts(app) -> tuple:
    with app.app_context():
        found = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Lesson, Assignment, Attendance))
        db.session.remove()
    return found


def test_another_schools_coordinator_cannot_write_into_the_demo_school_through_rest(app, client, school_b):
    """The review's four rows, each answered 422 with a Russian message, nothing written."""
    demo = _demo_ids(app, school_b)
    headers = api_headers(client, school_b["coordinator"].username, PASSWORD)
    attempts = [
        ("/api/v1/lesson/", {"subject_group_id": demo["group"], "date": "2026-11-19", "number": 5}),
        ("/api/v1/assignment/", {"lesson_id": demo["lesson"], "type_id": demo["type"]}),
        ("/api/v1/assignment/", {"lesson_id": school_b["lesson"], "type_id": demo["type"]}),
        ("/api/v1/attendance/", {"lesson_id": school_b["lesson"], "student_id": school_b["student"], "code_id": demo["code"]}),
    ]
    before = _counts(app)
    for url, body in attempts:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (url, body, response.status_code, response.get_data(as_text=True))
        assert response.get_json()["message"] == REFUSAL, \
            response.get_data(as_text=True)
    assert _counts(app) == before


def test_the_journal_grid_refuses_a_mark_for_another_schools_or_another_class_pupil_and_saves_the_rest(
        app, client, school_b, journal):
    """A column saved from the grid: each cell is checked against the school segment and the
    group's members; a refused cell gets its own message, the others are written."""
    from tests.conftest import login

    with app.app_context():
        lesson = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(2), number=4)
        assignment = Assignment(school_id=journal.school_id, lesson=lesson, type_id=journal.ordinary_type_id)
        db.session.add_all([lesson, assignment])
        db.session.commit()
        lesson_id, assignment_id = lesson.id, assignment.id
        classmates = select(Enrolment.student_id).where(Enrolment.class_id == journal.class_id)
        other_class = db.session.scalar(select(Student.id).where(Student.school_id == journal.school_id,
                                                                 Student.id.not_in(classmates)).order_by(Student.id))
        db.session.remove()
    teacher = login(client, "teacher")
    changes = [{"kind": "mark", "assignment": assignment_id, "student": sid, "value": "4", "duty": False,
                "comment": "", "old": ["", False, ""]} for sid in (school_b["student"], other_class, journal.child_id)]
    try:
        response = teacher.post("/journal/save", json={"group": journal.group_id, "period": journal.current_period_id,
                                                       "changes": changes})
        answer = response.get_json()
        assert response.status_code == 200 and answer["saved"] == [2], answer
        assert answer["errors"] == {"0": REFUSAL, "1": "Ученик не учится в этой предмет-группе."}, answer
        with app.app_context():
            written = set(db.session.scalars(select(Mark.student_id).where(Mark.assignment_id == assignment_id)))
            db.session.remove()
        assert written == {journal.child_id}
    finally:
        with app.app_context():
            db.session.delete(db.session.get(Lesson, lesson_id))
            db.session.commit()
            db.session.remove()
