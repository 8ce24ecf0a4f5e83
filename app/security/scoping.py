"""Who sees which rows, enforced once for every query.

Two layers, both added by one `do_orm_execute` hook as loader criteria, so that
every path — list, show, edit, delete, actions, related lookups, form dropdowns,
the REST API, reports and exports — reads through them:

1. the school segment: a user sees only their school's rows (a municipal user:
   the schools of their municipality);
2. own/all scopes on top (app/security/rights.py names the rights): without
   «journal_view_all» a teacher sees the journals of the groups they teach, of
   the lessons they substitute and of the class they lead; without
   «students_view_all» the students of those groups and class; a parent sees
   their children, a student themselves.

Writes are the write pipeline's (app/pipeline/): it stamps new rows with the
user's school and checks the edit rights against the Scope built here. Code
without a logged-in user (CLI, seeds, tests) runs unscoped unless it enters
`as_school()`.
"""
from __future__ import annotations

import contextvars
import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

from flask import current_app, g, has_request_context
from sqlalchemy import Integer, and_, any_, bindparam, cast, event, func, literal, or_, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.models import (
    PartaUser, AccountAudit, Assignment, AuditLog, Attendance, Employee, Enrolment, FinalMark, Guardian, Lesson, Mark, MovementOrderItem,
    PeriodMark, PersonalDataConsent, School, SchoolClass, Student, StudentGuardian, StudentHealth, SubjectGroup,
    SubjectGroupMember, SubjectGroupTeacher, ThematicPlan, ThematicPlanTopic, VisitLog,
)
from app.models.base import SchoolScoped
from app.models.teaching import CurriculumType

UNSCOPED = None  # sentinel: no restriction
_LOGINS = PartaUser.__table__  # read as a table inside the logins' own criterion
Ids = Optional[Tuple[int, ...]]
_override: contextvars.ContextVar = contextvars.ContextVar("parta_school_scope", default=False)
_UNSCOPED_QUERY = {"parta_unscoped": True}


@dataclass(frozen=True)
class Scope:
    """What the current user may read; None in a field means no restriction."""

    schools: Ids
    groups: Ids = None         # subject groups whose journal is visible
    substitute_for: Optional[int] = None  # employee id: lessons they substitute are visible too
    students: Ids = None
    guardians: Ids = None
    editable_groups: Ids = None  # subject groups whose journal the user may change
    final_groups: Ids = None  # subject groups whose final marks the user may change (a right on top)
    read_only: bool = False
    user_id: Optional[int] = None  # the login itself stays visible (municipal users have no school)
    guardians_of_students: bool = False  # staff also see the guardians of the students they see
    taught_groups: Ids = ()  # subject groups the login's employee teaches (the home page's day)


NOTHING = Scope(schools=(), editable_groups=(), final_groups=())
EVERYTHING = Scope(schools=UNSCOPED)


@contextmanager
def as_school(*school_ids: int) -> Iterator[None]:
    """Runs a block as if the user belonged to these schools (CLI jobs, tests)."""
    token = _override.set(Scope(schools=tuple(school_ids)))
    try:
        yield
    finally:
        _override.reset(token)


def school_override_active() -> bool:
    """Whether code runs as a school's user (as_school) outside a request."""
    return _override.get() is not False


def _ids(session: Session, query) -> Tuple[int, ...]:
    return tuple(session.scalars(query, execution_options=_UNSCOPED_QUERY).all())


def _school_ids(session: Session, user) -> Ids:
    if user.school_id is not None:
        return (user.school_id,)
    if user.municipality_id is not None:
        return _ids(session, select(School.id).where(School.municipality_id == user.municipality_id))
    from app.security.roles import SYSTEM_ROLES

    # A login bound to no school and no municipality is the system administrator
    # of a self-hosted installation; everyone else without a school sees nothing.
    return UNSCOPED if any(role.name in SYSTEM_ROLES for role in user.roles) else ()


