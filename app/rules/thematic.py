"""The calendar-thematic plan (КТП): a subject group's ordered topics with their
hours, read from a table (XLSX or CSV, columns «№», «Тема урока», «Часы»,
«Домашнее задание») and laid over the group's lessons in date order.

Laying the plan over the lessons is positional: the n-th lesson held (cancelled
lessons do not count) is the n-th hour of the plan, so a topic of 2 hours covers
2 consecutive lessons. A lesson that already has a topic keeps it — its hour of
the plan counts as used — so applying the plan again changes nothing.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Optional, Sequence

from .errors import N_, RuleViolation

TITLE_MAX = 500      # ThematicPlanTopic.title
HOURS_MAX = 999      # ThematicPlanTopic.hours is Numeric(4, 1)
HOMEWORK_MAX = 5000
ROWS_MAX = 1000      # a year has at most ~210 lessons of one subject

COLUMNS = ("position", "title", "hours", "homework")
# Header texts recognised in a file (lower case); the template writes the first of each.
HEADERS = {
    "position": ("№", "no", "no.", "n", "#", "номер", "№ п/п", "n п/п", "номер урока"),
    "title": ("тема урока", "тема", "темы", "тема занятия", "title", "topic"),
    "hours": ("часы", "часов", "кол-во часов", "количество часов", "hours"),
    "homework": ("домашнее задание", "дз", "д/з", "д. з.", "homework"),
}
TEMPLATE_HEADERS = ("№", "Тема урока", "Часы", "Домашнее задание")


@dataclass(frozen=True)
class PlanTopic:
    position: int
    title: str
    hours: Decimal
    homework: Optional[str] = None

    @property
    def lessons(self) -> int:
        """How many lessons the topic takes: its hours, rounded up (1,5 h → 2 lessons)."""
        return max(1, math.ceil(self.hours))


@dataclass
class PlanRow:
    """One row of the file as read, with what is wrong with it."""

    row: int  # the row number the user sees in the spreadsheet
    position: Optional[int]
    title: str
    hours: Optional[Decimal]
    homework: Optional[str]
    problems: list = field(default_factory=list)  # RuleViolation


@dataclass
class ParsedPlan:
    rows: list = field(default_factory=list)       # PlanRow
    problems: list = field(default_factory=list)   # RuleViolation of the whole table

    @property
    def ok(self) -> bool:
        return not self.problems and not any(r.problems for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(len(r.problems) for r in self.rows)

    @property
    def topics(self) -> list:
        """The valid rows as topics, in the plan's order, numbered 1, 2, 3…"""
        good = [r for r in self.rows if not r.problems]
        ordered = sorted(enumerate(good), key=lambda pair: (pair[1].position, pair[0]))
        return [PlanTopic(n, r.title, r.hours, r.homework) for n, (_, r) in enumerate(ordered, start=1)]

    @property
    def hours(self) -> Decimal:
        return sum((t.hours for t in self.topics), Decimal(0))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return re.sub(r"\s+", " ", str(value)).strip()


