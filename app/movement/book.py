"""«Книга движения обучающихся», derived from the class memberships that orders
made: per class and for the school, the count at the start of a date range, who
arrived and who left (with the orders), the count at its end; the «Алфавитная
книга» of every student with their personal file number, arrival and departure;
the head-count on any date. A constant number of queries whatever the size of the
school: everything is read in a handful of statements and counted by
app/rules/movement.py."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import school_today
from app.models import Enrolment, MovementOrder, MovementOrderItem, OrderKind, SchoolClass, SchoolYear, Student
from app.rules import movement as rules

DAY = dt.timedelta(days=1)


def _fmt(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


@dataclass(frozen=True)
class Person:
    id: int
    last_name: str
    first_name: str
    middle_name: Optional[str]
    personal_file_no: str
    birth_date: Optional[dt.date]
    arrival_date: Optional[dt.date]
    leave_date: Optional[dt.date]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass(frozen=True)
class OrderRef:
    """An order as the book cites it: «З-1 от 12.10.2026»."""

    id: int
    number: str
    date: dt.date
    kind: OrderKind
    reason: Optional[str]
    destination: Optional[str]

    def __str__(self) -> str:
        return f"№ {self.number} от {_fmt(self.date)}"


@dataclass(frozen=True)
class Move:
    """A student's arrival in or departure from a class or the school."""

    student: Person
    date: dt.date
    order: Optional[OrderRef]
    other_class: str = ""  # for a transfer: the class they came from or went to

    @property
    def name(self) -> str:
        return self.student.full_name


@dataclass
class Page:
    """One class's (or the school's) lines of the book."""

    id: Optional[int]
    name: str
    start_count: int
    arrived: list
    left: list
    end_count: int


@dataclass
class Book:
    start: dt.date
    end: dt.date
    classes: list
    school: Page


@dataclass
class _Data:
    """Everything the book reads, in five statements."""

    spans: list
    classes: dict     # id → (name, grade, letter, year start)
    years: list       # (start, end), in order
    people: dict      # id → Person
    opened_by: dict   # enrolment id → OrderRef
    closed_by: dict   # enrolment id → (OrderRef, item)
    items: list       # (OrderRef, student id, from class id, to class id)
    came_from: dict = field(default_factory=dict)  # (order id, student id) → the class left

    @property
    def breaks(self) -> list:
        """The days between consecutive school years (the summer)."""
        return [(a_end + DAY, b_start - DAY) for (_, a_end), (b_start, _) in zip(self.years, self.years[1:])
                if b_start - a_end > DAY]


