"""The PDF foundation: Jinja templates rendered to HTML, then to PDF by xhtml2pdf, for
the documents whose layout is running text (orders, consent forms, personal cards);
the dense tables (slips, sheets, class reports, journal pages) are drawn directly by
reports/layout.py with the same fonts.

Every document embeds Roboto (from the `font-roboto` package) under a family name
of its own: xhtml2pdf's built-in fonts have no Cyrillic and print Russian letters
as black boxes. The font files are read only while a resource policy confined to
the font folder is active, so that user text in a template can never make the
renderer fetch a URL or read a local file.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

import flask_babel
import font_roboto
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.tables import CellStyle
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy, use_policy

from reports.formatting import format_date  # noqa: F401 (the reports import it from here)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
FONT_DIR = Path(font_roboto.__file__).resolve().parent / "files"
# A family name of our own, so that no CSS alias can fall back to Helvetica.
FONT_FAMILY = "PartaRoboto"
FONT_FILES = {
    ("normal", "normal"): "Roboto-Regular.ttf",
    ("bold", "normal"): "Roboto-Bold.ttf",
    ("normal", "italic"): "Roboto-Italic.ttf",
    ("bold", "italic"): "Roboto-BoldItalic.ttf",
}

# xhtml2pdf reports these as warnings, but each means the document's font did not
# load and every Cyrillic letter prints as a black box. A single character that
# Roboto lacks (in a user's name, say) stays a warning: one box beats no print-out.
_FONT_FAILURES = ("could not read", "cannot embed the font", "is known to this document")

_render_lock = threading.Lock()


class PdfError(RuntimeError):
    """xhtml2pdf could not render a document (or could not embed its font)."""


def font_faces() -> list[dict[str, str]]:
    """The @font-face declarations of base.html: one per weight and style."""
    faces = []
    for (weight, style), name in FONT_FILES.items():
        path = FONT_DIR / name
        if not path.is_file():
            raise PdfError(f"font file missing: {path}")
        # Markup: a path we chose, printed inside <style> where HTML escaping would break it.
        faces.append({"weight": weight, "style": style, "src": Markup(path.as_posix())})
    return faces


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` in the document font, for layouts that must
    decide line breaks themselves (xhtml2pdf breaks lines only at spaces)."""
    return pdfmetrics.stringWidth(text, registered_font(bold), size)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the report templates (autoescaped: they print user text)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(flask_babel.gettext, flask_babel.ngettext, newstyle=True)
    from reports.formatting import FILTERS

    env.filters.update(FILTERS)
    env.globals.update(font_family=FONT_FAMILY, font_faces=font_faces)
    return env


def render_html(template_name: str, **context) -> str:
    """The HTML handed to xhtml2pdf; useful on its own to debug a layout."""
    return environment().get_template(template_name).render(**context)


def render_pdf(template_name: str, **context) -> bytes:
    """Renders a template of reports/templates to PDF bytes.

    Call inside a Flask app context (the templates translate their labels).
    Raises PdfError when xhtml2pdf reports an error or could not embed the font.
    """
    return html_to_pdf(render_html(template_name, **context), template_name)


def html_to_pdf(html: str, name: str = "document") -> bytes:
    """xhtml2pdf over rendered HTML, under the font-folder policy; needs no Flask, so
    that a pool of processes can print a large job (the year-end archive)."""
    out = io.BytesIO()
    problems = _Problems()
    xhtml2pdf_log = logging.getLogger("xhtml2pdf")
    try:
        with drawing(), use_policy(_policy()):
            xhtml2pdf_log.addHandler(problems)
            try:
                status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
            finally:
                xhtml2pdf_log.removeHandler(problems)
    except Exception as exc:  # xhtml2pdf raises whatever its layers raise
        raise PdfError(f"{name}: {exc}") from exc
    # The context's own log is the fallback when someone raised the xhtml2pdf
    # logger's level (its messages are unformatted).
    messages = problems.messages or [msg for level, _line, msg, _frag in status.log if _is_fatal(level, msg)]
    if status.err or messages:
        raise PdfError(f"{name}: " + "; ".join(messages or ["xhtml2pdf reported errors"]))
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    """The number of pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _policy() -> ResourceAccessPolicy:
    """Local reads confined to the font folder, no network at all."""
    return ResourceAccessPolicy(allow_remote=False, base_dir=FONT_DIR)


# The faces ReportLab draws with directly (journal printouts, charts, text widths): a
# family of Parta's own, apart from the names xhtml2pdf registers for a document's
# @font-face, whose style mapping would otherwise turn a regular paragraph bold-italic.
RL_FAMILY = "PartaRL"


def registered_font(bold: bool = False) -> str:
    """The ReportLab name of Roboto (regular or bold), registered on first use."""
    names = {(w, s): f"{RL_FAMILY}-{w}-{s}" for w, s in FONT_FILES}
    if names[("normal", "normal")] not in pdfmetrics.getRegisteredFontNames():
        from reportlab.pdfbase.pdfmetrics import registerFontFamily

        for (weight, style), name in names.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / FONT_FILES[(weight, style)])))
        registerFontFamily(RL_FAMILY, normal=names[("normal", "normal")], bold=names[("bold", "normal")],
                           italic=names[("normal", "italic")], boldItalic=names[("bold", "italic")])
    return names[("bold" if bold else "normal", "normal")]


@contextmanager
def drawing() -> Iterator[None]:
    """One document drawn at a time in a process (ReportLab's defaults are global),
    with Roboto as ReportLab's base font."""
    with _render_lock, roboto_defaults():
        yield


@contextmanager
def roboto_defaults() -> Iterator[None]:
    """ReportLab selects its base font, Helvetica, at the start of every page and of
    every table cell, so the PDF listed a non-embedded Helvetica though nothing is
    drawn with it (archival validators reject that). Name Roboto instead, for the
    duration of our render only."""
    from reportlab.graphics.shapes import STATE_DEFAULTS  # drawings (charts) start with it too

    roboto = registered_font()
    previous = rl_config.canvas_basefontname, CellStyle.fontname, STATE_DEFAULTS["fontName"]
    rl_config.canvas_basefontname = CellStyle.fontname = STATE_DEFAULTS["fontName"] = roboto
    try:
        yield
    finally:
        rl_config.canvas_basefontname, CellStyle.fontname, STATE_DEFAULTS["fontName"] = previous


def _is_fatal(level: str, message: str) -> bool:
    message = message.lower()
    return level == "error" or any(failure in message for failure in _FONT_FAILURES)


class _Problems(logging.Handler):
    """Collects what xhtml2pdf logs during a render that makes the PDF unusable."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        level = "error" if record.levelno >= logging.ERROR else "warning"
        if _is_fatal(level, message) and message not in self.messages:
            self.messages.append(message)
