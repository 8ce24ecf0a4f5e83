"""The role × right matrix on A4 landscape, for the administrator to check and file
what each role may do (act 002: the coordinator and the administrator manage rights).

xhtml2pdf neither rotates text nor hyphenates, and breaks lines only at spaces, so
the narrow role headers are broken into lines here, with Russian hyphenation, and
the rows are split into page-sized tables here too (big tables are slow).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from app.clock import school_today
from reports.pdf import format_date, render_pdf, text_width

MM = 72 / 25.4  # points per millimetre

# A4 landscape minus 1 cm margins, in points.
USABLE_WIDTH = (297 - 20) * MM
# The body frame's height minus the heading and the legend above each table.
TABLE_HEIGHT = (210 - 12 - 15 - 14) * MM

CELL_PADDING = 2.5  # points, left + right of a header cell, each side
HEADER_SIZES = (6.5, 6.0, 5.5)  # role header font sizes, tried in order
BODY_SIZE = 7.5
CODE_SIZE = 6.5
LEADING = 1.25  # line height / font size (base.html: 125%)
ROW_PADDING = 3.5  # points above + below a row's text

CODE_WIDTH_MAX = 32 * MM
TITLE_WIDTH_MIN = 60 * MM
ROLE_WIDTH_MAX = 24 * MM

VOWELS = set("аеёиоуыэюяaeiouy")
NO_LINE_START = set("йьъ")


@dataclass(frozen=True)
class RoleColumn:
    """A role's header: its name broken into the lines that fit the column."""

    name: str
    lines: list[str]


@dataclass(frozen=True)
class RightRow:
    """One right: its code (in lines), its title, and a mark per role column."""

    code_lines: list[str]
    title: str
    marks: list[bool]


# Христов's rules for Russian word breaks, as (left, right) letter classes around
# the break: v vowel, c consonant, x one of й ь ъ.
BREAK_RULES = (("x", ""), ("v", "v"), ("vc", "cv"), ("cv", "cv"), ("vc", "ccv"), ("vcc", "ccv"))


def _letter_class(ch: str) -> str:
    ch = ch.lower()
    return "v" if ch in VOWELS else "x" if ch in NO_LINE_START else "c"


def hyphenation_points(word: str) -> list[int]:
    """Where a word may be broken with a hyphen: Христов's rules, each part at
    least two letters long and holding a vowel."""
    if not word.isalpha():
        return []
    classes = "".join(_letter_class(ch) for ch in word)
    points = []
    for i in range(2, len(word) - 1):
        left, right = classes[:i], classes[i:]
        if "v" not in left or "v" not in right or right[0] == "x":
            continue
        if any(left.endswith(a) and right.startswith(b) for a, b in BREAK_RULES):
            points.append(i)
    return points


def _pieces(word: str, fits: Callable[[str], bool], hyphenate: bool) -> list[str]:
    """Splits a word too wide for a line: first after its own "-" or "_", then,
    if allowed, at hyphenation points (adding "-")."""
    if fits(word):
        return [word]
    for sep in ("-", "_"):
        if sep in word.strip(sep):
            head, _, tail = word.partition(sep)
            return _pieces(head + sep, fits, hyphenate) + _pieces(tail, fits, hyphenate)
    if hyphenate:
        points = [i for i in hyphenation_points(word) if fits(word[:i] + "-")]
        if points:
            i = points[-1]
            return [word[:i] + "-"] + _pieces(word[i:], fits, hyphenate)
    return [word]  # nothing better: the line overflows a little


def wrap(text: str, width: float, size: float, bold: bool = False, hyphenate: bool = True) -> list[str]:
    """Greedy line breaking of `text` into lines no wider than `width` points."""
    def fits(s: str) -> bool:
        return text_width(s, size, bold) <= width

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        pieces = _pieces(word, fits, hyphenate)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return lines


def _fits_all(texts: Iterable[str], width: float, size: float, bold: bool) -> bool:
    return all(text_width(line, size, bold) <= width for text in texts for line in wrap(text, width, size, bold))


@dataclass(frozen=True)
class Layout:
    """Column widths in points and the role header's font size."""

    code_width: float
    title_width: float
    role_width: float
    header_size: float


def layout(roles: Sequence[str], codes: Sequence[str]) -> Layout:
    """Column widths and the header font size for this many roles."""
    code_width = min(
        max([text_width(c, CODE_SIZE) for c in codes] + [30.0]) + 2 * CELL_PADDING + 2, CODE_WIDTH_MAX
    )
    n = max(len(roles), 1)
    role_width = min((USABLE_WIDTH - code_width - TITLE_WIDTH_MIN) / n, ROLE_WIDTH_MAX)
    title_width = USABLE_WIDTH - code_width - role_width * n
    inner = role_width - 2 * CELL_PADDING
    header_size = next((s for s in HEADER_SIZES if _fits_all(roles, inner, s, True)), HEADER_SIZES[-1])
    return Layout(code_width, title_width, role_width, header_size)


def _row_height(lines: int, size: float) -> float:
    return lines * size * LEADING + ROW_PADDING


def paginate(rows: Sequence[RightRow], header_height: float, title_width: float) -> list[list[RightRow]]:
    """Rows split into chunks that each fit on a page under the header."""
    pages: list[list[RightRow]] = []
    page: list[RightRow] = []
    used = header_height
    for row in rows:
        lines = max(len(wrap(row.title, title_width - 2 * CELL_PADDING - 2, BODY_SIZE, hyphenate=False)),
                    len(row.code_lines) * CODE_SIZE / BODY_SIZE)
        height = _row_height(lines, BODY_SIZE)
        if page and used + height > TABLE_HEIGHT:
            pages.append(page)
            page, used = [], header_height
        page.append(row)
        used += height
    if page or not pages:
        pages.append(page)  # no rights at all: still print the header
    return pages


def role_matrix_pdf(
    school_name: str,
    roles: list[str],
    rights: list[tuple[str, str]],
    granted: set[tuple[str, str]],
) -> bytes:
    """The matrix as a PDF: rows are rights (code, title), columns are roles,
    «+» where (role, right code) is in `granted`."""
    shape = layout(roles, [code for code, _ in rights])
    inner = shape.role_width - 2 * CELL_PADDING
    columns = [RoleColumn(role, wrap(role, inner, shape.header_size, bold=True)) for role in roles]
    header_lines = max([len(c.lines) for c in columns] + [2])
    header_height = _row_height(header_lines, shape.header_size) + 2
    code_inner = shape.code_width - 2 * CELL_PADDING - 2
    rows = [
        RightRow(
            code_lines=wrap(code, code_inner, CODE_SIZE, hyphenate=False),
            title=str(title),
            marks=[(role, code) in granted for role in roles],
        )
        for code, title in rights
    ]
    return render_pdf(
        "role_matrix.html",
        school_name=school_name,
        columns=columns,
        pages=paginate(rows, header_height, shape.title_width),
        widths={
            "code": round(shape.code_width, 1),
            "title": round(shape.title_width, 1),
            "role": round(shape.role_width, 1),
        },
        sizes={"header": shape.header_size, "body": BODY_SIZE, "code": CODE_SIZE},
        printed_on=format_date(school_today()),
    )
