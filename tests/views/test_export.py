"""«Экспорт в XLSX» of every list: the current search over all pages, the
list's Russian column labels and formatted values, under the list's own
permission and scoping."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Mark, PartaUser, Student
from app.views import MENU
from app.views.base import PartaModelView
from app.views.export import workbook
from tests.conftest import login

VIEWS = [view for view, *_ in MENU if issubclass(view, PartaModelView)]


def sheet_rows(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def record_count(app, html: str) -> int:
    with app.test_request_context():
        label = gettext("Record Count")
    found = re.search(re.escape(label) + r":</strong>\s*(\d+)", html)
    assert found, "the list shows no record count"
    return int(found.group(1))


def test_the_list_page_offers_the_export_of_its_current_search(admin_client):
    html = admin_client.get("/studentview/list/?_flt_0_last_name=Ив").get_data(as_text=True)
    assert 'href="/studentview/export/?_flt_0_last_name=%D0%98%D0%B2"' in html or \
        'href="/studentview/export/?_flt_0_last_name=Ив"' in html


def school_of(app, username: str) -> int:
    with app.app_context():
        school_id = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == username))
        db.session.remove()
    return school_id


def common_letter(app) -> str:
    """The first letter of the most last names: a search longer than one page."""
    with app.app_context():
        names = db.session.scalars(select(Student.last_name).where(Student.school_id == school_of(app, "admin"))).all()
        db.session.remove()
    letters = [name[0] for name in names]
    return max(set(letters), key=letters.count)


def test_the_filtered_students_list_exports_with_russian_headers_and_the_same_rows(app, admin_client):
    letter = common_letter(app)
    query = f"?_flt_0_last_name={letter}"
    rows = sheet_rows(admin_client.get("/studentview/export/" + query))
    page = admin_client.get("/studentview/list/" + query).get_data(as_text=True)
    listed = record_count(app, page)
    header, body = rows[0], rows[1:]
    with app.test_request_context():
        assert header[:3] == (gettext("Last name"), gettext("First name"), gettext("Patronymic"))
        number, birth = header.index(gettext("Personal file no.")), header.index(gettext("Birth date"))
    with app.app_context():
        school = Student.school_id == school_of(app, "admin")
        expected = db.session.scalars(select(Student.personal_file_no).where(school, Student.last_name.like(letter + "%"))).all()
        everyone = db.session.scalar(select(func.count()).select_from(Student).where(school))
        db.session.remove()
    assert len(body) == listed == len(expected)
    assert 25 < len(body) < everyone  # more than one page of the list, less than all students
    assert sorted(row[number] for row in body) == sorted(expected)
    assert all(row[0].startswith(letter) for row in body)
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", row[birth]) for row in body)  # ДД.ММ.ГГГГ
    on_page = [cell for cell in re.findall(r"<td>\s*([^<]*?)\s*</td>", page) if cell in set(expected)]
    last_name_of = {row[number]: row[0] for row in body}
    assert len(on_page) == 25  # the first page of the list
    assert [row[0] for row in body[:25]] == [last_name_of[n] for n in on_page]  # the list's order (by last name)


def test_the_export_follows_the_lists_sort_order(app, admin_client):
    rows = sheet_rows(admin_client.get(f"/studentview/export/?_flt_0_last_name={common_letter(app)}"
                                       "&_oc_StudentView=birth_date&_od_StudentView=desc"))
    births = [tuple(reversed(row[5].split("."))) for row in rows[1:]]
    assert births == sorted(births, reverse=True)


def test_a_teachers_export_of_students_holds_only_their_students(app, client):
    login(client, "teacher")
    rows = sheet_rows(client.get("/studentview/export/"))
    listed = record_count(app, client.get("/studentview/list/").get_data(as_text=True))
    with app.app_context():
        everyone = db.session.scalar(select(func.count()).select_from(Student)
                                     .where(Student.school_id == school_of(app, "teacher")))
        db.session.remove()
    assert 0 < len(rows) - 1 == listed < everyone


def test_a_teachers_export_of_marks_holds_only_the_marks_of_their_groups(app, client):
    login(client, "teacher")
    rows = sheet_rows(client.get("/markview/export/"))
    listed = record_count(app, client.get("/markview/list/").get_data(as_text=True))
    with app.app_context():
        everyone = db.session.scalar(select(func.count()).select_from(Mark).where(Mark.school_id == school_of(app, "teacher")))
        db.session.remove()
    assert 0 < len(rows) - 1 == listed < everyone


def test_a_parent_cannot_export_the_marks_list(client):
    login(client, "parent")
    assert client.get("/markview/export/").status_code == 403  # families read marks in the journal


def test_the_export_needs_the_lists_permission(client):
    login(client, "hr")
    assert client.get("/studentview/export/").status_code == 403
    assert client.get("/employeeview/export/").status_code == 200


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_every_list_exports_under_its_can_list(app, view):
    function = app.view_functions[f"{view.__name__}.export_xlsx"]
    assert getattr(function, "_permission_name", None) == "list"
    assert "can_list" in function.__self__.base_permissions
    assert not (view.method_permission_name or {}).get("export_xlsx")


def test_text_that_looks_like_a_formula_stays_text():
    data = workbook("Проба", ["Комментарий"], [["=HYPERLINK(\"http://x\")"], ["+7 900"]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"http://x\")"
    assert sheet["A3"].value == "+7 900"
