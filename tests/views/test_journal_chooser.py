"""«Выбор журнала»: the coordinator finds a journal by teacher as well as by class;
a teacher's chooser lists only the journals the grid opens for them; the КТП page
says why a group has nothing to show (no teacher, no timetable, no lessons)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, PartaUser, SchoolClass, SchoolYear, Subject, SubjectGroup, SubjectGroupTeacher
from app.rules import thematic as rules
from tests.conftest import login, unique


@pytest.fixture(scope="module")
def bare_group(app):
    """A group of the current year with no teacher, no timetable and no lessons (removed afterwards)."""
    with app.app_context():
        school_class = db.session.scalar(select(SchoolClass).join(SchoolYear, SchoolClass.year_id == SchoolYear.id)
                                         .where(SchoolYear.is_current.is_(True)).order_by(SchoolClass.grade.desc()))
        subject = db.session.scalar(select(Subject).where(Subject.school_id == school_class.school_id))
        group = SubjectGroup(school_id=school_class.school_id, year_id=school_class.year_id, class_id=school_class.id,
                             subject_id=subject.id, name=unique("Шахматы"))
        db.session.add(group)
        db.session.commit()
        info = {"id": group.id, "name": group.name, "class_id": school_class.id}
        db.session.remove()
    yield info
    with app.app_context():
        db.session.delete(db.session.get(SubjectGroup, info["id"]))
        db.session.commit()
        db.session.remove()


def _a_teacher_and_groups(app, username: str = "teacher"):
    with app.app_context():
        employee = db.session.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id)
                                     .where(PartaUser.username == username))
        groups = set(db.session.scalars(select(SubjectGroupTeacher.subject_group_id)
                                        .join(SubjectGroup, SubjectGroupTeacher.subject_group_id == SubjectGroup.id)
                                        .join(SchoolYear, SubjectGroup.year_id == SchoolYear.id)
                                        .where(SubjectGroupTeacher.employee_id == employee.id, SchoolYear.is_current.is_(True))))
        info = (employee.id, employee.last_name, groups)
        db.session.remove()
    return info


def _journal_links(html: str) -> set[int]:
    import re

    return {int(g) for g in re.findall(r'href="/journal/\?group=(\d+)"', html)}


def test_coordinator_picks_a_teacher_and_sees_exactly_that_teachers_journals(app):
    teacher_id, last_name, groups = _a_teacher_and_groups(app)
    coordinator = login(app.test_client(), "coordinator")
    everyone = coordinator.get("/journals/").get_data(as_text=True)
    assert last_name in everyone
    page = coordinator.get(f"/journals/?teacher={teacher_id}").get_data(as_text=True)
    assert groups and _journal_links(page) == groups
    assert len(_journal_links(everyone)) > len(groups)


def test_groups_without_a_teacher_are_listed_under_their_own_heading(app, bare_group):
    coordinator = login(app.test_client(), "coordinator")
    page = coordinator.get("/journals/?teacher=none").get_data(as_text=True)
    assert "Группы без учителя" in page and _journal_links(page) >= {bare_group["id"]}
    by_class = coordinator.get("/journals/?by=class").get_data(as_text=True)
    assert bare_group["name"] in by_class and "нет учителя" in by_class


def test_a_teachers_chooser_lists_only_the_journals_the_grid_opens_for_them(app, bare_group):
    teacher_id, _, groups = _a_teacher_and_groups(app)
    teacher = login(app.test_client(), "teacher")
    links = _journal_links(teacher.get("/journals/").get_data(as_text=True))
    assert groups <= links and bare_group["id"] not in links
    assert login(app.test_client(), "parent").get("/journals/").status_code in (302, 403)


# --- КТП: why a group shows nothing -------------------------------------------------------

def test_plan_gaps_name_what_to_fix_in_order():
    state = rules.GroupState(has_teacher=False, has_timetable=False, lessons=0, has_plan=False)
    assert rules.plan_gaps(state) == [rules.NO_TEACHER, rules.NO_TIMETABLE, rules.NO_PLAN]
    state = rules.GroupState(has_teacher=True, has_timetable=True, lessons=0, has_plan=True, may_edit=False)
    assert rules.plan_gaps(state) == [rules.NO_LESSONS, rules.NOT_YOURS]
    assert rules.plan_gaps(rules.GroupState(True, True, 30, True)) == []


def test_thematic_page_says_why_a_group_has_no_plan_and_no_lessons(app, bare_group):
    coordinator = login(app.test_client(), "coordinator")
    page = coordinator.get(f"/thematic/group/{bare_group['id']}").get_data(as_text=True)
    assert "У группы нет учителя" in page and "Группы нет в расписании" in page and "План ещё не загружен" in page
    listing = coordinator.get(f"/thematic/?class_id={bare_group['class_id']}").get_data(as_text=True)
    assert "Чего не хватает" in listing and "У группы нет учителя" in listing
