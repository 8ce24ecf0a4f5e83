"""Splitting a class into groups (issue 13 §2): only the class's pupils join its groups,
on every path (the CRUD page, the REST API, the split page), and a pupil moved between
groups on a day is in the old group's journal before it and in the new one's from it,
with the marks he had where they were given. On a copy of the demo school."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attendance, AttendanceCode, Employee, Enrolment, Lesson, Mark, Assignment, PartaUser, SchoolClass, SchoolYear,
    SubjectGroup, SubjectGroupMember,
)
from app.rules.errors import RuleViolation
from tests.conftest import DEMO_PASSWORD, flashes, login


@dataclass
class Split:
    class_id: int
    subject_id: int
    first: int          # «Английский язык 5А (1 гр.)»
    second: int         # «… (2 гр.)»
    pupil: int          # a pupil of the first group with marks in it
    stranger: int       # a pupil of 1А
    day: dt.date        # the day he moves to the second group
    year_start: dt.date
    year_end: dt.date
    marks_before: int   # his marks in the first group


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d.%m.%Y").date()


@pytest.fixture(scope="module")
def school(copy_app):
    with copy_app.app_context():
        s = db.session
        teacher = s.scalar(select(Employee.id).join(PartaUser, PartaUser.id == Employee.user_id)
                           .where(PartaUser.username == "classteacher"))
        fifth = s.scalar(select(SchoolClass).where(SchoolClass.class_teacher_id == teacher)
                         .join(SchoolYear, SchoolYear.id == SchoolClass.year_id).order_by(SchoolYear.start_date.desc()))
        year = s.get(SchoolYear, fifth.year_id)
        first, second = s.scalars(select(SubjectGroup).where(
            SubjectGroup.class_id == fifth.id, SubjectGroup.is_whole_class.is_(False), SubjectGroup.name.like("%1 гр.%")
            | SubjectGroup.name.like("%2 гр.%")).order_by(SubjectGroup.subject_id, SubjectGroup.name)).all()[:2]
        assert first.subject_id == second.subject_id
        marked = s.execute(
            select(Mark.student_id, func.max(Lesson.date), func.count(Mark.id))
            .join(Assignment, Mark.assignment_id == Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id == first.id).group_by(Mark.student_id).order_by(func.count(Mark.id).desc())
        ).first()
        assert marked, "the demo's first English group of 5А has marks"
        pupil, last_marked, count = marked
        # the day after his last mark there: the marks he had stay before the move
        day = last_marked + dt.timedelta(days=1)
        if day > year.end_date:
            pytest.skip("the pupil's last mark is on the year's last day")
        first_grade = s.scalar(select(SchoolClass.id).where(SchoolClass.year_id == year.id, SchoolClass.grade == 1))
        stranger = s.scalar(select(Enrolment.student_id).where(Enrolment.class_id == first_grade).limit(1))
        found = Split(fifth.id, first.subject_id, first.id, second.id, pupil, stranger, day, year.start_date,
                      year.end_date, count)
        db.session.remove()
    return found


def _members(app, group_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(SubjectGroupMember.id))
                                  .where(SubjectGroupMember.subject_group_id == group_id))
        db.session.remove()
    return count


def test_a_first_grader_is_refused_from_a_fifth_grade_subgroup_on_the_crud_page(copy_app, school):
    client = login(copy_app.test_client(), "admin")
    before = _members(copy_app, school.first)
    response = client.post("/subjectgroupmemberview/add",
                           data={"subject_group": school.first, "student": school.stranger}, follow_redirects=True)
    messages = " ".join(flashes(response.get_data(as_text=True)))
    assert "не ученик класса 5А" in messages and "только ученики класса" in messages, messages
    assert _members(copy_app, school.first) == before


def test_a_first_grader_is_refused_from_a_fifth_grade_subgroup_on_the_rest_api(copy_app, school):
    client = copy_app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "coordinator", "password": DEMO_PASSWORD,
                                                        "provider": "db"}).json["access_token"]
    before = _members(copy_app, school.first)
    response = client.post("/api/v1/subgroupmember/", headers={"Authorization": f"Bearer {token}"},
                           json={"subject_group_id": school.first, "student_id": school.stranger})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "не ученик класса 5А" in response.json["message"]
    assert _members(copy_app, school.first) == before
    # a pupil of the class is accepted from a day he is in the class, and may be deleted again
    fine = client.post("/api/v1/subgroupmember/", headers={"Authorization": f"Bearer {token}"},
                       json={"subject_group_id": school.second, "student_id": school.pupil,
                             "valid_from": school.year_end.isoformat()})
    assert fine.status_code == 201, fine.get_data(as_text=True)
    assert client.delete(f"/api/v1/subgroupmember/{fine.json['id']}",
                         headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_teacher_who_leads_no_class_is_told_so_on_the_split_page(copy_app, school):
    page = login(copy_app.test_client(), "teacher").get("/subgroups/").get_data(as_text=True)
    assert "Вы не классный руководитель" in page
    assert login(copy_app.test_client(), "teacher").get(f"/subgroups/?class_id={school.class_id}").status_code == 404


def test_the_class_teacher_moves_a_pupil_on_a_day_and_the_journals_follow(copy_app, school):
    from app.journal import data
    from app.journal.grid import mark_rows, group_context, students_of

    client = login(copy_app.test_client(), "classteacher")
    query = f"class_id={school.class_id}&subject_id={school.subject_id}&day={school.day:%d.%m.%Y}"
    page = client.get(f"/subgroups/?{query}").get_data(as_text=True)
    assert f'name="pupil-{school.pupil}" value="{school.first}" data-group="{school.first}" ' in page
    # «first half / second half of the list» proposes without saving
    form = {"class_id": school.class_id, "subject_id": school.subject_id, "day": f"{school.day:%d.%m.%Y}"}
    proposed = client.post("/subgroups/", data={**form, "propose": "halves"}).get_data(as_text=True)
    assert 'id="split-table"' in proposed and _members(copy_app, school.first) > 0
    with copy_app.app_context():
        groups = dict(db.session.execute(select(SubjectGroupMember.student_id, SubjectGroupMember.subject_group_id)
                                         .where(SubjectGroupMember.subject_group_id.in_([school.first, school.second]))
                                         ).all())
        db.session.remove()
    chosen = {f"pupil-{sid}": gid for sid, gid in groups.items()}
    chosen[f"pupil-{school.pupil}"] = school.second
    saved = client.post("/subgroups/", data={**form, **chosen}, follow_redirects=True).get_data(as_text=True)
    assert "1 ученик переведён" in " ".join(flashes(saved)), flashes(saved)

    with copy_app.app_context():
        s = db.session
        old, new = group_context(s, school.first), group_context(s, school.second)
        before, after = school.day - dt.timedelta(days=1), school.day
        in_old = {sid: (joined, left) for sid, _name, joined, left in students_of(s, old, school.year_start, school.year_end)}
        in_new = {sid: (joined, left) for sid, _name, joined, left in students_of(s, new, school.year_start, school.year_end)}
        assert in_old[school.pupil][1] == before        # listed in the old group until the day before
        assert in_new[school.pupil][0] == after         # and in the new one from the day
        assert school.pupil not in {r[0] for r in students_of(s, old, after, school.year_end)}
        assert school.pupil not in {r[0] for r in students_of(s, new, school.year_start, before)}
        # his marks stay in the old group's journal
        assert sum(1 for m in mark_rows(s, old, school.year_start, school.year_end) if m[1] == school.pupil) \
            == school.marks_before
        # the diary: the old group's lessons before the day, the new one's from it
        assert school.first in {g.id for g in data.student_groups(s, school.pupil, before, before)}
        assert {g.id for g in data.student_groups(s, school.pupil, after, after)} & {school.first, school.second} \
            == {school.second}
        # the reports list him in both groups for the year, in the new one only after the move
        members = data.members_of(s, data.groups_of_classes(s, [school.class_id]),
                                  data.class_students(s, school.class_id, after, after), after, school.year_end)
        assert school.pupil in members[school.second] and school.pupil not in members[school.first]
        # no entry for him in the old group after the day, on any path
        group = s.get(SubjectGroup, school.first)
        code = s.scalar(select(AttendanceCode).where(AttendanceCode.school_id == group.school_id).limit(1))
        lesson = Lesson(school_id=group.school_id, subject_group_id=group.id, date=after, number=9, is_manual=True)
        s.add(lesson)
        s.flush()
        s.add(Attendance(school_id=group.school_id, lesson_id=lesson.id, student_id=school.pupil, code_id=code.id))
        with pytest.raises(RuleViolation, match="does not learn"):
            s.flush()
        s.rollback()
        db.session.remove()


def test_the_split_page_refuses_a_day_outside_the_year_and_changes_nothing(copy_app, school):
    client = login(copy_app.test_client(), "classteacher")
    before = _members(copy_app, school.first), _members(copy_app, school.second)
    late = school.year_end + dt.timedelta(days=3)
    response = client.post("/subgroups/", data={"class_id": school.class_id, "subject_id": school.subject_id,
                                                "day": f"{late:%d.%m.%Y}", f"pupil-{school.pupil}": ""})
    assert response.status_code in (200, 404)
    assert (_members(copy_app, school.first), _members(copy_app, school.second)) == before
