"""Staff personal files (личное дело сотрудника): what a staff order does to the
employee's positions and dates, and when a qualification category needs a new
attestation. Pure: the callers gather the rows and write the result."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Hashable, Iterable, Optional, Sequence

from .errors import N_, RuleViolation
from .importing import format_snils, snils_is_valid  # one СНИЛС rule for imports and cards

# Staff orders are numbered per school and calendar year: «К-1», «К-2», …
STAFF_ORDER_PREFIX = "К-"
# A category is established for five years (Порядок аттестации педагогических
# работников, приказ Минпросвещения № 196 от 24.03.2023, п. 4 and 36).
CATEGORY_VALID_YEARS = 5
# The file flags a category whose term ends within half a year: time to apply.
EXPIRY_WARNING_MONTHS = 6
MAX_RATE = Decimal("2")
EARLIEST_GRADUATION = 1940

HIRE, TRANSFER, DISMISSAL = "hire", "transfer", "dismissal"

VALID, EXPIRING, EXPIRED, UNLIMITED = "valid", "expiring", "expired", "unlimited"


def _fmt(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else "…"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (31.08 + 6 → 28.02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Numbering -----------------------------------------------------------------

def next_order_number(existing: Iterable[str], prefix: str = STAFF_ORDER_PREFIX) -> str:
    """The number after the highest «<prefix><n>» of the year; numbers typed by
    hand in another form do not count."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(m.group(1)) for m in (pattern.match((n or "").strip()) for n in existing) if m]
    return f"{prefix}{max(numbers, default=0) + 1}"


# --- Employment dates and positions -------------------------------------------

def check_employment_dates(hire_date: Optional[dt.date], leave_date: Optional[dt.date]) -> None:
    """An employee cannot leave before being hired."""
    if hire_date and leave_date and leave_date < hire_date:
        raise RuleViolation(N_("The dismissal date %(date)s is before the hire date %(hire)s."),
                            date=_fmt(leave_date), hire=_fmt(hire_date))


@dataclass(frozen=True)
class HeldPosition:
    """A position the employee holds or held: `key` identifies the stored row."""

    key: Hashable
    position_id: int
    name: str
    start: Optional[dt.date]
    end: Optional[dt.date] = None

    @property
    def is_open(self) -> bool:
        return self.end is None


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    """Closed date ranges; a missing start is the beginning of time, a missing end runs for ever."""
    return (b_end is None or a_start is None or a_start <= b_end) and (a_end is None or b_start is None or b_start <= a_end)


def check_position_span(start: Optional[dt.date], end: Optional[dt.date]) -> None:
    if start and end and end < start:
        raise RuleViolation(N_("The position ends on %(end)s, before it starts on %(start)s."),
                            end=_fmt(end), start=_fmt(start))


def check_no_duplicate_position(new: HeldPosition, others: Iterable[HeldPosition]) -> None:
    """The same position cannot be held twice at the same time (a second rate goes
    into the same record, or follows a transfer order)."""
    check_position_span(new.start, new.end)
    for other in others:
        if other.key != new.key and other.position_id == new.position_id \
                and _overlap(new.start, new.end, other.start, other.end):
            raise RuleViolation(N_("The employee already holds the position %(position)s from %(start)s to %(end)s."),
                                position=other.name, start=_fmt(other.start), end=_fmt(other.end))


def check_rate(rate) -> Decimal:
    """A rate (ставка) between 0 and 2, e.g. 1, 0,5 or 1,25."""
    try:
        value = Decimal(str(rate)) if rate is not None else None
    except InvalidOperation:
        value = None
    if value is None or not (0 < value <= MAX_RATE):
        raise RuleViolation(N_("The rate is a number greater than 0 and at most %(max)s."), max="2")
    return value


# --- Staff orders ----------------------------------------------------------------

@dataclass(frozen=True)
class Opening:
    position_id: int
    rate: Decimal
    start: dt.date


@dataclass(frozen=True)
class OrderEffect:
    """What applying an order changes: a position opened, positions closed (key, last
    day), and the employee's hire and leave dates (None: unchanged)."""

    opens: Optional[Opening] = None
    closes: tuple = ()
    hire_date: Optional[dt.date] = None
    leave_date: Optional[dt.date] = None
    clears_leave_date: bool = False


@dataclass(frozen=True)
class EmployeeState:
    """The employee as the order finds them."""

    hire_date: Optional[dt.date]
    leave_date: Optional[dt.date]
    held: Sequence[HeldPosition]

    @property
    def open_positions(self) -> list[HeldPosition]:
        return [p for p in self.held if p.is_open]

    @property
    def has_left(self) -> bool:
        return self.leave_date is not None and not self.open_positions


def _require_date(date: Optional[dt.date]) -> dt.date:
    if date is None:
        raise RuleViolation(N_("The order date is required."))
    return date


