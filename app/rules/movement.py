"""The movement of students (книга движения обучающихся): head-counts, arrivals and
departures, all derived from class memberships, and what an order does to them.

A membership is a Span: a student in a group (a class, or the school) from `start`
to `end`, both days included; an open end means the student is still there.

Dates follow the orders (act 002: the secretary "tracks the exact number of
students"): an enrolment dated D puts the student into the class from D; a
withdrawal or a transfer dated D ends the old membership on D − 1, so that the
head-count on the order's date no longer includes the student in the class they
left. A student's arrival date is therefore the start of a span and their
departure date the day after its end, and both are the order's date.

The book's identity, for any range [start, end] and any set of spans:
    count on `end` = count on `start` + arrivals dated in (start, end] − departures dated in (start, end].
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Hashable, Iterable, NamedTuple, Optional, Sequence

from .enrolment import check_single_class
from .errors import N_, RuleViolation

DAY = dt.timedelta(days=1)


def _fmt(d: Optional[dt.date]) -> str:
    return d.strftime("%d.%m.%Y") if d else "…"


@dataclass(frozen=True)
class Span:
    """A student in a group from `start` to `end` (included; None: still there).

    `ref` (an enrolment id, say) and `label` (the class name for messages) ride
    along without taking part in comparisons."""

    student: Hashable
    group: Hashable
    start: dt.date
    end: Optional[dt.date] = None
    ref: Any = field(default=None, compare=False)
    label: str = field(default="", compare=False)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    @property
    def departure(self) -> Optional[dt.date]:
        """The first day the student is no longer in the group."""
        return self.end + DAY if self.end is not None else None


class Movement(NamedTuple):
    """One group's page of the book for a date range."""

    start_count: int
    arrived: tuple
    left: tuple
    end_count: int


# --- Counting ---------------------------------------------------------------------

def on_roll(spans: Iterable[Span], day: dt.date) -> list:
    """The memberships counted at the end of `day`: those who arrived on that day
    count, those whose departure is dated that day do not. The head-count, the book
    and the lists of the order page all count by this rule."""
    return [span for span in spans if span.covers(day)]


def headcount(spans: Iterable[Span], day: dt.date) -> int:
    """How many students are in the group(s) at the end of `day` (see on_roll)."""
    return len(on_roll(spans, day))


def may_leave(spans: Iterable[Span], day: dt.date) -> list:
    """The memberships a withdrawal or transfer dated `day` may end: counted on the
    day before (the membership ends then) and still counted on `day` — a student whom
    an order of the same day already took out (their membership ends on `day` − 1)
    or who only arrives on `day` is not offered."""
    return on_roll(on_roll(spans, day - DAY), day)


def may_enrol(spans: Iterable[Span], students: Iterable[Hashable], day: dt.date) -> list:
    """Of `students`, those an enrolment dated `day` may take: counted in no group on
    `day` nor on any later day (`spans`: every membership of the school)."""
    busy = {span.student for span in spans if span.end is None or span.end >= day}
    return [student for student in students if student not in busy]


def movement(spans: Iterable[Span], start: dt.date, end: dt.date) -> Movement:
    """The count on the range's first day, the spans that arrived and left after it up
    to the last day (by their order dates), and the count on the last day; both counts
    are head-counts on a date, so the book agrees with the head-count on any date.
    Orders dated on the first day are in its count, not in the movement: a book of the
    school year starts with the roster of 1 September, not with every student arriving."""
    if end < start:
        raise RuleViolation(N_("The end date %(end)s is before the start date %(start)s."),
                            start=_fmt(start), end=_fmt(end))
    spans = list(spans)
    arrived = tuple(s for s in spans if start < s.start <= end)
    left = tuple(s for s in spans if s.departure is not None and start < s.departure <= end)
    return Movement(headcount(spans, start), arrived, left, headcount(spans, end))


def by_group(spans: Iterable[Span]) -> dict:
    """Spans keyed by their group."""
    groups: dict = defaultdict(list)
    for span in spans:
        groups[span.group].append(span)
    return dict(groups)


def _bridged(end: dt.date, next_start: dt.date, breaks: Sequence[tuple]) -> bool:
    """Whether the days strictly between `end` and `next_start` all fall in one break."""
    first, last = end + DAY, next_start - DAY
    if first > last:
        return True
    return any(b_start <= first and last <= b_end for b_start, b_end in breaks)


