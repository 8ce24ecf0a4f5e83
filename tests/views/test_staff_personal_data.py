"""The personal card's personal data (форма Т-2: СНИЛС, ИНН, passport, addresses,
family): the personnel officer fills them in, a wrong СНИЛС or ИНН is refused in
Russian with nothing written, and a role without the page «Личные данные
сотрудников» sees none of them — not on the employee's pages, not in CRUD, not in
the REST API, not in the printed personal card."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, EmployeePersonalData, Gender, MaritalStatus, PartaUser
from app.rules.staff import check_personal_data, inn_is_valid
from app.rules.errors import RuleViolation
from tests.conftest import flashes, login, unique

SNILS = "112-233-445 95"
INN = "500100732259"
PASSPORT_ISSUER = "ОУФМС России по г. Тестограду"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture(scope="module")
def person(app):
    """An employee of the demo school with the personal data filled in; removed afterwards."""
    with app.app_context():
        sid = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "hr"))
        employee = Employee(school_id=sid, last_name=unique("Личнова"), first_name="Вера", middle_name="Павловна",
                            gender=Gender.female, birth_date=dt.date(1985, 3, 4))
        db.session.add(employee)
        db.session.flush()
        db.session.add(EmployeePersonalData(
            school_id=sid, employee_id=employee.id, snils=SNILS, inn=INN, passport_series="45 08",
            passport_number="123456", passport_issued_by=PASSPORT_ISSUER, passport_issued_on=dt.date(2005, 4, 1),
            registration_address="г. Тестоград, ул. Прописки, д. 1", marital_status=MaritalStatus.married,
            family="муж — Личнов Пётр Ильич, 1983"))
        db.session.commit()
        info = {"id": employee.id, "school_id": sid, "name": employee.last_name}
        db.session.remove()
    yield info
    with app.app_context():
        db.session.delete(db.session.get(Employee, info["id"]))
        db.session.commit()
        db.session.remove()


def _form(employee_id: int, **fields) -> dict:
    return {"employee": employee_id, "snils": "", "inn": "", "passport_series": "", "passport_number": "", **fields}


def _stored(app, employee_id: int):
    with app.app_context():
        row = db.session.scalar(select(EmployeePersonalData).where(EmployeePersonalData.employee_id == employee_id))
        found = None if row is None else {"snils": row.snils, "inn": row.inn, "series": row.passport_series}
        db.session.remove()
    return found


@pytest.fixture()
def bare_person(app, person):
    """An employee without personal data yet (removed after the test)."""
    with app.app_context():
        employee = Employee(school_id=person["school_id"], last_name=unique("Новикова"), first_name="Ольга",
                            birth_date=dt.date(1990, 1, 1))
        db.session.add(employee)
        db.session.commit()
        pk = employee.id
        db.session.remove()
    yield pk
    with app.app_context():
        db.session.delete(db.session.get(Employee, pk))
        db.session.commit()
        db.session.remove()


# --- the rules -----------------------------------------------------------------------

def test_snils_and_inn_with_wrong_check_digits_are_refused_and_good_ones_are_printed_the_usual_way():
    today = dt.date(2026, 12, 6)
    checked = check_personal_data("11223344595", "5001 0073 2259", "4508", "123456", "770001", None, None, today)
    assert (checked.snils, checked.inn, checked.passport_series, checked.passport_division_code) == \
        ("112-233-445 95", "500100732259", "45 08", "770-001")
    with pytest.raises(RuleViolation):
        check_personal_data("112-233-445 96", None, None, None, None, None, None, today)
    with pytest.raises(RuleViolation):
        check_personal_data(None, "500100732258", None, None, None, None, None, today)
    with pytest.raises(RuleViolation):
        check_personal_data(None, "7707083893", None, None, None, None, None, today)  # an organisation's ИНН
    assert not inn_is_valid("500100732250") and inn_is_valid(INN)


def test_passport_issued_in_the_future_or_before_birth_is_refused():
    today = dt.date(2026, 12, 6)
    with pytest.raises(RuleViolation):
        check_personal_data(None, None, "4508", "123456", None, dt.date(2027, 1, 1), None, today)
    with pytest.raises(RuleViolation):
        check_personal_data(None, None, "4508", "123456", None, dt.date(1980, 1, 1), dt.date(1985, 1, 1), today)


# --- the personnel officer fills them in; bad input is refused in Russian ---------------

def test_personnel_officer_records_personal_data_and_the_numbers_are_kept_in_their_printed_form(app, client, bare_person):
    hr = login(client, "hr")
    page = hr.get(f"/employeepersonaldataview/add?employee={bare_person}").get_data(as_text=True)
    assert "СНИЛС" in page and "ИНН" in page
    response = hr.post("/employeepersonaldataview/add", data=_form(
        bare_person, snils="11223344595", inn=INN, passport_series="4508", passport_number="654321",
        marital_status="never_married"), follow_redirects=True)
    assert "Запись добавлена" in flashes(response.get_data(as_text=True))
    assert _stored(app, bare_person) == {"snils": SNILS, "inn": INN, "series": "45 08"}
    file_page = hr.get(f"/stafffileview/show/{bare_person}").get_data(as_text=True)
    assert SNILS in file_page and "654321" in file_page


def test_a_snils_with_a_wrong_check_number_is_refused_in_russian_and_nothing_is_written(app, client, bare_person):
    hr = login(client, "hr")
    response = hr.post("/employeepersonaldataview/add", data=_form(bare_person, snils="112-233-445 96"),
                       follow_redirects=True)
    messages = " ".join(flashes(response.get_data(as_text=True)))
    assert "СНИЛС «112-233-445 96»" in messages and "контрольное число" in messages, messages
    response = hr.post("/employeepersonaldataview/add", data=_form(bare_person, inn="500100732258"), follow_redirects=True)
    assert "ИНН «500100732258»" in " ".join(flashes(response.get_data(as_text=True)))
    assert _stored(app, bare_person) is None


# --- hidden from a role without the personal-data page ---------------------------------

@pytest.mark.parametrize("username", ["coordinator", "secretary", "teacher"])
def test_roles_without_the_personal_data_page_see_no_snils_inn_or_passport_anywhere(app, person, username):
    client = login(app.test_client(), username)
    assert client.get("/employeepersonaldataview/list/").status_code in (302, 403)
    assert client.get(f"/employeepersonaldataview/show/{person['id']}").status_code in (302, 403, 404)
    for url in (f"/employeeview/show/{person['id']}", f"/stafffileview/show/{person['id']}", "/employeeview/list/"):
        page = client.get(url).get_data(as_text=True)
        assert SNILS not in page and INN not in page and PASSPORT_ISSUER not in page, url
    card = client.get(f"/stafffileview/card/{person['id']}")
    if card.mimetype == "application/pdf":  # the coordinator prints the personal file, without the Т-2 data
        text = pdf_text(card.data)
        assert person["name"] in text and SNILS not in text and "СНИЛС" not in text and INN not in text


def test_the_rest_api_gives_no_personal_data_of_employees(app, person):
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={"username": "coordinator", "password": "demo", "provider": "db"})
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    answer = client.get(f"/api/v1/employee/{person['id']}", headers=headers).json
    assert answer["result"]["last_name"] == person["name"]
    body = json.dumps(answer, ensure_ascii=False)
    assert SNILS not in body and INN not in body and "passport" not in body
    assert client.get("/api/v1/employeepersonaldata/", headers=headers).status_code == 404


def test_personnel_officer_and_director_see_them_in_the_file_and_the_printed_card(app, person):
    for username in ("hr", "director"):
        client = login(app.test_client(), username)
        assert SNILS in client.get(f"/stafffileview/show/{person['id']}").get_data(as_text=True)
        text = pdf_text(client.get(f"/stafffileview/card/{person['id']}").data)
        assert "СНИЛС" in text and SNILS in text and INN in text and "45 08 123456" in text, username
    director = login(app.test_client(), "director")
    assert director.get(f"/employeepersonaldataview/edit/{person['id']}").status_code in (302, 403, 404)


def test_the_write_pipeline_refuses_a_bad_snils_on_any_path(app, bare_person):
    with app.app_context():
        sid = db.session.get(Employee, bare_person).school_id
        db.session.add(EmployeePersonalData(school_id=sid, employee_id=bare_person, snils="112-233-445 96"))
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert _stored(app, bare_person) is None
