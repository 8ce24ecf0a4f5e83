"""Every printed report keeps its text inside the table cells: no header running into the
next column («04.12Пропущено»), none touching a rule («Средневзвешенный»). The PDFs are
downloaded from the demo school as its users print them, on a full page of data, and
read back with pdfplumber: each word's box against the rectangles of the drawn table."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, MovementOrder, SchoolClass, SchoolYear, SubjectGroup
from app.security.scoping import as_school
from reports.credentials import Slip, credential_slips_pdf
from app.journal import data
from tests.conftest import login

from .helpers import words_outside_cells
from .test_staff_card import FULL, SCHOOL

# A full page of days: the 22 school days the attendance prints on one page (in the demo's
# year, 05.11–04.12), within the weeks the demo has filled.
DAYS = "start={days_start}&end={days_end}"

REPORTS = {
    "student progress": "/reports/student/download.pdf?class={cls}&student={student}&start={year_start}&end={days_end}",
    "parents' letter": "/reports/letter/download.pdf?class={cls}&student={student}",
    "average dynamics": "/reports/dynamics/download.pdf?class={cls}&student={student}",
    "class results": "/reports/class-results/download.pdf?class={cls}",
    "summary sheet": "/reports/summary-sheet/download.pdf?class={cls}",
    "class attendance by days": "/reports/class-attendance/download.pdf?class={cls}&" + DAYS,
    "class attendance by subjects": "/reports/class-attendance/download.pdf?class={cls}&mode=subjects&" + DAYS,
    "journal printout": "/reports/journal-print/download.pdf?class={cls}&group={group}",
    "journal control": "/reports/journal-control/download.pdf",
    "school results": "/reports/school-results/download.pdf",
    "movement book": "/movementbook/download/book.pdf?start={year_start}&end={days_end}",
    "alphabetical book": "/movementbook/download/alphabet.pdf?letter=К",
    "head-count": "/movementbook/download/headcount.pdf?date={days_end}",
    "order": "/movementorderview/print/{order}",
    "consent form": "/studentview/consent/{student}",
    "blank consent form": "/studentview/consent/blank",
    "rights of roles": "/rolematrix/pdf",
    "staff card": "/stafffileview/card/{employee}",
}


@pytest.fixture(scope="module")
def admin(app):
    return login(app.test_client(), "admin")


@pytest.fixture(scope="module")
def ids(app):
    from app.models import School

    with app.app_context():
        school = db.session.scalar(select(School.id).order_by(School.id))
        with as_school(school):
            school_class = db.session.scalar(select(SchoolClass).where(SchoolClass.grade == 5, SchoolClass.letter == "А")
                                          .order_by(SchoolClass.year_id.desc()).limit(1))
            year = db.session.get(SchoolYear, school_class.year_id)
            student = data.class_students(db.session, school_class.id, year.start_date, year.end_date)[0].id
            days_start = year.start_date + dt.timedelta(days=65)
            found = {
                "cls": school_class.id, "student": student,
                "group": db.session.scalar(select(SubjectGroup.id).where(SubjectGroup.class_id == school_class.id)
                                           .order_by(SubjectGroup.id)),
                "order": db.session.scalar(select(MovementOrder.id).order_by(MovementOrder.id)),
                "employee": db.session.scalar(select(Employee.id).order_by(Employee.id)),
                "year_start": f"{year.start_date:%d.%m.%Y}", "days_start": f"{days_start:%d.%m.%Y}",
                "days_end": f"{days_start + dt.timedelta(days=29):%d.%m.%Y}",
            }
        db.session.remove()
    return found


@pytest.mark.parametrize("report", REPORTS)
def test_every_word_of_a_printed_report_stays_inside_its_cell(admin, ids, report):
    response = admin.get(REPORTS[report].format(**ids))
    assert response.status_code == 200 and response.mimetype == "application/pdf", report
    assert words_outside_cells(response.data) == []


def test_login_slips_and_a_full_staff_card_keep_their_words_inside_the_cells(pdf_ctx):
    from reports.staff_card import staff_card_pdf

    slips = [Slip("Константинопольская Александра-Виктория Вячеславовна", "10А", "Ученик", "k.aleksandra", "Zq7-pw4")]
    assert words_outside_cells(credential_slips_pdf(SCHOOL, "https://school.example.ru/", slips)) == []
    assert words_outside_cells(staff_card_pdf(SCHOOL, FULL, "23.11.2026")) == []


def test_a_name_ending_with_initials_ends_its_sentence_with_one_full_stop():
    from reports.formatting import single_stops

    assert single_stops("Классный руководитель: Калинина О. М..") == "Классный руководитель: Калинина О. М."
    assert single_stops("Учитель: Трофимова В. А.. Период: 2 четверть.") == "Учитель: Трофимова В. А. Период: 2 четверть."
    assert single_stops("Итак... продолжение") == "Итак... продолжение"
