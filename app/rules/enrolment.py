"""Class membership: a student is in at most one class at a time."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional, Tuple

from .errors import N_, RuleViolation

Span = Tuple[dt.date, Optional[dt.date]]


def _fmt(d: Optional[dt.date]) -> str:
    return d.strftime("%d.%m.%Y") if d else "…"


def spans_overlap(a: Span, b: Span) -> bool:
    """Closed date ranges; an open end runs for ever."""
    a_start, a_end = a
    b_start, b_end = b
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def check_single_class(new: Span, existing: Iterable[Tuple[str, Span]]) -> None:
    """Refuses an enrolment that would put the student into two classes at once."""
    start, end = new
    if start is None:
        raise RuleViolation(N_("The enrolment start date is required."))
    if end is not None and end < start:
        raise RuleViolation(N_("The enrolment ends before it starts."))
    for class_name, span in existing:
        if spans_overlap(new, span):
            raise RuleViolation(
                N_("The student is already in class %(name)s from %(start)s to %(end)s."),
                name=class_name,
                start=_fmt(span[0]),
                end=_fmt(span[1]),
            )
