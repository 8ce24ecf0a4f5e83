"""Import of students with their guardians (the secretary) and of staff (the
personnel officer) from XLSX or CSV: a preview lists every row with its problems
and what will happen; only on confirmation are the valid rows written, in one
transaction; importing the same file again changes nothing."""
from __future__ import annotations

import csv
import io
import random
import re

import pytest
from flask_babel import gettext
from markupsafe import escape
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog, Employee, EmployeePosition, Enrolment, Guardian, Relation, Student, StudentGuardian,
)
from tests.conftest import flashes, login

STUDENT_HEADERS = [
    "№ личного дела", "Фамилия", "Имя", "Отчество", "Дата рождения (ДД.ММ.ГГГГ)", "Пол (м/ж)", "СНИЛС", "Адрес",
    "Телефон", "E-mail",
    "Представитель 1: Фамилия", "Представитель 1: Имя", "Представитель 1: Отчество",
    "Представитель 1: Кем приходится (мать/отец/опекун…)", "Представитель 1: Телефон", "Представитель 1: E-mail",
    "Представитель 2: Фамилия", "Представитель 2: Имя", "Представитель 2: Отчество",
    "Представитель 2: Кем приходится (мать/отец/опекун…)", "Представитель 2: Телефон", "Представитель 2: E-mail",
]
STAFF_HEADERS = ["Фамилия", "Имя", "Отчество", "Дата рождения (ДД.ММ.ГГГГ)", "Пол (м/ж)", "Телефон", "E-mail",
                 "Образование", "Квалификационная категория", "Дата приёма (ДД.ММ.ГГГГ)", "Должность", "Ставка"]
COUNTED = (Student, Guardian, StudentGuardian, Enrolment, Employee, EmployeePosition, AuditLog)


def message(app, msgid: str, **params) -> str:
    """The message as a page shows it (HTML-escaped)."""
    with app.test_request_context():
        return str(escape(gettext(msgid, **params)))


def surname(stem: str = "Новиков") -> str:
    """A last name no other test uses (letters only: names cannot hold digits)."""
    return stem + "".join(random.choice("абвгдежзиклмнопрстуфхцчшэюя") for _ in range(6))


def student_row(last: str, first: str = "Пётр", birth: str = "01.02.2016", file_no: str = "", mother: str = "",
                father: str = "", phone: str = "+7 912 000-11-22", **extra) -> list:
    row = [file_no, last, first, "Ильич", birth, "м", "112-233-445 95", "г. Энск, ул. Ленина, 1", phone, "", "", "",
           "", "", "", "", "", "", "", "", "", ""]
    if mother:
        row[10:16] = [mother, "Мария", "Петровна", "мать", "8 (912) 111-22-33", "maria@example.ru"]
    if father:
        row[16:22] = [father, "Илья", "Сергеевич", "отец", "+7 912 333-44-55", ""]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


def staff_row(last: str, position: str = "Учитель", rate="1", birth: str = "12.12.1980") -> list:
    return [last, "Ольга", "Павловна", birth, "ж", "+7 900 123-45-67", "olga@example.ru", "высшее",
            "первая", "01.09.2010", position, rate]


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows, delimiter: str = ";", encoding: str = "cp1251") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, kind: str, data: bytes, name: str = "people.xlsx"):
    return client.post(f"/import/{kind}/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(html: str):
    found = re.search(r'name="token" value="([^"]+)"', html)
    return found.group(1) if found else None


def actions(html: str) -> dict:
    """Row number → what the preview says will happen to it."""
    return {int(row): action for row, action in re.findall(r'data-row="(\d+)" data-action="(\w+)"', html)}


def import_file(client, kind: str, data: bytes, name: str = "people.xlsx") -> list:
    preview = upload(client, kind, data, name)
    assert preview.status_code == 200
    token = token_of(preview.get_data(as_text=True))
    assert token, flashes(preview.get_data(as_text=True))
    response = client.post(f"/import/{kind}/confirm", data={"token": token}, follow_redirects=True)
    return flashes(response.get_data(as_text=True))


def counts(app) -> dict:
    with app.app_context():
        found = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}
        db.session.remove()
    return found


def grown(before: dict, after: dict) -> dict:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def student_named(last: str):
    return db.session.scalar(select(Student).where(Student.last_name == last))


@pytest.fixture()
def secretary(client):
    return login(client, "secretary")


@pytest.fixture()
def hr(client):
    return login(client, "hr")


# --- Templates -------------------------------------------------------------------------

def test_the_students_template_downloads_and_opens_with_its_russian_headers(secretary):
    response = secretary.get("/import/students/template")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == STUDENT_HEADERS


def test_the_staff_template_downloads_and_opens_with_its_russian_headers(hr):
    response = hr.get("/import/staff/template")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == STAFF_HEADERS


