"""Choosing a journal by teacher as well as by class: the current year's subject
groups the user may open, with their teachers, for the coordinator's chooser (a
school has hundreds of groups; a deputy head looks for «Иванова's 7Б algebra»)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Employee, SchoolClass, SchoolYear, Subject, SubjectGroup, SubjectGroupTeacher
from app.models.people import short_name
from app.security.scoping import Scope, visible_groups_rule, visible_groups_shape

UNSCOPED_READ = {"parta_unscoped": True}  # the clause is the scope's own rule


@dataclass
class Journal:
    id: int
    class_name: str
    name: str
    subject: str
    teachers: list = field(default_factory=list)  # short names, the main teacher first
    teacher_ids: list = field(default_factory=list)  # the same teachers' ids, in that order


@dataclass
class TeacherJournals:
    teacher_id: Optional[int]  # None: the groups nobody teaches yet
    name: str
    journals: list = field(default_factory=list)


@lru_cache(maxsize=4)
def _journals_statement(shape: tuple):
    """visible_journals' statement, built once per shape of scope (visible_groups_shape)."""
    return (select(SubjectGroup.id, SubjectGroup.name, SchoolClass.grade, SchoolClass.letter, Subject.name)
            .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .join(SchoolYear, SubjectGroup.year_id == SchoolYear.id)
            .join(Subject, SubjectGroup.subject_id == Subject.id)
            .where(SchoolYear.is_current.is_(True), visible_groups_rule(shape))
            .order_by(SchoolClass.grade, SchoolClass.letter, SubjectGroup.name))


def visible_journals(session: Session, scope: Scope) -> list[Journal]:
    """The current year's groups the user may open, by grade, letter and name, with their teachers."""
    shape, params = visible_groups_shape(scope)
    rows = session.execute(_journals_statement(shape), params, execution_options=UNSCOPED_READ).all()
    journals = {gid: Journal(gid, f"{grade}{letter}", name, subject) for gid, name, grade, letter, subject in rows}
    if journals:
        for gid, eid, last, first, middle in session.execute(
            select(SubjectGroupTeacher.subject_group_id, Employee.id, Employee.last_name, Employee.first_name,
                   Employee.middle_name)
            .join(Employee, SubjectGroupTeacher.employee_id == Employee.id)
            .where(SubjectGroupTeacher.subject_group_id.in_(list(journals)))
            .order_by(SubjectGroupTeacher.is_main.desc(), Employee.last_name), execution_options=UNSCOPED_READ,
        ):
            journals[gid].teachers.append(short_name(last, first, middle))
            journals[gid].teacher_ids.append(eid)
    return list(journals.values())


def journals_by_teacher(journals: list[Journal]) -> list[TeacherJournals]:
    """Each teacher of the journals (`visible_journals`) with their journals (a group with two
    teachers is under both), by the teacher's name; the groups without a teacher last."""
    by_teacher: dict = {}
    for journal in journals:  # in the order of visible_journals: by grade, letter and name
        for eid, name in zip(journal.teacher_ids, journal.teachers):
            by_teacher.setdefault(eid, TeacherJournals(eid, name)).journals.append(journal)
    ordered = sorted(by_teacher.values(), key=lambda t: t.name)
    orphans = [j for j in journals if not j.teachers]
    if orphans:
        ordered.append(TeacherJournals(None, "", orphans))
    return ordered
