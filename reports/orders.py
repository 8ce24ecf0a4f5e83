"""The printed movement order (приказ) on enrolment, withdrawal or transfer of
students: the school, number and date, the wording of its kind, the list of
students and the director's signature line, on A4 (act 002: the secretary creates
the orders; the director signs them)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence, TypeVar

from app.models import OrderKind
from reports.pdf import render_pdf

# Students per table: xhtml2pdf slows down sharply on long tables.
ROWS_PER_TABLE = 35

T = TypeVar("T")


@dataclass(frozen=True)
class OrderLine:
    full_name: str
    birth_date: Optional[dt.date]
    personal_file_no: str
    from_class: str = ""
    to_class: str = ""


@dataclass
class OrderDocument:
    number: str
    date: dt.date
    kind: str  # an OrderKind name
    reason: Optional[str]
    destination: Optional[str]
    lines: list = field(default_factory=list)
    cancelled_on: Optional[dt.date] = None
    cancelled_reason: Optional[str] = None


def document_of(order) -> OrderDocument:
    """What the printed order shows of a MovementOrder and its students."""
    lines = [OrderLine(item.student.full_name, item.student.birth_date, item.student.personal_file_no,
                       item.from_class.name if item.from_class else "", item.to_class.name if item.to_class else "")
             for item in order.items]
    lines.sort(key=lambda line: (line.to_class or line.from_class, line.full_name))
    return OrderDocument(order.number, order.date, OrderKind(order.kind).name, order.reason, order.destination, lines,
                         order.cancelled_at.date() if order.is_cancelled and order.cancelled_at else None,
                         order.cancelled_reason if order.is_cancelled else None)


def _chunks(items: Sequence[T], size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def order_pdf(school_name: str, director: Optional[str], document: OrderDocument) -> bytes:
    """The order as a PDF on A4 portrait."""
    numbered = list(enumerate(document.lines, start=1))
    return render_pdf("orders.html", school_name=school_name, director=director or "", order=document,
                      tables=list(_chunks(numbered, ROWS_PER_TABLE)) or [[]],
                      classes=sorted({l.to_class for l in document.lines if l.to_class}))
