"""The personal card of an employee (личная карточка работника) from the staff
personal file: general data, positions, education, qualification categories,
courses and staff orders, on A4 portrait with signature lines, to print and file."""
from __future__ import annotations

from dataclasses import dataclass, field

from reports.pdf import render_pdf


@dataclass(frozen=True)
class StaffCard:
    """The card's texts, already formatted (dates as ДД.ММ.ГГГГ). Each list holds
    one dict per table row, with the keys the template's columns name."""

    full_name: str
    birth_date: str = ""
    gender: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    hire_date: str = ""
    leave_date: str = ""
    # (label, text) rows of the personal data (Т-2: СНИЛС, ИНН, passport, addresses,
    # marital status, family); empty for a reader who may not see them
    personal: list = field(default_factory=list)
    # position, rate, start, end
    positions: list = field(default_factory=list)
    # level, institution, year, specialty, qualification, diploma
    education: list = field(default_factory=list)
    # category, position, assigned_on, order_number, valid_until
    attestations: list = field(default_factory=list)
    # «срок истекает» / «срок истёк» of the current category, or ""
    category_warning: str = ""
    # program, organisation, hours, start, end, certificate
    courses: list = field(default_factory=list)
    # number, date, kind, position, rate, reason
    orders: list = field(default_factory=list)


def staff_card_pdf(school_name: str, card: StaffCard, printed_on: str) -> bytes:
    """The card as a PDF (one employee: a page or two, small tables)."""
    return render_pdf("staff_card.html", school_name=school_name, card=card, printed_on=printed_on)
