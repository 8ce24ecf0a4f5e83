"""Students with their guardians, and staff, from an XLSX or CSV file: the
downloadable templates, the preview (what each row would do) and the import of
the valid rows.

What a row means and how a person is found again is app.rules.importing's; this
module reads the school's people and writes. The preview and the import run the
same planning code: the preview only describes, the import also writes, so the
confirmed import does what the preview showed (against the data as they are at
confirmation). Writes go through the ORM and its flush hooks; the caller commits
once (one transaction) or rolls back. Class membership is not touched: it
changes only through orders.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import tables
from app.models import Employee, EmployeePosition, Gender, Guardian, Position, Relation, Student, StudentGuardian
from app.rules import importing as rules
from app.rules.errors import N_, RuleViolation

STUDENTS, STAFF = "students", "staff"
KINDS = (STUDENTS, STAFF)
MAX_READ_ROWS = rules.ROWS_MAX + 500  # blank rows included
MAX_COLUMNS = 60

STUDENT_FIELDS = ("personal_file_no", "last_name", "first_name", "middle_name", "birth_date", "gender", "snils",
                  "address", "phone", "email")
GUARDIAN_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email")
EMPLOYEE_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "phone", "email", "education",
                   "qualification_category", "hire_date")
ENUMS = {"gender": Gender, "relation": Relation}
UNSCOPED = {"parta_unscoped": True}


# --- Files ------------------------------------------------------------------------

def read(kind: str, filename: str, data: bytes, today: dt.date) -> rules.ParsedTable:
    """The file's rows, each with its problems; RuleViolation when the file itself cannot be read."""
    rows = tables.read_table(filename, data, max_rows=MAX_READ_ROWS, max_columns=MAX_COLUMNS)
    parsed = rules.parse_table(rows, kind, today)
    if len(rows) >= MAX_READ_ROWS and not parsed.problems:
        parsed.problems.append(RuleViolation(N_("The file has more than %(max)s rows."), max=rules.ROWS_MAX))
    return parsed


def template_xlsx(kind: str) -> bytes:
    """The import template: the Russian column headers and one example row in grey italics,
    which the user overwrites (an example left in place imports like any row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = rules.STUDENT_ALL_COLUMNS if kind == STUDENTS else rules.STAFF_COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.title = "Ученики" if kind == STUDENTS else "Сотрудники"
    sheet.append([column.header for column in columns])
    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        width = max(12, min(32, len(cell.value) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 45
    for index, column in enumerate(columns, start=1):  # dates and numbers typed as text stay as typed
        if column.key.endswith(("snils", "phone", "personal_file_no")):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- The plan of an import ----------------------------------------------------------

@dataclass
class RowPlan:
    """What one row of the file does."""

    source: rules.ImportRow
    action: str = rules.SAME                     # rules.NEW / UPDATE / SAME / ERROR
    problems: list = field(default_factory=list)  # the row's and the database's problems (RuleViolation)
    changes: list = field(default_factory=list)   # field msgids the row changes in a stored card
    notes: list = field(default_factory=list)     # RuleViolation-like messages: guardians, positions
    file_no: Optional[str] = None                 # students: the personal file number kept or given

    @property
    def row(self) -> int:
        return self.source.row

    @property
    def name(self) -> str:
        return self.source.full_name


@dataclass
class ImportPlan:
    kind: str
    rows: list = field(default_factory=list)       # RowPlan
    problems: list = field(default_factory=list)   # of the whole file

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def writes(self) -> int:
        """Rows that add or change something."""
        return self.count(rules.NEW) + self.count(rules.UPDATE)


class Note(RuleViolation):
    """A message about what a row does (not a problem); shown like one."""


def _value(name: str, value: Any) -> Any:
    enum = ENUMS.get(name)
    return enum[value] if enum is not None and value is not None else value


def _stored(obj: Any, fields: tuple) -> dict:
    """An object's fields as the rules compare them (enums by name, numbers as stored)."""
    values = {}
    for name in fields:
        value = getattr(obj, name, None)
        values[name] = value.name if hasattr(value, "name") and name in ENUMS else value
    return values


def _require_all_students(session: Session) -> None:
    """The import finds students by their keys among all of the school's: a user who
    sees only some would create doubles of the others."""
    from app.security.scoping import UNSCOPED as ALL, current_scope

    scope = current_scope(session)
    if scope.read_only:
        raise RuleViolation(N_("Your account may only read data."))
    if scope.students is not ALL:
        raise RuleViolation(N_("The import of students needs the right to view all students."))


