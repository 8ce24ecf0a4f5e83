"""How the reports print numbers and dates, on screen, in PDF and in XLSX alike."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from app.rules.grading import format_average, format_weight

__all__ = ["average", "percent", "format_date", "single_stops", "FILTERS"]


def format_date(d: Optional[dt.date]) -> str:
    """«ДД.ММ.ГГГГ», the way Russian documents print a date; empty for None."""
    return d.strftime("%d.%m.%Y") if d else ""


def average(value: Optional[float]) -> str:
    """4,33: two decimals with a decimal comma; empty without a value."""
    return format_average(value)


def percent(value: Optional[float]) -> str:
    """87,5: one decimal with a decimal comma; «—» when there is nothing to count."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def single_stops(text: str) -> str:
    """A sentence whose name ends with initials keeps one full stop: «Калинина О. М.» in
    «Классный руководитель: %(name)s.» prints «… О. М.», not «… О. М..»; an ellipsis stays."""
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)


def rounded(value: Optional[float], digits: int = 1) -> Optional[float]:
    """A share or an average as the spreadsheet keeps it (the screen's rounding)."""
    return None if value is None else round(value + 1e-9, digits)


# Jinja filters of the report tables (registered in both the app's and the PDF's environment).
FILTERS = {"avg": average, "pct": percent, "date": format_date, "weight": format_weight, "single_stops": single_stops}
