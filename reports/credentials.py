"""Printable login slips (реквизиты доступа) that the administrator cuts out and hands
out at the start of the year and on hiring (act 001 §4.2)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, TypeVar

from reports.pdf import render_pdf

# Ten slips on an A4 page: 2 columns × 5 rows of about 95 × 55 mm.
SLIPS_PER_ROW = 2
ROWS_PER_PAGE = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Slip:
    """One person's credentials; `group` is the class ("5А") or e.g. "Сотрудники"."""

    full_name: str
    group: str
    role: str
    login: str
    password: str


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _pages(slips: Sequence[Slip]) -> list[list[list[Optional[Slip]]]]:
    """Pages of rows of slips; the last row is padded with None so that every row
    is one small table of the same shape (xhtml2pdf is slow on big tables)."""
    pages = []
    for page in _chunks(slips, SLIPS_PER_ROW * ROWS_PER_PAGE):
        rows = []
        for row in _chunks(page, SLIPS_PER_ROW):
            rows.append(row + [None] * (SLIPS_PER_ROW - len(row)))
        pages.append(rows)
    return pages


def credential_slips_pdf(school_name: str, site_url: str, slips: list[Slip]) -> bytes:
    """The slips as a PDF, ten to an A4 page, with cut lines."""
    return render_pdf(
        "credential_slips.html",
        school_name=school_name,
        site_url=site_url,
        pages=_pages(slips),
    )