def request_user():
    """The logged-in user of this request: by session cookie, or by a verified JWT (REST API)."""
    from flask_jwt_extended import get_current_user
    from flask_login import current_user

    if current_user is not None and getattr(current_user, "is_authenticated", False):
        return current_user
    try:
        return get_current_user()
    except RuntimeError:  # no token verified (yet) in this request
        return None


@lru_cache(maxsize=32)
def _who_and_whose_statement(teaches: bool, parent: bool, pupil: bool, within_schools: bool):
    """The statement of _who_and_whose for a kind of login, built once per process (its
    parameters: user_id, and schools when within_schools): built on every request,
    SQLAlchemy's building and cache key of this union cost several times PostgreSQL's answer."""
    user_id = bindparam("user_id", type_=Integer)
    schools = bindparam("schools", expanding=True, type_=Integer) if within_schools else None

    def one(model):
        return select(func.min(model.id)).where(model.user_id == user_id).scalar_subquery()

    def at(*models):
        return and_(true(), *(model.school_id.in_(schools) for model in models if within_schools))

    employee, guardian, student = one(Employee), one(Guardian), one(Student)
    parts = [select(literal("employee"), employee, literal(False)),
             select(literal("guardian"), guardian, literal(False)),
             select(literal("student"), student, literal(False))]
    if teaches:
        taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == employee,
                                                                    at(SubjectGroupTeacher))
        led = select(SchoolClass.id).where(SchoolClass.class_teacher_id == employee, at(SchoolClass))
        classes = select(SubjectGroup.class_id).where(or_(SubjectGroup.id.in_(taught), SubjectGroup.class_id.in_(led)),
                                                      at(SubjectGroup))
        parts += [
            select(literal("taught"), SubjectGroupTeacher.subject_group_id, literal(True))
            .where(SubjectGroupTeacher.employee_id == employee, at(SubjectGroupTeacher)),
            # a led class's groups are editable unless the class learns by an ИУП
            select(literal("led"), SubjectGroup.id, SchoolClass.curriculum_type != CurriculumType.individual.name)
            .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .where(SchoolClass.class_teacher_id == employee, at(SchoolClass, SubjectGroup)),
            select(literal("pupil"), Enrolment.student_id, literal(False))
            .where(Enrolment.class_id.in_(classes), at(Enrolment)).distinct(),
        ]
    if parent:
        children = select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == guardian, at(StudentGuardian))
        parts += [
            select(literal("child"), StudentGuardian.student_id, literal(False))
            .where(StudentGuardian.guardian_id == guardian, at(StudentGuardian)),
            select(literal("group"), SubjectGroup.id, literal(False)).where(SubjectGroup.class_id.in_(
                select(Enrolment.class_id).where(Enrolment.student_id.in_(children), at(Enrolment))), at(SubjectGroup)),
        ]
    if pupil:
        parts += [
            select(literal("guardian_of"), StudentGuardian.guardian_id, literal(False))
            .where(StudentGuardian.student_id == student, at(StudentGuardian)).distinct(),
            select(literal("group"), SubjectGroup.id, literal(False)).where(SubjectGroup.class_id.in_(
                select(Enrolment.class_id).where(Enrolment.student_id == student, at(Enrolment))), at(SubjectGroup)),
        ]
    return union_all(*parts)