def _read(session: Session, school_id: Optional[int] = None) -> _Data:
    """One school's data (`school_id`), or all the user sees: the session's scoping
    decides which schools those are; a municipal user picks one."""
    def of(query, model):
        return query.where(model.school_id == school_id) if school_id is not None else query

    enrolments = session.execute(of(select(
        Enrolment.id, Enrolment.student_id, Enrolment.class_id, Enrolment.start_date, Enrolment.end_date,
        Enrolment.order_id), Enrolment)).all()
    classes = {row.id: (f"{row.grade}{row.letter}", row.grade, row.letter, row.start_date)
               for row in session.execute(of(select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
                                                    SchoolYear.start_date)
                                             .join(SchoolYear, SchoolYear.id == SchoolClass.year_id), SchoolClass))}
    years = [tuple(row) for row in session.execute(
        of(select(SchoolYear.start_date, SchoolYear.end_date), SchoolYear).order_by(SchoolYear.start_date))]
    people = {row.id: Person(*row) for row in session.execute(of(select(
        Student.id, Student.last_name, Student.first_name, Student.middle_name, Student.personal_file_no,
        Student.birth_date, Student.arrival_date, Student.leave_date), Student))}
    orders = session.execute(of(
        select(MovementOrder.id, MovementOrder.number, MovementOrder.date, MovementOrder.kind, MovementOrder.reason,
               MovementOrder.destination, MovementOrderItem.student_id, MovementOrderItem.from_class_id,
               MovementOrderItem.to_class_id, MovementOrderItem.closed_enrolment_id)
        .join(MovementOrderItem, MovementOrderItem.order_id == MovementOrder.id)
        .where(MovementOrder.is_cancelled.is_(False)), MovementOrder)
        .order_by(MovementOrder.date, MovementOrder.id)).all()
    refs, items, closed_by = {}, [], {}
    for row in orders:
        ref = refs.setdefault(row.id, OrderRef(row.id, row.number, row.date, row.kind, row.reason, row.destination))
        items.append((ref, row.student_id, row.from_class_id, row.to_class_id))
        if row.closed_enrolment_id is not None:
            closed_by[row.closed_enrolment_id] = (ref, row.from_class_id, row.to_class_id)
    spans, opened_by = [], {}
    for e in enrolments:
        if e.student_id not in people or e.class_id not in classes:
            continue
        spans.append(rules.Span(e.student_id, e.class_id, e.start_date, e.end_date, ref=e.id,
                                label=classes[e.class_id][0]))
        if e.order_id in refs:
            opened_by[e.id] = refs[e.order_id]
    # Orders written before the items recorded the membership they ended (the demo's):
    # the item of the student and class whose order is dated the day after the end, or on it.
    by_student = defaultdict(list)
    for ref, student_id, from_id, to_id in items:
        if from_id is not None:
            by_student[(student_id, from_id)].append((ref, from_id, to_id))
    for span in spans:
        if span.end is not None and span.ref not in closed_by:
            for ref, from_id, to_id in by_student.get((span.student, span.group), []):
                if ref.date in (span.end, span.end + DAY):
                    closed_by[span.ref] = (ref, from_id, to_id)
                    break
    came_from = {(ref.id, student_id): from_id for ref, student_id, from_id, _ in items}
    return _Data(spans, classes, years, people, opened_by, closed_by, items, came_from)


def _class_name(data: _Data, class_id: Optional[int]) -> str:
    return data.classes[class_id][0] if class_id in data.classes else ""


def _arrival(data: _Data, span: rules.Span, school_level: bool = False) -> Move:
    ref = span.ref[0] if school_level else span.ref
    order = data.opened_by.get(ref)
    other = ""
    if not school_level and order is not None and order.kind is OrderKind.transfer:
        other = _class_name(data, data.came_from.get((order.id, span.student)))
    return Move(data.people[span.student], span.start, order, other)


def _departure(data: _Data, span: rules.Span, school_level: bool = False) -> Move:
    ref = span.ref[1] if school_level else span.ref
    closing = data.closed_by.get(ref)
    order, other = (closing[0], _class_name(data, closing[2])) if closing else (None, "")
    return Move(data.people[span.student], span.departure, order, "" if school_level else other)


def _sorted(moves: list) -> list:
    return sorted(moves, key=lambda m: (m.date, m.student.last_name, m.student.first_name))


def _page(data: _Data, spans: list, start: dt.date, end: dt.date, page_id, name: str, school_level=False) -> Page:
    result = rules.movement(spans, start, end)
    return Page(page_id, name, result.start_count,
                _sorted([_arrival(data, s, school_level) for s in result.arrived]),
                _sorted([_departure(data, s, school_level) for s in result.left]), result.end_count)


def _class_order(data: _Data, class_id: int) -> tuple:
    name, grade, letter, year_start = data.classes[class_id]
    return (year_start, grade, letter)