def test_the_filled_template_imports(app, secretary):
    last = surname()
    book = load_workbook(io.BytesIO(secretary.get("/import/students/template").data))
    book.active.append(student_row(last, mother=last + "а"))
    out = io.BytesIO()
    book.save(out)
    import_file(secretary, "students", out.getvalue())
    with app.app_context():
        assert student_named(last).guardian_links[0].guardian.last_name == last + "а"
        db.session.remove()


# --- Students ---------------------------------------------------------------------------

def test_a_good_students_file_is_previewed_then_imported_with_the_guardians(app, secretary):
    brother, sister = surname(), surname()
    mother = surname("Смирнова")
    rows = [STUDENT_HEADERS,
            student_row(brother, mother=mother, father=surname("Смирнов"), file_no=f"Н-{random.randint(5000, 9999)}"),
            student_row(sister, first="Анна", birth="03.04.2014", mother=mother, **{"c5": "ж"})]
    before = counts(app)
    preview = upload(secretary, "students", xlsx(rows))
    html = preview.get_data(as_text=True)
    assert brother in html and mother in html and token_of(html)
    assert actions(html) == {2: "new", 3: "new"}
    assert message(app, "The import does not put students into classes: enrol the imported students into a class by "
                        "an order.") in html
    assert counts(app) == before  # the preview writes nothing

    shown = secretary.post("/import/students/confirm", data={"token": token_of(html)}, follow_redirects=True)
    assert message(app, "Imported: %(new)s new, %(updated)s updated, %(same)s unchanged; %(errors)s rows with errors "
                        "were skipped.", new=2, updated=0, same=0, errors=0) in flashes(shown.get_data(as_text=True))
    # two students, the mother once for both, the father; three links; no class membership
    assert grown(before, counts(app)) == {"Student": 2, "Guardian": 2, "StudentGuardian": 3}
    with app.app_context():
        first, second = student_named(brother), student_named(sister)
        assert first.birth_date.isoformat() == "2016-02-01" and first.gender.name == "male"
        assert first.snils == "112-233-445 95" and first.phone == "+7 912 000-11-22"
        assert second.gender.name == "female"
        assert re.fullmatch(r"Н-\d{4,}", second.personal_file_no)  # a new number: the letter of «Новиков…»
        assert second.personal_file_no != first.personal_file_no
        relations = {(link.guardian.last_name, link.relation) for link in first.guardian_links}
        assert (mother, Relation.mother) in relations and len(relations) == 2
        assert [link.guardian.last_name for link in second.guardian_links] == [mother]
        db.session.remove()


@pytest.mark.parametrize("delimiter,encoding", [(";", "cp1251"), (",", "utf-8-sig"), ("\t", "utf-8")])
def test_a_csv_imports_like_the_xlsx(app, secretary, delimiter, encoding):
    last = surname()
    before = counts(app)
    import_file(secretary, "students", csv_file([STUDENT_HEADERS, student_row(last, mother=surname("Петрова"))],
                                                delimiter, encoding), "people.csv")
    assert grown(before, counts(app)) == {"Student": 1, "Guardian": 1, "StudentGuardian": 1}
    with app.app_context():
        assert student_named(last).address == "г. Энск, ул. Ленина, 1"
        db.session.remove()


def test_bad_rows_are_listed_in_russian_and_only_the_valid_rows_are_written(app, secretary):
    good, bad_date, bad_snils, bad_mail, no_name = surname(), surname(), surname(), surname(), surname()
    rows = [STUDENT_HEADERS,
            student_row(good),
            student_row(bad_date, birth="31.02.2016"),
            student_row(bad_snils, **{"c6": "112-233-445 96"}),
            student_row(bad_mail, **{"c9": "почта.ру"}),
            student_row("", first=no_name),
            student_row(good)]  # the same student twice
    before = counts(app)
    html = upload(secretary, "students", xlsx(rows)).get_data(as_text=True)
    assert actions(html) == {2: "new", 3: "error", 4: "error", 5: "error", 6: "error", 7: "error"}
    for text in (message(app, "%(field)s «%(value)s» is not a date DD.MM.YYYY.", field=message(app, "Birth date"),
                         value="31.02.2016"),
                 message(app, "The SNILS «%(value)s» has a wrong check number.", value="112-233-445 96"),
                 message(app, "The e-mail «%(value)s» is not an e-mail address.", value="почта.ру"),
                 message(app, "%(field)s is not filled in.", field=message(app, "Last name")),
                 message(app, "The same person as in row %(other)s.", other=2)):
        assert text in html, text
    assert counts(app) == before
    secretary.post("/import/students/confirm", data={"token": token_of(html)})
    assert grown(before, counts(app)) == {"Student": 1}
    with app.app_context():
        assert student_named(good) is not None
        assert student_named(bad_date) is None and student_named(bad_snils) is None and student_named(bad_mail) is None
        db.session.remove()


