"""The timetable editor's database operations: the week of a class, a teacher or a
room on a date; placing, moving and removing a subject group's lesson; a new
timetable from a date (the old lines close the day before, the past is kept);
copying a class's week; substitutions of a teacher; the import of a timetable.

Every write goes through the session's flush, so the write pipeline's clash rule
(app/rules/timetable.py, app/pipeline/rules.py) refuses a class, a teacher or a room
in two places at once on each of them. The caller commits (or rolls back).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (
    Bell, BellSchedule, Employee, Lesson, Room, ScheduleEntry, SchoolClass, SchoolYear, Subject, SubjectGroup,
    SubjectGroupTeacher,
)
from app.pipeline import validate
from app.rules import timetable as rules
from app.rules.errors import N_, RuleViolation

KINDS = ("class", "teacher", "room")
MIN_NUMBERS = 8


def _valid_on(day: dt.date):
    return (ScheduleEntry.valid_from <= day) & or_(ScheduleEntry.valid_to.is_(None), ScheduleEntry.valid_to >= day)


def teachers_of(session: Session, group_ids) -> dict:
    """Group id → [(employee id, short name)], the main teacher first."""
    found = defaultdict(list)
    ids = list(group_ids)
    if not ids:
        return found
    for group_id, employee in session.execute(
        select(SubjectGroupTeacher.subject_group_id, Employee).join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
        .where(SubjectGroupTeacher.subject_group_id.in_(ids))
        .order_by(SubjectGroupTeacher.is_main.desc(), SubjectGroupTeacher.id)
    ):
        found[group_id].append((employee.id, employee.short_name))
    return found


def year_on(session: Session, day: dt.date) -> Optional[SchoolYear]:
    return (session.scalar(select(SchoolYear).where(SchoolYear.start_date <= day, SchoolYear.end_date >= day).limit(1))
            or session.scalar(select(SchoolYear).order_by(SchoolYear.start_date.desc()).limit(1)))


def lesson_numbers(session: Session, used: int = 0) -> int:
    """How many lessons a day the grid shows: the default bell schedule's, at least 8."""
    bells = session.scalar(select(Bell.lesson_number).join(BellSchedule, Bell.bell_schedule_id == BellSchedule.id)
                           .where(BellSchedule.is_default.is_(True)).order_by(Bell.lesson_number.desc()).limit(1))
    return max(MIN_NUMBERS, bells or 0, used)


def _line_dict(entry: ScheduleEntry, group: SubjectGroup, school_class: SchoolClass, room: Optional[Room],
               teachers: list) -> dict:
    return {
        "id": entry.id, "group_id": group.id, "group": group.name, "class_id": school_class.id, "class": school_class.name,
        "whole": group.is_whole_class is not False, "weekday": entry.weekday, "number": entry.lesson_number,
        "room_id": entry.room_id, "room": room.name if room else "",
        "teachers": [name for _, name in teachers], "teacher_ids": [tid for tid, _ in teachers],
        "valid_from": entry.valid_from.isoformat(), "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
    }


def week(session: Session, kind: str, target_id: int, day: dt.date) -> list:
    """The lines of a class's, a teacher's or a room's week valid on `day`."""
    query = (select(ScheduleEntry, SubjectGroup, SchoolClass, Room)
             .join(SubjectGroup, ScheduleEntry.subject_group_id == SubjectGroup.id)
             .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
             .outerjoin(Room, ScheduleEntry.room_id == Room.id)
             .where(_valid_on(day)))
    if kind == "class":
        query = query.where(SubjectGroup.class_id == target_id)
    elif kind == "teacher":
        query = query.where(SubjectGroup.id.in_(select(SubjectGroupTeacher.subject_group_id)
                                                .where(SubjectGroupTeacher.employee_id == target_id)))
    else:
        query = query.where(ScheduleEntry.room_id == target_id)
    rows = session.execute(query.order_by(ScheduleEntry.weekday, ScheduleEntry.lesson_number, SubjectGroup.name)).all()
    teachers = teachers_of(session, {g.id for _, g, _, _ in rows})
    return [_line_dict(e, g, c, r, teachers.get(g.id, [])) for e, g, c, r in rows]


