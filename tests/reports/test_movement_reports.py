"""Printed orders and the movement book: Cyrillic names in the PDFs (Roboto embedded,
no black boxes), and spreadsheets that hold the same counts as the screen."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import MovementOrder, OrderKind, School
from reports.orders import OrderDocument, OrderLine, order_pdf
from tests.conftest import login
from tests.demo_orders import autumn_orders  # noqa: F401 (fixture)

from .helpers import assert_roboto_only, chars_without_glyph, flat, text

RANGE = "start=01.09.2026&end=22.11.2026"


@pytest.fixture()
def secretary(client):
    return login(client, "secretary")


def _demo_order(app, orders: dict, kind: OrderKind):
    with app.app_context():
        order = db.session.get(MovementOrder, orders[kind])
        school = db.session.get(School, order.school_id)
        found = (order.id, order.number, [i.student.full_name for i in order.items], school.full_name, school.director)
        db.session.remove()
    return found


def test_the_printed_order_names_the_school_the_students_and_the_director(app, secretary, autumn_orders):
    order_id, number, names, school, director = _demo_order(app, autumn_orders, OrderKind.withdrawal)
    response = secretary.get(f"/movementorderview/print/{order_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    body = flat(text(response.data))
    assert "ПРИКАЗ" in body and f"№ {number}" in body
    for name in names:
        assert name in body
    assert flat(school)[:40] in body and (director or "") in body
    assert "Директор" in body and "выбыти" in body
    assert_roboto_only(response.data)


def test_a_cancelled_order_prints_its_cancellation_and_a_transfer_both_classes(pdf_ctx):
    document = OrderDocument("П-3", dt.date(2026, 11, 2), "transfer", "Заявление родителей", None,
                             [OrderLine("Ёлкина Юлия Эдуардовна", dt.date(2015, 2, 3), "Ё-0001", "5А", "5Б")],
                             cancelled_on=dt.date(2026, 11, 3), cancelled_reason="Ошибка в дате")
    body = flat(text(order_pdf("МБОУ СОШ № 1 г. Крымска", "Волкова Н. М.", document)))
    assert "ПРИКАЗ ОТМЕНЁН 03.11.2026: Ошибка в дате" in body
    assert "О переводе обучающихся" in body and "Ёлкина Юлия Эдуардовна" in body
    assert "5А" in body and "5Б" in body and "Волкова Н. М." in body
    assert not chars_without_glyph(document.lines[0].full_name)


def _screen_rows(html: str) -> dict:
    """{class name or «total»: (start, arrived, left, end)} read from the book's table."""
    rows = {}
    for row in re.findall(r"<tr class=\"(?:book-class|info total)\".*?</tr>", html, re.S):
        name = "total" if "info total" in row else re.search(r"<th>(.*?)</th>", row).group(1)
        counts = [int(re.search(rf'class="{c} text-center">(?:<strong>)?(\d+)', row).group(1))
                  for c in ("start", "arrived", "left", "end")]
        rows[name] = tuple(counts)
    return rows


def test_the_movement_book_spreadsheet_holds_the_counts_of_the_screen(app, secretary):
    screen = _screen_rows(secretary.get(f"/movementbook/?{RANGE}").get_data(as_text=True))
    assert len(screen) > 20 and screen["total"][0] > 400
    response = secretary.get(f"/movementbook/download/book.xlsx?{RANGE}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = {}
    for name, *counts in sheet.iter_rows(min_row=4, max_col=5, values_only=True):
        rows["total" if name == sheet.cell(sheet.max_row, 1).value else name] = tuple(counts)
    assert rows == screen
    start, arrived, left, end = screen["total"]
    assert end == start + arrived - left
    details = load_workbook(io.BytesIO(response.data)).worksheets[1]
    assert details.max_row - 1 == sum(a + l for name, (_, a, l, _) in screen.items() if name != "total")


def test_the_movement_book_prints_with_the_names_of_who_arrived_and_left(app, secretary, autumn_orders):
    _, number, names, _, _ = _demo_order(app, autumn_orders, OrderKind.enrolment)
    response = secretary.get(f"/movementbook/download/book.pdf?{RANGE}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = flat(text(response.data))
    for name in names:
        assert name in body
    assert number in body and "01.09.2026" in body and "22.11.2026" in body
    assert_roboto_only(response.data)


def test_the_alphabetical_book_prints_and_exports_the_students_of_the_screen(app, secretary):
    html = secretary.get("/movementbook/alphabet?letter=К").get_data(as_text=True)
    names = re.findall(r'<tr data-student="\d+">\s*<td>(.*?)</td>\s*<td><a [^>]*>(.*?)</a>', html)
    assert names and all(name.startswith("К") for _, name in names)
    pdf = secretary.get("/movementbook/download/alphabet.pdf?letter=К")
    body = flat(text(pdf.data))
    for number, name in names:
        assert name in body and number in body
    sheet = load_workbook(io.BytesIO(secretary.get("/movementbook/download/alphabet.xlsx?letter=К").data)).active
    assert [(r[0], r[1]) for r in sheet.iter_rows(min_row=4, max_col=2, values_only=True)] == names


def test_the_alphabetical_book_shows_the_withdrawal_order_and_the_destination(app, secretary, autumn_orders):
    from app.clock import school_today

    order_id, number, names, _, _ = _demo_order(app, autumn_orders, OrderKind.withdrawal)
    with app.app_context():
        left_on = db.session.get(MovementOrder, order_id).date
        db.session.remove()
    if left_on > school_today():
        pytest.skip(f"on {school_today():%d.%m.%Y}, the first day of the school year, nobody has left the school yet")
    html = secretary.get("/movementbook/alphabet", query_string={"name": names[0], "status": "left"}).get_data(as_text=True)
    assert names[0] in html and number in html and "смена места жительства" in html


def test_the_head_count_prints_and_exports_what_the_screen_shows(app, secretary):
    html = secretary.get("/movementbook/headcount?date=22.11.2026").get_data(as_text=True)
    total = int(re.search(r'id="headcount-total">(\d+)<', html).group(1))
    classes = re.findall(r'<tr data-class="\d+"><td>(.*?)</td><td class="count">(\d+)</td>', html)
    assert sum(int(n) for _, n in classes) == total
    sheet = load_workbook(io.BytesIO(secretary.get("/movementbook/download/headcount.xlsx?date=22.11.2026").data)).active
    values = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(name, int(n)) for name, n in classes] == [tuple(v) for v in values[:len(classes)]]
    assert values[-1][1] == total
    body = flat(text(secretary.get("/movementbook/download/headcount.pdf?date=22.11.2026").data))
    assert "22.11.2026" in body and str(total) in body


def test_a_report_that_does_not_exist_is_not_found(secretary):
    assert secretary.get("/movementbook/download/book.docx").status_code == 404
    assert secretary.get("/movementbook/download/secrets.pdf").status_code == 404
