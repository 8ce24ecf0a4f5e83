"""What belongs together in the journal: a lesson inside its school year, an entry
of a student who learns in the subject group, a period or a final-mark column of
the group's own year."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from .errors import N_, RuleViolation


def check_lesson_date(day: Optional[dt.date], year_start: dt.date, year_end: dt.date) -> None:
    """A lesson lies inside the school year of its subject group."""
    if day is None:
        raise RuleViolation(N_("Set the date of the lesson."))
    if not (year_start <= day <= year_end):
        raise RuleViolation(N_("The lesson's date %(date)s lies outside the school year (%(start)s–%(end)s)."),
                            date=f"{day:%d.%m.%Y}", start=f"{year_start:%d.%m.%Y}", end=f"{year_end:%d.%m.%Y}")


def check_student_in_group(student_id: Optional[int], members: set) -> None:
    """Marks and attendance are entered for the students of the subject group (its
    class, or the subgroup's members) — never for a student of another class."""
    if student_id is None:
        raise RuleViolation(N_("Choose the student."))
    if student_id not in members:
        raise RuleViolation(N_("The student does not learn in this subject group."))


def check_same_year(row_year_id: Optional[int], group_year_id: Optional[int]) -> None:
    """A period mark's period and a final mark's column are of the group's school year."""
    if row_year_id is not None and group_year_id is not None and row_year_id != group_year_id:
        raise RuleViolation(N_("The period or column belongs to another school year than the subject group."))


def assignment_label(type_name: str, title: Optional[str]) -> str:
    """How a diary names a piece of work: its type and title («Контрольная работа «Дроби»»),
    or the title alone when it names the type already («Контрольная работа № 3», not
    «Контрольная работа «Контрольная работа № 3»»)."""
    type_name, title = (type_name or "").strip(), (title or "").strip()
    if not title:
        return type_name
    if not type_name or title.casefold().startswith(type_name.casefold()):
        return title
    return f"{type_name} «{title}»"
