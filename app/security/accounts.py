"""Who may administer which login, on every path (issue 12: user administration
cannot create more power than it has; a password reissue cannot take over an account).

app/rules/accounts.py decides; this module gathers the facts it needs — the acting
user's power (the pages and named rights of their roles), where they work, the
classes they lead; a login's roles, place, and the people it belongs to — and
applies the rules in one `before_flush` hook, so that the user pages, the password
pages, the people forms' «login» field, FAB's role pages and any API reach the
database only through them:

- a login created, changed (roles, place, activity, name) or deleted;
- a login's password set by someone else (a reissue, FAB's «reset password»);
- a student's, parent's or employee's card linked to a login or unlinked from it;
- a role's definition (its permissions or name) or FAB's groups: roles are the same
  for every school of the installation, so only the system administrator changes them.

Each of these is written to the account audit («Журнал действий с учётными
записями»): who, whose, when, from where. Code without a logged-in user (the CLI's
`fab create-admin`, seeds, tests) is not restricted, but its changes are audited too.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, Iterable, List, Optional, Tuple

from flask import current_app, g, has_request_context, request
from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, ViewMenu, assoc_user_role
from flask_babel import gettext
from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from app.clock import school_today, utcnow
from app.models import (
    AccountAudit, Employee, Enrolment, Guardian, Municipality, PartaUser, School, SchoolClass, SchoolYear, Student,
    StudentGuardian,
)
from app.rules import accounts as rules
from app.rules.errors import N_, RuleViolation
from app.security.rights import RIGHTS_VIEW
from app.security.roles import FAMILY_ROLES, MUNICIPAL_ROLES, SYSTEM_ROLES

USER_VIEW = "PartaUserDBModelView"
UNSCOPED = {"parta_unscoped": True}
# What a change to a login consists of; the rest (last login, counters, session
# version, «must change the password») is bookkeeping.
PLACE_AND_ROLES = ("school_id", "municipality_id", "roles")
IDENTITY = ("username", "first_name", "last_name", "email")
# Actions of the account audit, and their titles in «Журнал действий с учётными записями».
ACTIONS = {
    "created": N_("Login created"),
    "changed": N_("Login changed"),
    "deleted": N_("Login deleted"),
    "password_reissued": N_("Password reissued"),
    "password_set": N_("Password set by an administrator"),
    "linked": N_("Login linked to a person"),
    "unlinked": N_("Login unlinked from a person"),
    # written elsewhere: app/security/manager.py (sign-in backoff), app/views/sessions.py
    "login_held": N_("Sign-ins held back after wrong passwords"),
    "sessions_ended": N_("Sessions ended"),
}
ROLE_DEFINITIONS = (Role, PermissionView, Permission, ViewMenu, Group)
_users = PartaUser.__table__


class AccountRefused(Exception):
    """A refusal whose text is the rule's Russian message (FAB's forms flash str(error))."""


def refusal_text(problem: RuleViolation) -> str:
    return gettext(problem.msgid, **problem.params)


# --- who acts -------------------------------------------------------------------

def acting_user() -> Optional[PartaUser]:
    """The logged-in user of this request (browser session or REST token); None
    outside a request or before anyone logged in."""
    if not has_request_context():
        return None
    from flask_jwt_extended import get_current_user
    from flask_login import current_user

    if current_user is not None and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()
    try:
        return get_current_user()
    except RuntimeError:  # no token verified in this request
        return None


def is_system_administrator(user) -> bool:
    """«Администратор» bound to no school and no municipality: the installation's
    administrator (`flask fab create-admin`, or created by another one)."""
    return (user is not None and user.school_id is None and user.municipality_id is None
            and any(role.name in SYSTEM_ROLES for role in user.roles))


def _permissions_changed(role: Role) -> bool:
    """The role's permissions change in this session: the stored ones, read once per
    request, are then not what the flush writes."""
    state = inspect(role)
    return "permissions" in state.dict and state.attrs.permissions.history.has_changes()


def role_info(role: Role) -> rules.Role:
    if role.id is not None and not _permissions_changed(role):
        power = frozenset(current_app.appbuilder.sm.permissions_by_role().get(role.id, ()))
    else:
        power = frozenset((pv.view_menu.name, pv.permission.name) for pv in role.permissions)
    return rules.Role(name=role.name, power=power, admin=role.name in SYSTEM_ROLES,
                      municipal=role.name in MUNICIPAL_ROLES, family=role.name in FAMILY_ROLES)


def _reach(session: Session, user) -> rules.Reach:
    if is_system_administrator(user):
        return rules.Reach(system=True)
    if user.school_id is not None:
        return rules.Reach(school_ids=frozenset({user.school_id}))
    if user.municipality_id is not None:
        schools = session.scalars(select(School.id).where(School.municipality_id == user.municipality_id),
                                  execution_options=UNSCOPED)
        return rules.Reach(municipality_id=user.municipality_id, school_ids=frozenset(schools))
    return rules.Reach()


def _class_students(session: Session, user_id: int) -> frozenset:
    """Students now enrolled in the classes of this year that the user leads as class teacher."""
    today = school_today()
    query = (
        select(Enrolment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
        .join(Employee, Employee.id == SchoolClass.class_teacher_id)
        .where(Employee.user_id == user_id, SchoolYear.start_date <= today, SchoolYear.end_date >= today,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today))
    )
    return frozenset(session.scalars(query, execution_options=UNSCOPED))


def issuer(session: Session, user) -> rules.Issuer:
    """The acting user as the rules see them (read once per request)."""
    cache = g.setdefault("parta_issuers", {}) if has_request_context() else {}
    if user.id not in cache:
        power = rules.power_of(role_info(role) for role in user.roles)
        rights = {perm for view, perm in power if view == RIGHTS_VIEW}
        users_edit = "users_edit" in rights
        cache[user.id] = rules.Issuer(
            id=user.id, reach=_reach(session, user), power=power,
            administers_logins=users_edit and (USER_VIEW, "can_edit") in power,
            issues_family_passwords=users_edit,
            class_students=_class_students(session, user.id),
        )
    return cache[user.id]


def current_issuer(session: Session) -> Optional[rules.Issuer]:
    user = acting_user()
    return issuer(session, user) if user is not None else None


# --- what a login is ------------------------------------------------------------

def _related_id(obj, relationship: str, column: str) -> Optional[int]:
    """A many-to-one as it will be flushed: the object set on the relationship, or the id column."""
    history = inspect(obj).attrs[relationship].history
    if history.added:
        target = history.added[0]
        return None if target is None else (target.id if target.id is not None else -1)
    return getattr(obj, column)


def _people_facts(session: Session, user_ids: Iterable[int]) -> Tuple[set, Dict[int, set]]:
    """(logins linked to an employee, login → the students it is or is a parent of), as stored."""
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return set(), {}
    staff = set(session.scalars(select(Employee.user_id).where(Employee.user_id.in_(ids)), execution_options=UNSCOPED))
    students: Dict[int, set] = {}
    for user_id, student_id in session.execute(
            select(Student.user_id, Student.id).where(Student.user_id.in_(ids)), execution_options=UNSCOPED):
        students.setdefault(user_id, set()).add(student_id)
    for user_id, student_id in session.execute(
            select(Guardian.user_id, StudentGuardian.student_id).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
            .where(Guardian.user_id.in_(ids)), execution_options=UNSCOPED):
        students.setdefault(user_id, set()).add(student_id)
    return staff, students


def login_now(session: Session, user: PartaUser, staff: Optional[bool] = None,
              students: Optional[frozenset] = None) -> rules.Login:
    """The login as it is in the session (with any pending change)."""
    if staff is None or students is None:
        known_staff, known_students = _people_facts(session, [user.id])
        staff = user.id in known_staff if staff is None else staff
        students = frozenset(known_students.get(user.id, ())) if students is None else students
    return rules.Login(
        id=user.id, username=user.username or "",
        placement=rules.Placement(_related_id(user, "school", "school_id"),
                                  _related_id(user, "municipality", "municipality_id")),
        roles=tuple(role_info(role) for role in user.roles), active=bool(user.active), staff=staff, students=students,
    )


def logins_now(session: Session, users: List[PartaUser]) -> Dict[int, rules.Login]:
    """Many logins at once (the reissue page's preview)."""
    staff, students = _people_facts(session, [u.id for u in users])
    return {u.id: login_now(session, u, u.id in staff, frozenset(students.get(u.id, ()))) for u in users}


def _stored(session: Session, user: PartaUser) -> Optional[dict]:
    """The login's row as the database holds it before this flush."""
    row = session.execute(select(_users).where(_users.c.id == user.id), execution_options=UNSCOPED).mappings().first()
    if row is None:
        return None
    role_ids = session.scalars(select(assoc_user_role.c.role_id).where(assoc_user_role.c.user_id == user.id),
                               execution_options=UNSCOPED).all()
    return {**row, "roles": sorted(role_ids)}


def _login_stored(session: Session, user: PartaUser, stored: dict) -> rules.Login:
    now = login_now(session, user)
    roles = tuple(role_info(session.get(Role, role_id)) for role_id in stored["roles"])
    return replace(now, username=stored["username"], placement=rules.Placement(stored["school_id"], stored["municipality_id"]),
                   roles=roles, active=bool(stored["active"]))


# --- the check on every flush ----------------------------------------------------

def _changed_fields(stored: dict, user: PartaUser, now: rules.Login) -> set:
    fields = set()
    if stored["school_id"] != now.placement.school_id:
        fields.add("school_id")
    if stored["municipality_id"] != now.placement.municipality_id:
        fields.add("municipality_id")
    if stored["roles"] != sorted(role.id for role in user.roles):
        fields.add("roles")
    if bool(stored["active"]) != bool(user.active):
        fields.add("active")
    for name in IDENTITY:
        if (stored[name] or "") != (getattr(user, name) or ""):
            fields.add(name)
    if stored["password"] != user.password:
        fields.add("password")
    return fields


ACCOUNT_ATTRIBUTES = ("school_id", "school", "municipality_id", "municipality", "roles", "active", "password") + IDENTITY


def _account_touched(user: PartaUser) -> bool:
    """A stored login with a change to what the rules and the audit look at."""
    state = inspect(user)
    return any(key in state.attrs.keys() and state.attrs[key].history.has_changes() for key in ACCOUNT_ATTRIBUTES)


def check_login(session: Session, actor, user: PartaUser) -> List[Tuple[str, str]]:
    """Refuses (RuleViolation) a new or changed login the actor may not create or
    change; returns the audit entries [(action, details)] the change makes."""
    if not (inspect(user).pending or user.id is None) and not _account_touched(user):
        return []  # a sign-in's counters, a session version: nothing the rules look at
    me = issuer(session, actor) if actor is not None else None
    now = login_now(session, user)
    if inspect(user).pending or user.id is None:
        if me is not None:
            problem = rules.create_problem(me, now)
            if problem:
                raise problem
        return [("created", _describe(session, now))]
    stored = _stored(session, user)
    if stored is None:
        return []
    fields = _changed_fields(stored, user, now)
    if not fields:
        return []
    before = _login_stored(session, user, stored)
    if me is not None:
        own = actor.id == user.id
        if fields - {"password"} - (set(IDENTITY) if own else set()):
            problem = rules.change_problem(me, before, now)
            if problem:
                raise problem
        if "password" in fields and not own:
            problem = rules.password_problem(me, before)
            if problem:
                raise problem
    entries = []
    if fields - {"password"}:
        entries.append(("changed", _describe_change(session, before, now, fields)))
    if "password" in fields and (actor is None or actor.id != user.id):
        entries.append((session.info.get("parta_password_action", "password_set"), ""))
    return entries


def check_delete(session: Session, actor, user: PartaUser) -> None:
    if actor is None:
        return
    stored = _stored(session, user)
    if stored is None:
        return
    problem = rules.delete_problem(issuer(session, actor), _login_stored(session, user, stored))
    if problem:
        raise problem


PEOPLE = (Student, Guardian, Employee)


def _person_students(session: Session, person) -> frozenset:
    if isinstance(person, Student):
        return frozenset({person.id}) if person.id is not None else frozenset()
    if isinstance(person, Guardian) and person.id is not None:
        return frozenset(session.scalars(select(StudentGuardian.student_id).where(StudentGuardian.guardian_id == person.id),
                                         execution_options=UNSCOPED))
    return frozenset()


def link_change(session: Session, person) -> Tuple[Optional[int], Optional[int]]:
    """(login before, login after) of a person's card; equal when the link did not change."""
    state = inspect(person)
    after = _related_id(person, "user", "user_id")
    if state.pending or person.id is None:
        return None, after
    table = type(person).__table__
    before = session.scalar(select(table.c.user_id).where(table.c.id == person.id), execution_options=UNSCOPED)
    return before, after


def check_link(session: Session, actor, person) -> List[Tuple[PartaUser, str]]:
    """Refuses linking a person's card to a login (or unlinking it) that the actor may
    not administer; returns the audit entries [(login, action)]."""
    before, after = link_change(session, person)
    if before == after:
        return []
    entries = []
    me = issuer(session, actor) if actor is not None else None
    for user_id, action in ((before, "unlinked"), (after, "linked")):
        if user_id is None:
            continue
        login = None
        if action == "linked":
            pending = inspect(person).attrs.user.history.added
            login = pending[0] if pending else None
        if login is None:
            login = session.get(PartaUser, user_id, execution_options=UNSCOPED)
        if login is None:
            continue
        if me is not None:
            facts = login_now(session, login)
            if isinstance(person, Employee) and action == "linked":
                facts = replace(facts, staff=True)
            problem = rules.link_problem(me, facts, _person_students(session, person))
            if problem:
                raise problem
        entries.append((login, action))
    return entries


def _role_definitions_changed(session: Session) -> bool:
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, ROLE_DEFINITIONS):
            return True
    for obj in session.dirty:
        if not isinstance(obj, ROLE_DEFINITIONS):
            continue
        state = inspect(obj)
        keys = ("name", "permissions") if isinstance(obj, Role) else [a.key for a in state.mapper.attrs]
        if any(key in state.attrs and state.attrs[key].history.has_changes() for key in keys):
            return True
    for obj in session.dirty:
        if isinstance(obj, PartaUser) and "groups" in inspect(obj).attrs and inspect(obj).attrs.groups.history.has_changes():
            return True
    return False