def school_spans(spans: Iterable[Span], breaks: Sequence[tuple] = (), group: Hashable = None) -> list:
    """Each student's stay in the school: their class spans joined where one ends the
    day before the next begins (a transfer is no arrival in the school), or where the
    days between fall into a break such as the summer between two school years.
    The `ref` of a stay is (the ref of its first span, the ref of its last)."""
    result = []
    per_student: dict = defaultdict(list)
    for span in spans:
        per_student[span.student].append(span)
    for student, own in per_student.items():
        own.sort(key=lambda s: s.start)
        current = Span(student, group, own[0].start, own[0].end, ref=(own[0].ref, own[0].ref))
        for span in own[1:]:
            if current.end is None or span.start <= current.end + DAY or _bridged(current.end, span.start, breaks):
                later = current.end is not None and (span.end is None or span.end >= current.end)
                end = None if current.end is None or span.end is None else max(current.end, span.end)
                current = Span(student, group, current.start, end,
                               ref=(current.ref[0], span.ref if later else current.ref[1]))
            else:
                result.append(current)
                current = Span(student, group, span.start, span.end, ref=(span.ref, span.ref))
        result.append(current)
    return result


# --- Orders ------------------------------------------------------------------------

def check_order_items(students: Sequence[Hashable]) -> None:
    """An order holds at least one student, each once."""
    if not students:
        raise RuleViolation(N_("Choose at least one student for the order."))
    seen = set()
    for student in students:
        if student in seen:
            raise RuleViolation(N_("A student appears twice in the order."))
        seen.add(student)


def plan_enrolment(spans: Sequence[Span], student: Hashable, group: Hashable, day: dt.date,
                   label: str = "", name: str = "") -> Span:
    """The membership an enrolment dated `day` opens; refused when the student is
    in a class on that day or later (`spans`: the student's memberships)."""
    try:
        check_single_class((day, None), [(s.label, (s.start, s.end)) for s in spans])
    except RuleViolation as error:
        if "name" not in error.params:
            raise
        raise RuleViolation(N_("%(student)s is already in class %(name)s from %(start)s to %(end)s."),
                            student=name, **error.params) from error
    return Span(student, group, day, None, label=label)


def plan_departure(spans: Sequence[Span], group: Hashable, day: dt.date, last_day: Optional[dt.date] = None,
                   label: str = "", name: str = "", final: bool = False) -> tuple:
    """(the membership a withdrawal or transfer dated `day` ends, the same ending on
    `day` − 1). `last_day`: the last day of the class's school year, so that a
    transfer into the next year ends the old membership with the old year.
    `final`: a withdrawal, which leaves no later membership in place."""
    close_on = day - DAY
    if last_day is not None and last_day < close_on:
        close_on = last_day
    in_group = [s for s in spans if s.group == group]
    current = [s for s in in_group if s.start <= close_on and (s.end is None or s.end >= close_on)]
    if not current:
        later = [s for s in in_group if s.start > close_on]
        if later:
            raise RuleViolation(N_("%(student)s joins class %(name)s only on %(date)s: cancel that order instead."),
                                student=name, name=label, date=_fmt(later[0].start))
        raise RuleViolation(N_("%(student)s is not in class %(name)s on %(date)s."),
                            student=name, name=label, date=_fmt(day))
    span = current[0]
    if final:
        after = [s for s in spans if s is not span and s.start > span.start]
        if after:
            raise RuleViolation(N_("%(student)s has a later class membership from %(date)s: cancel that order first."),
                                student=name, date=_fmt(after[0].start))
    return span, replace(span, end=close_on)


def apply_order(spans: Sequence[Span], kind: str, day: dt.date, moves: Sequence[tuple],
                last_day: Optional[dt.date] = None) -> list:
    """All memberships after an order dated `day` of `kind` («enrolment»,
    «withdrawal» or «transfer») moves (student, from group, to group); refused
    whole when any move is. The database service does the same with enrolments."""
    check_order_items([student for student, _, _ in moves])
    result = list(spans)
    for student, from_group, to_group in moves:
        own = [s for s in result if s.student == student]
        if kind in ("withdrawal", "transfer"):
            if from_group is None:
                raise RuleViolation(N_("Choose the class the student leaves."))
            old, closed = plan_departure(own, from_group, day, last_day, final=kind == "withdrawal")
            result[result.index(old)] = closed
            own[own.index(old)] = closed
        if kind in ("enrolment", "transfer"):
            if to_group is None:
                raise RuleViolation(N_("Choose the class the student joins."))
            if kind == "transfer" and to_group == from_group:
                raise RuleViolation(N_("A transfer goes into another class."))
            result.append(plan_enrolment(own, student, to_group, day))
    return result
