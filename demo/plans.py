"""Plans: what a school will hold before it is written — staff, families, classes,
students, subject groups — and the ids of its dictionaries once written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from app.models import Gender
from demo.catalog import FIRST_GRADE_HOLIDAYS, MAIN_HOLIDAYS, PASS_FAIL_SUBJECTS, YEAR_START
from demo.names import PATRONYMICS, surname_of


@dataclass(eq=False)
class StaffPlan:
    """An employee to be written, with the teaching load planned for them."""

    row: dict
    position: str
    specialty: Optional[str] = None
    id: int = 0
    room_id: Optional[int] = None
    hours: float = 0.0
    grades: set = field(default_factory=set)


@dataclass(eq=False)
class Family:
    surname: str  # the masculine form
    father_name: str
    address: str
    phone: str
    force_mother: bool = False
    mother: Optional[tuple] = None  # (guardian id, last name, first name) once written


@dataclass(eq=False)
class ClassPlan:
    grade: int
    letter: str
    size: int
    id: int = 0
    teacher: Optional[StaffPlan] = None
    room_id: Optional[int] = None
    students: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"

    @property
    def holiday_set(self) -> str:
        return FIRST_GRADE_HOLIDAYS if self.grade == 1 else MAIN_HOLIDAYS


@dataclass(eq=False)
class StudentPlan:
    family: Family
    gender: Gender
    first_name: str
    birth_date: dt.date
    level: int  # index into MARK_LEVELS
    school_class: ClassPlan
    start: dt.date = YEAR_START
    end: Optional[dt.date] = None
    id: int = 0

    @property
    def last_name(self) -> str:
        return surname_of(self.family.surname, self.gender)

    @property
    def middle_name(self) -> str:
        son, daughter = PATRONYMICS[self.family.father_name]
        return son if self.gender is Gender.male else daughter

    def enrolled_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(eq=False)
class GroupPlan:
    """A subject group with its teacher, members (None: the whole class) and timetable slots."""

    school_class: ClassPlan
    subject: str
    name: str
    hours: float
    part: int = 0  # subgroup number, 0 for the whole class
    members: Optional[list] = None
    teacher: Optional[StaffPlan] = None
    slots: list = field(default_factory=list)  # (iso weekday, lesson number, room id)
    id: int = 0

    @property
    def students(self) -> list:
        return self.members if self.members is not None else self.school_class.students

    @property
    def is_pass_fail(self) -> bool:
        return self.subject in PASS_FAIL_SUBJECTS


@dataclass
class References:
    """Ids of a school's dictionaries, by their names or codes."""

    year_id: int
    subject_ids: dict
    position_ids: dict
    scale_ids: dict
    scale_values: dict  # scale name -> code -> value id
    value_scores: dict  # value id -> score (None for pass/fail values)
    types: dict  # abbreviation -> (id, weight, name)
    code_ids: dict
    period_ids: dict  # study period name -> id
    holiday_set_ids: dict
    holiday_days: dict  # holiday set name -> set of dates
    bell_schedule_ids: dict


@dataclass
class BuiltSchool:
    school_id: int
    staff: list
    classes: list
    showcase_student: Optional[StudentPlan]  # the demo student, whose mother is the demo parent