def _who_and_whose(session: Session, user_id: int, rights, schools: Ids = UNSCOPED) -> tuple:
    """Who the login is (an employee, a guardian, a student — or several) and the rows
    that opens, in one statement (a UNION ALL of tagged rows): the groups a teacher
    teaches or whose class they lead, with those groups' students; a parent's children
    and their groups; a student's guardians and groups. Returns (employee, guardian,
    student, groups, editable groups, students, guardians, taught groups). Every table is
    read within the login's schools: the indexes lead with school_id (among a hundred schools
    a class's enrolments were otherwise found by reading them all)."""
    statement = _who_and_whose_statement(bool(rights & {"journal_view_own", "students_view_own"}),
                                         "own_children_view" in rights, "self_view" in rights, schools is not UNSCOPED)
    params = {"user_id": user_id} if schools is UNSCOPED else {"user_id": user_id, "schools": list(schools)}
    found = {"employee": None, "guardian": None, "student": None}
    groups: set = set()
    editable: set = set()
    students: set = set()
    guardians: set = set()
    taught_groups: set = set()
    for kind, row_id, flag in session.execute(statement, params, execution_options=_UNSCOPED_QUERY):
        if kind in found:
            found[kind] = row_id
        elif row_id is None:
            continue
        elif kind in ("taught", "led"):
            groups.add(row_id)
            if kind == "taught":
                taught_groups.add(row_id)
            if flag and "journal_edit_own" in rights:
                editable.add(row_id)
        elif kind in ("pupil", "child"):
            students.add(row_id)
        elif kind == "group":
            groups.add(row_id)
        elif kind == "guardian_of":
            guardians.add(row_id)
    employee_id, guardian_id, student_id = found["employee"], found["guardian"], found["student"]
    if guardian_id is not None and "own_children_view" in rights:
        guardians.add(guardian_id)
    if student_id is not None and "self_view" in rights:
        students.add(student_id)
    return employee_id, guardian_id, student_id, groups, editable, students, guardians, tuple(sorted(taught_groups))


class _Scopes:
    """Each login's scope in this process, under the rights version it was read at
    (app/security/grants.py: the version moves when a link that opens rows to a login is
    written) and the login's own school, municipality and roles; trusted at most MAX_AGE."""

    SIZE = 4096

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.found: dict = {}

    def get(self, key):
        found = self.found.get(key)
        from app.security.grants import MAX_AGE

        return found[0] if found is not None and time.monotonic() - found[1] < MAX_AGE else None

    def put(self, key, scope: Scope) -> None:
        with self.lock:
            if len(self.found) >= self.SIZE:
                self.found.clear()
            self.found[key] = (scope, time.monotonic())

    def clear(self) -> None:
        with self.lock:
            self.found.clear()


_scopes = _Scopes()


def _user_scope(session: Session, user) -> Scope:
    """The login's scope: from this process's memory while the rights version stands. The
    database is part of the key: two apps in one process (the tests' report school beside the
    demo) have logins of the same id, school and roles, and one took the other's scope."""
    from app.security import grants

    key = (session.get_bind().url, user.id, user.school_id, user.municipality_id,
           tuple(sorted(role.id for role in user.roles)), grants.version(session))
    scope = _scopes.get(key)
    if scope is None:
        scope = _read_user_scope(session, user)
        _scopes.put(key, scope)
    return scope


def _read_user_scope(session: Session, user) -> Scope:
    from app.security.rights import user_rights

    schools = _school_ids(session, user)
    rights = user_rights(current_app.appbuilder.sm, user)
    read_only = user.school_id is None and user.municipality_id is not None
    if "journal_view_all" in rights and "students_view_all" in rights:
        editable = UNSCOPED if "journal_edit_all" in rights else ()
        final = UNSCOPED if "final_marks_edit_all" in rights else ()
        return Scope(schools=schools, editable_groups=editable, final_groups=final, read_only=read_only, user_id=user.id)

    employee, _guardian, _student, groups, editable, students, guardians, taught = _who_and_whose(
        session, user.id, rights, schools)
    return Scope(
        schools=schools,
        groups=UNSCOPED if "journal_view_all" in rights else tuple(sorted(groups)),
        substitute_for=employee,
        students=UNSCOPED if "students_view_all" in rights else tuple(sorted(students)),
        guardians=UNSCOPED if "students_view_all" in rights else tuple(sorted(guardians)),
        editable_groups=UNSCOPED if "journal_edit_all" in rights else tuple(sorted(editable)),
        final_groups=UNSCOPED if "final_marks_edit_all" in rights
        else tuple(sorted(editable)) if "final_marks_edit_own" in rights else (),
        read_only=read_only,
        user_id=user.id,
        guardians_of_students=employee is not None,
        taught_groups=taught,
    )