def palette(session: Session, kind: str, target_id: int, day: dt.date, lines: list) -> list:
    """The subject groups that can be placed on the grid: a class's, or a teacher's, with
    the hours a week they should have and the lessons placed."""
    year = year_on(session, day)
    if year is None or kind == "room":
        return []
    query = select(SubjectGroup, SchoolClass).join(SchoolClass, SubjectGroup.class_id == SchoolClass.id) \
        .where(SubjectGroup.year_id == year.id)
    if kind == "class":
        query = query.where(SubjectGroup.class_id == target_id)
    else:
        query = query.where(SubjectGroup.id.in_(select(SubjectGroupTeacher.subject_group_id)
                                                .where(SubjectGroupTeacher.employee_id == target_id)))
    rows = session.execute(query.order_by(SchoolClass.grade, SchoolClass.letter, SubjectGroup.name)).all()
    teachers = teachers_of(session, {g.id for g, _ in rows})
    placed = defaultdict(int)
    for line in lines:
        placed[line["group_id"]] += 1
    return [{"id": g.id, "name": g.name, "class": c.name, "whole": g.is_whole_class is not False,
             "teachers": [name for _, name in teachers.get(g.id, [])],
             "hours": float(g.hours_per_week) if g.hours_per_week is not None else None,
             "placed": placed[g.id], "room_id": c.room_id} for g, c in rows]


# --- Writes: each line through the pipeline, so that its message reaches the user ----

def _add(session: Session, entry: ScheduleEntry) -> ScheduleEntry:
    session.add(entry)
    validate(session, entry)
    return entry


def _start(group: SubjectGroup, day: dt.date) -> dt.date:
    year = group.year
    return max(day, year.start_date) if year is not None else day


def place(session: Session, group_id: int, weekday: int, number: int, room_id: Optional[int], day: dt.date) -> ScheduleEntry:
    """A subject group's lesson on a weekday and number, from `day` on."""
    group = session.get(SubjectGroup, group_id)
    if group is None:
        raise RuleViolation(N_("The subject group was not found."))
    if room_id is not None and session.get(Room, room_id) is None:
        raise RuleViolation(N_("The room was not found."))
    return _add(session, ScheduleEntry(school_id=group.school_id, subject_group_id=group.id, weekday=weekday,
                                       lesson_number=number, room_id=room_id, valid_from=_start(group, day)))


def _entry(session: Session, entry_id: int) -> ScheduleEntry:
    entry = session.get(ScheduleEntry, entry_id)
    if entry is None:
        raise RuleViolation(N_("The timetable line was not found: reload the page."))
    return entry


def move(session: Session, entry_id: int, weekday: int, number: int, room_id: Optional[int], day: dt.date) -> ScheduleEntry:
    """The line moved to another slot (or room) from `day` on; before `day` it stays where it was."""
    entry = _entry(session, entry_id)
    if room_id is not None and session.get(Room, room_id) is None:
        raise RuleViolation(N_("The room was not found."))
    kept = rules.close_before(entry.valid_from, day, entry.valid_to)
    if kept is None or kept == (entry.valid_from, entry.valid_to):
        entry.weekday, entry.lesson_number, entry.room_id = weekday, number, room_id
        validate(session, entry)
        return entry
    valid_to = entry.valid_to
    entry.valid_to = kept[1]
    validate(session, entry)
    return _add(session, ScheduleEntry(school_id=entry.school_id, subject_group_id=entry.subject_group_id, weekday=weekday,
                                       lesson_number=number, room_id=room_id, valid_from=day, valid_to=valid_to))


def remove(session: Session, entry_id: int, day: dt.date) -> None:
    """The line removed from `day` on: one that began before ends the day before (the past is kept)."""
    entry = _entry(session, entry_id)
    kept = rules.close_before(entry.valid_from, day, entry.valid_to)
    if kept is None:
        validate(session, entry, deleting=True)
        session.delete(entry)
    elif kept != (entry.valid_from, entry.valid_to):
        entry.valid_to = kept[1]
        validate(session, entry)


