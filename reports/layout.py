"""Documents drawn with ReportLab's platypus directly: the shared fonts, styles, ruled
tables and page frame of the dense tabular printouts (login slips, the summary sheet,
the class's results and attendance, the journal printout).

xhtml2pdf lays out a dense A4 table in about 0.6 s where platypus draws the same in
about 0.05 s, so a document that is a grid of figures is drawn here; a document whose
layout is running text (an order, a consent form) stays an HTML template (reports/pdf.py).
The look follows the templates' base.html: Roboto (Cyrillic), ruled grids with a grey
header, the school · title · date · page line at the foot of every page.

Nothing here needs Flask: the caller translates the words, so that the archive's pool
of processes draws the same documents.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from reports.pdf import drawing, registered_font

RULE = colors.HexColor("#444444")
HEADER_FILL = colors.HexColor("#e6e6e6")
ODD_FILL = colors.HexColor("#f5f5f5")
TOTAL_FILL = colors.HexColor("#eeeeee")
WARN = colors.HexColor("#b00000")
WHOLE_DAY_FILL = colors.HexColor("#f3d6d6")
MUTED = colors.HexColor("#555555")

# report_base.html's page: margins top, right, bottom, left
MARGINS = (1.2 * cm, 1 * cm, 1.6 * cm, 1.5 * cm)


@lru_cache(maxsize=None)
def style(name: str) -> ParagraphStyle:
    """The paragraph styles every drawn document shares (base.html's sizes)."""
    regular, bold = registered_font(False), registered_font(True)
    styles = {
        "title": dict(fontName=bold, fontSize=13, leading=16, alignment=TA_CENTER, spaceAfter=4),
        # a page's own heading over a full-width table (the journal printout's spreads)
        "page-title": dict(fontName=bold, fontSize=11, leading=14, spaceAfter=4),
        "page-meta": dict(fontName=regular, fontSize=8.5, leading=11, spaceAfter=4),
        "meta": dict(fontName=regular, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333"), spaceBefore=4,
                     spaceAfter=5),
        "meta-center": dict(fontName=regular, fontSize=8.5, leading=11, alignment=TA_CENTER,
                            textColor=colors.HexColor("#333333"), spaceAfter=5),
        "section": dict(fontName=bold, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3),
        "text": dict(fontName=regular, fontSize=10, leading=13, spaceAfter=3),
        "cell": dict(fontName=regular, fontSize=8, leading=9.5),
        "cell-bold": dict(fontName=bold, fontSize=8, leading=9.5),
        "head": dict(fontName=bold, fontSize=7.5, leading=9, alignment=TA_CENTER),
        "head-small": dict(fontName=bold, fontSize=6.5, leading=7.8, alignment=TA_CENTER),
        "signature": dict(fontName=regular, fontSize=9, leading=11, spaceBefore=14),
    }
    return ParagraphStyle(name, **{"alignment": TA_LEFT, **styles[name]})


def para(text: object, style_name: str = "cell") -> Paragraph:
    """User text as a paragraph (escaped: a name may hold «<» or «&»)."""
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style(style_name))


def bold_para(text: object, style_name: str = "cell-bold") -> Paragraph:
    return para(text, style_name)


def labelled(label: str, text: str, style_name: str = "text") -> Paragraph:
    """«<b>label:</b> text», both escaped."""
    return Paragraph(f"<b>{escape(label)}:</b> {escape(text)}", style(style_name))