def current_scope(session: Session) -> Scope:
    """What the current code may see."""
    override = _override.get()
    if override is not False:
        return override
    if not has_request_context():
        return EVERYTHING
    found = vars(g._get_current_object()).get("parta_scope")  # one lookup of g: the pipeline asks for each row
    if found is not None:
        return found
    if g.get("parta_resolving_scope"):
        return NOTHING  # the queries that load the user and their rights
    g.parta_resolving_scope = True
    try:
        user = request_user()
        if user is None:
            return NOTHING  # not cached: a JWT may still be verified later in the request
        g.parta_scope = _user_scope(session, user)
    finally:
        g.parta_resolving_scope = False
    return g.parta_scope


def _in_list(column, ids):
    """`column IN (…)`, one parameter per id (SQLite; on PostgreSQL a single id, which it
    reads as `column = id`)."""
    return column.in_(ids)


def _in_array(column, ids):
    """`column = ANY(…)`, the ids as one array parameter (PostgreSQL): the statement's text is
    the same for every login and short, so psycopg keeps it prepared and PostgreSQL plans it
    once, where a list of a hundred parameters in every subquery cost milliseconds of
    planning per statement."""
    return column == any_(cast(ids, ARRAY(Integer)))


_LESSONS, _ASSIGNMENTS, _PLANS, _PARENTHOOD = (Lesson.__table__, Assignment.__table__, ThematicPlan.__table__,
                                               StudentGuardian.__table__)


