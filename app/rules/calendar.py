"""The lesson calendar (act 001 §4.4): lesson dates come from the timetable ×
the study periods − the class's holidays.

Generation is idempotent: a slot (scheduled date, lesson number) that already has
a lesson is left alone; a generated lesson no longer in the timetable is removed
only while it is empty — one that holds marks, attendance or a topic is reported
as a conflict instead. Lessons added by hand are never removed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence, Tuple

DateRange = Tuple[dt.date, dt.date]


@dataclass(frozen=True)
class TimetableLine:
    """A timetable entry: weekday (1 = Monday), lesson number, room, validity."""

    weekday: int
    number: int
    valid_from: dt.date
    valid_to: Optional[dt.date] = None
    room_id: Optional[int] = None


@dataclass(frozen=True)
class Slot:
    date: dt.date
    number: int
    room_id: Optional[int] = None


@dataclass(frozen=True)
class ExistingLesson:
    id: int
    slot_date: dt.date  # the scheduled date (a moved lesson keeps the date it was moved from)
    number: int
    has_content: bool
    is_manual: bool = False


@dataclass
class CalendarPlan:
    create: list = field(default_factory=list)      # Slots without a lesson
    remove: list = field(default_factory=list)      # ids of empty generated lessons off the timetable
    conflicts: list = field(default_factory=list)   # ids of filled lessons off the timetable
    kept: int = 0


def _in(day: dt.date, ranges: Iterable[DateRange]) -> bool:
    return any(start <= day <= end for start, end in ranges)


def school_days(periods: Sequence[DateRange], holidays: Sequence[DateRange]) -> list:
    """Every day of the periods that is not a holiday, in order, each once."""
    days = set()
    for start, end in periods:
        day = start
        while day <= end:
            if not _in(day, holidays):
                days.add(day)
            day += dt.timedelta(days=1)
    return sorted(days)


def lesson_slots(timetable: Sequence[TimetableLine], periods: Sequence[DateRange],
                 holidays: Sequence[DateRange]) -> list:
    """The lessons the timetable gives over the periods, holidays left out."""
    slots = []
    for day in school_days(periods, holidays):
        for line in timetable:
            if line.weekday == day.isoweekday() and line.valid_from <= day and (line.valid_to is None or day <= line.valid_to):
                slots.append(Slot(day, line.number, line.room_id))
    return sorted(set(slots), key=lambda s: (s.date, s.number))


def plan_calendar(slots: Sequence[Slot], existing: Sequence[ExistingLesson]) -> CalendarPlan:
    """What to create and remove so that the lessons match the slots."""
    plan = CalendarPlan()
    wanted = {(s.date, s.number): s for s in slots}
    have = set()
    for lesson in existing:
        key = (lesson.slot_date, lesson.number)
        have.add(key)
        if key in wanted or lesson.is_manual:
            plan.kept += 1
        elif lesson.has_content:
            plan.conflicts.append(lesson.id)
        else:
            plan.remove.append(lesson.id)
    plan.create = [slot for key, slot in wanted.items() if key not in have]
    return plan
