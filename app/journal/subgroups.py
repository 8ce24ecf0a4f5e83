"""Splitting a class into groups for a subject at once, and moving pupils between the
groups from a date (the decisions: app/rules/subgroups.py; every membership written
here passes the write pipeline's check that the pupil is of the group's class)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Enrolment, SchoolClass, SchoolYear, Student, Subject, SubjectGroup, SubjectGroupMember
from app.models.people import short_name
from app.rules import subgroups as rules
from app.rules.errors import N_, RuleViolation


@dataclass(frozen=True)
class SplitGroup:
    id: int
    name: str
    short: str = ""   # what tells it from the subject's other groups: «1 гр.»


def _short_names(names: list) -> list:
    """The groups' names without what they share («Английский язык 5А (1 гр.)» → «1 гр.»)."""
    if len(names) < 2:
        return names
    common = os.path.commonprefix(names)
    shorts = [n[len(common):].strip(" ()") for n in names]
    return shorts if all(shorts) and len(set(shorts)) == len(shorts) else names


@dataclass
class Split:
    """A class's pupils on a day and the groups of one subject they are in."""
    school_class: SchoolClass
    subject: Subject
    day: dt.date
    year: SchoolYear
    groups: list
    pupils: list          # rules.Pupil, in list order
    current: dict         # pupil id → (membership id, group id, valid_from)

    @property
    def chosen(self) -> dict:
        return {sid: group for sid, (_m, group, _f) in self.current.items()}


def split_subjects(session: Session, class_id: int) -> list:
    """The subjects a class is split for (with at least one subgroup), by the curriculum's order."""
    return list(session.scalars(
        select(Subject).join(SubjectGroup, SubjectGroup.subject_id == Subject.id)
        .where(SubjectGroup.class_id == class_id, SubjectGroup.is_whole_class.is_(False))
        .distinct().order_by(Subject.order, Subject.name)))


def class_pupils(session: Session, class_id: int, day: dt.date) -> list:
    """The class's pupils on the day, in the list's (alphabetical) order."""
    rows = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name, Student.gender)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id == class_id, Enrolment.start_date <= day,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day))
        .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)).all()
    seen = {}
    for sid, last, first, middle, gender in rows:
        seen.setdefault(sid, rules.Pupil(sid, short_name(last, first, middle), gender.name if gender else None))
    return list(seen.values())


def load_split(session: Session, school_class: SchoolClass, subject: Subject, day: dt.date) -> Split:
    rows = list(session.scalars(
        select(SubjectGroup).where(SubjectGroup.class_id == school_class.id, SubjectGroup.subject_id == subject.id,
                                   SubjectGroup.is_whole_class.is_(False)).order_by(SubjectGroup.name)))
    groups = [SplitGroup(g.id, g.name, short) for g, short in zip(rows, _short_names([g.name for g in rows]))]
    year = session.get(SchoolYear, school_class.year_id)
    current = _memberships_on(session, [g.id for g in groups], day)
    return Split(school_class, subject, day, year, groups, class_pupils(session, school_class.id, day), current)


def _memberships_on(session: Session, group_ids: list, day: dt.date) -> dict:
    """pupil id → (membership id, group id, valid_from) of the groups on the day."""
    current: dict = {}
    if group_ids:
        for member in session.scalars(select(SubjectGroupMember).where(
                SubjectGroupMember.subject_group_id.in_(group_ids),
                or_(SubjectGroupMember.valid_from.is_(None), SubjectGroupMember.valid_from <= day),
                or_(SubjectGroupMember.valid_to.is_(None), SubjectGroupMember.valid_to >= day))
                .order_by(SubjectGroupMember.id).execution_options(populate_existing=True)):
            current.setdefault(member.student_id, (member.id, member.subject_group_id, member.valid_from))
    return current


def apply_split(session: Session, split: Split, wanted: dict) -> int:
    """Makes the pupils' groups from the split's day what was chosen (pupil id → group id
    or None); returns the number of pupils moved. Nothing is committed here: the caller
    commits, or rolls back on the pipeline's refusal."""
    rules.check_split_day(split.day, (split.year.start_date, split.year.end_date))
    group_ids = {g.id for g in split.groups}
    pupils = {p.id for p in split.pupils}
    for gid in wanted.values():
        if gid is not None and gid not in group_ids:
            raise RuleViolation(N_("Choose one of the class's groups for the subject."))
    # two people saving the same subject's groups at once: the second waits for the first
    # (the groups' rows locked) and then works from what the first saved
    session.execute(select(SubjectGroup.id).where(SubjectGroup.id.in_(group_ids)).with_for_update())
    split.current = _memberships_on(session, sorted(group_ids), split.day)
    # pupils not in the class on the day are left alone (their membership counts only while enrolled)
    current = {sid: (mid, gid, start or split.year.start_date) for sid, (mid, gid, start) in split.current.items()
               if sid in pupils}
    moves = rules.plan_split(split.day, current, {sid: wanted.get(sid) for sid in pupils})
    for move in moves:
        if move.close is not None:
            member = session.get(SubjectGroupMember, move.close)
            if move.close_deletes:
                session.delete(member)
            else:
                member.valid_to = split.day - dt.timedelta(days=1)
        if move.to_group is not None:
            first_day = None if split.day == split.year.start_date else split.day
            session.add(SubjectGroupMember(school_id=split.school_class.school_id, subject_group_id=move.to_group,
                                           student_id=move.student, valid_from=first_day))
    session.flush()
    return len(moves)


def proposal(split: Split, how: str) -> dict:
    """«First half / second half of the list» or «by gender»: the groups proposed for the
    pupils (not saved); pupils the rule leaves out keep their current group."""
    order = [g.id for g in split.groups]
    if how == "gender":
        placed = rules.by_gender(split.pupils)
        count = 2
    else:
        count = len(order)
        placed = rules.halves(split.pupils, count)
    chosen = split.chosen
    for sid, index in placed.items():
        if index < len(order):
            chosen[sid] = order[index]
    return chosen


def class_of(session: Session, class_id: Optional[int]) -> Optional[SchoolClass]:
    return session.get(SchoolClass, class_id) if class_id else None