def _close_from(session: Session, class_id: int, day: dt.date) -> int:
    """The class's lines close the day before `day` (lines beginning then or later go)."""
    closed = 0
    for entry in session.scalars(select(ScheduleEntry).join(SubjectGroup, ScheduleEntry.subject_group_id == SubjectGroup.id)
                                 .where(SubjectGroup.class_id == class_id)):
        kept = rules.close_before(entry.valid_from, day, entry.valid_to)
        if kept is None:
            session.delete(entry)
            closed += 1
        elif kept != (entry.valid_from, entry.valid_to):
            entry.valid_to = kept[1]
            closed += 1
    return closed


@dataclass
class CopyResult:
    copied: int = 0
    closed: int = 0
    unmatched: list = field(default_factory=list)  # names of the source's groups the target class lacks
    refusals: list = field(default_factory=list)   # RuleViolation per line that clashes


def copy_week(session: Session, source_class_id: int, source_day: dt.date, target_class_id: int,
              valid_from: dt.date) -> CopyResult:
    """The week of a class valid on `source_day` becomes the timetable of the target class
    (the same class: a new timetable) from `valid_from`; the target's lines close the day
    before. A group is matched by its subject (subgroups in the order of their names);
    rooms are copied within a class only. All lines or none: a clash refuses the copy."""
    source, target = session.get(SchoolClass, source_class_id), session.get(SchoolClass, target_class_id)
    if source is None or target is None:
        raise RuleViolation(N_("Choose the class to copy from and the class to copy to."))
    year = target.year
    if not (year.start_date <= valid_from <= year.end_date):
        raise RuleViolation(N_("The new timetable begins %(date)s, outside the school year %(year)s."),
                            date=f"{valid_from:%d.%m.%Y}", year=year.name)
    lines = week(session, "class", source.id, source_day)
    if not lines:
        raise RuleViolation(N_("Class %(class_name)s has no timetable on %(date)s: there is nothing to copy."),
                            class_name=source.name, date=f"{source_day:%d.%m.%Y}")
    same = source.id == target.id
    mapping = {}
    if not same:
        def by_subject(class_id):
            groups = defaultdict(list)
            for group in session.scalars(select(SubjectGroup).where(SubjectGroup.class_id == class_id)
                                         .order_by(SubjectGroup.name)):
                groups[(group.subject_id, group.is_whole_class is not False)].append(group.id)
            return groups
        theirs, ours = by_subject(source.id), by_subject(target.id)
        for key, ids in theirs.items():
            for index, group_id in enumerate(ids):
                if index < len(ours.get(key, [])):
                    mapping[group_id] = ours[key][index]
    result = CopyResult()
    result.closed = _close_from(session, target.id, valid_from)
    session.flush()
    new_rows = []
    for line in lines:
        group_id = line["group_id"] if same else mapping.get(line["group_id"])
        if group_id is None:
            if line["group"] not in result.unmatched:
                result.unmatched.append(line["group"])
            continue
        new_rows.append(ScheduleEntry(school_id=target.school_id, subject_group_id=group_id, weekday=line["weekday"],
                                      lesson_number=line["number"], room_id=line["room_id"] if same else None,
                                      valid_from=valid_from))
    for row in new_rows:
        session.add(row)
        try:
            validate(session, row)
        except RuleViolation as refusal:
            result.refusals.append(refusal)
    result.copied = len(new_rows)
    return result


# --- Substitutions ------------------------------------------------------------------

@dataclass
class SubstitutionLesson:
    id: int
    date: dt.date
    number: int
    group: str
    class_name: str
    substitute: str
    busy: str = ""  # why the chosen substitute cannot take it


