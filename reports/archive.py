"""Stored print-outs: the summary sheets formed when a study period ends (act 001
§4.15) and the year-end archive (§4.18: by 1 July the year's final and summary
sheets are printed, and kept 75 years), a class at a time.

For each class the archive holds two PDFs: the final and summary sheets (a page
per study period and per final-mark column) and the printouts of the class's
journals, both drawn with platypus. Each document is stored with its SHA-256.
Drawing needs no database and no Flask (the words are translated while the class
is read): a pool of processes draws while the job's thread reads the next class.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import school_today
from app.journal import data
from app.rules.grading import is_marked_grade
from app.models import DocumentKind, SchoolYear, StoredDocument, StudyPeriod
from reports.class_documents import Words, sheet_document, sheet_words
from reports.classes import SummarySheet, sheet_columns, summary_sheet
from reports.journal_print import journal_labels, journal_prints, journals_pdf
from reports.pdf import format_date, page_count

log = logging.getLogger(__name__)



def checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store(session: Session, kind: DocumentKind, title: str, filename: str, content: bytes, pages: int, **fields) -> StoredDocument:
    """Keeps a printed PDF with its checksum."""
    document = StoredDocument(kind=kind, title=title, filename=filename, content=content, sha256=checksum(content),
                              size=len(content), pages=pages, **fields)
    session.add(document)
    return document


def verified(document: StoredDocument) -> bool:
    """Whether the stored bytes still match the checksum taken when they were printed."""
    return checksum(document.content) == document.sha256


# ---------------------------------------------------------------------------
# Summary sheets at the end of a period
# ---------------------------------------------------------------------------

def sheet_stamp(formed: dt.date, automatic: bool) -> str:
    text = gettext("Formed automatically at the end of the period on %(day)s.", day=format_date(formed)) if automatic \
        else gettext("Formed on %(day)s.", day=format_date(formed))
    return text


def form_sheet(session: Session, school_name: str, school_class: data.ClassRow, year_name: str, key: str,
               today: dt.date, automatic: bool, user_id: Optional[int] = None) -> StoredDocument:
    """Prints one summary sheet (a class, a column) and stores it."""
    from reports.classes import sheet_pdf

    sheet = summary_sheet(session, school_class, year_name, keys=[key])
    column = sheet.column(key)
    content = sheet_pdf(sheet, school_name, key, stamp=sheet_stamp(today, automatic))
    title = gettext("Summary sheet of class %(name)s: %(column)s", name=school_class.name, column=column.name)
    return store(session, DocumentKind.summary_sheet, title, f"summary-{school_class.id}-{key}.pdf", content,
                 page_count(content), year_id=school_class.year_id, class_id=school_class.id,
                 period_id=column.period.id if column.period else None, column_key=key, is_automatic=automatic,
                 created_by_id=user_id)


def due_sheets(session: Session, today: dt.date, school_id: int) -> list:
    """(class, period) pairs whose period has ended and whose automatic summary sheet is
    not formed yet, in the school's open years."""
    periods = session.execute(
        select(StudyPeriod).join(SchoolYear, StudyPeriod.year_id == SchoolYear.id)
        .where(StudyPeriod.school_id == school_id, StudyPeriod.end_date < today, SchoolYear.is_closed.is_(False))
    ).scalars().all()
    if not periods:
        return []
    formed = set(session.execute(
        select(StoredDocument.class_id, StoredDocument.period_id)
        .where(StoredDocument.school_id == school_id, StoredDocument.kind == DocumentKind.summary_sheet,
               StoredDocument.is_automatic.is_(True))
    ).tuples())
    due = []
    classes_by_year: dict = {}
    for period in periods:
        if period.period_type.is_year:
            continue
        classes = classes_by_year.setdefault(period.year_id, data.classes_of_year(session, period.year_id))
        for school_class in classes:
            if period.grade_from <= school_class.grade <= period.grade_to and is_marked_grade(school_class.grade) \
                    and (school_class.id, period.id) not in formed:
                due.append((school_class, period))
    return due


# ---------------------------------------------------------------------------
# The year-end archive
# ---------------------------------------------------------------------------

@dataclass
class SheetPrint:
    """A class's summary sheets, ready to draw without Flask."""

    sheet: SummarySheet
    columns: list             # SheetColumn, a page each for a usual class
    words: Words


@dataclass
class ClassPrint:
    """One class's archive, read from the database and ready to render."""

    school_class: data.ClassRow
    sheets: SheetPrint
    journals: list            # JournalPrint
    school_name: str
    footer: str
    labels: dict


def prepare_class(session: Session, school_name: str, year: SchoolYear, school_class: data.ClassRow) -> ClassPrint:
    """Everything one class's archive prints: the summary sheet of every column that
    holds a mark and the journal of every subject group for every study period."""
    sheet = summary_sheet(session, school_class, year.name)
    columns = sheet_columns(sheet)
    words = sheet_words(sheet, columns, school_name, format_date(school_today()),
                        gettext("Year-end archive of %(year)s.", year=year.name))
    periods = [p for p in data.periods_of_grade(session, school_class.year_id, school_class.grade) if not p.is_year]
    groups = data.groups_of_classes(session, [school_class.id])
    docs = journal_prints(session, groups, periods)
    journals = [doc for doc in (docs[(group.id, period.id)] for group in groups for period in periods) if doc.lessons]
    footer = gettext("Year-end archive %(year)s, class %(name)s", year=year.name, name=school_class.name)
    return ClassPrint(school_class, SheetPrint(sheet, columns, words), journals, school_name, footer, journal_labels())


def render_sheets(sheets: SheetPrint) -> tuple:
    """(PDF, pages) of a class's sheets; runs in a worker process."""
    return sheet_document(sheets.sheet, sheets.columns, sheets.words)


def render_journals(journals: list, school_name: str, footer: str, labels: dict) -> tuple:
    """(PDF, pages) of a class's journal printouts; runs in a worker process."""
    return journals_pdf(journals, school_name, footer, labels)


def archive_titles(school_class: data.ClassRow, year_name: str) -> dict:
    return {
        DocumentKind.archive_sheets: gettext("%(name)s: final and summary sheets, %(year)s", name=school_class.name,
                                             year=year_name),
        DocumentKind.archive_journals: gettext("%(name)s: journal printouts, %(year)s", name=school_class.name,
                                               year=year_name),
    }
