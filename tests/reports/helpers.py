"""Reading back a rendered PDF: its text, pages and fonts."""
from __future__ import annotations

import io
from functools import lru_cache

import pypdf
from reportlab.pdfbase.ttfonts import TTFont

from reports.pdf import FONT_DIR


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in reader(data).pages]


def text(data: bytes) -> str:
    return "\n".join(page_texts(data))


def flat(s: str) -> str:
    """Text with every run of whitespace as one space, to find phrases across line breaks."""
    return " ".join(s.split())


def font_names(data: bytes) -> set[str]:
    """The base fonts named by any page, without the subset prefix (ABCDEF+)."""
    names = set()
    for page in reader(data).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def embedded_font_files(data: bytes) -> int:
    """How many fonts carry their own font file (are embedded)."""
    count = 0
    for page in reader(data).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                count += 1
    return count


@lru_cache(maxsize=1)
def roboto_chars() -> frozenset[int]:
    return frozenset(TTFont("RobotoCheck", str(FONT_DIR / "Roboto-Regular.ttf")).face.charToGlyph)


def chars_without_glyph(s: str) -> set[str]:
    """Characters Roboto cannot draw: they would print as black boxes."""
    return {ch for ch in s if not ch.isspace() and ord(ch) not in roboto_chars()}


def assert_roboto_only(data: bytes) -> None:
    names = font_names(data)
    assert names and all(name.startswith("Roboto") for name in names), names
    assert not any("Helvetica" in name or "Times" in name or "Courier" in name for name in names)
    assert embedded_font_files(data) >= 1


def double_stop(s: str) -> bool:
    """«О. М..»: a sentence's full stop after the full stop of initials (an ellipsis is fine)."""
    import re

    return re.search(r"(?<!\.)\.\.(?!\.)", s) is not None


def words_outside_cells(data: bytes, clearance: float = 0.5) -> list[str]:
    """Words of a PDF that cross or touch a vertical rule of a table: a header running over a
    rule into the next cell («04.12Пропущено»), a word touching its cell's border, text out of
    its table; and words ending a sentence twice («Калинина О. М..»). Each finding reads
    «page N: "word" x0–x1 against the rule at x»."""
    from bisect import bisect_left, bisect_right

    import pdfplumber

    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            found += [f'page {number}: "{word["text"]}" ends with two full stops' for word in page.extract_words()
                      if double_stop(word["text"])]
            rules = sorted((edge["x0"], edge["top"], edge["bottom"]) for edge in page.edges
                           if edge["orientation"] == "v" and edge["bottom"] - edge["top"] > 3)
            if not rules:
                continue
            xs = [rule[0] for rule in rules]
            for word in page.extract_words():
                left, right = word["x0"] - clearance, word["x1"] + clearance
                top, bottom = word["top"] + 1, word["bottom"] - 1
                for x, rule_top, rule_bottom in rules[bisect_left(xs, left):bisect_right(xs, right)]:
                    if rule_top < bottom and rule_bottom > top:
                        found.append(f'page {number}: "{word["text"]}" {word["x0"]:.1f}–{word["x1"]:.1f} '
                                     f'against the rule at {x:.1f}')
                        break
    return found
