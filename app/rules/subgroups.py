"""Subgroups (деление класса на группы): who may be a member of a subject group, when,
and how a class is split into groups at once.

A subgroup's members are pupils of the group's class: a membership is refused unless
the pupil is enrolled in that class on the day it starts (or, undated, at some time
of the year), and a pupil is in a group only while both the membership and the
enrolment run. A move between groups on a day closes the old membership the day
before and opens the new one that day, so the journal shows each pupil in the group
they were in on the lesson's date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Tuple

from .enrolment import spans_overlap
from .errors import N_, RuleViolation

Span = Tuple[dt.date, Optional[dt.date]]


def _fmt(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else "…"


def effective_span(valid_from: Optional[dt.date], valid_to: Optional[dt.date],
                   enrolled: Span) -> Optional[Span]:
    """The days a membership counts within one enrolment in the class: both must run."""
    start = max(valid_from or enrolled[0], enrolled[0])
    ends = [d for d in (valid_to, enrolled[1]) if d is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return start, end


def covers(span: Span, day: dt.date) -> bool:
    return span[0] <= day and (span[1] is None or day <= span[1])


def check_membership(student: str, class_name: str, valid_from: Optional[dt.date], valid_to: Optional[dt.date],
                     year: Span, enrolments: Sequence[Span], others: Iterable[Span]) -> None:
    """A pupil joins a subgroup of their own class only: enrolled in it on the day the
    membership starts (an undated one: at some time of the year), with no second
    membership of the same group at the same time."""
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise RuleViolation(N_("The membership in the group ends before it starts."))
    for day in (valid_from, valid_to):
        if day is not None and not (year[0] <= day <= year[1]):
            raise RuleViolation(N_("The date %(date)s lies outside the school year (%(start)s–%(end)s)."),
                                date=_fmt(day), start=_fmt(year[0]), end=_fmt(year[1]))
    span = (valid_from or year[0], valid_to or year[1])
    if valid_from is not None:
        enrolled = any(covers(e, valid_from) for e in enrolments)
    else:
        enrolled = any(spans_overlap(span, e) for e in enrolments)
    if not enrolled:
        if valid_from is not None:
            raise RuleViolation(N_("%(student)s is not a student of class %(class_name)s on %(date)s: only the class's "
                                   "students can be members of its groups."),
                                student=student, class_name=class_name, date=_fmt(valid_from))
        raise RuleViolation(N_("%(student)s is not a student of class %(class_name)s: only the class's students can "
                               "be members of its groups."), student=student, class_name=class_name)
    for other in others:
        other = (other[0] or year[0], other[1])
        if spans_overlap(span, other):
            raise RuleViolation(N_("%(student)s is already in this group from %(start)s to %(end)s."),
                                student=student, start=_fmt(other[0]), end=_fmt(other[1]))


# --- Splitting a class at once ----------------------------------------------------

@dataclass(frozen=True)
class Pupil:
    id: int
    name: str
    gender: Optional[str] = None  # "male", "female" or None


def halves(pupils: Sequence[Pupil], groups: int = 2) -> dict:
    """«First half / second half of the list»: pupils in list order, the first group
    taking the larger part when the count is odd (pupil id → group index)."""
    count = max(1, groups)
    size, extra = divmod(len(pupils), count)
    result, index = {}, 0
    for group in range(count):
        take = size + (1 if group < extra else 0)
        for pupil in pupils[index:index + take]:
            result[pupil.id] = group
        index += take
    return result


def by_gender(pupils: Sequence[Pupil]) -> dict:
    """«By gender» (physical education): boys in the first group, girls in the second;
    a pupil whose gender is not recorded is left for the user to place."""
    return {p.id: 0 if p.gender == "male" else 1 for p in pupils if p.gender in ("male", "female")}


@dataclass(frozen=True)
class Move:
    """One change of a split: `close` the membership (its id) on the day before `day`
    — or delete it when it started on or after `day` — and/or `open` a membership of
    `student` in group `to_group` from `day`."""
    student: int
    close: Optional[int]
    close_deletes: bool
    to_group: Optional[int]


def plan_split(day: dt.date, current: dict, wanted: dict) -> list:
    """The moves that make the pupils' groups on `day` what was chosen.

    `current`: pupil id → (membership id, group id, membership start or None) on `day`;
    `wanted`: pupil id → group id, or None for «in no group». A pupil already in the
    chosen group is left alone (their membership and its history stay)."""
    moves = []
    for student in sorted(set(current) | set(wanted)):
        now = current.get(student)
        target = wanted.get(student)
        if now is not None and now[1] == target:
            continue
        if now is None and target is None:
            continue
        close = now[0] if now is not None else None
        deletes = now is not None and now[2] is not None and now[2] >= day
        moves.append(Move(student, close, deletes, target))
    return moves


def check_split_day(day: Optional[dt.date], year: Span) -> None:
    if day is None:
        raise RuleViolation(N_("Set the date from which the groups apply."))
    if not (year[0] <= day <= year[1]):
        raise RuleViolation(N_("The date %(date)s lies outside the school year (%(start)s–%(end)s)."),
                            date=_fmt(day), start=_fmt(year[0]), end=_fmt(year[1]))