@lru_cache(maxsize=512)
def _criteria(scope: Scope, arrays: bool = False) -> tuple:
    """The loader criteria of a scope (SQLAlchemy caches each lambda by its code), built
    once per scope in a process: a login's scope is the same from request to request.
    `arrays`: ids as one array parameter (PostgreSQL). The subqueries that turn groups into
    lessons and assignments read the tables, not the mapped classes, so that the criteria
    are not applied again inside them (the outer row is scoped by its own school)."""
    in_ids = _in_array if arrays else _in_list
    options = []
    if scope.schools is not UNSCOPED:
        schools = list(scope.schools)
        # One school (a school's staff and families) as `= school`: an index led by school_id
        # then also gives the rows in its order (a list's newest 25 without sorting them all).
        in_schools = in_ids if len(schools) > 1 else _in_list
        options += [
            with_loader_criteria(SchoolScoped, lambda cls: in_schools(cls.school_id, schools), include_aliases=True),
            with_loader_criteria(School, lambda cls: in_schools(cls.id, schools), include_aliases=True),
            # Visits carry a school when the login is known; unknown logins stay with the system administrator.
            with_loader_criteria(VisitLog, lambda cls: in_schools(cls.school_id, schools), include_aliases=True),
            # The account audit likewise; actions on municipal logins stay with the system administrator.
            with_loader_criteria(AccountAudit, lambda cls: in_schools(cls.school_id, schools), include_aliases=True),
        ]
        if schools or scope.user_id is not None:
            # Logins of other schools are invisible too (a municipal user also sees the
            # municipality's own logins); not while nobody is logged in, since logging
            # in itself looks the login up.
            me = scope.user_id if scope.user_id is not None else -1
            options.append(with_loader_criteria(PartaUser, lambda cls: or_(
                in_schools(cls.school_id, schools), cls.id == me,
                cls.municipality_id.in_(select(_LOGINS.c.municipality_id).where(_LOGINS.c.id == me, _LOGINS.c.school_id.is_(None))),
            ), include_aliases=True))
    if scope.groups is not UNSCOPED:
        groups, substitute = list(scope.groups), scope.substitute_for if scope.substitute_for is not None else -1
        def of_schools(table):  # within the schools too: the indexes lead with school_id
            return in_schools(table.c.school_id, schools) if scope.schools is not UNSCOPED else true()

        lessons = select(_LESSONS.c.id).where(or_(in_ids(_LESSONS.c.subject_group_id, groups),
                                                  _LESSONS.c.substitute_id == substitute), of_schools(_LESSONS))
        assignments = select(_ASSIGNMENTS.c.id).where(_ASSIGNMENTS.c.lesson_id.in_(lessons))
        plans = select(_PLANS.c.id).where(in_ids(_PLANS.c.subject_group_id, groups), of_schools(_PLANS))
        substituted = select(_LESSONS.c.subject_group_id).where(_LESSONS.c.substitute_id == substitute,
                                                                of_schools(_LESSONS))
        options += [
            with_loader_criteria(SubjectGroup, lambda cls: or_(in_ids(cls.id, groups), cls.id.in_(substituted)),
                                 include_aliases=True),
            with_loader_criteria(Lesson, lambda cls: or_(in_ids(cls.subject_group_id, groups), cls.substitute_id == substitute),
                                 include_aliases=True),
            with_loader_criteria(Assignment, lambda cls: cls.lesson_id.in_(lessons), include_aliases=True),
            with_loader_criteria(Mark, lambda cls: cls.assignment_id.in_(assignments), include_aliases=True),
            with_loader_criteria(Attendance, lambda cls: cls.lesson_id.in_(lessons), include_aliases=True),
            with_loader_criteria(PeriodMark, lambda cls: in_ids(cls.subject_group_id, groups), include_aliases=True),
            with_loader_criteria(FinalMark, lambda cls: in_ids(cls.subject_group_id, groups), include_aliases=True),
            with_loader_criteria(ThematicPlan, lambda cls: in_ids(cls.subject_group_id, groups), include_aliases=True),
            with_loader_criteria(ThematicPlanTopic, lambda cls: cls.plan_id.in_(plans), include_aliases=True),
            with_loader_criteria(SubjectGroupMember, lambda cls: in_ids(cls.subject_group_id, groups), include_aliases=True),
            # The journal's audit (the «Отчёт о доступе к классному журналу») follows the journals.
            with_loader_criteria(AuditLog, lambda cls: in_ids(cls.subject_group_id, groups), include_aliases=True),
        ]
    if scope.students is not UNSCOPED:
        students = list(scope.students)
        options += [with_loader_criteria(Student, lambda cls: in_ids(cls.id, students), include_aliases=True)]
        options += [
            with_loader_criteria(model, lambda cls: in_ids(cls.student_id, students), include_aliases=True)
            for model in (StudentHealth, Enrolment, StudentGuardian, PersonalDataConsent, Mark, Attendance,
                          PeriodMark, FinalMark, SubjectGroupMember, MovementOrderItem)
        ]
        if scope.substitute_for is not None:  # staff: also the rows about no student (lesson topics, …)
            options.append(with_loader_criteria(
                AuditLog, lambda cls: or_(in_ids(cls.student_id, students), cls.student_id.is_(None)), include_aliases=True))
        else:  # parents and students: only the rows about their own (children's) marks
            options.append(with_loader_criteria(AuditLog, lambda cls: in_ids(cls.student_id, students), include_aliases=True))
    if scope.guardians is not UNSCOPED:
        guardians = list(scope.guardians)
        if scope.guardians_of_students and scope.students is not UNSCOPED:
            of_students = select(_PARENTHOOD.c.guardian_id).where(in_ids(_PARENTHOOD.c.student_id, list(scope.students)))
            options += [with_loader_criteria(
                Guardian, lambda cls: or_(in_ids(cls.id, guardians), cls.id.in_(of_students)), include_aliases=True)]
        else:
            options += [with_loader_criteria(Guardian, lambda cls: in_ids(cls.id, guardians), include_aliases=True)]
    return tuple(options)


def visible_groups_shape(scope: Scope) -> tuple:
    """(shape, parameters) of the scope for visible_groups_rule(): the rule's form (within
    schools? groups restricted?) and the scope's values for its bound parameters."""
    within, restricted = scope.schools is not UNSCOPED, scope.groups is not UNSCOPED
    params: dict = {}
    if within:
        params["visible_schools"] = list(scope.schools)
    if restricted:
        params["visible_groups"] = list(scope.groups)
        params["visible_substitute"] = scope.substitute_for if scope.substitute_for is not None else -1
    return (within, restricted), params