def _require_position(position_id: Optional[int]) -> int:
    if position_id is None:
        raise RuleViolation(N_("Choose the position of the order."))
    return position_id


def plan_hire(date: Optional[dt.date], position_id: Optional[int], position_name: str, rate,
              employee: EmployeeState) -> OrderEffect:
    """Приём на работу: the position from the order's date; the first hire (or a
    hire after a dismissal) sets the hire date."""
    date = _require_date(date)
    position_id = _require_position(position_id)
    rate = check_rate(rate)
    rehire = employee.has_left
    if employee.leave_date is not None and date <= employee.leave_date:
        raise RuleViolation(N_("The employee left on %(date)s; a new hire order must be dated later."),
                            date=_fmt(employee.leave_date))
    if not rehire and employee.hire_date is not None and date < employee.hire_date:
        raise RuleViolation(N_("The order date %(date)s is before the employee's hire date %(hire)s."),
                            date=_fmt(date), hire=_fmt(employee.hire_date))
    new = HeldPosition(None, position_id, position_name, date)
    check_no_duplicate_position(new, employee.held)
    sets_hire = employee.hire_date is None or rehire
    return OrderEffect(opens=Opening(position_id, rate, date), hire_date=date if sets_hire else None,
                       clears_leave_date=rehire)


def plan_transfer(date: Optional[dt.date], position_id: Optional[int], position_name: str, rate,
                  from_key: Optional[Hashable], employee: EmployeeState) -> OrderEffect:
    """Перевод на другую должность: the position left ends the day before the order's
    date, the new one starts on it."""
    date = _require_date(date)
    position_id = _require_position(position_id)
    rate = check_rate(rate)
    open_positions = employee.open_positions
    if not open_positions:
        raise RuleViolation(N_("The employee holds no position to be transferred from."))
    if from_key is None:
        if len(open_positions) > 1:
            raise RuleViolation(N_("Choose the position the employee is transferred from."))
        left = open_positions[0]
    else:
        left = next((p for p in open_positions if p.key == from_key), None)
        if left is None:
            raise RuleViolation(N_("The employee does not hold the position they are transferred from."))
    if left.start is not None and date <= left.start:
        raise RuleViolation(N_("The transfer date must be later than the start of the position left (%(start)s)."),
                            start=_fmt(left.start))
    last_day = date - dt.timedelta(days=1)
    after = [HeldPosition(p.key, p.position_id, p.name, p.start, last_day if p.key == left.key else p.end)
             for p in employee.held]
    check_no_duplicate_position(HeldPosition(None, position_id, position_name, date), after)
    return OrderEffect(opens=Opening(position_id, rate, date), closes=((left.key, last_day),))


def plan_dismissal(date: Optional[dt.date], employee: EmployeeState) -> OrderEffect:
    """Увольнение: the order's date is the last working day (ТК РФ ст. 84.1); every
    open position ends on it."""
    date = _require_date(date)
    if employee.has_left:
        raise RuleViolation(N_("The employee is already dismissed on %(date)s."), date=_fmt(employee.leave_date))
    check_employment_dates(employee.hire_date, date)
    for held in employee.open_positions:
        if held.start is not None and date < held.start:
            raise RuleViolation(N_("The dismissal date %(date)s is before the start of the position %(position)s (%(start)s)."),
                                date=_fmt(date), position=held.name, start=_fmt(held.start))
    return OrderEffect(closes=tuple((p.key, date) for p in employee.open_positions), leave_date=date)


def check_order_fields(kind: Optional[str], date: Optional[dt.date], position_id: Optional[int], rate,
                       reason: Optional[str]) -> None:
    """What each kind of order must name, whichever path writes it."""
    if kind not in (HIRE, TRANSFER, DISMISSAL):
        raise RuleViolation(N_("Choose the kind of the order."))
    _require_date(date)
    if kind in (HIRE, TRANSFER):
        _require_position(position_id)
        check_rate(rate)
    elif not (reason or "").strip():
        raise RuleViolation(N_("A dismissal order states the reason."))


# --- Qualification categories, courses, education ------------------------------------

def default_valid_until(assigned_on: Optional[dt.date]) -> Optional[dt.date]:
    """The end of a category's term when the order names none: the same day five
    years later (ГК РФ ст. 192: a term in years ends on the corresponding day, or the
    month's last day when there is none)."""
    if assigned_on is None:
        return None
    return add_months(assigned_on, 12 * CATEGORY_VALID_YEARS)


def check_attestation(assigned_on: Optional[dt.date], valid_until: Optional[dt.date]) -> None:
    if assigned_on is None:
        raise RuleViolation(N_("The date the category was assigned is required."))
    if valid_until is not None and valid_until < assigned_on:
        raise RuleViolation(N_("The category is valid until %(until)s, before it was assigned on %(date)s."),
                            until=_fmt(valid_until), date=_fmt(assigned_on))


