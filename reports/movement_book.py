"""The movement book, the alphabetical book and the head-count, printed (PDF, A4) and
as spreadsheets (XLSX), from the figures of app/movement/book.py. The screen, the
PDF and the spreadsheet show the same counts: they are made from the same objects."""
from __future__ import annotations

import datetime as dt
from typing import Iterator, Sequence, TypeVar

from flask_babel import gettext

from app.clock import school_today
from app.movement.book import Book, Headcount, Move, letters
from reports.pdf import format_date, render_pdf
from reports.xlsx import finish, new_workbook, title_rows

# Rows per table (xhtml2pdf slows down sharply on long tables).
CLASSES_PER_TABLE = 30  # one table for a usual school, split with a repeated header beyond
STUDENTS_PER_TABLE = 30

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def move_text(move: Move, arrival: bool) -> str:
    """«Иванов Иван Иванович, № П-1 от 12.10.2026, из 5Б»: the date is the order's,
    printed apart only when they differ (or there is no order)."""
    parts = [move.name]
    if move.order is None or move.order.date != move.date:
        parts.append(format_date(move.date))
    if move.order is not None:
        parts.append(str(move.order))
    if move.other_class:
        parts.append(gettext("from %(name)s", name=move.other_class) if arrival
                     else gettext("to %(name)s", name=move.other_class))
    elif not arrival and move.order is not None and move.order.destination:
        parts.append(move.order.destination)
    return ", ".join(parts)


def book_pdf(school_name: str, book: Book) -> bytes:
    return render_pdf("movement_book.html", school_name=school_name, book=book,
                      tables=list(_chunks(book.classes, CLASSES_PER_TABLE)) or [[]], move_text=move_text,
                      printed_on=format_date(school_today()))


def alphabet_pdf(school_name: str, lines: list) -> bytes:
    groups = [(letter, list(_chunks(group, STUDENTS_PER_TABLE))) for letter, group in letters(lines)]
    return render_pdf("movement_book_alphabet.html", school_name=school_name, groups=groups,
                      count=len(lines), printed_on=format_date(school_today()))


def headcount_pdf(school_name: str, headcount: Headcount) -> bytes:
    return render_pdf("movement_book_headcount.html", school_name=school_name, headcount=headcount,
                      printed_on=format_date(school_today()))


# --- Spreadsheets -------------------------------------------------------------------

def book_xlsx(school_name: str, book: Book) -> bytes:
    """Sheet 1: a row per class and the school's total row; sheet 2: every arrival and
    departure with the order."""
    workbook, sheet = new_workbook()
    sheet.title = gettext("Movement book")[:31]
    title_rows(sheet, gettext("%(school)s: movement of students from %(start)s to %(end)s", school=school_name,
                          start=format_date(book.start), end=format_date(book.end)))
    sheet.append([gettext("Class"), gettext("At the start"), gettext("Arrived"), gettext("Left"), gettext("At the end"),
                  gettext("Who arrived"), gettext("Who left")])
    for page in book.classes:
        sheet.append([page.name, page.start_count, len(page.arrived), len(page.left), page.end_count,
                      "\n".join(move_text(m, True) for m in page.arrived),
                      "\n".join(move_text(m, False) for m in page.left)])
    school = book.school
    sheet.append([gettext("School total"), school.start_count, len(school.arrived), len(school.left), school.end_count,
                  "\n".join(move_text(m, True) for m in school.arrived),
                  "\n".join(move_text(m, False) for m in school.left)])
    details = workbook.create_sheet(gettext("Arrivals and departures")[:31])
    details.append([gettext("Class"), gettext("Movement"), gettext("Date"), gettext("Student"),
                    gettext("Personal file"), gettext("Order"), gettext("From / to")])
    for page in book.classes:
        for move in page.arrived:
            details.append([page.name, gettext("arrived"), move.date, move.name, move.student.personal_file_no,
                            str(move.order) if move.order else "", move.other_class])
        for move in page.left:
            details.append([page.name, gettext("left"), move.date, move.name, move.student.personal_file_no,
                            str(move.order) if move.order else "",
                            move.other_class or (move.order.destination if move.order and move.order.destination else "")])
    for row in details.iter_rows(min_row=2, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "DD.MM.YYYY"
    return finish(workbook, {
        sheet.title: {"header_row": 3, "widths": {"A": 14, "B": 12, "C": 10, "D": 10, "E": 12, "F": 60, "G": 60}},
        details.title: {"widths": {"A": 8, "B": 10, "C": 12, "D": 36, "E": 14, "F": 26, "G": 30}},
    })


def alphabet_xlsx(school_name: str, lines: list) -> bytes:
    workbook, sheet = new_workbook()
    sheet.title = gettext("Alphabetical book")[:31]
    title_rows(sheet, gettext("%(school)s: alphabetical book of students", school=school_name))
    sheet.append([gettext("Personal file"), gettext("Student"), gettext("Date of birth"), gettext("Arrival date"),
                  gettext("Enrolment orders"), gettext("Class"), gettext("Departure date"), gettext("Withdrawal orders"),
                  gettext("Destination")])
    for line in lines:
        sheet.append([line.student.personal_file_no, line.student.full_name, line.student.birth_date, line.arrival,
                      "; ".join(line.arrival_orders), line.last_class, line.leave, "; ".join(line.leave_orders),
                      line.destination])
    for row in sheet.iter_rows(min_row=4):
        for index in (2, 3, 6):
            row[index].number_format = "DD.MM.YYYY"
    return finish(workbook, {sheet.title: {"header_row": 3, "widths": {
        "A": 14, "B": 36, "C": 14, "D": 14, "E": 30, "F": 8, "G": 14, "H": 30, "I": 40}}})


def headcount_xlsx(school_name: str, headcount: Headcount) -> bytes:
    workbook, sheet = new_workbook()
    sheet.title = gettext("Head-count")[:31]
    title_rows(sheet, gettext("%(school)s: students on %(date)s", school=school_name, date=format_date(headcount.day)))
    sheet.append([gettext("Class"), gettext("Students")])
    for _id, name, _grade, count in headcount.classes:
        sheet.append([name, count])
    sheet.append([])
    sheet.append([gettext("Grade"), gettext("Students")])
    for grade, count in headcount.grades:
        sheet.append([grade, count])
    sheet.append([gettext("School total"), headcount.total])
    return finish(workbook, {sheet.title: {"header_row": 3, "widths": {"A": 16, "B": 12}}})