@lru_cache(maxsize=4)
def visible_groups_rule(shape: tuple):
    """The rule of the SubjectGroup criterion above as a plain WHERE clause with bound
    parameters (visible_groups_shape gives the shape and their values), for a query that
    runs unscoped for speed, built once per shape (the journal's group selector and
    chooser): the school segment, then the groups taught or led and those with a
    substituted lesson."""
    within, restricted = shape
    schools = bindparam("visible_schools", expanding=True, type_=Integer)
    clauses = []
    if within:
        clauses.append(SubjectGroup.school_id.in_(schools))
    if restricted:
        substituted = select(Lesson.subject_group_id).where(
            Lesson.substitute_id == bindparam("visible_substitute", type_=Integer))
        if within:
            substituted = substituted.where(Lesson.school_id.in_(schools))
        clauses.append(or_(SubjectGroup.id.in_(bindparam("visible_groups", expanding=True, type_=Integer)),
                           SubjectGroup.id.in_(substituted)))
    return and_(true(), *clauses)


def _scope_queries(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("parta_unscoped"):
        return
    if state.is_relationship_load and isinstance(getattr(state.lazy_loaded_from, "obj", lambda: None)(), PartaUser):
        return  # a login's roles: nothing school-scoped, and needed to resolve the scope itself
    scope = current_scope(state.session)
    options = _criteria(scope, state.session.get_bind(**state.bind_arguments).dialect.name == "postgresql")
    if options:
        state.statement = state.statement.options(*options)


def bounded_rows(session: Session, statement, params: dict, reads: Optional[dict]) -> list:
    """The rows of a SELECT of columns, to be read by position (tuples or rows). A read its caller has bounded (`reads` marked
    `parta_unscoped`: the scope's decision taken once, every table of the statement bounded
    by what was decided — the journal grid, the diary) runs on the session's connection as
    plain SQL, without the ORM's work per row, which cost a journal's 1,300 marks 0.7 ms;
    any other read goes through the session, where the scoping adds its criteria (and so
    does a read while the session holds unflushed changes, which the session would flush)."""
    if isinstance(session, Connection):  # a connection of its own (a read outside the session's transaction)
        if not (reads and reads.get("parta_unscoped")):
            raise ValueError("a read on a connection of its own must be bounded by its caller")
        return _plain_rows(session, statement, params)
    if reads and reads.get("parta_unscoped") and not (session.new or session.dirty or session.deleted):
        return _plain_rows(session.connection(), statement, params)
    return session.execute(statement, params, execution_options=reads or {}).all()


def _plain_rows(connection: Connection, statement, params: dict) -> list:
    """A bounded read's rows. On PostgreSQL its text is compiled once and sent as it is
    (`driver_sql`): SQLAlchemy's work at each execution of a statement of five joins — its
    cache key, the parameters, a processor per value — and a list parameter sent as one
    parameter per item cost the averages after a save 0.3 ms of about 2."""
    if connection.dialect.name == "postgresql":
        found = driver_sql(statement, connection.dialect)
        if found.plain is not False:
            result = connection.exec_driver_sql(found.sql, {**found.constants, **params})
            if found.plain is None:  # the first answer tells the values' types
                described = result.cursor.description
                found.plain = len(described) == len(statement.selected_columns) and not any(
                    connection.dialect.type_descriptor(column.type).result_processor(connection.dialect, type_code[1])
                    is not None for column, type_code in zip(statement.selected_columns, described))
            rows = result.cursor.fetchall() if found.plain else None  # the driver's tuples: no row object each
            result.close()
            if rows is not None:
                return rows
    return connection.execute(statement, params).all()


@dataclass
class _DriverSQL:
    statement: object
    sql: str
    constants: dict
    plain: Optional[bool] = None  # psycopg's values are SQLAlchemy's (None: not known before an answer;
    # False: the statement goes through SQLAlchemy)


_DRIVER_SQL: dict = {}
_EXPANDING_IN = re.compile(r"(?<!NOT )IN \(__\[POSTCOMPILE_(\w+)\]\)")


def driver_sql(statement, dialect) -> _DriverSQL:
    """A SELECT's PostgreSQL text and its constant parameters, compiled once per process; `plain`
    False when SQLAlchemy would convert a parameter the caller gives (an enum, JSON) or the text
    needs rendering per call (NOT IN of a list). A list parameter (`IN` of an expanding
    parameter) becomes `= ANY(array)`: one text, and one parameter, for any length. Whether
    SQLAlchemy would convert a value it reads is known from the first answer's types
    (`_DriverSQL.plain`). The statements are module constants (built once), held here."""
    found = _DRIVER_SQL.get(id(statement))
    if found is not None and found.statement is statement:
        return found
    compiled = statement.compile(dialect=dialect)

    def as_array(match) -> str:
        bind = compiled.binds[match.group(1)]
        return f"= ANY(%({match.group(1)})s::{dialect.type_compiler_instance.process(bind.type)}[])"

    sql = _EXPANDING_IN.sub(as_array, compiled.string)
    constants, through_sqlalchemy = {}, "__[POSTCOMPILE_" in sql
    for bind, name in compiled.bind_names.items():
        convert = dialect.type_descriptor(bind.type).bind_processor(dialect)
        if bind.callable is not None:
            through_sqlalchemy = True
        elif bind.value is None:  # the caller's: sent as given
            through_sqlalchemy = through_sqlalchemy or convert is not None
        else:  # a constant of the statement (a literal false), converted here once
            constants[name] = convert(bind.value) if convert is not None else bind.value
    if len(_DRIVER_SQL) > 256:  # a statement built per call by mistake would not fill the memory
        _DRIVER_SQL.clear()
    found = _DRIVER_SQL[id(statement)] = _DriverSQL(statement, sql, constants, False if through_sqlalchemy else None)
    return found


def journal_editable(session: Session, group_id: int, substitute: bool = True) -> bool:
    """Whether the user may change the journal of a subject group — the question pages
    ask before they offer editing (the write pipeline, app/pipeline/rights.py, refuses each row again): the
    groups their rights make editable, and for a substitute teacher the group of a
    lesson they substitute (only those lessons' rows pass the row check; `substitute=False` for
    what belongs to the whole group, such as its КТП)."""
    scope = current_scope(session)
    if scope.read_only:
        return False
    if scope.editable_groups is UNSCOPED or group_id in scope.editable_groups:
        return True
    if scope.substitute_for is None or not substitute:
        return False
    return session.scalar(select(Lesson.id).where(Lesson.subject_group_id == group_id,
                                                  Lesson.substitute_id == scope.substitute_for).limit(1)) is not None


def final_marks_editable(session: Session, group_id: int) -> bool:
    """Final marks (year, exams, final) need a final-marks right on top of the journal's."""
    scope = current_scope(session)
    return (scope.final_groups is UNSCOPED or group_id in scope.final_groups) and journal_editable(session, group_id)


def student_visible(scope: Scope, student_id: int) -> bool:
    """Whether the scope shows the student's own rows — their enrolments, marks and
    attendance in the journals it shows (every student, or the student among theirs):
    with whole_journal_visible() of each of the student's groups, the rows about the
    student may be read bounded by the student, their school and those groups instead of
    the per-row criteria (app/journal/data.student_places)."""
    return scope.students is UNSCOPED or student_id in scope.students


def whole_journal_visible(scope: Scope, group_id: int) -> bool:
    """Whether the scope shows every row of the group's journal (a substitute teacher
    sees only their lessons): such a journal may be read bounded by group and school
    instead of the per-row criteria."""
    return scope.groups is UNSCOPED or group_id in scope.groups


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "do_orm_execute", _scope_queries)
        _installed = True
