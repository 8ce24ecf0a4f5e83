"""Closing the school year and opening the next (act 001 §4.4: the new year is set
up by 1 September and the transition finished by 15 September).

Students go one grade up into the class of the same letter; those of the last
grade leave with a withdrawal order; a student with an unsatisfactory final mark
is transferred conditionally (условный перевод, the default of the Education Law,
art. 58 p. 8) or repeats the year, as the school decides for each.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .errors import N_, RuleViolation

PROMOTE, CONDITIONAL, REPEAT, GRADUATE = "promote", "conditional", "repeat", "graduate"
CHOICES_FOR_DEBT = (CONDITIONAL, REPEAT)


def next_year_name(name: str) -> str:
    """«2026/2027» → «2027/2028»; «2026-2027» → «2027-2028»."""
    found = re.fullmatch(r"\s*(\d{4})(\D+)(\d{4})\s*", name or "")
    if not found:
        raise RuleViolation(N_("The school year's name «%(name)s» is not like «2026/2027»."), name=name)
    first, sep, second = found.groups()
    return f"{int(first) + 1}{sep}{int(second) + 1}"


def shift_year(day: dt.date, years: int = 1) -> dt.date:
    """The same calendar day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Standing:
    """A student at the end of the year: their class and whether a final mark fails."""

    student_id: int
    grade: int
    letter: str
    failed_subjects: tuple = ()


@dataclass(frozen=True)
class Move:
    student_id: int
    action: str           # promote | conditional | repeat | graduate
    to_grade: Optional[int]
    letter: str
    needs_choice: bool = False


@dataclass
class TransitionPlan:
    moves: list = field(default_factory=list)

    def by_action(self, action: str) -> list:
        return [m for m in self.moves if m.action == action]


def plan_transition(standings: Iterable[Standing], last_grade: int, choices: Optional[dict] = None) -> TransitionPlan:
    """Where each student goes. `choices` maps a student with a failing mark to
    «conditional» or «repeat» (conditional by default); graduates of the last grade leave."""
    choices = choices or {}
    plan = TransitionPlan()
    for s in standings:
        if s.failed_subjects:
            choice = choices.get(s.student_id, CONDITIONAL)
            if choice not in CHOICES_FOR_DEBT:
                raise RuleViolation(N_("Choose conditional transfer or repeating the year."))
            if choice == REPEAT:
                plan.moves.append(Move(s.student_id, REPEAT, s.grade, s.letter, True))
                continue
            if s.grade >= last_grade:
                # a school leaver with a debt is not a graduate: they stay for the exams next year
                plan.moves.append(Move(s.student_id, REPEAT, s.grade, s.letter, True))
                continue
            plan.moves.append(Move(s.student_id, CONDITIONAL, s.grade + 1, s.letter, True))
        elif s.grade >= last_grade:
            plan.moves.append(Move(s.student_id, GRADUATE, None, s.letter))
        else:
            plan.moves.append(Move(s.student_id, PROMOTE, s.grade + 1, s.letter))
    return plan


def check_transition_dates(old_end: dt.date, new_start: dt.date) -> None:
    """The new year starts after the old one ends."""
    if new_start <= old_end:
        raise RuleViolation(N_("The new school year must start after %(date)s, the end of the current one."),
                            date=old_end.strftime("%d.%m.%Y"))
