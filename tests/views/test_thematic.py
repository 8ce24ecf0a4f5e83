"""КТП: a subject group's thematic plan imported from XLSX or CSV (preview, then
confirm; all or nothing), the downloadable template, the plan's topics written
into the lessons in order, and the plan set against the lessons held."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.extensions import db
from app.journal.calendar import generate_lessons
from app.models import Employee, Lesson, PartaUser, SchoolClass, SubjectGroup, SubjectGroupTeacher, ThematicPlan
from tests.conftest import flashes, login
from tests.views.test_calendar import fresh_group  # noqa: F401  (a fixture: a new group of the demo teacher)

HEADER = ["№", "Тема урока", "Часы", "Домашнее задание"]
PLAN = [
    HEADER,
    [1, "Натуральные числа", 2, "§1, № 3"],
    [2, "Дроби", 1, None],
    [3, "Проценты", 1, "§3, № 7"],
]


def message(app, msgid: str, **params) -> str:
    with app.test_request_context():
        return gettext(msgid, **params)


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows, delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, group_id: int, data: bytes, name: str):
    return client.post(f"/thematic/group/{group_id}/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(html: str):
    found = re.search(r'name="token" value="([^"]+)"', html)
    return found.group(1) if found else None


def import_file(client, group_id: int, data: bytes, name: str = "plan.xlsx") -> list:
    preview = upload(client, group_id, data, name)
    assert preview.status_code == 200
    token = token_of(preview.get_data(as_text=True))
    assert token, flashes(preview.get_data(as_text=True))
    response = client.post(f"/thematic/group/{group_id}/confirm", data={"token": token}, follow_redirects=True)
    return flashes(response.get_data(as_text=True))


def topics_of(group_id: int) -> list:
    plan = db.session.scalar(select(ThematicPlan).where(ThematicPlan.subject_group_id == group_id))
    return [] if plan is None else [(t.position, t.title, float(t.hours), t.homework) for t in plan.topics]


@pytest.fixture()
def teacher(client, fresh_group):  # noqa: F811
    return login(client, "teacher")


# --- The template -------------------------------------------------------------------

def test_the_template_downloads_and_opens_with_its_russian_headers(teacher):
    response = teacher.get("/thematic/template")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == ["№", "Тема урока", "Часы", "Домашнее задание"]


def test_the_filled_template_imports(app, teacher, fresh_group):  # noqa: F811
    book = load_workbook(io.BytesIO(teacher.get("/thematic/template").data))
    book.active.append([1, "Делимость чисел", 3, "§5"])
    out = io.BytesIO()
    book.save(out)
    import_file(teacher, fresh_group["id"], out.getvalue())
    with app.app_context():
        assert topics_of(fresh_group["id"]) == [(1, "Делимость чисел", 3.0, "§5")]
        db.session.remove()


# --- Import -------------------------------------------------------------------------

def test_a_good_xlsx_is_previewed_then_imported_on_confirmation(app, teacher, fresh_group):  # noqa: F811
    preview = upload(teacher, fresh_group["id"], xlsx(PLAN), "КТП 5А.xlsx")
    html = preview.get_data(as_text=True)
    assert "Натуральные числа" in html and "Проценты" in html and token_of(html)
    with app.app_context():
        assert topics_of(fresh_group["id"]) == []  # the preview writes nothing
        db.session.remove()
    response = teacher.post(f"/thematic/group/{fresh_group['id']}/confirm", data={"token": token_of(html)},
                            follow_redirects=True)
    assert message(app, "The thematic plan is imported: %(topics)s topics, %(hours)s hours.", topics=3, hours="4") \
        in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert topics_of(fresh_group["id"]) == [
            (1, "Натуральные числа", 2.0, "§1, № 3"), (2, "Дроби", 1.0, None), (3, "Проценты", 1.0, "§3, № 7")]
        db.session.remove()


@pytest.mark.parametrize("delimiter,encoding", [(";", "cp1251"), (",", "utf-8-sig"), (";", "utf-8")])
def test_a_csv_is_imported_whatever_its_delimiter_and_encoding(app, teacher, fresh_group, delimiter, encoding):  # noqa: F811
    import_file(teacher, fresh_group["id"], csv_file(PLAN, delimiter, encoding), "plan.csv")
    with app.app_context():
        assert [title for _, title, _, _ in topics_of(fresh_group["id"])] == ["Натуральные числа", "Дроби", "Проценты"]
        db.session.remove()


def test_bad_rows_are_listed_with_their_messages_and_nothing_is_written(app, teacher, fresh_group):  # noqa: F811
    bad = [HEADER, [1, "Дроби", 1], [2, "", 1], [3, "Проценты", "много"], [3, "Уравнения", 1]]
    response = upload(teacher, fresh_group["id"], xlsx(bad), "plan.xlsx")
    html = response.get_data(as_text=True)
    assert token_of(html) is None  # no confirmation is offered
    for text in (message(app, "The topic of the lesson is empty."),
                 message(app, "The hours «%(value)s» are not a number from 0,1 to %(max)s.", value="много", max=999),
                 message(app, "The number %(value)s is already used in row %(other)s.", value=3, other=4),
                 message(app, "The file has %(count)s errors; nothing was imported. Correct the file and upload it again.",
                         count=3)):
        assert text in html, text
    with app.app_context():
        assert topics_of(fresh_group["id"]) == []
        db.session.remove()


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(app, teacher, fresh_group):  # noqa: F811
    response = upload(teacher, fresh_group["id"], b"PK\x03\x04 not really a zip", "plan.xlsx")
    assert response.status_code == 302
    shown = flashes(teacher.get(response.location).get_data(as_text=True))
    assert message(app, "The file could not be read as an XLSX spreadsheet.") in shown
    response = upload(teacher, fresh_group["id"], b"<html></html>", "plan.xls")
    shown = flashes(teacher.get(response.location).get_data(as_text=True))
    assert message(app, "Save the plan as an XLSX spreadsheet or a CSV file and upload it again.") in shown


def test_reimport_replaces_the_topics(app, teacher, fresh_group):  # noqa: F811
    import_file(teacher, fresh_group["id"], xlsx(PLAN))
    import_file(teacher, fresh_group["id"], xlsx([HEADER, [1, "Уравнения", 4, None]]))
    with app.app_context():
        assert topics_of(fresh_group["id"]) == [(1, "Уравнения", 4.0, None)]
        assert db.session.scalar(select(ThematicPlan.name).where(ThematicPlan.subject_group_id == fresh_group["id"]))
        db.session.remove()


def test_a_forged_or_foreign_token_imports_nothing(app, teacher, fresh_group):  # noqa: F811
    response = teacher.post(f"/thematic/group/{fresh_group['id']}/confirm", data={"token": "../../etc/passwd"},
                            follow_redirects=True)
    assert message(app, "The uploaded file is no longer available; upload it again.") in flashes(response.get_data(as_text=True))
    html = upload(teacher, fresh_group["id"], xlsx(PLAN), "plan.xlsx").get_data(as_text=True)
    teacher.post("/logout/")
    login(teacher, "coordinator")  # another login cannot confirm the teacher's upload
    teacher.post(f"/thematic/group/{fresh_group['id']}/confirm", data={"token": token_of(html)})
    with app.app_context():
        assert topics_of(fresh_group["id"]) == []
        db.session.remove()


def other_teachers_group(session) -> int:
    """A group of 5А that the demo maths teacher neither teaches nor leads."""
    me = session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id).where(PartaUser.username == "teacher"))
    mine = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == me)
    return session.scalar(
        select(SubjectGroup.id).join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .where(SubjectGroup.id.not_in(mine), SchoolClass.class_teacher_id != me).order_by(SubjectGroup.id).limit(1)
    )


def test_a_teacher_cannot_import_into_another_teachers_group(app, teacher):
    with app.app_context():
        other = other_teachers_group(db.session)
        before = topics_of(other)
        db.session.remove()
    assert teacher.get(f"/thematic/group/{other}").status_code == 404
    assert upload(teacher, other, xlsx(PLAN), "plan.xlsx").status_code == 404
    assert teacher.post(f"/thematic/group/{other}/apply").status_code == 404
    with app.app_context():
        assert topics_of(other) == before
        db.session.remove()


# --- Applying the plan to the lessons -----------------------------------------------

def make_lessons(app, group_id: int, start: dt.date, days: int) -> list:
    with app.app_context():
        generate_lessons(db.session, [group_id], start, start + dt.timedelta(days=days), apply=True)
        db.session.commit()
        ids = db.session.scalars(select(Lesson.id).where(Lesson.subject_group_id == group_id)
                                 .order_by(Lesson.date, Lesson.number)).all()
        db.session.remove()
    return ids


def lesson_topics(group_id: int) -> list:
    return db.session.execute(select(Lesson.topic, Lesson.homework).where(Lesson.subject_group_id == group_id)
                              .order_by(Lesson.date, Lesson.number)).all()


def test_applying_fills_topics_in_order_and_never_overwrites(app, teacher, fresh_group):  # noqa: F811
    ids = make_lessons(app, fresh_group["id"], fresh_group["year_start"], 20)  # six lessons in September
    with app.app_context():
        second, third = db.session.get(Lesson, ids[1]), db.session.get(Lesson, ids[2])
        second.topic, second.homework = "Входная контрольная работа", None
        third.is_cancelled = True
        db.session.commit()
        db.session.remove()
    import_file(teacher, fresh_group["id"], xlsx(PLAN))
    response = teacher.post(f"/thematic/group/{fresh_group['id']}/apply", follow_redirects=True)
    assert "Темы записаны в 3 урока, домашние задания — в 2." in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert lesson_topics(fresh_group["id"]) == [
            ("Натуральные числа", "§1, № 3"),
            ("Входная контрольная работа", None),  # kept; it took the topic's second hour
            (None, None),                          # cancelled
            ("Дроби", None),
            ("Проценты", "§3, № 7"),
            (None, None),                          # beyond the plan
        ]
        db.session.remove()
    again = teacher.post(f"/thematic/group/{fresh_group['id']}/apply", follow_redirects=True)
    assert message(app, "Every lesson the plan reaches already has a topic: nothing was changed.") \
        in flashes(again.get_data(as_text=True))


def test_the_page_sets_the_plan_against_the_lessons(app, teacher, fresh_group):  # noqa: F811
    ids = make_lessons(app, fresh_group["id"], fresh_group["year_start"], 13)
    import_file(teacher, fresh_group["id"], xlsx(PLAN))
    page = teacher.get(f"/thematic/group/{fresh_group['id']}").get_data(as_text=True)
    with app.app_context():
        first, second = (db.session.get(Lesson, i).date for i in ids[:2])
        db.session.remove()
    row = re.search(r"<tr[^>]*>\s*<td>1</td>(.*?)</tr>", page, re.S).group(1)
    assert "Натуральные числа" in row and f"{first:%d.%m.%Y}" in row and f"{second:%d.%m.%Y}" in row
    assert 'enctype="multipart/form-data"' in page  # the teacher may import into their own group


def test_the_director_reads_the_plan_but_cannot_import(app, client, fresh_group):  # noqa: F811
    login(client, "director")
    page = client.get(f"/thematic/group/{fresh_group['id']}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' not in page.get_data(as_text=True)
    assert upload(client, fresh_group["id"], xlsx(PLAN), "plan.xlsx").status_code == 403
    assert client.get("/thematic/").status_code == 200


def test_the_plan_page_links_to_the_plan_against_the_lessons(app, teacher, fresh_group):  # noqa: F811
    import_file(teacher, fresh_group["id"], xlsx(PLAN))
    with app.app_context():
        plan_id = db.session.scalar(select(ThematicPlan.id).where(ThematicPlan.subject_group_id == fresh_group["id"]))
        db.session.remove()
    assert f"/thematic/plan/{plan_id}" in teacher.get(f"/thematicplanview/show/{plan_id}").get_data(as_text=True)
    response = teacher.get(f"/thematic/plan/{plan_id}")
    assert response.status_code == 302 and response.location.endswith(f"/thematic/group/{fresh_group['id']}")


def test_the_list_shows_the_teachers_groups_with_their_plans(app, teacher, fresh_group):  # noqa: F811
    import_file(teacher, fresh_group["id"], xlsx(PLAN))
    page = teacher.get("/thematic/").get_data(as_text=True)
    assert f"/thematic/group/{fresh_group['id']}" in page
    with app.app_context():
        other = other_teachers_group(db.session)
        db.session.remove()
    assert f"/thematic/group/{other}\"" not in page
