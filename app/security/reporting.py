"""Who may get which report (the rights «reports_own_class» / «reports_all_classes»,
«own_children_view», «self_view»), decided once for every report page, download
and job.

The rows inside a report are scoped as everywhere (app/security/scoping.py); this
module answers the question before a report is built: which classes may the user
choose, and is this student theirs to report on. Anything else is refused with
404, the same answer as for a record that does not exist, so that ids of other
classes and children reveal nothing.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from flask import abort, current_app
from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from app.models import Employee, SchoolClass, Student, SubjectGroup
from app.security.rights import user_rights
from app.security.scoping import UNSCOPED, current_scope

CLASS_RIGHTS = {"reports_own_class", "reports_all_classes"}
STUDENT_RIGHTS = CLASS_RIGHTS | {"own_children_view", "self_view"}


def _rights() -> frozenset:
    sm = current_app.appbuilder.sm
    return user_rights(sm, sm.current_user)


def may_report_on_classes() -> bool:
    return bool(_rights() & CLASS_RIGHTS)


def require_class_reports() -> None:
    """A class's reports need «reports_own_class» or «reports_all_classes» (403 without)."""
    if not may_report_on_classes():
        abort(403)


def require_all_classes() -> None:
    """The school's reports (journal control, results by school) need «reports_all_classes»."""
    if "reports_all_classes" not in _rights():
        abort(403)


def require_student_reports() -> None:
    if not _rights() & STUDENT_RIGHTS:
        abort(403)


def report_class_ids(session: Session, year_id: Optional[int] = None) -> list:
    """The classes the user may get reports for: every class of their school with
    «reports_all_classes»; with «reports_own_class» the class they lead and the classes
    they teach in (a subject teacher's report then holds their subjects only)."""
    rights = _rights()
    query = select(SchoolClass.id).order_by(SchoolClass.grade, SchoolClass.letter)
    if year_id is not None:
        query = query.where(SchoolClass.year_id == year_id)
    if "reports_all_classes" in rights:
        return list(session.scalars(query))
    if "reports_own_class" not in rights:
        return []
    sm = current_app.appbuilder.sm
    employee = session.scalar(select(Employee.id).where(Employee.user_id == sm.current_user.id).limit(1))
    if employee is None:
        return []
    # the subject groups the scoping lets through are those taught, substituted or led
    taught = select(SubjectGroup.class_id)
    return list(session.scalars(query.where(or_(SchoolClass.class_teacher_id == employee, SchoolClass.id.in_(taught)))))


def report_class(session: Session, class_id: Optional[int], year_id: Optional[int] = None) -> int:
    """The class asked for, if the user may report on it; 404 otherwise."""
    require_class_reports()
    if class_id is None or class_id not in report_class_ids(session, year_id):
        abort(404)
    return class_id


def report_student(session: Session, student_id: Optional[int]) -> int:
    """The student asked for, if the user sees them: a parent their children, a student
    themselves, a teacher the students of their groups and class, the administration
    everyone (the scoping of Student decides); 404 otherwise."""
    require_student_reports()
    if student_id is None or session.get(Student, student_id) is None:
        abort(404)
    return student_id


def own_students(session: Session) -> list:
    """(id, name) of the students a family login reports on: a parent's children, a
    student themselves (both are what the scoping shows them). A scope that names its
    students is read as those students of its schools, without the per-row criteria."""
    scope = current_scope(session)
    if scope.students is UNSCOPED:
        rows = session.execute(_own_students_statement(False, False)).all()
    else:
        params = {"students": list(scope.students)}
        if scope.schools is not UNSCOPED:
            params["schools"] = list(scope.schools)
        rows = session.execute(_own_students_statement(True, scope.schools is not UNSCOPED), params,
                               execution_options={"parta_unscoped": True}).all()
    return [(sid, " ".join(p for p in (last, first, middle) if p)) for sid, last, first, middle in rows]


@lru_cache(maxsize=4)
def _own_students_statement(named: bool, within_schools: bool):
    """own_students' statement, built once per process (parameters students and schools)."""
    query = select(Student.id, Student.last_name, Student.first_name, Student.middle_name).order_by(
        Student.last_name, Student.first_name, Student.id)
    if named:
        query = query.where(Student.id.in_(bindparam("students", expanding=True, type_=Integer)))
    if within_schools:
        query = query.where(Student.school_id.in_(bindparam("schools", expanding=True, type_=Integer)))
    return query