class _StudentImport:
    def __init__(self, session: Session, school_id: int, write: bool) -> None:
        self.session, self.school_id, self.write = session, school_id, write
        students = session.scalars(
            select(Student).where(Student.school_id == school_id)
            .options(selectinload(Student.guardian_links).selectinload(StudentGuardian.guardian))
        ).all()
        self.by_file = {rules.file_key(s.personal_file_no): s for s in students if s.personal_file_no}
        self.by_person: dict = {}
        for s in students:
            self.by_person.setdefault(rules.person_key(_stored(s, STUDENT_FIELDS)), s)
        # every number of the school, seen or not, so that a new one is free
        self.taken = list(session.scalars(select(Student.personal_file_no).where(Student.school_id == school_id),
                                          execution_options=UNSCOPED))
        self.guardians: dict = {}
        for guardian in session.scalars(select(Guardian).where(Guardian.school_id == school_id)):
            self.guardians.setdefault(rules.guardian_key(_stored(guardian, GUARDIAN_FIELDS)), guardian)
        self.pending: dict = {}  # id(guardian) → changes planned by an earlier row (preview)

    def plan(self, parsed: rules.ParsedTable) -> list:
        self.taken += [r.values["personal_file_no"] for r in parsed.rows if r.values.get("personal_file_no")]
        return [self.row(source) for source in parsed.rows]

    def row(self, source: rules.ImportRow) -> RowPlan:
        plan = RowPlan(source, problems=list(source.problems))
        if plan.problems:
            plan.action = rules.ERROR
            return plan
        values = source.values
        by_file = self.by_file.get(rules.file_key(values.get("personal_file_no")))
        by_person = self.by_person.get(rules.person_key(values))
        student = by_file or by_person
        if by_file is not None and by_person is not None and by_file is not by_person:
            plan.problems.append(RuleViolation(
                N_("The personal file number %(number)s belongs to %(name)s, and this name and birth date to the "
                   "student with the personal file number %(other)s."),
                number=values["personal_file_no"], name=by_file.full_name, other=by_person.personal_file_no))
        elif by_file is None and by_person is not None and values.get("personal_file_no"):
            plan.problems.append(RuleViolation(
                N_("A student with this name and birth date already has the personal file number %(number)s."),
                number=by_person.personal_file_no))
        if plan.problems:
            plan.action = rules.ERROR
            return plan
        if student is None:
            plan.action = rules.NEW
            plan.file_no = values.get("personal_file_no") or rules.next_file_number(values["last_name"], self.taken)
            self.taken.append(plan.file_no)
            incoming = {**values, "personal_file_no": plan.file_no}
            if self.write:
                student = Student(school_id=self.school_id, **{n: _value(n, incoming[n]) for n in STUDENT_FIELDS})
                self.session.add(student)
        else:
            plan.file_no = student.personal_file_no
            changed = rules.changes(_stored(student, STUDENT_FIELDS), values, STUDENT_FIELDS)
            plan.changes = [rules.FIELD_LABELS[name] for name in changed]
            if self.write:
                for name, value in changed.items():
                    setattr(student, name, _value(name, value))
        links = list(student.guardian_links) if student is not None and student.id is not None else []
        for guardian in source.guardians:
            self.guardian(plan, student, links, guardian)
        if plan.action != rules.NEW and (plan.changes or plan.notes):
            plan.action = rules.UPDATE
        return plan

    def guardian(self, plan: RowPlan, student: Optional[Student], links: list, values: dict) -> None:
        n = values["index"]
        wanted = rules.name_key(values["last_name"], values["first_name"], values["middle_name"])
        link = next((l for l in links if rules.name_key(l.guardian.last_name, l.guardian.first_name,
                                                        l.guardian.middle_name) == wanted), None)
        guardian = link.guardian if link is not None else self.guardians.get(rules.guardian_key(values))
        if guardian is None:
            if plan.action != rules.NEW:
                plan.notes.append(Note(N_("Guardian %(n)s: new"), n=n))
            fields = {name: values[name] for name in GUARDIAN_FIELDS}
            guardian = Guardian(school_id=self.school_id, **fields) if self.write else SimpleNamespace(**fields)
            if self.write:
                self.session.add(guardian)
            self.guardians[rules.guardian_key(values)] = guardian
        else:
            current = {**_stored(guardian, GUARDIAN_FIELDS), **self.pending.get(id(guardian), {})}
            changed = rules.changes(current, values, GUARDIAN_FIELDS)
            if changed:
                plan.notes.append(Note(N_("Guardian %(n)s: %(fields)s will change"), n=n,
                                       fields=[rules.FIELD_LABELS[name] for name in changed]))
                self.pending.setdefault(id(guardian), {}).update(changed)
                if self.write:
                    for name, value in changed.items():
                        setattr(guardian, name, value)
                self.guardians[rules.guardian_key({**current, **changed})] = guardian
        relation = Relation[values["relation"]]
        if link is None:
            if plan.action != rules.NEW:
                plan.notes.append(Note(N_("Guardian %(n)s: linked to the student"), n=n))
            if self.write:
                self.session.add(StudentGuardian(school_id=self.school_id, student=student, guardian=guardian,
                                                 relation=relation))
        elif link.relation != relation:
            plan.notes.append(Note(N_("Guardian %(n)s: %(fields)s will change"), n=n,
                                   fields=[rules.FIELD_LABELS["relation"]]))
            if self.write:
                link.relation = relation


