"""Plausible values of what people type and programs send (issue 12, item 10): every
text, number and date a row holds lies in a range a school could mean. The REST API
once accepted a lesson dated 5341 numbered −281, a birth date in the year 37, empty
names, NUL bytes and a 2 MB homework; these rules refuse them, on every write path
(app/pipeline/values.py applies them at the flush from the column types and the
overrides below).

Pure: the caller passes the value, the field's name and the limits; a refusal is a
RuleViolation whose `field` parameter is a FieldName, which the view layer shows as
the field's Russian label.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional, Union

from .errors import N_, RuleViolation

# Ids and integers are int4 on PostgreSQL (SQLite's int64 is wider): a larger number
# names no row and cannot be stored.
MAX_INT = 2_147_483_647
MIN_INT = -2_147_483_648
MAX_ID = MAX_INT

# A Text column (homework, announcements, letters, notes) holds up to this many characters.
MAX_TEXT = 20_000

# Dates a school's records can mean: its history and its plans.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# A person's birth date is not in the future and not more than this many years back.
MAX_AGE_YEARS = 100

# What a multi-line text may hold besides printable characters.
MULTILINE_CONTROLS = frozenset("\n\t")

Number = Union[int, float, Decimal]


class FieldName(str):
    """The name of a field (the column's key) in a message; the views show its Russian label."""


def _fmt(day: dt.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def _number(value: Number) -> str:
    text = f"{Decimal(str(value)).normalize():f}" if not isinstance(value, int) else str(value)
    return text.replace(".", ",")


# --- Texts -------------------------------------------------------------------------

def clean_text(field: str, value: Optional[str], max_length: Optional[int] = None, multiline: bool = False,
               required: bool = False) -> Optional[str]:
    """The text as it is kept: without the spaces around it (and with \\n line ends in a
    multi-line text). Refused: control characters (a NUL byte among them; a multi-line
    text may hold line breaks and tabs), an empty required text, a text longer than its
    field (`max_length`, MAX_TEXT when None)."""
    if value is None:
        if required:
            raise RuleViolation(N_("Fill in the field «%(field)s»."), field=FieldName(field))
        return None
    if not isinstance(value, str):
        raise RuleViolation(N_("The field «%(field)s» must be a text."), field=FieldName(field))
    text = value.replace("\r\n", "\n").replace("\r", "\n") if multiline else value
    text = text.strip()
    allowed = MULTILINE_CONTROLS if multiline else frozenset()
    for char in text:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            raise RuleViolation(N_("The field «%(field)s» holds a character that cannot be typed (code %(code)s)."),
                                field=FieldName(field), code=f"U+{ord(char):04X}")
    if required and not text:
        raise RuleViolation(N_("Fill in the field «%(field)s»."), field=FieldName(field))
    limit = MAX_TEXT if max_length is None else max_length
    if len(text) > limit:
        raise RuleViolation(N_("The field «%(field)s» is longer than %(limit)s characters (%(length)s)."),
                            field=FieldName(field), limit=limit, length=len(text))
    return text


# --- Numbers -----------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    """A number from `low` to `high`; `above_low` excludes `low` itself (a weight is more than 0)."""

    low: Number
    high: Number
    above_low: bool = False


INT4 = Range(MIN_INT, MAX_INT)


def check_number(field: str, value: Optional[Number], limits: Range = INT4) -> None:
    """A number lies in its field's range; None (not filled in) passes."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise RuleViolation(N_("The field «%(field)s» must be a number."), field=FieldName(field))
    try:
        finite = Decimal(str(value)).is_finite()
    except InvalidOperation:
        finite = False
    too_low = value <= limits.low if limits.above_low else value < limits.low
    if not finite or too_low or value > limits.high:
        if limits.above_low:
            raise RuleViolation(N_("The field «%(field)s» takes a number more than %(low)s and up to %(high)s."),
                                field=FieldName(field), low=_number(limits.low), high=_number(limits.high))
        raise RuleViolation(N_("The field «%(field)s» takes a number from %(low)s to %(high)s."),
                            field=FieldName(field), low=_number(limits.low), high=_number(limits.high))


def numeric_range(precision: Optional[int], scale: Optional[int]) -> Range:
    """What a NUMERIC(precision, scale) column holds: 4,2 → −99,99…99,99."""
    if not precision:
        return INT4
    top = Decimal(10) ** (precision - (scale or 0)) - Decimal(1).scaleb(-(scale or 0))
    return Range(-top, top)


def is_valid_id(value: object) -> bool:
    """Whether a value can be a row's id: a whole number from 1 to MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def check_reference(field: str, value: object) -> None:
    """A reference (a foreign key) holds a row's id: a whole number from 1 to MAX_ID."""
    if value is not None and not is_valid_id(value):
        raise RuleViolation(N_("The field «%(field)s» refers to no record (id %(id)s)."), field=FieldName(field),
                            id=str(value)[:30])


def parse_id(value: object) -> Optional[int]:
    """A row's id given as a number or as the digits of a URL or a form; None when it
    cannot be one (not a whole number from 1 to MAX_ID)."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))):
            return None
        value = int(value)
    return value if is_valid_id(value) else None


# --- Dates ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DateWindow:
    earliest: dt.date = EARLIEST_DATE
    latest: dt.date = LATEST_DATE


def check_date(field: str, value: Optional[dt.date], window: DateWindow = DateWindow()) -> None:
    """A date lies in the window a school's records can mean (1900–2100 by default)."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(day, dt.date):
        raise RuleViolation(N_("The field «%(field)s» must be a date."), field=FieldName(field))
    if not window.earliest <= day <= window.latest:
        raise RuleViolation(N_("The date %(date)s in the field «%(field)s» lies outside %(earliest)s–%(latest)s."),
                            date=_fmt(day), field=FieldName(field), earliest=_fmt(window.earliest),
                            latest=_fmt(window.latest))


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def check_birth_date(field: str, value: Optional[dt.date], today: dt.date) -> None:
    """A birth date is not in the future and not more than MAX_AGE_YEARS back."""
    if value is None:
        return
    check_date(field, value, DateWindow(years_before(today, MAX_AGE_YEARS), today))


# --- Flags -----------------------------------------------------------------------------

TRUE_WORDS = frozenset({"true", "1", "yes", "on", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "n", ""})


def parse_flag(field: str, value: object) -> bool:
    """A yes/no sent by a program: true/false, 1/0, "true"/"false" (so that the text
    "false" is no, not a non-empty hence true string); None is no; anything else is refused."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise RuleViolation(N_("The field «%(field)s» takes yes or no (true or false)."), field=FieldName(field))


# --- Fields with their own limits ------------------------------------------------------

# The columns whose plausible values are narrower than their type's, by "table.column".
# Lesson numbers start at 0: many schools have a «нулевой урок» before the first.
GRADES = Range(0, 12)
LESSON_NUMBER = Range(0, 20)
WEIGHT = Range(0, 10, above_low=True)   # act 001: a work type's weight; 0 would drop the mark from the average
RATE = Range(0, 10, above_low=True)     # a staff rate (ставка)
HOURS_PER_WEEK = Range(0, 60)

NUMBER_LIMITS = {
    "lesson.number": LESSON_NUMBER,
    "bell.lesson_number": LESSON_NUMBER,
    "schedule_entry.lesson_number": LESSON_NUMBER,
    "schedule_entry.weekday": Range(1, 7),
    "school_class.grade": GRADES,
    "study_period.grade_from": GRADES,
    "study_period.grade_to": GRADES,
    "study_period.number": Range(1, 12),
    "final_mark_column.grade_from": GRADES,
    "final_mark_column.grade_to": GRADES,
    "period_type.periods_per_year": Range(1, 12),
    "assignment.weight": WEIGHT,
    "assignment_type.weight": WEIGHT,
    "grade_scale_value.score": Range(0, 99),
    "curriculum_item.hours_per_week": HOURS_PER_WEEK,
    "subject_group.hours_per_week": HOURS_PER_WEEK,
    "thematic_plan_topic.hours": Range(0, 500),
    "thematic_plan_topic.position": Range(0, 10_000),
    "employee_position.rate": RATE,
    "staff_order.rate": RATE,
    "staff_order.calendar_year": Range(EARLIEST_DATE.year, LATEST_DATE.year),
    "training_course.hours": Range(1, 10_000),
    "education_record.graduation_year": Range(EARLIEST_DATE.year, LATEST_DATE.year),
    "room.floor": Range(-5, 200),
    "room.capacity": Range(0, 10_000),
}

# Birth dates: not in the future, at most MAX_AGE_YEARS back.
BIRTH_DATES = frozenset({"student.birth_date", "employee.birth_date"})

# Single-line columns (String) that may hold line breaks: addresses, reasons, notes.
MULTILINE_TEXTS = frozenset({
    "student.address", "employee.address", "guardian.address", "employee.education",
    "school.juridical_address", "school.postal_address",
    "journal_unlock.reason", "movement_order.reason", "movement_order.destination",
    "movement_order.cancelled_reason", "staff_order.reason", "moderation_log.reason",
    "lesson.topic", "thematic_plan_topic.title",
})

# Required (NOT NULL) texts that may still be empty.
MAY_BE_EMPTY = frozenset({
    "school_class.letter",      # a class without a letter: «1»
    "order_numbering.prefix",   # orders numbered without a prefix
})


def number_limits(table: str, column: str, default: Range = INT4) -> Range:
    return NUMBER_LIMITS.get(f"{table}.{column}", default)