def test_an_unknown_relation_is_a_problem_of_the_guardian(app, secretary):
    row = student_row(surname(), mother=surname("Белова"))
    row[13] = "соседка"
    html = upload(secretary, "students", xlsx([STUDENT_HEADERS, row])).get_data(as_text=True)
    assert actions(html) == {2: "error"}
    inner = message(app, "«%(value)s» is not a relation: mother, father, guardian, trustee or other representative.",
                    value="соседка")
    assert message(app, "Guardian %(n)s: %(problem)s", n=1, problem=inner) in html


def test_a_file_of_bad_rows_offers_no_confirmation_and_writes_nothing(app, secretary):
    rows = [STUDENT_HEADERS, student_row(surname(), birth="вчера"), student_row("", first="Иван")]
    before = counts(app)
    html = upload(secretary, "students", xlsx(rows)).get_data(as_text=True)
    assert token_of(html) is None
    assert message(app, "No row can be imported: correct the errors and upload the file again. Nothing was written.") in html
    response = secretary.post("/import/students/confirm", data={"token": "x" * 32}, follow_redirects=True)
    assert message(app, "The uploaded file is no longer available; upload it again.") in flashes(response.get_data(as_text=True))
    assert counts(app) == before


def test_a_file_that_is_not_a_table_is_refused_with_a_message(app, secretary):
    response = upload(secretary, "students", b"PK\x03\x04 broken", "people.xlsx")
    assert response.status_code == 302
    assert message(app, "The file could not be read as an XLSX spreadsheet.") in \
        flashes(secretary.get(response.location).get_data(as_text=True))
    html = upload(secretary, "students", xlsx([["Иванов", "Пётр", "01.02.2016"]])).get_data(as_text=True)
    assert token_of(html) is None
    assert message(app, "The first row must hold the column headers of the template; missing: %(columns)s.",
                   columns="«Фамилия», «Имя», «Дата рождения (ДД.ММ.ГГГГ)»") in html


def test_importing_the_same_file_twice_changes_nothing(app, secretary):
    mother = surname("Козлова")
    data = xlsx([STUDENT_HEADERS, student_row(surname(), mother=mother, father=surname("Козлов")),
                 student_row(surname(), first="Ольга", birth="07.07.2012", mother=mother)])
    import_file(secretary, "students", data)
    before = counts(app)
    html = upload(secretary, "students", data).get_data(as_text=True)
    assert actions(html) == {2: "same", 3: "same"}
    assert token_of(html) is None
    assert message(app, "Everything in the file is already in the database: nothing to change.") in html
    assert counts(app) == before  # the audit log too


def test_a_changed_row_updates_only_the_cells_it_fills(app, secretary):
    last = surname()
    import_file(secretary, "students", xlsx([STUDENT_HEADERS, student_row(last, mother=surname("Зайцева"))]))
    with app.app_context():
        file_no = student_named(last).personal_file_no
        db.session.remove()
    changed = student_row(last, file_no=file_no, phone="+7 999 000-00-01", **{"c7": ""})  # a new phone, no address
    html = upload(secretary, "students", xlsx([STUDENT_HEADERS, changed])).get_data(as_text=True)
    assert actions(html) == {2: "update"}
    assert message(app, "Phone") in html
    before = counts(app)
    secretary.post("/import/students/confirm", data={"token": token_of(html)})
    assert counts(app) == before
    with app.app_context():
        student = student_named(last)
        assert student.phone == "+7 999 000-00-01"
        assert student.address == "г. Энск, ул. Ленина, 1"  # an empty cell erases nothing
        assert len(student.guardian_links) == 1  # the guardian stays linked
        db.session.remove()


def test_a_personal_file_number_finds_a_demo_student(app, secretary):
    with app.app_context():
        student = db.session.scalar(select(Student).order_by(Student.id).limit(1))
        row = [student.personal_file_no, student.last_name, student.first_name, student.middle_name or "",
               student.birth_date.strftime("%d.%m.%Y")] + [""] * 17
        db.session.remove()
    before = counts(app)
    html = upload(secretary, "students", xlsx([STUDENT_HEADERS, row])).get_data(as_text=True)
    assert actions(html) == {2: "same"}
    assert counts(app) == before


