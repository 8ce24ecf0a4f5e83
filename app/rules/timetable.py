"""The timetable's clash rule: a class, a teacher or a room is in one place at a
time. Two lines of the timetable clash when they fall on the same weekday and
lesson number while their validity (valid_from–valid_to, open = until further
notice) overlaps, and they share

- the class — unless both are subgroups (two halves of the class learning, e.g.,
  English apart): a subgroup pair shares the slot, each in its own room;
- a teacher;
- a room.

The same rule decides a substitution: the substitute must be free at the lesson's
date and number. The pipeline (app/pipeline/rules.py) gathers the lines and calls
these functions on every path (the CRUD page, the editor, REST, the import).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from .errors import N_, RuleViolation
from .importing import Column, header_map, text


@dataclass(frozen=True)
class Placement:
    """A line of the timetable as the clash rule sees it."""

    group_id: Optional[int]
    name: str                     # the subject group, e.g. «Русский язык 1А»
    class_id: Optional[int]
    class_name: str
    whole_class: bool
    weekday: int
    number: int
    valid_from: dt.date
    valid_to: Optional[dt.date] = None
    room_id: Optional[int] = None
    room_name: str = ""
    teachers: tuple = ()          # ((employee id, short name), …)
    day: Any = ""                 # the weekday's name as shown (a translatable label)
    ref: Any = field(default=None, compare=False)  # the stored row's id, to skip itself


def overlaps(a_from: dt.date, a_to: Optional[dt.date], b_from: dt.date, b_to: Optional[dt.date]) -> bool:
    """Two validity spans share a day (an open end runs on for ever)."""
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _validity(p: Placement) -> str:
    since = f"{p.valid_from:%d.%m.%Y}"
    return f"{since}–{p.valid_to:%d.%m.%Y}" if p.valid_to else since


def clash(new: Placement, other: Placement) -> Optional[RuleViolation]:
    """Why `new` cannot stand next to `other`, or None when it can."""
    if new.weekday != other.weekday or new.number != other.number:
        return None
    if not overlaps(new.valid_from, new.valid_to, other.valid_from, other.valid_to):
        return None
    common = dict(day=new.day, number=new.number, lesson=new.name, other=other.name, since=_validity(other))
    if new.room_id is not None and new.room_id == other.room_id:
        return RuleViolation(N_("Room %(room)s is already taken on %(day)s, lesson %(number)s, by «%(other)s» "
                                "(from %(since)s): «%(lesson)s» cannot be placed there."),
                             room=new.room_name, **common)
    shared = [name for tid, name in new.teachers if tid in {t for t, _ in other.teachers}]
    if shared:
        return RuleViolation(N_("Teacher %(teacher)s already teaches «%(other)s» on %(day)s, lesson %(number)s "
                                "(from %(since)s): «%(lesson)s» cannot be placed there."),
                             teacher=shared[0], **common)
    if new.class_id is not None and new.class_id == other.class_id:
        subgroup_pair = not new.whole_class and not other.whole_class and new.group_id != other.group_id
        if not subgroup_pair:
            return RuleViolation(N_("Class %(class_name)s already has «%(other)s» on %(day)s, lesson %(number)s "
                                    "(from %(since)s): «%(lesson)s» cannot be placed there."),
                                 class_name=new.class_name, **common)
    return None


def find_clashes(new: Placement, others: Iterable[Placement]) -> list:
    """Every refusal of `new` against the other lines (itself left out)."""
    found = []
    for other in others:
        if new.ref is not None and other.ref == new.ref:
            continue
        refusal = clash(new, other)
        if refusal is not None:
            found.append(refusal)
    return found


def check_no_clash(new: Placement, others: Iterable[Placement]) -> None:
    """Refuses a line that puts a class, a teacher or a room in two places at once."""
    if new.valid_to is not None and new.valid_to < new.valid_from:
        raise RuleViolation(N_("The timetable line ends (%(end)s) before it begins (%(start)s)."),
                            start=f"{new.valid_from:%d.%m.%Y}", end=f"{new.valid_to:%d.%m.%Y}")
    if not 1 <= new.weekday <= 6:
        raise RuleViolation(N_("Choose a weekday from Monday to Saturday."))
    if not 1 <= new.number <= 12:
        raise RuleViolation(N_("The lesson number lies between 1 and 12."))
    found = find_clashes(new, others)
    if found:
        raise found[0]


@dataclass(frozen=True)
class BusyLesson:
    """A lesson of the journal a teacher gives (their own or as a substitute)."""

    date: dt.date
    number: int
    name: str
    lesson_id: Optional[int] = None


def check_substitute_free(teacher: str, date: dt.date, number: int, lesson: str, busy: Sequence[BusyLesson],
                          lesson_id: Optional[int] = None) -> None:
    """A substitute takes a lesson only when they give no other lesson at that date and number."""
    for other in busy:
        if other.date == date and other.number == number and (lesson_id is None or other.lesson_id != lesson_id):
            raise RuleViolation(N_("%(teacher)s already gives «%(other)s» on %(date)s, lesson %(number)s: "
                                   "they cannot substitute «%(lesson)s»."),
                                teacher=teacher, other=other.name, date=f"{date:%d.%m.%Y}", number=number,
                                lesson=lesson)


def close_before(valid_from: dt.date, new_from: dt.date, valid_to: Optional[dt.date]) -> Optional[tuple]:
    """A new timetable from `new_from` replaces a line: the line keeps the past (it
    ends the day before) or, when it only begins then or later, goes. Returns the
    line's new (valid_from, valid_to), or None when the line is to be removed."""
    if valid_to is not None and valid_to < new_from:
        return (valid_from, valid_to)  # the past: untouched
    if valid_from >= new_from:
        return None
    return (valid_from, new_from - dt.timedelta(days=1))