@dataclass
class Grid:
    """A ruled table: header rows (repeated on every page), body rows, widths in points.
    Cells are strings (one line, no wrap: figures) or paragraphs (names, headers)."""

    rows: list
    widths: Sequence[float]
    header_rows: int = 1
    small_header: bool = False
    padding: tuple = (3, 3, 2, 1.5)     # left, right, top, bottom
    font_size: float = 8
    striped: bool = True
    center_from: Optional[int] = 0      # columns from this one are centered (None: none)
    ruled: bool = True
    extra: Iterable = ()                # more TableStyle commands

    def table(self) -> Table:
        left, right, top, bottom = self.padding
        regular, bold = registered_font(False), registered_font(True)
        commands = [
            ("FONT", (0, 0), (-1, -1), regular, self.font_size),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), left),
            ("RIGHTPADDING", (0, 0), (-1, -1), right),
            ("TOPPADDING", (0, 0), (-1, -1), top),
            ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
        ]
        if self.ruled:
            commands.append(("GRID", (0, 0), (-1, -1), 0.5, RULE))
        if self.header_rows:
            last = self.header_rows - 1
            commands += [("FONT", (0, 0), (-1, last), bold, 6.5 if self.small_header else 7.5),
                         ("BACKGROUND", (0, 0), (-1, last), HEADER_FILL), ("ALIGN", (0, 0), (-1, last), "CENTER")]
        if self.center_from is not None and self.center_from < len(self.widths):
            commands.append(("ALIGN", (self.center_from, self.header_rows), (-1, -1), "CENTER"))
        if self.striped:
            for index in range(self.header_rows + 1, len(self.rows), 2):
                commands.append(("BACKGROUND", (0, index), (-1, index), ODD_FILL))
        commands += list(self.extra)
        table = Table(self.rows, colWidths=list(self.widths), repeatRows=self.header_rows)
        table.setStyle(TableStyle(commands))
        return table


def total_row(table_rows: list, index: int) -> list:
    """TableStyle commands of a total row: shaded, bold."""
    return [("BACKGROUND", (0, index), (-1, index), TOTAL_FILL),
            ("FONT", (0, index), (-1, index), registered_font(True), 8)]


def shares(total: float, percents: Sequence[Optional[float]]) -> list:
    """Column widths from percentages of the width; the columns given None share the rest."""
    fixed = sum(p for p in percents if p is not None)
    free = [p for p in percents if p is None]
    rest = max(0.0, 100.0 - fixed) / len(free) if free else 0.0
    return [total * (p if p is not None else rest) / 100.0 for p in percents]


def page_size(orientation: str = "portrait"):
    return landscape(A4) if orientation == "landscape" else A4


def frame_width(orientation: str = "portrait", margins: tuple = MARGINS) -> float:
    return page_size(orientation)[0] - margins[1] - margins[3]


class _CountingCanvas(Canvas):
    """Holds the pages back until the end, so that each foot can say «page N of M»."""

    def __init__(self, *args, foot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list = []
        self._foot = foot

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._foot:
                self._foot(self, self._pageNumber, count)
            super().showPage()
        super().save()


def build(story: list, *, title: str, orientation: str = "portrait", margins: tuple = MARGINS,
          foot: Optional[str] = None, page_label: str = "%(number)s / %(count)s", foot_y: float = 0.8 * cm) -> tuple:
    """Draws the flowables on A4 pages; each page's foot reads «foot · page N of M» in
    small grey type at the right (none without `foot`). Returns (PDF bytes, pages)."""
    while story and isinstance(story[-1], PageBreak):
        story.pop()
    out = io.BytesIO()
    size = page_size(orientation)
    top, right, bottom, left = margins
    document = SimpleDocTemplate(out, pagesize=size, leftMargin=left, rightMargin=right, topMargin=top,
                                 bottomMargin=bottom, title=title, author="Парта")
    regular = registered_font(False)

    def write_foot(canvas, number: int, count: int) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(MUTED)
        text = page_label % {"number": number, "count": count}
        canvas.drawRightString(size[0] - right, foot_y, f"{foot} · {text}" if foot else text)
        canvas.restoreState()

    def canvasmaker(*args, **kwargs):
        return _CountingCanvas(*args, foot=write_foot if foot is not None else None, **kwargs)

    with drawing():  # Roboto as the base font: no Helvetica named on the pages (archival validators reject it)
        document.build(story or [para("")], canvasmaker=canvasmaker)
    return out.getvalue(), document.page


def warm_up() -> None:
    """Loads what the first drawn document would otherwise load on a user's click: the
    Roboto faces and ReportLab's table and paragraph code."""
    story = [para("Парта", "title"), Grid([[para("№", "head"), "Ученик"], ["1", "Иванов И. И."]], [40, 200]).table()]
    for name in ("title", "page-title", "page-meta", "meta", "meta-center", "section", "text", "cell", "cell-bold",
                 "head", "head-small", "signature"):
        style(name)
    build(story, title="warm-up", foot="warm-up")