def may_define_roles(user) -> bool:
    """Roles and their rights are one table for every school of the installation:
    only the system administrator changes them (the others read the matrix)."""
    return is_system_administrator(user)


def check_flush(session: Session) -> None:
    """The write pipeline's check of logins, their roles, the people cards' logins and the
    role definitions in a flush (app/pipeline, the rights step), with their audit."""
    if session.info.get("parta_accounts_busy"):
        return
    logins = [o for o in list(session.new) + list(session.dirty) if isinstance(o, PartaUser)]
    deleted = [o for o in session.deleted if isinstance(o, PartaUser)]
    people = [o for o in list(session.new) + list(session.dirty) if isinstance(o, PEOPLE)]
    roles_touched = any(isinstance(o, ROLE_DEFINITIONS) for o in list(session.new) + list(session.dirty) + list(session.deleted))
    if not (logins or deleted or people or roles_touched):
        return
    session.info["parta_accounts_busy"] = True
    try:
        with session.no_autoflush:
            _check_and_audit(session, logins, deleted, people)
    finally:
        session.info.pop("parta_accounts_busy", None)


def _check_and_audit(session: Session, logins, deleted, people) -> None:
    actor = acting_user()
    if actor is not None and not may_define_roles(actor) and _role_definitions_changed(session):
        raise RuleViolation(N_("Roles are the same for every school: only the system administrator changes them."))
    for user in logins:
        for action, details in check_login(session, actor, user):
            _audit(session, actor, user, action, details, user.school_id)
    for user in deleted:
        check_delete(session, actor, user)
        _audit(session, actor, None, "deleted", _describe(session, login_now(session, user)), user.school_id,
               username=user.username)
    for person in people:
        for login, action in check_link(session, actor, person):
            _audit(session, actor, login, action, _person_title(person), person.school_id)