# --- A timetable from a table (the export of timetable programs) ------------------

TIMETABLE_COLUMNS = (
    ("class", "Класс", ("class", "классы")),
    ("weekday", "День", ("день недели", "day", "weekday")),
    ("number", "Урок", ("№ урока", "номер урока", "lesson", "n урока")),
    ("subject", "Предмет", ("subject", "дисциплина")),
    ("teacher", "Учитель", ("teacher", "преподаватель", "педагог")),
    ("room", "Кабинет", ("room", "аудитория", "каб")),
)
REQUIRED = ("class", "weekday", "number", "subject")
DAY_NAMES = {
    1: ("понедельник", "пн", "пнд", "mon", "monday"),
    2: ("вторник", "вт", "tue", "tuesday"),
    3: ("среда", "ср", "wed", "wednesday"),
    4: ("четверг", "чт", "thu", "thursday"),
    5: ("пятница", "пт", "fri", "friday"),
    6: ("суббота", "сб", "sat", "saturday"),
}
TIMETABLE_ROWS_MAX = 5000


@dataclass
class TableRow:
    row: int
    values: dict
    problems: list = field(default_factory=list)


@dataclass
class TimetableTable:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def parse_weekday(value: Any) -> Optional[int]:
    """«Понедельник», «Пн», «пн.», «1» → 1; None when it names no school day."""
    text = str(value if value is not None else "").strip().lower().rstrip(".")
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 6 else None
    for number, names in DAY_NAMES.items():
        if text in names:
            return number
    return None


def parse_number(value: Any) -> Optional[int]:
    """A lesson number 1–12 («2», 2, 2.0)."""
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() and 1 <= number <= 12 else None


def parse_timetable_rows(rows: Sequence[Sequence[Any]]) -> TimetableTable:
    """The header row (columns in any order, Russian or English names), then one
    lesson a row; each row's problems in Russian msgids."""
    table = TimetableTable()
    rows = list(rows)
    if not rows:
        table.problems.append(RuleViolation(N_("The file is empty.")))
        return table
    columns = [Column(key, header, aliases) for key, header, aliases in TIMETABLE_COLUMNS]
    found = header_map(rows[0], columns)
    missing = [header for key, header, _ in TIMETABLE_COLUMNS if key in REQUIRED and key not in found]
    if missing:
        table.problems.append(RuleViolation(N_("The file lacks the columns: %(columns)s."), columns=", ".join(missing)))
        return table
    if len(rows) - 1 > TIMETABLE_ROWS_MAX:
        table.problems.append(RuleViolation(N_("The file has more than %(max)s rows."), max=TIMETABLE_ROWS_MAX))
        return table
    for index, cells in enumerate(rows[1:], start=2):
        raw = {key: text(cells[i]) if i < len(cells) else "" for key, i in found.items()}
        if not any(raw.values()):
            continue
        row = TableRow(index, dict(raw))
        for key in REQUIRED:
            if not raw.get(key):
                label = next(header for k, header, _ in TIMETABLE_COLUMNS if k == key)
                row.problems.append(RuleViolation(N_("The column «%(column)s» is empty."), column=label))
        if raw.get("weekday"):
            row.values["weekday"] = parse_weekday(raw["weekday"])
            if row.values["weekday"] is None:
                row.problems.append(RuleViolation(N_("«%(value)s» is not a school day (Monday to Saturday)."),
                                                  value=raw["weekday"]))
        if raw.get("number"):
            row.values["number"] = parse_number(raw["number"])
            if row.values["number"] is None:
                row.problems.append(RuleViolation(N_("«%(value)s» is not a lesson number from 1 to 12."), value=raw["number"]))
        row.values["day_text"] = raw.get("weekday", "")
        table.rows.append(row)
    if not table.rows:
        table.problems.append(RuleViolation(N_("The file has no lessons.")))
    return table
