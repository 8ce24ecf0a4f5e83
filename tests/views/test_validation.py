"""Bad input is refused with a clear Russian message, and nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Assignment, Enrolment, GradeScale, GradeScaleValue, Mark, PeriodType, SchoolClass, SchoolYear, Student,
    StudyPeriod, Subject, SubjectGroup,
)
from app.rules.errors import RuleViolation
from tests.conftest import flashes, unique
from tests.views.journal_fixtures import fresh_journal, make_mark  # noqa: F401  (fixture)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def demo(app_ctx):
    """Ids of the demo school's current year, its quarter type and a class."""
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
    quarter = db.session.scalar(select(PeriodType).where(PeriodType.name == "Четверть"))
    school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id).order_by(SchoolClass.grade))
    data = {"year": year.id, "year_start": year.start_date, "year_end": year.end_date, "quarter": quarter.id, "class": school_class}
    db.session.remove()
    return data


def post(client, url, data) -> list[str]:
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    return flashes(response.get_data(as_text=True))


def refused(messages: list[str], text: str) -> bool:
    return any(text in m for m in messages)


def test_period_outside_the_school_year_is_refused(admin_client, demo):
    before = count(StudyPeriod)
    messages = post(admin_client, "/studyperiodview/add", {
        "year": demo["year"], "period_type": demo["quarter"], "name": unique("Летняя четверть"), "number": "5",
        "start_date": "01.06.2027", "end_date": "30.06.2027", "grade_from": "1", "grade_to": "9",
    })
    assert refused(messages, "Даты должны лежать внутри учебного года (01.09.2026–31.05.2027)"), messages
    assert count(StudyPeriod) == before


def test_overlapping_quarter_is_refused(admin_client, demo):
    before = count(StudyPeriod)
    messages = post(admin_client, "/studyperiodview/add", {
        "year": demo["year"], "period_type": demo["quarter"], "name": unique("Лишняя четверть"), "number": "5",
        "start_date": "15.10.2026", "end_date": "20.11.2026", "grade_from": "5", "grade_to": "7",
    })
    assert refused(messages, "Период пересекается с периодом"), messages
    assert count(StudyPeriod) == before


def test_period_ending_before_it_starts_is_refused(admin_client, demo):
    before = count(StudyPeriod)
    messages = post(admin_client, "/studyperiodview/add", {
        "year": demo["year"], "period_type": demo["quarter"], "name": unique("Четверть"), "number": "5",
        "start_date": "20.11.2026", "end_date": "15.10.2026", "grade_from": "1", "grade_to": "1",
    })
    assert refused(messages, "Дата окончания 15.10.2026 раньше даты начала 20.11.2026"), messages
    assert count(StudyPeriod) == before


def test_garbage_date_gets_a_russian_message(admin_client, demo):
    before = count(StudyPeriod)
    response = admin_client.post("/studyperiodview/add", data={
        "year": demo["year"], "period_type": demo["quarter"], "name": "Х", "number": "1",
        "start_date": "32.13.2026", "end_date": "01.10.2026", "grade_from": "1", "grade_to": "1",
    })
    assert response.status_code == 200
    assert "Введите дату в виде ДД.ММ.ГГГГ." in response.get_data(as_text=True)
    assert count(StudyPeriod) == before


def test_second_class_with_the_same_grade_and_letter_is_refused(admin_client, demo):
    existing = demo["class"]
    before = count(SchoolClass)
    messages = post(admin_client, "/schoolclassview/add", {
        "year": demo["year"], "grade": str(existing.grade), "letter": existing.letter, "curriculum_type": "classic",
    })
    assert refused(messages, "Класс с такой параллелью и буквой уже есть в этом учебном году."), messages
    assert count(SchoolClass) == before


def test_renaming_a_class_to_an_existing_letter_is_refused(app, admin_client, demo):
    with app.app_context():
        a, b = db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == demo["year"], SchoolClass.grade == 5).order_by(SchoolClass.letter)
        ).all()[:2]
        a_id, b_letter, a_letter = a.id, b.letter, a.letter
        db.session.remove()
    messages = post(admin_client, f"/schoolclassview/edit/{a_id}", {
        "year": demo["year"], "grade": "5", "letter": b_letter, "curriculum_type": "classic",
    })
    assert refused(messages, "Класс с такой параллелью и буквой уже есть"), messages
    with app.app_context():
        assert db.session.get(SchoolClass, a_id).letter == a_letter
        db.session.remove()


def _enrolled_student(session, year_id):
    enrolment = session.scalar(
        select(Enrolment).join(SchoolClass).where(SchoolClass.year_id == year_id, Enrolment.end_date.is_(None)).order_by(Enrolment.id)
    )
    return enrolment.student_id, enrolment.class_id


