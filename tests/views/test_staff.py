"""Staff personal files: staff orders change positions and dates, bad dates are
refused with a Russian message and nothing written, the personal file and its card
open for the personnel officer and stay closed to teachers and to other schools."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attestation, EducationLevel, EducationRecord, Employee, EmployeePosition, Gender, PartaUser, Position, QualificationCategory,
    School, StaffOrder, TrainingCourse,
)
from app.rules.staff import add_months
from tests.conftest import flashes, login, school_today, unique

D = dt.date


@pytest.fixture(scope="module")
def school(app):
    """The demo school's id and two of its positions."""
    with app.app_context():
        sid = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "hr"))
        positions = {p.name: p.id for p in db.session.scalars(select(Position).where(Position.school_id == sid))}
        db.session.remove()
    return {"id": sid, "teacher": positions["Учитель"], "deputy": positions["Заместитель директора по УВР"]}


def new_employee(app, school, **fields) -> int:
    """A person with a card and nothing else yet: the personnel officer hires them by order."""
    with app.app_context():
        employee = Employee(school_id=school["id"], last_name=unique("Кадровая"), first_name="Анна",
                            middle_name="Сергеевна", gender=Gender.female, **fields)
        db.session.add(employee)
        db.session.commit()
        pk = employee.id
        db.session.remove()
    return pk


@pytest.fixture()
def hr(client):
    return login(client, "hr")


def post_order(client, **fields) -> list[str]:
    data = {"employee": "", "kind": "hire", "date": "", "number": "", "position": "__None", "rate": "",
            "from_position": "__None", "reason": "", "article": ""}
    data.update({k: str(v) for k, v in fields.items()})
    response = client.post("/stafforderview/add", data=data, follow_redirects=True)
    assert response.status_code == 200
    return flashes(response.get_data(as_text=True))


def positions_of(app, employee_id) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(EmployeePosition.position_id, EmployeePosition.rate, EmployeePosition.start_date, EmployeePosition.end_date)
            .where(EmployeePosition.employee_id == employee_id).order_by(EmployeePosition.start_date)).all()
        db.session.remove()
    return [(p, float(r), s, e) for p, r, s, e in rows]


def employee_dates(app, employee_id) -> tuple:
    with app.app_context():
        employee = db.session.get(Employee, employee_id)
        dates = (employee.hire_date, employee.leave_date)
        db.session.remove()
    return dates


def orders_of(app, employee_id) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(select(StaffOrder.number, StaffOrder.calendar_year, StaffOrder.kind)
                                  .where(StaffOrder.employee_id == employee_id).order_by(StaffOrder.id)).all()
        db.session.remove()
    return [(n, y, k.name) for n, y, k in rows]


def russian(app, msgid, **params) -> str:
    with app.test_request_context(), force_locale("ru"):
        return gettext(msgid, **params)


# --- orders ----------------------------------------------------------------------------