class _StaffImport:
    def __init__(self, session: Session, school_id: int, write: bool) -> None:
        self.session, self.school_id, self.write = session, school_id, write
        self.positions = {rules.fold(p.name): p for p in session.scalars(select(Position).where(Position.school_id == school_id))}
        self.employees: dict = {}
        for employee in session.scalars(select(Employee).where(Employee.school_id == school_id)
                                        .options(selectinload(Employee.positions))):
            self.employees.setdefault(rules.person_key(_stored(employee, EMPLOYEE_FIELDS)), employee)

    def plan(self, parsed: rules.ParsedTable) -> list:
        return [self.row(source) for source in parsed.rows]

    def row(self, source: rules.ImportRow) -> RowPlan:
        plan = RowPlan(source, problems=list(source.problems))
        values = source.values
        position = None
        if values.get("position"):
            position = self.positions.get(rules.fold(values["position"]))
            if position is None:
                plan.problems.append(RuleViolation(
                    N_("The position «%(value)s» is not in the school's list of positions."), value=values["position"]))
        if plan.problems:
            plan.action = rules.ERROR
            return plan
        employee = self.employees.get(rules.person_key(values))
        if employee is None:
            plan.action = rules.NEW
            if self.write:
                employee = Employee(school_id=self.school_id, **{n: _value(n, values[n]) for n in EMPLOYEE_FIELDS})
                self.session.add(employee)
            held = []
        else:
            changed = rules.changes(_stored(employee, EMPLOYEE_FIELDS), values, EMPLOYEE_FIELDS)
            plan.changes = [rules.FIELD_LABELS[name] for name in changed]
            if self.write:
                for name, value in changed.items():
                    setattr(employee, name, _value(name, value))
            held = [p for p in employee.positions if p.end_date is None]
        if position is not None:
            current = next((p for p in held if p.position_id == position.id), None)
            if current is None:
                if plan.action != rules.NEW:
                    plan.notes.append(Note(N_("Position «%(name)s»: new"), name=position.name))
                if self.write:
                    self.session.add(EmployeePosition(
                        school_id=self.school_id, employee=employee, position=position,
                        rate=values["rate"] if values["rate"] is not None else 1,
                        start_date=values["hire_date"] or employee.hire_date))
            elif values["rate"] is not None and current.rate != values["rate"]:
                plan.notes.append(Note(N_("Position «%(name)s»: %(fields)s will change"), name=position.name,
                                       fields=[rules.FIELD_LABELS["rate"]]))
                if self.write:
                    current.rate = values["rate"]
        if plan.action != rules.NEW and (plan.changes or plan.notes):
            plan.action = rules.UPDATE
        return plan


def _plan(session: Session, kind: str, school_id: int, filename: str, data: bytes, today: dt.date,
          write: bool) -> ImportPlan:
    if kind not in KINDS:
        raise ValueError(kind)
    parsed = read(kind, filename, data, today)
    plan = ImportPlan(kind, problems=list(parsed.problems))
    if parsed.rows:
        if kind == STUDENTS:
            _require_all_students(session)
            plan.rows = _StudentImport(session, school_id, write).plan(parsed)
        else:
            plan.rows = _StaffImport(session, school_id, write).plan(parsed)
    return plan


def preview(session: Session, kind: str, school_id: int, filename: str, data: bytes, today: dt.date) -> ImportPlan:
    """What importing the file would do, row by row; nothing is written."""
    return _plan(session, kind, school_id, filename, data, today, write=False)


def apply(session: Session, kind: str, school_id: int, filename: str, data: bytes, today: dt.date) -> ImportPlan:
    """Writes the file's valid rows (rows with problems are skipped) and flushes;
    the caller commits, or rolls back on an error, so that all of it or nothing is
    written. Raises RuleViolation when the file has nothing to write."""
    plan = _plan(session, kind, school_id, filename, data, today, write=True)
    if plan.problems:
        raise RuleViolation(plan.problems[0].msgid, **plan.problems[0].params)
    if not plan.writes:
        raise RuleViolation(N_("The file has no rows to import; nothing was changed."))
    session.flush()
    return plan
