"""Printable login slips (реквизиты доступа) that the administrator cuts out and hands
out at the start of the year and on hiring (act 001 §4.2).

Drawn with platypus (reports/layout.py): a page of ten slips is one small table, and a
class's slips print in a few dozen milliseconds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, TypeVar
from xml.sax.saxutils import escape

from flask_babel import gettext

from reports import layout
from reports.pdf import registered_font

# Ten slips on an A4 page: 2 columns × 5 rows of about 95 × 55 mm.
SLIPS_PER_ROW = 2
ROWS_PER_PAGE = 5
SLIP_HEIGHT_MM = 54
MARGIN_CM = 1

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
    """Pages of rows of slips; the last row is padded with None (an empty slip)."""
    pages = []
    for page in _chunks(slips, SLIPS_PER_ROW * ROWS_PER_PAGE):
        rows = []
        for row in _chunks(page, SLIPS_PER_ROW):
            rows.append(row + [None] * (SLIPS_PER_ROW - len(row)))
        pages.append(rows)
    return pages


def _styles() -> dict:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    regular, bold = registered_font(False), registered_font(True)
    grey = colors.HexColor
    return {
        "school": ParagraphStyle("slip-school", fontName=regular, fontSize=7.5, leading=8.6, textColor=grey("#555555")),
        "person": ParagraphStyle("slip-person", fontName=bold, fontSize=11.5, leading=13.8, spaceBefore=2),
        "group": ParagraphStyle("slip-group", fontName=regular, fontSize=8.5, leading=10.5, textColor=grey("#333333"),
                                spaceAfter=3),
        "site": ParagraphStyle("slip-site", fontName=regular, fontSize=8.5, leading=10.5, spaceAfter=2),
        "login": ParagraphStyle("slip-login", fontName=regular, fontSize=11, leading=13, spaceAfter=2),
        "password": ParagraphStyle("slip-password", fontName=bold, fontSize=13, leading=15),
        "rules": ParagraphStyle("slip-rules", fontName=regular, fontSize=6.5, leading=7.8, textColor=grey("#222222"),
                                spaceBefore=3),
    }


def _label(text: str) -> str:
    return f'<font name="{registered_font(False)}" size="8" color="#444444">{escape(text)}:</font>'


def _slip(slip: Slip, school_name: str, site_url: str, words: dict, styles: dict, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    group = escape(slip.group) + (f" · {escape(slip.role)}" if slip.role else "")
    password = Table([[Paragraph(f"{_label(words['password'])} {escape(slip.password)}", styles["password"])]],
                     colWidths=[width])
    password.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8e8e8")),
                                  ("BOX", (0, 0), (-1, -1), 0.75, colors.HexColor("#777777")),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                                  ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return [
        Paragraph(escape(school_name), styles["school"]),
        Paragraph(escape(slip.full_name), styles["person"]),
        Paragraph(group, styles["group"]),
        Paragraph(f"{_label(words['site'])} {escape(site_url)}", styles["site"]),
        Paragraph(f"{_label(words['login'])} <b>{escape(slip.login)}</b>", styles["login"]),
        password,
        Paragraph(escape(words["rules"]), styles["rules"]),
    ]


def credential_slips_pdf(school_name: str, site_url: str, slips: list[Slip]) -> bytes:
    """The slips as a PDF, ten to an A4 page, with dashed cut lines."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm, mm
    from reportlab.platypus import PageBreak, Table, TableStyle

    words = {"site": gettext("Site address"), "login": gettext("Login name"), "password": gettext("Password"),
             "rules": gettext("Change the password at your first login. The login name and the password are your "
                              "personal access details: tell them to nobody. You answer for keeping them safe and "
                              "for what is done under your account.")}
    margins = (MARGIN_CM * cm,) * 4
    width = layout.frame_width("portrait", margins)
    column = width / SLIPS_PER_ROW
    padding = {"top": 4 * mm, "right": 5 * mm, "bottom": 3 * mm, "left": 5 * mm}
    inner = column - padding["left"] - padding["right"]
    styles = _styles()
    story: list = []
    for page in _pages(slips):
        if story:
            story.append(PageBreak())
        rows = [[_slip(s, school_name, site_url, words, styles, inner) if s else "" for s in row] for row in page]
        table = Table(rows, colWidths=[column] * SLIPS_PER_ROW, rowHeights=[SLIP_HEIGHT_MM * mm] * len(rows))
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.75, colors.HexColor("#888888"), None, (3, 2)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), padding["left"]), ("RIGHTPADDING", (0, 0), (-1, -1), padding["right"]),
            ("TOPPADDING", (0, 0), (-1, -1), padding["top"]), ("BOTTOMPADDING", (0, 0), (-1, -1), padding["bottom"]),
        ]))
        story.append(table)
    return layout.build(story, title=gettext("Login slips"), orientation="portrait", margins=margins)[0]
