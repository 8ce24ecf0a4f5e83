"""Dates of school years and study periods (act 001 §4.4: the year and its
periods exist before 1 September)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, Sequence, TypeVar

from .errors import N_, RuleViolation


def _fmt(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def check_date_range(start: Optional[dt.date], end: Optional[dt.date]) -> None:
    """A range ends on or after the day it starts."""
    if start is None or end is None:
        raise RuleViolation(N_("Both the start and the end date are required."))
    if end < start:
        raise RuleViolation(
            N_("The end date %(end)s is before the start date %(start)s."), start=_fmt(start), end=_fmt(end)
        )


def check_within_year(start: dt.date, end: dt.date, year_start: dt.date, year_end: dt.date) -> None:
    """Periods, holidays and enrolments lie inside their school year."""
    check_date_range(start, end)
    if start < year_start or end > year_end:
        raise RuleViolation(
            N_("Dates must lie inside the school year (%(start)s–%(end)s)."),
            start=_fmt(year_start),
            end=_fmt(year_end),
        )


@dataclass(frozen=True)
class PeriodSpan:
    """What the overlap rule needs to know of a study period."""

    name: str
    period_type_id: int
    start: dt.date
    end: dt.date
    grade_from: int
    grade_to: int


def check_grade_range(grade_from: int, grade_to: int) -> None:
    if grade_from is None or grade_to is None or not (0 <= grade_from <= grade_to <= 12):
        raise RuleViolation(N_("The grade range must go from a lower to a higher grade between 0 and 12."))


def check_no_overlap(period: PeriodSpan, others: Iterable[PeriodSpan]) -> None:
    """Periods of the same type for the same grades do not overlap in time.

    A «год» period may span the quarters: only periods of one type compete.
    """
    check_date_range(period.start, period.end)
    check_grade_range(period.grade_from, period.grade_to)
    for other in others:
        if other.period_type_id != period.period_type_id:
            continue
        grades_meet = period.grade_from <= other.grade_to and other.grade_from <= period.grade_to
        dates_meet = period.start <= other.end and other.start <= period.end
        if grades_meet and dates_meet:
            raise RuleViolation(
                N_("The period overlaps «%(other)s» (%(start)s–%(end)s)."),
                other=other.name,
                start=_fmt(other.start),
                end=_fmt(other.end),
            )


class Dated(Protocol):
    """What choosing a period needs of one: its dates and whether it is the whole year."""

    start: dt.date
    end: dt.date
    is_year: bool


P = TypeVar("P", bound=Dated)


def period_at(periods: Sequence[P], day: dt.date) -> Optional[P]:
    """The period holding the day, the shortest when several do (a quarter rather than
    the year); None when the day falls outside all of them (the holidays)."""
    holding = [p for p in periods if p.start <= day <= p.end]
    return min(holding, key=lambda p: (p.is_year, p.end - p.start), default=None)


def current_period(periods: Sequence[P], day: dt.date, upcoming: bool = False) -> Optional[P]:
    """"The current period" wherever a page needs one: the period holding the day, else
    the last to have ended before it (the holidays after a quarter show that quarter);
    before the first period, the first one to come when `upcoming`, else None."""
    found = period_at(periods, day)
    if found is not None:
        return found
    ended = [p for p in periods if p.end < day]
    if ended:
        return max(ended, key=lambda p: (p.end, p.start))
    if upcoming and periods:
        return min(periods, key=lambda p: (p.is_year, p.start, p.end))
    return None


def year_at(years: Sequence, day: dt.date):
    """The school year of a day (the choice of app/journal/data.year_on): the one holding
    it, else the one marked current, else the latest to start (in the summer, the coming
    year once it is entered); years have `start_date`, `end_date` and `is_current`."""
    holding = [y for y in years if y.start_date <= day <= y.end_date]
    if holding:
        return holding[0]
    current = [y for y in years if y.is_current]
    if current:
        return current[0]
    return max(years, key=lambda y: y.start_date, default=None)
