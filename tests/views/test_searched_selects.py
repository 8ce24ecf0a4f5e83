"""The add and edit forms of marks, attendance and assignments choose their lesson, assignment
and student by typing: the page holds no list of the school's rows, the options endpoint answers
only the rows the user may see, and the form refuses any other id."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Assignment, AssignmentType, Employee, Lesson, Mark, PartaUser, School, SchoolClass, SchoolYear, Student, Subject,
    SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import flashes, login, unique
from tests.forms import read_form
from tests.views.test_list_statements import statements_of

CHOICE_REFUSED = "Выберите одно из предложенных значений."


@pytest.fixture(scope="module")
def other_school(app):
    """A second school with one lesson, one assignment and one student, all named uniquely."""
    with app.app_context():
        school = School(full_name=unique("Лицей"), short_name=unique("Лицей №"))
        db.session.add(school)
        db.session.flush()
        year = SchoolYear(school_id=school.id, name="2026/2027", start_date=dt.date(2026, 9, 1),
                          end_date=dt.date(2027, 5, 31))
        subject = Subject(school_id=school.id, name=unique("Латынь"))
        kind = AssignmentType(school_id=school.id, name=unique("Чужая работа"), abbr="Ч", weight=1)
        pupil = Student(school_id=school.id, last_name="Чужеземцев", first_name="Ученик", personal_file_no=unique("Л"))
        db.session.add_all([year, subject, kind, pupil])
        db.session.flush()
        school_class = SchoolClass(school_id=school.id, year_id=year.id, grade=5, letter="Щ")
        db.session.add(school_class)
        db.session.flush()
        group = SubjectGroup(school_id=school.id, year_id=year.id, class_id=school_class.id, subject_id=subject.id,
                             name=unique("Латынь 5Щ"))
        db.session.add(group)
        db.session.flush()
        lesson = Lesson(school_id=school.id, subject_group_id=group.id, date=dt.date(2026, 11, 12), number=1)
        db.session.add(lesson)
        db.session.flush()
        assignment = Assignment(school_id=school.id, lesson_id=lesson.id, type_id=kind.id, title=unique("Чужая"))
        db.session.add(assignment)
        db.session.commit()
        db.session.add(Employee(school_id=school.id, last_name="Чужестранцев", first_name="Учитель"))
        db.session.commit()
        ids = {"lesson": lesson.id, "assignment": assignment.id, "student": pupil.id, "group": group.name,
               "group_id": group.id, "title": assignment.title}
        db.session.remove()
    return ids


def options(client, view: str, field: str, q: str = "", page: int = 1):
    response = client.get(f"/{view}/options", query_string={"field": field, "q": q, "page": page})
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("view,fields", [("markview", ("assignment", "student")), ("attendanceview", ("lesson", "student")),
                                         ("assignmentview", ("lesson",)), ("periodmarkview", ("student", "subject_group")),
                                         ("finalmarkview", ("student", "subject_group")),
                                         ("lessonview", ("subject_group", "teacher", "substitute")),
                                         ("scheduleentryview", ("subject_group",)), ("thematicplanview", ("subject_group",)),
                                         ("subjectgroupteacherview", ("subject_group", "employee"))])
def test_the_add_form_holds_a_searched_select_instead_of_every_row(admin_client, view, fields):
    page = admin_client.get(f"/{view}/add").get_data(as_text=True)
    for field in fields:
        select_tag = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
        assert "parta-searched-select" in select_tag.group(0)
        assert f'data-url="/{view}/options?field={field}"' in select_tag.group(0)
        assert select_tag.group(1).count("<option") == 1  # the empty choice; the rest come by typing
    assert "Начните вводить для поиска" in page


def test_the_options_come_a_page_at_a_time_and_match_the_words_typed(app, admin_client):
    first = options(admin_client, "markview", "assignment")
    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    second = options(admin_client, "markview", "assignment", page=2)
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    with app.app_context():
        group, day = db.session.execute(select(SubjectGroup.name, Lesson.date).join(Lesson, Lesson.subject_group_id == SubjectGroup.id)
                                        .order_by(Lesson.date, Lesson.id).limit(1)).one()
        db.session.remove()
    found = options(admin_client, "markview", "assignment", q=f"{day:%d.%m.%Y}")["results"]
    assert found and all(f"{day:%d.%m.%Y}" in r["text"] for r in found)
    found = options(admin_client, "attendanceview", "lesson", q=f"{group} {day:%d.%m}")["results"]
    assert found and all(group in r["text"] and f"{day:%d.%m}" in r["text"] for r in found)
    students = options(admin_client, "markview", "student", q="Иванов")["results"]
    assert students and all("Иванов" in r["text"] for r in students)
    assert options(admin_client, "markview", "no_such_field")["results"] == []


@pytest.mark.parametrize("view,field", [("markview", "assignment"), ("attendanceview", "lesson"), ("markview", "student")])
def test_the_options_read_a_fixed_number_of_statements_and_no_row_one_by_one(app, admin_client, view, field):
    admin_client.get(f"/{view}/options?field={field}")  # the first request of a login loads more
    counts = {statements_of(app, admin_client, f"/{view}/options?field={field}&q={q}&page={page}")
              for q, page in (("", 1), ("", 3), ("а", 1))}
    assert len(counts) == 1 and counts.pop() <= 6


def test_the_options_never_name_another_schools_rows(admin_client, other_school):
    assert options(admin_client, "markview", "assignment", q=other_school["title"])["results"] == []
    assert options(admin_client, "attendanceview", "lesson", q=other_school["group"])["results"] == []
    assert options(admin_client, "markview", "student", q="Чужеземцев")["results"] == []
    assert options(admin_client, "lessonview", "subject_group", q=other_school["group"])["results"] == []
    assert options(admin_client, "lessonview", "teacher", q="Чужестранцев")["results"] == []
    own = options(admin_client, "lessonview", "subject_group")["results"]
    assert own and other_school["group_id"] not in {r["id"] for r in own}


def test_a_teacher_is_offered_only_the_lessons_of_the_groups_they_see(app, client):
    login(client, "teacher")
    with app.app_context():
        groups = set(db.session.scalars(
            select(SubjectGroupTeacher.subject_group_id).join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
            .join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher")))
        led = set(db.session.scalars(
            select(SubjectGroup.id).join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .join(Employee, SchoolClass.class_teacher_id == Employee.id)
            .join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher")))
        lessons = [r["id"] for page in (1, 2, 3) for r in options(client, "attendanceview", "lesson", page=page)["results"]]
        shown = set(db.session.scalars(select(Lesson.subject_group_id).where(Lesson.id.in_(lessons))
                                       .execution_options(parta_unscoped=True)))
        substituted = set(db.session.scalars(select(Lesson.subject_group_id).where(Lesson.id.in_(lessons),
                                                                                    Lesson.substitute_id.is_not(None))
                                             .execution_options(parta_unscoped=True)))
        db.session.remove()
    assert lessons and shown - substituted <= groups | led


def test_the_options_need_the_right_to_read_the_views_list(client):
    login(client, "parent")  # no list of marks
    assert client.get("/markview/options", query_string={"field": "student"}).status_code in (302, 403)


def test_a_lists_search_by_student_is_a_searched_select_that_keeps_the_chosen_student(app, admin_client):
    # the search form's fields travel to FAB's script as JSON strings (\u003c for «<»)
    def decoded(page):
        return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)

    page = decoded(admin_client.get("/markview/list/").get_data(as_text=True))
    assert "parta-searched-select" in page and page.count("<option") < 50  # FAB's search listed every student
    with app.app_context():
        student = db.session.scalar(select(Mark.student_id).order_by(Mark.id).limit(1))
        name = db.session.get(Student, student).full_name
        db.session.remove()
    page = decoded(admin_client.get("/markview/list/", query_string={"_flt_0_student": student}).get_data(as_text=True))
    assert f'<option value=\\"{student}\\">{name}</option>' in page


def test_a_posted_id_of_another_schools_row_is_refused_and_nothing_is_written(app, admin_client, other_school):
    form = read_form(admin_client.get("/markview/add").get_data(as_text=True)).data
    with app.app_context():
        own_assignment = db.session.scalar(select(Assignment.id).order_by(Assignment.id.desc()).limit(1))
        before = db.session.scalar(select(func.count()).select_from(Mark))
        db.session.remove()
    for posted in ({"assignment": other_school["assignment"], "student": other_school["student"]},
                   {"assignment": own_assignment, "student": other_school["student"]},
                   {"assignment": "99999999999", "student": "x"}):
        response = admin_client.post("/markview/add", data={**form, **posted}, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert CHOICE_REFUSED in page and "Запись добавлена" not in flashes(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == before
        db.session.remove()


def test_a_lesson_posted_with_another_schools_subject_group_is_refused_and_nothing_is_written(app, admin_client,
                                                                                               other_school):
    form = read_form(admin_client.get("/lessonview/add").get_data(as_text=True)).data
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Lesson))
        db.session.remove()
    posted = {"subject_group": other_school["group_id"], "date": "12.11.2026", "number": "7"}
    page = admin_client.post("/lessonview/add", data={**form, **posted}, follow_redirects=True).get_data(as_text=True)
    assert CHOICE_REFUSED in page and "Запись добавлена" not in flashes(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == before
        db.session.remove()