def movement_book(session: Session, start: dt.date, end: dt.date, class_id: Optional[int] = None,
                  school_id: Optional[int] = None) -> Book:
    """The book for [start, end]: a page per class with students or movement in the
    range (or the one class asked for) and the school's page."""
    data = _read(session, school_id)
    groups = rules.by_group(data.spans)
    shown = []
    for group_id, spans in groups.items():
        if class_id is not None and group_id != class_id:
            continue
        page = _page(data, spans, start, end, group_id, _class_name(data, group_id))
        if page.start_count or page.end_count or page.arrived or page.left:
            shown.append(page)
    shown.sort(key=lambda p: _class_order(data, p.id))
    school = _page(data, rules.school_spans(data.spans, data.breaks), start, end, None, "", school_level=True)
    return Book(start, end, shown, school)


@dataclass
class Headcount:
    day: dt.date
    classes: list                 # (class id, name, grade, count)
    grades: list                  # (grade, count)
    total: int


def headcount_on(session: Session, day: dt.date, school_id: Optional[int] = None) -> Headcount:
    """How many students each class and the school have at the end of `day`."""
    data = _read(session, school_id)
    rows = []
    for group_id, spans in rules.by_group(data.spans).items():
        count = rules.headcount(spans, day)
        if count:
            name, grade, _letter, _year = data.classes[group_id]
            rows.append((group_id, name, grade, count))
    rows.sort(key=lambda r: _class_order(data, r[0]))
    grades: dict = defaultdict(int)
    for _id, _name, grade, count in rows:
        grades[grade] += count
    total = rules.headcount(rules.school_spans(data.spans, data.breaks), day)
    return Headcount(day, rows, sorted(grades.items()), total)


@dataclass
class AlphabetLine:
    """One student of the «Алфавитная книга»."""

    student: Person
    arrival: Optional[dt.date]
    arrival_orders: list = field(default_factory=list)
    last_class: str = ""
    leave: Optional[dt.date] = None
    leave_orders: list = field(default_factory=list)
    destination: str = ""

    @property
    def letter(self) -> str:
        return (self.student.last_name or "?")[:1].upper()


def alphabet_book(session: Session, letter: str = "", name: str = "", status: str = "",
                  on: Optional[dt.date] = None, school_id: Optional[int] = None) -> list:
    """Every student of the school in alphabetical order, with their personal file
    number, arrival (date and enrolment orders), last class and departure (date,
    withdrawal order, destination). `status`: «present» or «left» on the day `on`."""
    data = _read(session, school_id)
    on = on or school_today()
    spans_of = defaultdict(list)
    for span in data.spans:
        spans_of[span.student].append(span)
    enrolments, withdrawals = defaultdict(list), defaultdict(list)
    for ref, student_id, _from, _to in data.items:
        if ref.kind is OrderKind.enrolment:
            enrolments[student_id].append(ref)
        elif ref.kind is OrderKind.withdrawal:
            withdrawals[student_id].append(ref)
    lines = []
    letter, name = (letter or "").strip().upper(), (name or "").strip().casefold()
    for person in data.people.values():
        own = sorted(spans_of.get(person.id, []), key=lambda s: s.start)
        first_start = own[0].start if own else None
        arrival = min(d for d in (person.arrival_date, first_start) if d) if (person.arrival_date or first_start) else None
        present = any(s.covers(on) for s in own)
        if (status == "present" and not present) or (status == "left" and present):
            continue
        line = AlphabetLine(
            person, arrival, [str(r) for r in enrolments.get(person.id, [])],
            own[-1].label if own else "", person.leave_date, [str(r) for r in withdrawals.get(person.id, [])],
            "; ".join(r.destination for r in withdrawals.get(person.id, []) if r.destination))
        if letter and line.letter != letter:
            continue
        if name and name not in person.full_name.casefold():
            continue
        lines.append(line)
    lines.sort(key=lambda l: (l.student.last_name.casefold(), l.student.first_name.casefold(),
                              (l.student.middle_name or "").casefold(), l.student.personal_file_no))
    return lines


def letters(lines: list) -> list:
    """[(letter, its lines)] for a book grouped by the first letter of the last name."""
    groups: dict = {}
    for line in lines:
        groups.setdefault(line.letter, []).append(line)
    return list(groups.items())