def test_student_cannot_be_enrolled_in_two_classes_at_once(app, admin_client, demo):
    """Class membership changes only by orders (app/views/movement.py): the order is refused."""
    from app.models import MovementOrder

    with app.app_context():
        student_id, class_id = _enrolled_student(db.session, demo["year"])
        other_class = db.session.scalar(select(SchoolClass.id).where(SchoolClass.year_id == demo["year"], SchoolClass.id != class_id))
        name, class_name = db.session.get(Student, student_id).full_name, db.session.get(SchoolClass, class_id).name
        before, orders = count(Enrolment), count(MovementOrder)
        db.session.remove()
    messages = post(admin_client, "/movementorderview/new", {
        "kind": "enrolment", "class": other_class, "student": student_id, "date": "01.12.2026",
    })
    assert refused(messages, name) and refused(messages, class_name), messages
    with app.app_context():
        assert (count(Enrolment), count(MovementOrder)) == (before, orders)
        db.session.remove()


def test_enrolment_outside_the_school_year_is_refused(app, admin_client, demo):
    from app.models import MovementOrder

    with app.app_context():
        student = Student(school_id=demo["class"].school_id, last_name="Новикова", first_name="Алиса",
                          personal_file_no=unique("Н"))
        db.session.add(student)
        db.session.commit()
        student_id = student.id
        before, orders = count(Enrolment), count(MovementOrder)
        db.session.remove()
    messages = post(admin_client, "/movementorderview/new", {
        "kind": "enrolment", "class": demo["class"].id, "student": student_id, "date": "15.08.2026",
    })
    assert refused(messages, "15.08.2026"), messages
    with app.app_context():
        assert (count(Enrolment), count(MovementOrder)) == (before, orders)
        db.session.remove()


def test_mark_from_another_scale_is_refused(app, admin_client, fresh_journal):
    """On a lesson of today (open for changes on any school date: the lock does not answer first)."""
    made = make_mark(app, fresh_journal, days_ago=0)
    with app.app_context():
        five_point = db.session.scalar(select(GradeScale).where(GradeScale.is_default.is_(True)))
        foreign_value = db.session.scalar(
            select(GradeScaleValue).where(GradeScaleValue.scale_id != five_point.id).order_by(GradeScaleValue.id)
        )
        old_value = db.session.get(Mark, made["mark"]).value_id
        data = {"assignment": made["assignment"], "student": made["student"], "value": foreign_value.id}
        db.session.remove()
    messages = post(admin_client, f"/markview/edit/{made['mark']}", data)
    assert refused(messages, "Такого значения нет в шкале отметок этой предмет-группы."), messages
    with app.app_context():
        assert db.session.get(Mark, made["mark"]).value_id == old_value
        db.session.remove()


def test_mark_without_value_and_without_duty_flag_is_refused_on_the_orm_path(app_ctx):
    """Not only the views: every flush runs the rules (REST, imports, scripts)."""
    assignment = db.session.scalar(select(Assignment).order_by(Assignment.id))
    student_id = db.session.scalar(select(Student.id).where(Student.id.not_in(
        select(Mark.student_id).where(Mark.assignment_id == assignment.id))).order_by(Student.id))
    before = count(Mark)
    db.session.add(Mark(school_id=assignment.school_id, assignment_id=assignment.id, student_id=student_id))
    with pytest.raises(RuleViolation):
        db.session.commit()
    db.session.rollback()
    assert count(Mark) == before


def test_deleting_a_subject_in_use_is_refused_without_database_text(app, admin_client):
    with app.app_context():
        subject = db.session.scalar(select(Subject).join(SubjectGroup, SubjectGroup.subject_id == Subject.id).order_by(Subject.id))
        pk = subject.id
        db.session.remove()
    response = admin_client.post(f"/subjectview/delete/{pk}", follow_redirects=True)
    html = response.get_data(as_text=True)
    messages = flashes(html)
    assert refused(messages, "Ничего не изменено"), messages
    for raw in ("IntegrityError", "FOREIGN KEY", "foreign key", "sqlite3", "psycopg", "violates"):
        assert raw not in html
    with app.app_context():
        assert db.session.get(Subject, pk) is not None
        db.session.remove()


def test_school_thresholds_that_do_not_fall_from_5_to_3_are_refused_and_nothing_changes(app, admin_client):
    from app.models import School

    with app.app_context():
        school = db.session.scalar(select(School).order_by(School.id))
        pk, before = school.id, (school.threshold_5, school.threshold_4)
        db.session.remove()
    page = admin_client.get(f"/schoolview/edit/{pk}")
    from tests.forms import read_form

    form = read_form(page.get_data(as_text=True)).data
    form.update({"threshold_5": "3.5", "threshold_4": "4.5"})
    messages = post(admin_client, f"/schoolview/edit/{pk}", form)
    assert any("убывать" in m for m in messages), messages
    with app.app_context():
        school = db.session.get(School, pk)
        assert (school.threshold_5, school.threshold_4) == before
        db.session.remove()


@pytest.mark.parametrize("query", ["_oc_AttestationView=expiry_status&_od_AttestationView=asc",
                                   "_oc_StudentView=no_such_column&_od_StudentView=desc",
                                   "_oc_StudentView=last_name&_od_StudentView=sideways"])
def test_a_sort_asked_for_in_the_url_on_a_column_that_cannot_sort_is_ignored(admin_client, query):
    view = "attestationview" if "Attestation" in query else "studentview"
    assert admin_client.get(f"/{view}/list/?{query}").status_code == 200