def lessons_of_teacher(session: Session, teacher_id: int, date_from: dt.date, date_to: dt.date,
                       substitute_id: Optional[int] = None) -> list:
    """The lessons a teacher gives between the dates (their groups' lessons, and those
    of which they are the lesson's teacher), with whether the substitute is free then."""
    taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == teacher_id)
    rows = session.execute(
        select(Lesson, SubjectGroup, SchoolClass).join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .where(Lesson.date >= date_from, Lesson.date <= date_to, Lesson.is_cancelled.is_not(True),
               or_(Lesson.teacher_id == teacher_id, Lesson.subject_group_id.in_(taught)))
        .order_by(Lesson.date, Lesson.number)
    ).all()
    substitutes = {lesson.substitute_id for lesson, _, _ in rows if lesson.substitute_id}
    employees = {e.id: e.short_name for e in session.scalars(select(Employee).where(
        Employee.id.in_(substitutes)))} if substitutes else {}
    busy = {}
    if substitute_id is not None and rows:
        theirs = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == substitute_id)
        for lesson_id, day, number, name in session.execute(
            select(Lesson.id, Lesson.date, Lesson.number, SubjectGroup.name)
            .join(SubjectGroup, Lesson.subject_group_id == SubjectGroup.id)
            .where(Lesson.date >= date_from, Lesson.date <= date_to, Lesson.is_cancelled.is_not(True),
                   or_(Lesson.substitute_id == substitute_id,
                       Lesson.substitute_id.is_(None) & (Lesson.subject_group_id.in_(theirs) | (Lesson.teacher_id == substitute_id))))
        ):
            busy.setdefault((day, number), []).append((lesson_id, name))

    def busy_with(lesson) -> str:  # another lesson than this one (which they may already substitute)
        return ", ".join(name for lesson_id, name in busy.get((lesson.date, lesson.number), []) if lesson_id != lesson.id)

    return [SubstitutionLesson(lesson.id, lesson.date, lesson.number, group.name, school_class.name,
                               employees.get(lesson.substitute_id, ""), busy_with(lesson))
            for lesson, group, school_class in rows]


def substitute(session: Session, lesson_ids, substitute_id: Optional[int]) -> int:
    """The lessons given to the substitute (None: the substitution is cancelled), each
    through the pipeline (the journal's rights and locks, the substitute's clash check)."""
    if substitute_id is not None and session.get(Employee, substitute_id) is None:
        raise RuleViolation(N_("The substitute teacher was not found."))
    changed = 0
    for lesson_id in lesson_ids:
        lesson = session.get(Lesson, lesson_id)
        if lesson is None:
            raise RuleViolation(N_("A lesson was not found: show the lessons again."))
        if lesson.substitute_id != substitute_id:
            lesson.substitute_id = substitute_id
            validate(session, lesson)
            session.flush()  # the next lesson's check sees this one
            changed += 1
    return changed


# --- Import from a table: class, day, lesson, subject, teacher, room -------------------

@dataclass
class ImportLine:
    row: int
    values: dict
    problems: list = field(default_factory=list)
    group: Optional[SubjectGroup] = None
    room: Optional[Room] = None
    teacher: Optional[Employee] = None
    weekday: Optional[int] = None
    number: Optional[int] = None


@dataclass
class TimetableImport:
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # of the file as a whole
    classes: list = field(default_factory=list)   # names of the classes whose timetable is replaced

    @property
    def valid(self) -> list:
        return [line for line in self.lines if not line.problems]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.problems and all(not line.problems for line in self.lines)


def _fold(text: str) -> str:
    """As names compare: no case, «ё» as «е», single spaces, «А.С.» as «А. С.»."""
    text = str(text or "").replace("ё", "е").replace("Ё", "Е").lower().replace(".", ". ")
    return " ".join(text.split())


LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXabcehkmoptx", "АВСЕНКМОРТХавсенкмортх")


def _class_key(text: str) -> str:
    """«5 А», «5а», «5A» (a Latin letter) → «5а»."""
    return str(text or "").replace(" ", "").translate(LATIN_LOOKALIKES).lower()


