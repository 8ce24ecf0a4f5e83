"""Edit locks of the journal (act 001 §4.11–4.14).

Current marks and attendance may be entered during the lesson or within 10 days
after it (§4.11); the same holds for control works (§4.12); period and final
marks are due 2 days before the period ends (§4.13) and may not be changed more
than 10 days after it ends (§4.14). Schools set their own day counts. A
coordinator's unlock opens a journal for a date range until a chosen day; a
closed school year is read-only whatever the dates.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .errors import N_, RuleViolation

KINDS = ("mark", "attendance", "control", "period_mark", "final_mark")


@dataclass(frozen=True)
class LockSettings:
    """Days after the entry date through which an entry stays editable."""

    mark: int = 10
    attendance: int = 10
    control: int = 10
    period_mark: int = 10
    final_mark: int = 10
    period_mark_due: int = 2  # days before the period's end by which period marks are set


DEFAULT = LockSettings()


def _setting(settings: Any, name: str) -> int:
    """A day count from LockSettings, a dict or any object with these attributes."""
    value = None
    if settings is not None:
        value = settings.get(name) if isinstance(settings, dict) else getattr(settings, name, None)
    return getattr(DEFAULT, name) if value is None else int(value)


def _days(kind: str, settings: Any) -> int:
    if kind not in KINDS:
        raise ValueError(f"unknown lock kind: {kind}")
    return _setting(settings, kind)


def last_editable_day(kind: str, entry_date: dt.date, settings: Any = None) -> dt.date:
    """The last day on which an entry of this kind may still be changed."""
    return entry_date + dt.timedelta(days=_days(kind, settings))


def is_editable(kind: str, entry_date: dt.date, today: dt.date, settings: Any = None) -> bool:
    """Whether an entry may be changed today: through the Nth day after `entry_date`
    (the lesson's date, or the period's last day for period and final marks)."""
    return today <= last_editable_day(kind, entry_date, settings)


def period_marks_due(period_end: dt.date, settings: Any = None) -> dt.date:
    """The day by which period marks must be set (act §4.13: 2 days before the end)."""
    return period_end - dt.timedelta(days=_setting(settings, "period_mark_due"))


@dataclass(frozen=True)
class Unlock:
    """A coordinator's unlock: the journal's entries dated `date_from`–`date_to`
    are editable through `until`."""

    date_from: dt.date
    date_to: dt.date
    until: dt.date


def is_unlocked(entry_date: dt.date, today: dt.date, unlocks: Iterable[Unlock]) -> bool:
    return any(u.date_from <= entry_date <= u.date_to and today <= u.until for u in unlocks)


def check_unlock(date_from: Optional[dt.date], date_to: Optional[dt.date], until: Optional[dt.date],
                 today: dt.date, reason: Optional[str]) -> None:
    """An unlock names a date range, a day it lasts until (not in the past) and a reason."""
    if date_from is None or date_to is None or until is None:
        raise RuleViolation(N_("Set the dates of the entries to unlock and the day the unlock lasts until."))
    if date_to < date_from:
        raise RuleViolation(N_("The end date %(end)s is before the start date %(start)s."),
                            start=f"{date_from:%d.%m.%Y}", end=f"{date_to:%d.%m.%Y}")
    if until < today:
        raise RuleViolation(N_("The unlock must last until today or a later day."))
    if not (reason or "").strip():
        raise RuleViolation(N_("State the reason for the unlock."))


# What closing an unlock early may change: who closed it and when; nothing else.
CLOSING_FIELDS = frozenset({"closed_at", "closed_by_id"})


def check_unlock_closing(changed: Iterable[str], was_closed: bool, until: Optional[dt.date], today: dt.date) -> None:
    """A granted unlock is its own log: it is never edited, only closed early, once,
    while it is still open (after its last day there is nothing to close)."""
    changed = set(changed)
    if changed - CLOSING_FIELDS:
        raise RuleViolation(N_("An unlock cannot be changed: close it and grant a new one."))
    if was_closed:
        raise RuleViolation(N_("The unlock is already closed."))
    if until is not None and until < today:
        raise RuleViolation(N_("The unlock ended on %(date)s: there is nothing to close."), date=f"{until:%d.%m.%Y}")


YEAR_CLOSED = N_("The school year is closed: its journal can only be viewed and printed.")
LOCK_MESSAGES = {
    "mark": N_("Marks of the lesson of %(date)s could be changed until %(until)s. Ask the coordinator to unlock the journal."),
    "control": N_("Marks for the control work of %(date)s could be changed until %(until)s. Ask the coordinator to unlock the journal."),
    "attendance": N_("Attendance of the lesson of %(date)s could be changed until %(until)s. Ask the coordinator to unlock the journal."),
    "period_mark": N_("Period marks of the period ending %(date)s could be changed until %(until)s. Ask the coordinator to unlock the journal."),
    "final_mark": N_("Final marks of the year ending %(date)s could be changed until %(until)s. Ask the coordinator to unlock the journal."),
}


def check_editable(kind: str, entry_date: dt.date, today: dt.date, settings: Any = None,
                   unlocks: Iterable[Unlock] = (), year_closed: bool = False) -> None:
    """Refuses a change the lock forbids, unless an unlock covers it; a closed year
    refuses every change."""
    refusal = lock_refusal(kind, entry_date, today, settings, unlocks, year_closed)
    if refusal is not None:
        raise refusal


def lock_refusal(kind: str, entry_date: dt.date, today: dt.date, settings: Any = None,
                 unlocks: Iterable[Unlock] = (), year_closed: bool = False) -> Optional[RuleViolation]:
    """check_editable's refusal returned, not raised (None: the change is allowed) — for the
    journal page, which asks it for each kind of each lesson it shows."""
    if year_closed:
        return RuleViolation(YEAR_CLOSED)
    last = last_editable_day(kind, entry_date, settings)
    if today <= last or is_unlocked(entry_date, today, unlocks):
        return None
    return RuleViolation(LOCK_MESSAGES[kind], date=_ru(entry_date), until=_ru(last))


def _ru(day: dt.date) -> str:
    """ДД.ММ.ГГГГ (as strftime's %d.%m.%Y, without its cost: the journal page writes hundreds)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