def _number(value: Any) -> Optional[Decimal]:
    """A number from a cell: 2, 2.0, «2», «1,5»; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = _text(value).replace(" ", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def _header_map(cells: Sequence[Any]) -> Optional[dict]:
    """Column indexes by field when the row is a header row, else None."""
    found = {}
    for index, cell in enumerate(cells):
        text = _text(cell).lower().rstrip(":").strip()
        for name, variants in HEADERS.items():
            if text in variants and name not in found:
                found[name] = index
    return found if "title" in found else None


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(_text(c) == "" for c in cells)


def parse_row(row: int, cells: Sequence[Any], columns: dict, previous: int) -> PlanRow:
    """One table row as a topic; `previous` is the number of the row above (for rows without «№»)."""
    def cell(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    problems = []
    raw_position, raw_hours = cell("position"), cell("hours")
    position: Optional[int] = previous + 1
    if _text(raw_position):
        number = _number(raw_position)
        if number is None or number != number.to_integral_value() or number < 1:
            problems.append(RuleViolation(N_("The number «%(value)s» is not a whole number above zero."),
                                          value=_text(raw_position)))
            position = None
        else:
            position = int(number)
    title = _text(cell("title"))
    if not title:
        problems.append(RuleViolation(N_("The topic of the lesson is empty.")))
    elif len(title) > TITLE_MAX:
        problems.append(RuleViolation(N_("The topic is longer than %(max)s characters."), max=TITLE_MAX))
    hours: Optional[Decimal] = Decimal(1)
    if _text(raw_hours):
        hours = _number(raw_hours)
        if hours is None or hours <= 0 or hours > HOURS_MAX or hours != hours.quantize(Decimal("0.1")):
            problems.append(RuleViolation(N_("The hours «%(value)s» are not a number from 0,1 to %(max)s."),
                                          value=_text(raw_hours), max=HOURS_MAX))
            hours = None
    homework_cell = cell("homework")
    homework = homework_cell.strip() if isinstance(homework_cell, str) else _text(homework_cell)
    if len(homework) > HOMEWORK_MAX:
        problems.append(RuleViolation(N_("The homework is longer than %(max)s characters."), max=HOMEWORK_MAX))
    return PlanRow(row, position, title, hours, homework or None, problems)


def parse_table(rows: Iterable[Sequence[Any]]) -> ParsedPlan:
    """Topics from the rows of a table, the first of them numbered 1.

    A header row (the template's, or one naming the columns in another order) is
    recognised and skipped; without one the columns are «№», «Тема урока», «Часы»,
    «Домашнее задание». Empty rows are skipped. A row without «№» follows the row
    above; topics are ordered by «№».
    """
    parsed = ParsedPlan()
    columns = {name: index for index, name in enumerate(COLUMNS)}
    first = True
    previous = 0
    first_row_of: dict = {}
    for number, cells in enumerate(rows, start=1):
        cells = list(cells or ())
        if _is_blank(cells):
            continue
        if first:
            first = False
            header = _header_map(cells)
            if header is not None:
                columns = header
                continue
        if len(parsed.rows) >= ROWS_MAX:
            parsed.problems.append(RuleViolation(N_("The plan has more than %(max)s rows."), max=ROWS_MAX))
            break
        row = parse_row(number, cells, columns, previous)
        if row.position is not None:
            if row.position in first_row_of:
                row.problems.append(RuleViolation(N_("The number %(value)s is already used in row %(other)s."),
                                                  value=row.position, other=first_row_of[row.position]))
            else:
                first_row_of[row.position] = row.row
            previous = row.position
        parsed.rows.append(row)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(RuleViolation(N_("The file has no topics.")))
    return parsed


# --- Laying the plan over the lessons ------------------------------------------

@dataclass(frozen=True)
class PlannedLesson:
    """What the plan needs to know of a lesson; lessons are passed in date order."""

    id: int
    has_topic: bool = False
    is_cancelled: bool = False


def pair_lessons(topic_lessons: Sequence[int], lessons: Sequence[PlannedLesson]) -> list:
    """(lesson, topic index) for each lesson the plan reaches, in order.

    `topic_lessons[i]` is how many lessons topic i takes. Cancelled lessons are left
    out; lessons beyond the plan's last hour and topics beyond the last lesson stay unpaired.
    """
    hours = [i for i, count in enumerate(topic_lessons) for _ in range(max(1, int(count)))]
    held = [lesson for lesson in lessons if not lesson.is_cancelled]
    return list(zip(held, hours))


def assign_topics(topics_with_hours: Sequence[Any], lessons_in_order: Sequence[PlannedLesson]) -> dict:
    """Lesson id → index of the topic to write into it.

    `topics_with_hours` are PlanTopic objects or numbers of hours. Only lessons
    without a topic are returned: a topic already written is never overwritten.
    """
    counts = [t.lessons if isinstance(t, PlanTopic) else max(1, math.ceil(Decimal(str(t)))) for t in topics_with_hours]
    return {lesson.id: index for lesson, index in pair_lessons(counts, lessons_in_order) if not lesson.has_topic}


# --- Why a group has no plan or no lessons to lay it over ---------------------------

# Each gap the КТП page names, with what to do about it.
NO_TEACHER = N_("No teacher is assigned to the group: nobody keeps its plan. Assign one in «Teachers of subject groups».")
NO_TIMETABLE = N_("The group is not in the timetable: the lesson calendar makes no lessons for it.")
NO_LESSONS = N_("The group has no lessons yet: make the lesson calendar. The plan may be imported already; its topics go into the lessons once they exist.")
NO_PLAN = N_("No plan has been imported yet.")
YEAR_CLOSED = N_("The school year is closed: the plan can only be viewed.")
NOT_YOURS = N_("Only the group's teacher (or who may edit all journals) imports its plan.")


@dataclass(frozen=True)
class GroupState:
    """What the КТП page knows of a group."""

    has_teacher: bool
    has_timetable: bool
    lessons: int
    has_plan: bool
    year_closed: bool = False
    may_edit: bool = True


def plan_gaps(state: GroupState) -> list[str]:
    """Why the group shows no plan, no lessons, or no import — in the order to fix them;
    empty when the plan is there and laid over lessons."""
    gaps = []
    if state.year_closed:
        gaps.append(YEAR_CLOSED)
    if not state.has_teacher:
        gaps.append(NO_TEACHER)
    if not state.lessons:
        gaps.append(NO_LESSONS if state.has_timetable else NO_TIMETABLE)
    if not state.has_plan:
        gaps.append(NO_PLAN)
    if not state.may_edit and not state.year_closed and state.has_teacher:
        gaps.append(NOT_YOURS)
    return gaps