def test_a_name_and_birth_date_of_another_personal_file_is_refused(app, secretary):
    with app.app_context():
        student = db.session.scalar(select(Student).order_by(Student.id).limit(1))
        row = ["ДРУГОЙ-1", student.last_name, student.first_name, student.middle_name or "",
               student.birth_date.strftime("%d.%m.%Y")] + [""] * 17
        number = student.personal_file_no
        db.session.remove()
    html = upload(secretary, "students", xlsx([STUDENT_HEADERS, row])).get_data(as_text=True)
    assert actions(html) == {2: "error"}
    assert message(app, "A student with this name and birth date already has the personal file number %(number)s.",
                   number=number) in html


# --- Staff ------------------------------------------------------------------------------

def test_a_good_staff_file_imports_the_employees_and_their_positions(app, hr):
    first, second = surname("Орлова"), surname("Соколова")
    before = counts(app)
    shown = import_file(hr, "staff", xlsx([STAFF_HEADERS, staff_row(first), staff_row(second, "Педагог-психолог", "0,5")]))
    assert message(app, "Imported: %(new)s new, %(updated)s updated, %(same)s unchanged; %(errors)s rows with errors "
                        "were skipped.", new=2, updated=0, same=0, errors=0) in shown
    assert grown(before, counts(app)) == {"Employee": 2, "EmployeePosition": 2}
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.last_name == second))
        assert employee.hire_date.isoformat() == "2010-09-01" and employee.qualification_category == "первая"
        assert [(p.position.name, float(p.rate)) for p in employee.positions] == [("Педагог-психолог", 0.5)]
        db.session.remove()


def test_a_staff_csv_imports_and_again_changes_nothing(app, hr):
    data = csv_file([STAFF_HEADERS, staff_row(surname("Волкова"))])
    import_file(hr, "staff", data, "staff.csv")
    before = counts(app)
    html = upload(hr, "staff", data, "staff.csv").get_data(as_text=True)
    assert actions(html) == {2: "same"} and token_of(html) is None
    assert counts(app) == before


def test_an_unknown_position_is_a_problem_and_the_valid_rows_still_import(app, hr):
    good, bad = surname("Лебедева"), surname("Лебедева")
    before = counts(app)
    html = upload(hr, "staff", xlsx([STAFF_HEADERS, staff_row(good), staff_row(bad, "Космонавт")])).get_data(as_text=True)
    assert actions(html) == {2: "new", 3: "error"}
    assert message(app, "The position «%(value)s» is not in the school's list of positions.", value="Космонавт") in html
    hr.post("/import/staff/confirm", data={"token": token_of(html)})
    assert grown(before, counts(app)) == {"Employee": 1, "EmployeePosition": 1}


def test_a_new_rate_updates_the_position_held(app, hr):
    last = surname("Егорова")
    import_file(hr, "staff", xlsx([STAFF_HEADERS, staff_row(last, rate="1")]))
    html = upload(hr, "staff", xlsx([STAFF_HEADERS, staff_row(last, rate="1,25")])).get_data(as_text=True)
    assert actions(html) == {2: "update"}
    before = counts(app)
    hr.post("/import/staff/confirm", data={"token": token_of(html)})
    assert counts(app) == before
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.last_name == last))
        assert [float(p.rate) for p in employee.positions] == [1.25]
        db.session.remove()


# --- Who may import ----------------------------------------------------------------------

@pytest.mark.parametrize("username,kind", [("teacher", "students"), ("teacher", "staff"), ("hr", "students"),
                                           ("secretary", "staff"), ("parent", "students")])
def test_only_the_roles_of_the_import_may_use_it(app, client, username, kind):
    login(client, username)
    before = counts(app)
    assert client.get(f"/import/{kind}/").status_code == 403
    assert client.get(f"/import/{kind}/template").status_code == 403
    data = xlsx([STUDENT_HEADERS, student_row(surname())] if kind == "students" else [STAFF_HEADERS, staff_row(surname())])
    assert upload(client, kind, data).status_code == 403
    assert counts(app) == before


@pytest.mark.parametrize("username,kind", [("secretary", "students"), ("coordinator", "students"),
                                           ("admin", "students"), ("hr", "staff"), ("admin", "staff")])
def test_the_roles_of_the_import_open_its_page(client, username, kind):
    login(client, username)
    response = client.get(f"/import/{kind}/")
    assert response.status_code == 200
    assert f"/import/{kind}/template" in response.get_data(as_text=True)


def test_another_login_cannot_confirm_an_upload(app, client):
    login(client, "secretary")
    html = upload(client, "students", xlsx([STUDENT_HEADERS, student_row(surname())])).get_data(as_text=True)
    assert token_of(html)
    client.post("/logout/")
    login(client, "coordinator")
    before = counts(app)
    response = client.post("/import/students/confirm", data={"token": token_of(html)}, follow_redirects=True)
    assert message(app, "The uploaded file is no longer available; upload it again.") in flashes(response.get_data(as_text=True))
    assert counts(app) == before

