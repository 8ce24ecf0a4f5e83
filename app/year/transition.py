"""Closing the school year and opening the next, in two re-runnable steps.

1. `prepare_next_year` (the «future year» mode): the next year with its study
   periods, holidays, classes, subject groups, curriculum, loads and final-mark
   columns copied from the current one. It can run any time before 1 September
   while the current year goes on; what already exists is kept.
2. `apply_transition`: students go one grade up (app/rules/year.py decides), the
   last grade leaves by a withdrawal order, the failing ones are transferred
   conditionally or repeat the year; then the old year is closed — read-only for
   everyone through the journal's locks (app/pipeline) — and the new one becomes
   current.

Each step writes in one transaction (the caller commits): an interrupted run
leaves nothing half done, and a second run only adds what is missing.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (
    CurriculumItem, Enrolment, FinalMark, FinalMarkColumn, FinalMarkKind, GradeScaleValue, Holiday, HolidaySet,
    OrderKind, SchoolClass, SchoolYear, Student, StudyPeriod, Subject, SubjectGroup,
    SubjectGroupTeacher,
)
from app.movement.orders import create_order
from app.rules import year as rules
from app.rules.errors import N_, RuleViolation


@dataclass
class Prepared:
    year: SchoolYear
    created: dict = field(default_factory=lambda: defaultdict(int))  # what → how many were added


def _copy(obj, **changes):
    """A new row with the columns of `obj` (no id), some of them changed."""
    cls = type(obj)
    values = {c.key: getattr(obj, c.key) for c in cls.__table__.columns if c.key != "id"}
    values.update(changes)
    return cls(**values)


def next_year_of(session: Session, year: SchoolYear) -> Optional[SchoolYear]:
    return session.scalar(select(SchoolYear).where(SchoolYear.school_id == year.school_id,
                                                   SchoolYear.name == rules.next_year_name(year.name)))


def prepare_next_year(session: Session, year: SchoolYear) -> Prepared:
    """Creates what the next year lacks, copied from `year`; returns the year and the counts added."""
    name = rules.next_year_name(year.name)
    new = next_year_of(session, year)
    result = Prepared(new)
    if new is None:
        new = SchoolYear(school_id=year.school_id, name=name, start_date=rules.shift_year(year.start_date),
                         end_date=rules.shift_year(year.end_date), is_current=False, is_closed=False)
        session.add(new)
        session.flush()
        result.year = new
        result.created["years"] += 1
    rules.check_transition_dates(year.end_date, new.start_date)

    have = {p.name for p in session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == new.id))}
    for period in session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == year.id)):
        if period.name not in have:
            session.add(_copy(period, year_id=new.id, start_date=rules.shift_year(period.start_date),
                              end_date=rules.shift_year(period.end_date)))
            result.created["periods"] += 1

    sets = {s.name: s for s in session.scalars(select(HolidaySet).where(HolidaySet.year_id == new.id))}
    set_map = {}
    for old_set in session.scalars(select(HolidaySet).where(HolidaySet.year_id == year.id)):
        target = sets.get(old_set.name)
        if target is None:
            target = HolidaySet(school_id=old_set.school_id, year_id=new.id, name=old_set.name)
            session.add(target)
            session.flush()
            for holiday in old_set.holidays:
                start, end = rules.shift_year(holiday.start_date), rules.shift_year(holiday.end_date)
                if new.start_date <= start and end <= new.end_date:
                    session.add(Holiday(school_id=holiday.school_id, holiday_set_id=target.id, name=holiday.name,
                                        start_date=start, end_date=end))
                    result.created["holidays"] += 1
        set_map[old_set.id] = target.id

    have = {c.name for c in session.scalars(select(FinalMarkColumn).where(FinalMarkColumn.year_id == new.id))}
    for column in session.scalars(select(FinalMarkColumn).where(FinalMarkColumn.year_id == year.id)):
        if column.name not in have:
            session.add(_copy(column, year_id=new.id))
            result.created["final_mark_columns"] += 1

    # The next year's classes are the promoted ones (5А → 6А; the last grade leaves) and new
    # first grades with this year's letters. Each takes its subject groups, curriculum and
    # loads from this year's class of the same grade (the same letter if there is one), and
    # its class teacher from the class it grows out of.
    old_classes = session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                  .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    if not old_classes:
        session.flush()
        return result
    by_place = {(c.grade, c.letter): c for c in old_classes}
    top, bottom = max(c.grade for c in old_classes), min(c.grade for c in old_classes)
    wanted: dict = {}
    for old in old_classes:
        if old.grade < top:
            wanted[(old.grade + 1, old.letter)] = old
    for old in old_classes:
        if old.grade == bottom:
            wanted.setdefault((old.grade, old.letter), None)
    new_classes = {(c.grade, c.letter): c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == new.id))}
    structure: dict = {}  # new class id → this year's class whose groups and curriculum it copies
    for (grade, letter), grown_from in sorted(wanted.items()):
        source = by_place.get((grade, letter)) or next((c for c in old_classes if c.grade == grade), None) or grown_from
        target = new_classes.get((grade, letter))
        if target is None:
            target = _copy(source, year_id=new.id, grade=grade, letter=letter,
                           holiday_set_id=set_map.get(source.holiday_set_id),
                           class_teacher_id=(grown_from or source).class_teacher_id)
            if grown_from is not None:
                target.profile, target.curriculum_type = grown_from.profile, grown_from.curriculum_type
            session.add(target)
            session.flush()
            result.created["classes"] += 1
            structure[target.id] = source
        new_classes[(grade, letter)] = target

    loads = defaultdict(list)
    for load in session.scalars(select(SubjectGroupTeacher).join(SubjectGroup).where(SubjectGroup.year_id == year.id)):
        loads[load.subject_group_id].append(load)
    groups_of = defaultdict(list)
    for group in session.scalars(select(SubjectGroup).where(SubjectGroup.year_id == year.id)):
        groups_of[group.class_id].append(group)
    items_of = defaultdict(list)
    for item in session.scalars(select(CurriculumItem).where(CurriculumItem.year_id == year.id)):
        items_of[item.class_id].append(item)
    for target_id, source in structure.items():
        target = session.get(SchoolClass, target_id)
        for group in groups_of[source.id]:
            name = group.name.replace(source.name, target.name)  # «Алгебра 10А» → «Алгебра 10Б»
            copy = _copy(group, year_id=new.id, class_id=target.id, name=name)
            session.add(copy)
            session.flush()
            result.created["subject_groups"] += 1
            for load in loads[group.id]:
                session.add(_copy(load, subject_group_id=copy.id))
                result.created["loads"] += 1
        for item in items_of[source.id]:
            session.add(_copy(item, year_id=new.id, class_id=target.id))
            result.created["curriculum"] += 1
    session.flush()
    return result


# ---------------------------------------------------------------------------
# The transition
# ---------------------------------------------------------------------------

@dataclass
class StudentLine:
    """A row of the preview: who, from which class, where to, and why."""

    student_id: int
    name: str
    from_class: str
    action: str
    to_class: Optional[str]
    failed: tuple = ()


def standings(session: Session, year: SchoolYear) -> tuple[list, dict, dict]:
    """The year's students at its end with their failing final subjects; (standings, names, classes)."""
    rows = session.execute(
        select(Enrolment.student_id, Student.last_name, Student.first_name, Student.middle_name,
               SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .join(Student, Enrolment.student_id == Student.id)
        .join(SchoolClass, Enrolment.class_id == SchoolClass.id)
        .where(SchoolClass.year_id == year.id, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= year.end_date))
        .order_by(SchoolClass.grade, SchoolClass.letter, Student.last_name, Student.first_name)
    ).all()
    failing = defaultdict(list)
    for student_id, subject in session.execute(
        select(FinalMark.student_id, Subject.name)
        .join(FinalMarkColumn, FinalMark.column_id == FinalMarkColumn.id)
        .join(GradeScaleValue, FinalMark.value_id == GradeScaleValue.id)
        .join(SubjectGroup, FinalMark.subject_group_id == SubjectGroup.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .where(FinalMarkColumn.year_id == year.id, FinalMarkColumn.kind.in_([FinalMarkKind.year, FinalMarkKind.final]),
               GradeScaleValue.is_passing.is_(False))
    ):
        if subject not in failing[student_id]:
            failing[student_id].append(subject)
    result, names, classes = [], {}, {}
    for sid, last, first, middle, class_id, grade, letter in rows:
        if sid in names:
            continue
        names[sid] = " ".join(p for p in (last, first, middle) if p)
        classes[sid] = class_id
        result.append(rules.Standing(sid, grade, letter, tuple(failing.get(sid, ()))))
    return result, names, classes


def last_grade(session: Session, year: SchoolYear) -> int:
    grades = session.scalars(select(SchoolClass.grade).where(SchoolClass.year_id == year.id).distinct()).all()
    return max(grades, default=11)


def preview_transition(session: Session, year: SchoolYear, choices: Optional[dict] = None) -> list:
    """What `apply_transition` would do, a line per student."""
    found, names, _classes = standings(session, year)
    plan = rules.plan_transition(found, last_grade(session, year), choices)
    by_student = {s.student_id: s for s in found}
    return [StudentLine(m.student_id, names[m.student_id], f"{by_student[m.student_id].grade}{m.letter}", m.action,
                        f"{m.to_grade}{m.letter}" if m.to_grade else None, by_student[m.student_id].failed_subjects)
            for m in plan.moves]


@dataclass
class Transition:
    promoted: int = 0
    conditional: int = 0
    repeating: int = 0
    graduated: int = 0
    already_done: int = 0
    missing_classes: list = field(default_factory=list)
    orders: list = field(default_factory=list)


def apply_transition(session: Session, year: SchoolYear, choices: Optional[dict] = None,
                     leave_date: Optional[dt.date] = None) -> Transition:
    """Moves the students into the prepared next year, closes `year` and makes the next one current."""
    if year.is_closed:
        raise RuleViolation(N_("The school year %(year)s is already closed."), year=year.name)
    new = next_year_of(session, year)
    if new is None:
        raise RuleViolation(N_("Prepare the next school year first."))
    leave_date = leave_date or year.end_date
    found, _names, classes = standings(session, year)
    plan = rules.plan_transition(found, last_grade(session, year), choices)
    targets = {(c.grade, c.letter): c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == new.id))}
    missing = sorted({f"{m.to_grade}{m.letter}" for m in plan.moves
                      if m.to_grade is not None and (m.to_grade, m.letter) not in targets})
    if missing:
        raise RuleViolation(N_("The next year has no classes %(classes)s: add them, then run the transition again."),
                            classes=", ".join(missing))
    already = set(session.scalars(select(Enrolment.student_id).join(SchoolClass, Enrolment.class_id == SchoolClass.id)
                                  .where(SchoolClass.year_id == new.id)))
    open_enrolments = {e.student_id: e for e in session.scalars(
        select(Enrolment).join(SchoolClass, Enrolment.class_id == SchoolClass.id)
        .where(SchoolClass.year_id == year.id, Enrolment.end_date.is_(None)))}
    done = Transition()
    graduates, transfers, conditional = [], [], set()
    for move in plan.moves:
        if move.student_id in already:
            done.already_done += 1
            continue
        if move.action == rules.GRADUATE:
            if move.student_id not in open_enrolments:
                done.already_done += 1  # left already
                continue
            graduates.append((move.student_id, classes[move.student_id], None))
            done.graduated += 1
            continue
        transfers.append((move.student_id, classes[move.student_id], targets[(move.to_grade, move.letter)].id))
        if move.action == rules.REPEAT:
            done.repeating += 1
        elif move.action == rules.CONDITIONAL:
            conditional.add(move.student_id)
            done.conditional += 1
        else:
            done.promoted += 1
    # the orders the year's end needs, numbered and applied like any other (app/movement/orders.py)
    if graduates:
        done.orders.append(create_order(session, kind=OrderKind.withdrawal, date=leave_date, year=year, items=graduates,
                                        reason="Окончание обучения", destination="Получение образования завершено"))
    if transfers:
        order = create_order(session, kind=OrderKind.transfer, date=new.start_date, year=new, items=transfers,
                             reason="Перевод в следующий класс")
        done.orders.append(order)
        for enrolment in session.scalars(select(Enrolment).where(Enrolment.order_id == order.id,
                                                                 Enrolment.student_id.in_(conditional))):
            enrolment.is_conditional = True
    session.flush()  # the old year's enrolments close while it is still open
    year.is_closed, year.is_current = True, False
    new.is_current = True
    session.flush()
    return done