# --- the audit --------------------------------------------------------------------

def _audit(session: Session, actor, target: Optional[PartaUser], action: str, details: str, school_id,
           username: Optional[str] = None) -> None:
    session.add(AccountAudit(
        school_id=school_id if school_id and school_id > 0 else None, at=utcnow(),
        actor_id=actor.id if actor is not None else None, actor_username=actor.username if actor is not None else None,
        target=target, target_username=(username or (target.username if target is not None else None) or "")[:128],
        action=action, details=(details or "")[:1000] or None,
        address=(request.remote_addr or "")[:64] if has_request_context() else None,
    ))


def _place(session: Session, placement: rules.Placement) -> str:
    if placement.school_id is not None and placement.school_id > 0:
        school = session.get(School, placement.school_id, execution_options=UNSCOPED)
        return school.short_name if school is not None else str(placement.school_id)
    if placement.municipality_id is not None and placement.municipality_id > 0:
        municipality = session.get(Municipality, placement.municipality_id, execution_options=UNSCOPED)
        return municipality.name if municipality is not None else str(placement.municipality_id)
    return gettext("the whole installation")


def _describe(session: Session, login: rules.Login) -> str:
    return gettext("roles: %(roles)s; works in: %(place)s", roles=", ".join(r.name for r in login.roles) or "—",
                   place=_place(session, login.placement))


def _describe_change(session: Session, before: rules.Login, after: rules.Login, fields: set) -> str:
    parts = []
    if "roles" in fields:
        parts.append(gettext("roles: %(old)s → %(new)s", old=", ".join(r.name for r in before.roles) or "—",
                             new=", ".join(r.name for r in after.roles) or "—"))
    if fields & {"school_id", "municipality_id"}:
        parts.append(gettext("works in: %(old)s → %(new)s", old=_place(session, before.placement),
                             new=_place(session, after.placement)))
    if "active" in fields:
        parts.append(gettext("active") + ": " + (gettext("yes") if before.active else gettext("no")) + " → "
                     + (gettext("yes") if after.active else gettext("no")))
    if "username" in fields:
        parts.append(gettext("login name: %(old)s → %(new)s", old=before.username, new=after.username))
    if fields & {"first_name", "last_name", "email"}:
        parts.append(gettext("name or e-mail"))
    return "; ".join(parts)


def _person_title(person) -> str:
    kind = {Student: N_("student"), Guardian: N_("parent"), Employee: N_("employee")}[type(person)]
    return f"{gettext(kind)}: {person.full_name}"


def action_title(action: str) -> str:
    return gettext(ACTIONS[action]) if action in ACTIONS else action