def expiry_horizon(today: dt.date) -> dt.date:
    """Categories valid until this day or earlier are flagged «срок истекает»."""
    return add_months(today, EXPIRY_WARNING_MONTHS)


def category_status(valid_until: Optional[dt.date], today: dt.date) -> str:
    """valid, expiring (within six months), expired, or unlimited (no term)."""
    if valid_until is None:
        return UNLIMITED
    if valid_until < today:
        return EXPIRED
    if valid_until <= expiry_horizon(today):
        return EXPIRING
    return VALID


def check_course(start: Optional[dt.date], end: Optional[dt.date], hours: Optional[int]) -> None:
    if start and end and end < start:
        raise RuleViolation(N_("The course ends on %(end)s, before it starts on %(start)s."),
                            end=_fmt(end), start=_fmt(start))
    if hours is not None and not (0 < hours <= 2000):
        raise RuleViolation(N_("The course hours are a number from 1 to 2000."))


def check_graduation_year(year: Optional[int], this_year: int) -> None:
    if year is not None and not (EARLIEST_GRADUATION <= year <= this_year):
        raise RuleViolation(N_("The graduation year lies between %(first)s and %(last)s."),
                            first=str(EARLIEST_GRADUATION), last=str(this_year))


# --- The personal card's personal data (форма Т-2) --------------------------------------

# ИНН of a person: 12 digits, the last two check digits over the ones before them
# (приказ ФНС № ММВ-7-14/481@ of 29.06.2012; the same weights as every program uses).
INN_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _digits(value: Optional[str]) -> str:
    """The digits of a number typed with spaces, hyphens or dots; '' for nothing."""
    return re.sub(r"[\s\-.]", "", value or "")


def inn_is_valid(digits: str) -> bool:
    """ИНН of a person: 12 digits with two check digits (Σ digit × weight mod 11 mod 10)."""
    if not re.fullmatch(r"\d{12}", digits):
        return False
    numbers = [int(d) for d in digits]
    first = sum(w * n for w, n in zip(INN_WEIGHTS_11, numbers)) % 11 % 10
    second = sum(w * n for w, n in zip(INN_WEIGHTS_12, numbers)) % 11 % 10
    return numbers[10] == first and numbers[11] == second


@dataclass(frozen=True)
class PersonalData:
    """The checked and normalised numbers of a personal card (None: not given)."""

    snils: Optional[str]
    inn: Optional[str]
    passport_series: Optional[str]
    passport_number: Optional[str]
    passport_division_code: Optional[str]


def check_personal_data(snils: Optional[str], inn: Optional[str], passport_series: Optional[str],
                        passport_number: Optional[str], division_code: Optional[str],
                        issued_on: Optional[dt.date], birth_date: Optional[dt.date], today: dt.date) -> PersonalData:
    """Refuses a СНИЛС or an ИНН whose check digits do not match (a typing error), a
    passport series that is not 4 digits, a number that is not 6, a division code
    that is not «ддд-ддд», and an issue date in the future or before the birth date;
    returns the numbers in their usual printed form."""
    snils_digits, inn_digits = _digits(snils), _digits(inn)
    if snils_digits:
        if not re.fullmatch(r"\d{11}", snils_digits):
            raise RuleViolation(N_("The SNILS «%(value)s» is not 11 digits."), value=snils)
        if not snils_is_valid(snils_digits):
            raise RuleViolation(N_("The SNILS «%(value)s» has a wrong check number."), value=snils)
    if inn_digits:
        if not re.fullmatch(r"\d{12}", inn_digits):
            raise RuleViolation(N_("The INN of a person «%(value)s» is not 12 digits."), value=inn)
        if not inn_is_valid(inn_digits):
            raise RuleViolation(N_("The INN «%(value)s» has wrong check digits."), value=inn)
    series, number = _digits(passport_series), _digits(passport_number)
    if series and not re.fullmatch(r"\d{4}", series):
        raise RuleViolation(N_("The passport series is 4 digits, e.g. «45 08»."))
    if number and not re.fullmatch(r"\d{6}", number):
        raise RuleViolation(N_("The passport number is 6 digits."))
    code = _digits(division_code)
    if code and not re.fullmatch(r"\d{6}", code):
        raise RuleViolation(N_("The division code is 6 digits, e.g. «770-001»."))
    if issued_on is not None:
        if issued_on > today:
            raise RuleViolation(N_("The passport issue date %(date)s is in the future."), date=_fmt(issued_on))
        if birth_date is not None and issued_on < birth_date:
            raise RuleViolation(N_("The passport issue date %(date)s is before the birth date %(birth)s."),
                                date=_fmt(issued_on), birth=_fmt(birth_date))
    return PersonalData(
        snils=format_snils(snils_digits) if snils_digits else None,
        inn=inn_digits or None,
        passport_series=f"{series[:2]} {series[2:]}" if series else None,
        passport_number=number or None,
        passport_division_code=f"{code[:3]}-{code[3:]}" if code else None,
    )