def test_hire_order_opens_the_position_and_sets_the_hire_date(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2026", position=school["teacher"], rate="1,5")
    assert positions_of(app, person) == [(school["teacher"], 1.5, D(2026, 9, 1), None)]
    assert employee_dates(app, person) == (D(2026, 9, 1), None)
    [(number, year, kind)] = orders_of(app, person)
    assert number.startswith("К-") and year == 2026 and kind == "hire"


def test_orders_are_numbered_one_after_another_within_the_calendar_year(app, hr, school):
    first, second = new_employee(app, school), new_employee(app, school)
    post_order(hr, employee=first, kind="hire", date="02.02.2031", position=school["teacher"], rate="1")
    post_order(hr, employee=second, kind="hire", date="03.02.2031", position=school["teacher"], rate="1")
    [(a, _, _)], [(b, _, _)] = orders_of(app, first), orders_of(app, second)
    assert int(b.removeprefix("К-")) == int(a.removeprefix("К-")) + 1


def test_transfer_order_ends_the_old_position_the_day_before_and_opens_the_new_one(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2025", position=school["teacher"], rate="1")
    post_order(hr, employee=person, kind="transfer", date="12.01.2026", position=school["deputy"], rate="1")
    assert positions_of(app, person) == [
        (school["teacher"], 1.0, D(2025, 9, 1), D(2026, 1, 11)),
        (school["deputy"], 1.0, D(2026, 1, 12), None),
    ]
    assert employee_dates(app, person) == (D(2025, 9, 1), None)


def test_dismissal_order_closes_every_open_position_and_sets_the_leave_date(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2025", position=school["teacher"], rate="1")
    post_order(hr, employee=person, kind="hire", date="01.10.2025", position=school["deputy"], rate="0,5")
    post_order(hr, employee=person, kind="dismissal", date="30.06.2026", reason="по собственному желанию",
               article="п. 3 ч. 1 ст. 77 ТК РФ")
    assert [end for *_, end in positions_of(app, person)] == [D(2026, 6, 30), D(2026, 6, 30)]
    assert employee_dates(app, person) == (D(2025, 9, 1), D(2026, 6, 30))
    assert [kind for *_, kind in orders_of(app, person)] == ["hire", "hire", "dismissal"]


def test_dismissal_before_the_hire_date_is_refused_and_nothing_is_written(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="28.08.2025", position=school["teacher"], rate="1")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(StaffOrder))
        db.session.remove()
    messages = post_order(hr, employee=person, kind="dismissal", date="01.08.2025", reason="по соглашению сторон")
    expected = russian(app, "The dismissal date %(date)s is before the hire date %(hire)s.", date="01.08.2025",
                       hire="28.08.2025")
    assert any(expected in m for m in messages), messages
    assert positions_of(app, person) == [(school["teacher"], 1.0, D(2025, 8, 28), None)]
    assert employee_dates(app, person) == (D(2025, 8, 28), None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffOrder)) == before
        db.session.remove()


def test_leave_date_before_the_hire_date_is_refused_on_the_employee_card_too(app, client, school):
    person = new_employee(app, school, hire_date=D(2025, 8, 28))
    login(client, "hr")
    from tests.forms import read_form

    form = read_form(client.get(f"/employeeview/edit/{person}").get_data(as_text=True))
    form.data["leave_date"] = "01.08.2025"
    response = client.post(f"/employeeview/edit/{person}", data=form.data, follow_redirects=True)
    expected = russian(app, "The dismissal date %(date)s is before the hire date %(hire)s.", date="01.08.2025",
                       hire="28.08.2025")
    assert any(expected in m for m in flashes(response.get_data(as_text=True)))
    assert employee_dates(app, person) == (D(2025, 8, 28), None)


def test_a_second_open_position_identical_to_one_held_is_refused_on_every_path(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2025", position=school["teacher"], rate="1")
    messages = post_order(hr, employee=person, kind="hire", date="01.02.2026", position=school["teacher"], rate="0,5")
    assert any("Учитель" in m for m in messages), messages
    response = hr.post("/employeepositionview/add", data={
        "employee": person, "position": school["teacher"], "rate": "1", "start_date": "01.03.2026", "end_date": "",
    }, follow_redirects=True)
    assert any("Учитель" in m for m in flashes(response.get_data(as_text=True)))
    assert len(positions_of(app, person)) == 1 and len(orders_of(app, person)) == 1


def test_an_order_number_taken_in_the_year_is_refused(app, hr, school):
    first, second = new_employee(app, school), new_employee(app, school)
    number = unique("К").replace(" ", "-")[:20]
    post_order(hr, employee=first, kind="hire", date="01.03.2026", number=number, position=school["teacher"], rate="1")
    messages = post_order(hr, employee=second, kind="hire", date="02.03.2026", number=number,
                          position=school["teacher"], rate="1")
    assert any(russian(app, "A staff order with this number already exists in this year.") in m for m in messages)
    assert positions_of(app, second) == [] and employee_dates(app, second) == (None, None)


def test_order_texts_can_be_corrected_but_its_effect_fields_are_not_offered(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="dismissal", date="30.06.2026", reason="по собственному желанию")
    with app.app_context():
        pk = db.session.scalar(select(StaffOrder.id).where(StaffOrder.employee_id == person))
        db.session.remove()
    html = hr.get(f"/stafforderview/edit/{pk}").get_data(as_text=True)
    assert 'name="reason"' in html and 'name="date"' not in html and 'name="kind"' not in html


def test_order_started_from_the_personal_file_needs_no_employee_field(app, hr, school):
    person = new_employee(app, school)
    html = hr.get(f"/stafforderview/add?_flt_0_employee={person}").get_data(as_text=True)
    assert 'name="employee"' not in html
    hr.post(f"/stafforderview/add?_flt_0_employee={person}", data={
        "kind": "hire", "date": "01.09.2026", "number": "", "position": school["deputy"], "rate": "0.5",
        "from_position": "__None", "reason": "", "article": ""})
    assert positions_of(app, person) == [(school["deputy"], 0.5, D(2026, 9, 1), None)]


# --- the personal file -------------------------------------------------------------------


def fill_file(app, school, person, today):
    with app.app_context():
        db.session.add_all([
            EducationRecord(school_id=school["id"], employee_id=person, level=EducationLevel.higher_specialist,
                            institution="Энский государственный педагогический университет", graduation_year=2004,
                            specialty="Математика", qualification="Учитель математики", diploma_number="ВСГ 0123456"),
            Attestation(school_id=school["id"], employee_id=person, category=QualificationCategory.first,
                        assigned_on=add_months(today, -57), valid_until=add_months(today, 3), order_number="№ 815"),
            TrainingCourse(school_id=school["id"], employee_id=person, program="Обновлённые ФГОС ООО",
                           organisation="Энский ИРО", hours=72, start_date=D(2025, 3, 1), end_date=D(2025, 3, 20),
                           certificate_number="УД-7788"),
        ])
        db.session.commit()
        db.session.remove()


@pytest.mark.dates  # the category's term runs from the school's date
def test_personal_file_gathers_the_card_positions_orders_education_category_and_courses(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2025", position=school["teacher"], rate="1")
    fill_file(app, school, person, school_today())
    html = hr.get(f"/stafffileview/show/{person}").get_data(as_text=True)
    for text in ("Кадровая", "Учитель", "К-", "Энский государственный педагогический университет", "ВСГ 0123456",
                 "№ 815", "Обновлённые ФГОС ООО", "УД-7788", russian(app, "expires soon")):
        assert text in html, text


@pytest.mark.dates  # the category's term runs from the school's date
def test_personal_card_pdf_names_the_employee_in_cyrillic(app, hr, school):
    person = new_employee(app, school)
    post_order(hr, employee=person, kind="hire", date="01.09.2025", position=school["teacher"], rate="1")
    fill_file(app, school, person, school_today())
    response = hr.get(f"/stafffileview/card/{person}")
    assert response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())
    with app.app_context():
        name = db.session.get(Employee, person).full_name
        db.session.remove()
    assert name in text
    assert "Энский государственный педагогический университет" in text and "УД-7788" in text


def test_new_category_without_a_term_is_valid_five_years(app, hr, school):
    person = new_employee(app, school)
    hr.post("/attestationview/add", data={"employee": person, "category": "highest", "position": "__None",
                                          "assigned_on": "15.03.2024", "order_number": "№ 12", "valid_until": ""})
    with app.app_context():
        assert db.session.scalar(select(Attestation.valid_until).where(Attestation.employee_id == person)) == D(2029, 3, 15)
        db.session.remove()


@pytest.mark.dates  # the category's term runs from the school's date
def test_expiring_list_holds_the_latest_categories_ending_within_six_months_or_ended(app, hr, school):
    today = school_today()
    soon, renewed, ended, fine, left = (new_employee(app, school) for _ in range(5))
    with app.app_context():
        def category(person, assigned, until):
            db.session.add(Attestation(school_id=school["id"], employee_id=person, category=QualificationCategory.first,
                                       assigned_on=assigned, valid_until=until))
        category(soon, add_months(today, -58), add_months(today, 2))
        category(renewed, add_months(today, -70), add_months(today, -10))
        category(renewed, add_months(today, -10), add_months(today, 50))
        category(ended, add_months(today, -62), add_months(today, -2))
        category(fine, add_months(today, -12), add_months(today, 48))
        category(left, add_months(today, -58), add_months(today, 2))
        db.session.get(Employee, left).leave_date = add_months(today, -1)
        db.session.commit()
        ids = {e: db.session.scalar(select(Attestation.id).where(Attestation.employee_id == e)
                                    .order_by(Attestation.assigned_on.desc()))
               for e in (soon, renewed, ended, fine, left)}
        db.session.remove()
    html = hr.get("/expiringattestationview/list/?psize_ExpiringAttestationView=500").get_data(as_text=True)
    listed = {e for e, pk in ids.items() if f"/expiringattestationview/show/{pk}\"" in html}
    assert listed == {soon, ended}
    assert russian(app, "expired") in html and russian(app, "expires soon") in html


# --- who may open it -------------------------------------------------------------------

STAFF_PAGES = ["/stafffileview/list/", "/stafforderview/list/", "/stafforderview/add", "/educationrecordview/list/",
               "/attestationview/list/", "/expiringattestationview/list/", "/trainingcourseview/list/"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_personnel_officer_opens_the_staff_pages(hr, page):
    assert hr.get(page).status_code == 200


@pytest.mark.parametrize("username", ["director", "coordinator"])
def test_director_and_coordinator_read_the_files_but_add_no_orders(app, client, school, username):
    person = new_employee(app, school)
    login(client, username)
    assert client.get(f"/stafffileview/show/{person}").status_code == 200
    assert client.get(f"/stafffileview/card/{person}").mimetype == "application/pdf"
    assert client.get("/stafforderview/add").status_code != 200


@pytest.mark.parametrize("username", ["teacher", "secretary", "parent"])
def test_teachers_and_others_get_no_personal_files(app, client, school, username):
    person = new_employee(app, school)
    login(client, username)
    for page in STAFF_PAGES + [f"/stafffileview/show/{person}", f"/stafffileview/card/{person}"]:
        response = client.get(page)
        assert response.status_code != 200 and response.mimetype != "application/pdf", page


def test_employee_card_links_to_the_personal_file_only_for_those_who_may_open_it(app, client, school):
    person = new_employee(app, school)
    link = f"/stafffileview/show/{person}"
    assert link in login(client, "hr").get(f"/employeeview/show/{person}").get_data(as_text=True)
    client.post("/logout/")
    secretary = login(client, "secretary").get(f"/employeeview/show/{person}")
    assert secretary.status_code == 200 and link not in secretary.get_data(as_text=True)


def test_another_schools_employee_file_is_not_reachable_by_id(app, hr):
    with app.app_context():
        other = School(full_name=unique("Лицей"), short_name=unique("Лицей №"))
        db.session.add(other)
        db.session.flush()
        stranger = Employee(school_id=other.id, last_name="Чужакова", first_name="Ирина")
        db.session.add(stranger)
        db.session.commit()
        pk = stranger.id
        db.session.remove()
    assert hr.get(f"/stafffileview/show/{pk}").status_code == 404
    assert hr.get(f"/stafffileview/card/{pk}").status_code == 404
    assert "Чужакова" not in hr.get("/stafffileview/list/?psize_StaffFileView=500").get_data(as_text=True)
    post_order(hr, employee=pk, kind="dismissal", date="30.06.2026", reason="по собственному желанию")
    assert orders_of(app, pk) == []