def plan_import(session: Session, rows, valid_from: dt.date, apply: bool = False) -> TimetableImport:
    """Reads the rows, finds each one's subject group, teacher and room, and checks the
    clashes of the new timetable row by row (the classes named in the file get a new
    timetable from `valid_from`: their lines close the day before). With `apply` the
    lines stay in the session (the caller commits when the whole file is clean)."""
    result = TimetableImport()
    parsed = rules.parse_timetable_rows(rows)
    result.problems = parsed.problems
    if parsed.problems:
        return result
    year = year_on(session, valid_from)
    if year is None or not (year.start_date <= valid_from <= year.end_date):
        result.problems.append(RuleViolation(N_("The date %(date)s lies outside the school years."),
                                             date=f"{valid_from:%d.%m.%Y}"))
        return result
    classes = {_class_key(c.name): c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))}
    rooms = {_fold(r.name): r for r in session.scalars(select(Room))}
    subjects = {}
    for subject in session.scalars(select(Subject)):
        subjects[_fold(subject.name)] = subject
        if subject.short_name:
            subjects.setdefault(_fold(subject.short_name), subject)
    employees = defaultdict(list)
    for employee in session.scalars(select(Employee)):
        employees[_fold(employee.short_name)].append(employee)
        employees[_fold(employee.full_name)].append(employee)
        employees[_fold(employee.last_name)].append(employee)
    groups = defaultdict(list)
    for group in session.scalars(select(SubjectGroup).where(SubjectGroup.year_id == year.id).order_by(SubjectGroup.name)):
        groups[(group.class_id, group.subject_id)].append(group)
    teachers = teachers_of(session, [g.id for gs in groups.values() for g in gs])
    for parsed_row in parsed.rows:
        line = ImportLine(parsed_row.row, parsed_row.values, list(parsed_row.problems))
        result.lines.append(line)
        values = parsed_row.values
        line.weekday, line.number = values.get("weekday"), values.get("number")
        school_class = classes.get(_class_key(values.get("class")))
        if values.get("class") and school_class is None:
            line.problems.append(RuleViolation(N_("There is no class %(name)s in the school year %(year)s."),
                                               name=values["class"], year=year.name))
        subject = subjects.get(_fold(values.get("subject")))
        if values.get("subject") and subject is None:
            line.problems.append(RuleViolation(N_("There is no subject «%(name)s»."), name=values["subject"]))
        if values.get("teacher"):
            found = {e.id: e for e in employees.get(_fold(values["teacher"]), [])}
            if len(found) != 1:
                line.problems.append(RuleViolation(N_("The teacher «%(name)s» was not found among the employees.")
                                                   if not found else N_("The teacher «%(name)s» is ambiguous: write the full name."),
                                                   name=values["teacher"]))
            else:
                line.teacher = next(iter(found.values()))
        if values.get("room"):
            line.room = rooms.get(_fold(values["room"]))
            if line.room is None:
                line.problems.append(RuleViolation(N_("There is no room «%(name)s»."), name=values["room"]))
        if school_class is not None and subject is not None:
            candidates = groups.get((school_class.id, subject.id), [])
            if line.teacher is not None and len(candidates) > 1:
                candidates = [g for g in candidates if line.teacher.id in {t for t, _ in teachers.get(g.id, [])}] or candidates
            if not candidates:
                line.problems.append(RuleViolation(N_("Class %(class_name)s has no subject group of «%(subject)s»."),
                                                   class_name=school_class.name, subject=subject.name))
            elif len(candidates) > 1:
                line.problems.append(RuleViolation(N_("Class %(class_name)s has several groups of «%(subject)s»: "
                                                      "name the teacher of the group."),
                                                   class_name=school_class.name, subject=subject.name))
            else:
                line.group = candidates[0]
                if line.teacher is not None and line.teacher.id not in {t for t, _ in teachers.get(line.group.id, [])}:
                    line.problems.append(RuleViolation(N_("%(teacher)s does not teach «%(group)s»."),
                                                       teacher=line.teacher.short_name, group=line.group.name))
        if school_class is not None and school_class.name not in result.classes:
            result.classes.append(school_class.name)
    # the clash check of the new timetable: the named classes' lines close, the rows go in one by one
    class_ids = {line.group.class_id for line in result.lines if line.group is not None}
    for class_id in sorted(class_ids):
        _close_from(session, class_id, valid_from)
    session.flush()
    for line in result.lines:
        if line.problems or line.group is None:
            continue
        entry = ScheduleEntry(school_id=line.group.school_id, subject_group_id=line.group.id, weekday=line.weekday,
                              lesson_number=line.number, room_id=line.room.id if line.room else None, valid_from=valid_from)
        session.add(entry)
        try:
            validate(session, entry)
        except RuleViolation as refusal:
            line.problems.append(refusal)
            session.expunge(entry)
    return result
