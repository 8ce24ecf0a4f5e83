"""In a real browser the demo secretary enrols a new student by order, withdraws
another, transfers a third, prints an order and the movement book, and the
head-counts agree; she backdates an enrolment, and the order and the membership
carry the date she typed (on a copy of the demo school: orders change it for good)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Enrolment, MovementOrder, SchoolClass, SchoolYear, Student
from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in
from tests.conftest import school_today


@pytest.fixture(scope="module")
def copy_server(copy_app):
    server = make_server("127.0.0.1", 0, copy_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _classes(app) -> dict:
    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        found = {c.name: c.id for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))}
        db.session.remove()
    return found


def _total(page, server, day: str) -> int:
    page.goto(f"{server}/movementbook/headcount?date={day}")
    return int(page.inner_text("#headcount-total"))


def _submit(page) -> str:
    page.click("#order-create")
    page.wait_for_load_state("networkidle")
    return page.inner_text("body")


def test_secretary_enrols_withdraws_and_transfers_and_the_counts_agree(page, copy_server, copy_app):
    classes = _classes(copy_app)
    with copy_app.app_context():
        year_start = db.session.scalar(select(SchoolYear.start_date).where(SchoolYear.is_current.is_(True)))
        db.session.remove()
    # the orders are of today; on the year's first day, of the next (nobody leaves on the day they arrived)
    day = max(school_today(), year_start + dt.timedelta(days=1))
    today = day.strftime("%d.%m.%Y")
    yesterday = (day - dt.timedelta(days=1)).strftime("%d.%m.%Y")  # the book counts orders after its first day
    log_in(page, copy_server, "secretary")
    before = _total(page, copy_server, today)

    # enrolment: a new card into 5А
    page.goto(f"{copy_server}/movementorderview/new?kind=enrolment&date={today}&class={classes['5А']}")
    page.fill("[name=new_last_name_0]", "Новикова")
    page.fill("[name=new_first_name_0]", "Варвара")
    page.fill("[name=reason]", "Заявление родителя")
    body = _submit(page)
    assert "создан и проведён" in body and "Новикова" in body
    order_url = page.url
    screenshot(page, "order_enrolment")
    pdf = page.request.get(order_url.replace("/show/", "/print/"))
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")

    # withdrawal: the first student of 5Б
    page.goto(f"{copy_server}/movementorderview/new?kind=withdrawal&date={today}&class={classes['5Б']}")
    page.locator("#order-candidates input[name=student]").first.check()
    page.fill("[name=reason]", "Переезд")
    page.fill("[name=destination]", "МБОУ СОШ № 7 г. Энска")
    assert "создан и проведён" in _submit(page)

    # transfer: the first student of 6А into 6Б
    page.goto(f"{copy_server}/movementorderview/new?kind=transfer&date={today}&class={classes['6А']}")
    page.locator("#order-candidates input[name=student]").first.check()
    page.select_option("#order-to-class", str(classes["6Б"]))
    assert "создан и проведён" in _submit(page)

    # one arrived, one left, one moved inside the school
    assert _total(page, copy_server, today) == before
    page.goto(f"{copy_server}/movementbook/?start={yesterday}&end={today}")
    book = page.inner_text("#book")
    assert "Новикова" in book
    screenshot(page, "movement_book")
    pdf = page.request.get(f"{copy_server}/movementbook/download/book.pdf?start={yesterday}&end={today}")
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")


def test_secretary_backdates_an_enrolment_and_the_order_and_the_membership_carry_the_typed_date(
        page, copy_server, copy_app):
    classes = _classes(copy_app)
    with copy_app.app_context():
        year_start = db.session.scalar(select(SchoolYear.start_date).where(SchoolYear.is_current.is_(True)))
        db.session.remove()
    backdated = max(year_start, school_today() - dt.timedelta(days=10))
    typed = backdated.strftime("%d.%m.%Y")
    log_in(page, copy_server, "secretary")
    page.goto(f"{copy_server}/movementorderview/new?kind=enrolment")
    page.select_option("#step-class", str(classes["5Б"]))
    page.fill("[name=new_last_name_0]", "Захарова")
    page.fill("[name=new_first_name_0]", "Полина")
    page.fill("[name=new_address_0]", "г. Энск, ул. Лесная, д. 3")
    page.fill("[name=new_g1_name_0]", "Захарова Ирина Олеговна")
    page.fill("[name=new_g1_phone_0]", "+7 900 555-44-33")
    page.fill("[name=reason]", "Заявление матери")
    # another date, then Enter in the field: the list is shown for it, nothing typed is lost
    page.fill("#step-date", typed)
    page.press("#step-date", "Enter")
    page.wait_for_load_state("networkidle")
    assert "создан" not in page.inner_text("body")
    assert page.input_value("#step-date") == typed and page.input_value("#step-class") == str(classes["5Б"])
    assert page.input_value("[name=new_last_name_0]") == "Захарова"
    assert page.input_value("[name=new_g1_name_0]") == "Захарова Ирина Олеговна"
    assert page.input_value("[name=reason]") == "Заявление матери"
    screenshot(page, "order_backdated_enrolment")
    body = _submit(page)
    assert "создан и проведён" in body and "Захарова Полина" in body
    assert typed in page.inner_text("#order-card")
    with copy_app.app_context():
        card = db.session.scalar(select(Student).where(Student.last_name == "Захарова", Student.first_name == "Полина"))
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.student_id == card.id))
        order = db.session.get(MovementOrder, enrolment.order_id)
        assert (order.date, enrolment.start_date, enrolment.class_id, card.arrival_date) == (
            backdated, backdated, classes["5Б"], backdated)
        assert card.address == "г. Энск, ул. Лесная, д. 3"
        assert [link.guardian.full_name for link in card.guardian_links] == ["Захарова Ирина Олеговна"]
        db.session.remove()
