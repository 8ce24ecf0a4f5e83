"""Charts drawn on the server as SVG: no chart service, no script from the internet
(schools may be offline). The same SVG is inlined on the screen and embedded in the
PDF (xhtml2pdf draws SVG images through svglib)."""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Optional, Sequence
from xml.sax.saxutils import escape

from reports.formatting import average
from reports.pdf import FONT_DIR, FONT_FILES

COLOURS = ("#1f5fa8", "#d9822b", "#3a8f3a", "#a83232")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Optional[float]]
    dashed: bool = False


def _x(index: int, count: int, left: float, width: float) -> float:
    return left + (width * index / (count - 1) if count > 1 else width / 2)


def line_chart(points: Sequence[dt.date], series: Sequence[Series], low: float = 2.0, high: float = 5.0,
               width: int = 720, height: int = 300, font: str = "") -> str:
    """An SVG line chart of averages over dates: a y axis from `low` to `high` with a
    line at every half mark, dates under the x axis, a legend; gaps where a series has
    no value yet. `font` names the family (the PDF's embedded Roboto)."""
    family = font or "Roboto, Arial, sans-serif"
    left, right, top, bottom = 44.0, 16.0, 16.0, 58.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{escape(family)}" font-size="11">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    step, tick = 0.5, low
    while tick <= high + 1e-9:
        yy = y(tick)
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#dddddd" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#444444">{average(tick)}</text>')
        tick += step
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444444" stroke-width="1"/>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444444" stroke-width="1"/>')
    count = len(points)
    every = max(1, (count + 9) // 10)   # at most ten dates under the axis
    for index, day in enumerate(points):
        if index % every and index != count - 1:
            continue
        xx = _x(index, count, left, plot_w)
        parts.append(f'<line x1="{xx:.1f}" y1="{top + plot_h}" x2="{xx:.1f}" y2="{top + plot_h + 4}" stroke="#444444"/>')
        parts.append(f'<text x="{xx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444444">{day:%d.%m}</text>')
    for number, line in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        dash = ' stroke-dasharray="6,4"' if line.dashed else ""
        run: list = []
        runs = [run]
        for index, value in enumerate(line.values):
            if value is None:
                if run:
                    run = []
                    runs.append(run)
                continue
            run.append((_x(index, count, left, plot_w), y(max(low, min(high, value)))))
        for chunk in runs:
            if len(chunk) > 1:
                coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in chunk)
                parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for a, b in chunk:
                parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>')
        lx = left + 10 + number * 260
        ly = height - 14
        parts.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{lx + 30}" y="{ly}" fill="#222222">{escape(line.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


SVG_FAMILY = "PartaRoboto"
_svg_font_known = False


def pdf_font() -> str:
    """The font family of SVG text in PDFs: Roboto, made known to svglib (which would
    otherwise ask the system's fontconfig, or fall back to Helvetica without Cyrillic)."""
    global _svg_font_known
    if not _svg_font_known:
        from svglib.fonts import register_font

        register_font(SVG_FAMILY, str(FONT_DIR / FONT_FILES[("normal", "normal")]), rlgFontName="PartaSVG-Regular")
        _svg_font_known = True
    return SVG_FAMILY


def data_uri(svg: str) -> str:
    """The SVG as a data: URI for an <img> in a PDF template (no file, no network)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _round_step(peak: int) -> int:
    """The grid step of a count axis with four lines: 1, 2, 5, 10, 20, 50, … that reaches `peak`."""
    scale = 1
    while True:
        for base in (1, 2, 5):
            if base * scale * 4 >= peak:
                return base * scale
        scale *= 10


def bar_chart(labels: Sequence[str], values: Sequence[int], title: str = "", width: int = 720, height: int = 220,
              font: str = "", label_every: int = 0) -> str:
    """An SVG bar chart of counts (visits per day): a bar per label, the y axis from 0
    to a round maximum with four grid lines, labels under the axis (every
    `label_every`-th, or as many as fit), the count over each bar when there is room.
    Each bar carries its label and count as a <title> (a tooltip, and read by screen readers)."""
    family = font or "Roboto, Arial, sans-serif"
    left, right, top, bottom = 40.0, 12.0, 22.0 if title else 10.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(values), 1)
    high = 4 * _round_step(max(values, default=0))
    slot = plot_w / count
    bar = max(1.0, slot * 0.7)
    every = label_every or max(1, int(40 // max(slot, 1)) + (1 if 40 % max(slot, 1) else 0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'style="max-width:100%;height:auto" font-family="{escape(family)}" font-size="11" role="img" '
             f'aria-label="{escape(title)}">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    if title:
        parts.append(f'<text x="{left}" y="14" fill="#222222" font-weight="bold">{escape(title)}</text>')
    for index in range(5):
        value = high * index / 4
        yy = top + plot_h - plot_h * index / 4
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#444444">{int(value)}</text>')
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + slot * index + (slot - bar) / 2
        h = plot_h * value / high
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[0]}">'
                     f'<title>{escape(label)}: {value}</title></rect>')
        if value and bar >= 14:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                         f'fill="#222222" font-size="10">{value}</text>')
        if index % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 15:.1f}" text-anchor="middle" '
                         f'fill="#444444">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444444"/>')
    parts.append("</svg>")
    return "".join(parts)
