"""Who may create, change and reissue which login: pure decisions, no Flask.

A login's *power* is every permission its roles hold: the pages it may open
(app/security/roles.py) and the named rights (app/security/rights.py), both kept
by FAB as (view, permission) pairs. The rules below keep user administration from
creating more power than it has (issue 12: a school's administrator made a login
without a school, which read and changed every school):

1. *Placement.* A login works in one place: a school, a municipality (read-only
   over the municipality's schools), or nowhere — which makes it the system
   administrator when it holds the role «Администратор». Municipal roles go with a
   municipality, the other roles with a school.
2. *Reach.* An issuer places logins only where they work: a school's user in their
   school, a municipal user in their municipality or its schools, the system
   administrator anywhere. Only the system administrator creates another one.
3. *Grant.* A role is granted only when its permissions are a subset of the
   issuer's. The one exception are the family roles (student, parent): they see a
   single child's data, and whoever issues the passwords of students and parents
   (the secretary, a class teacher for their class) also creates their logins.
4. *Administer.* A login is changed or deleted only by someone who administers
   logins, holds at least its power, and reaches its place.
5. *Passwords.* Nobody sets the password of a login whose power equals or exceeds
   their own (which would be a takeover). The administrator sets any other password
   in their place; the secretary (the right «users_edit») those of students and
   parents; a class teacher those of their class's students and parents.

The security layer (app/security/accounts.py) gathers these facts from the
database and applies the rules on every flush; the pages ask the same functions
first so that the user reads the rule's own message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Iterable, Optional, Tuple

from .errors import N_, RuleViolation

Power = FrozenSet[Tuple[str, str]]


@dataclass(frozen=True)
class Placement:
    """Where a login works: its school, or its municipality, or neither."""

    school_id: Optional[int] = None
    municipality_id: Optional[int] = None

    @property
    def kind(self) -> str:
        if self.school_id is not None and self.municipality_id is not None:
            return "both"
        if self.school_id is not None:
            return "school"
        if self.municipality_id is not None:
            return "municipality"
        return "nowhere"


@dataclass(frozen=True)
class Reach:
    """Where an issuer may place and administer logins."""

    system: bool = False
    municipality_id: Optional[int] = None
    school_ids: FrozenSet[int] = frozenset()

    def covers(self, placement: Placement) -> bool:
        if self.system:
            return True
        if placement.kind == "school":
            return placement.school_id in self.school_ids
        if placement.kind == "municipality":
            return self.municipality_id is not None and placement.municipality_id == self.municipality_id
        return False


@dataclass(frozen=True)
class Role:
    name: str
    power: Power
    admin: bool = False      # «Администратор»: without a place, the system administrator
    municipal: bool = False  # works over a municipality's schools
    family: bool = False     # a student's or a parent's role


@dataclass(frozen=True)
class Issuer:
    """The user who creates, changes or reissues."""

    id: Optional[int]
    reach: Reach
    power: Power
    administers_logins: bool = False       # the user pages with the right «users_edit»
    issues_family_passwords: bool = False  # the right «users_edit»
    class_students: FrozenSet[int] = frozenset()  # students of the classes the issuer leads


@dataclass(frozen=True)
class Login:
    """A login as it is (or would be after a change)."""

    id: Optional[int]
    username: str
    placement: Placement
    roles: Tuple[Role, ...] = ()
    active: bool = True
    staff: bool = False                               # linked to an employee
    students: FrozenSet[int] = field(default=frozenset())  # the student it is, or the children of the parent

    @property
    def power(self) -> Power:
        return power_of(self.roles)

    @property
    def family(self) -> bool:
        """A student's or parent's login: family roles only, no employee behind it."""
        return not self.staff and all(role.family for role in self.roles)


def power_of(roles: Iterable[Role]) -> Power:
    result: set = set()
    for role in roles:
        result |= role.power
    return frozenset(result)


def _refusal(msgid: str, **params: object) -> RuleViolation:
    return RuleViolation(msgid, **params)


def placement_problem(issuer: Issuer, placement: Placement, roles: Iterable[Role]) -> Optional[RuleViolation]:
    """Why a login with these roles may not work in this place, for this issuer; None if it may."""
    roles = tuple(roles)
    if not roles:
        return _refusal(N_("Choose at least one role."))
    kind = placement.kind
    if kind == "both":
        return _refusal(N_("A login belongs either to a school or to a municipality, not to both."))
    if kind == "nowhere":
        if not any(role.admin for role in roles):
            return _refusal(N_("Choose the school of the login (for a municipal login, the municipality)."))
        if not issuer.reach.system:
            return _refusal(N_("Only the system administrator creates a login without a school."))
        return None
    if kind == "school":
        municipal = [role.name for role in roles if role.municipal]
        if municipal:
            return _refusal(N_("The roles %(roles)s work over a municipality: choose the municipality, not a school."),
                            roles=_names(municipal))
    if kind == "municipality":
        local = [role.name for role in roles if not role.municipal and not role.admin]
        if local:
            return _refusal(N_("The roles %(roles)s work in a school: choose the school."), roles=_names(local))
    if not issuer.reach.covers(placement):
        if issuer.reach.municipality_id is not None:
            return _refusal(N_("You may place logins only in your municipality and its schools."))
        return _refusal(N_("You may place logins only in your own school."))
    return None


def grant_problem(issuer: Issuer, roles: Iterable[Role]) -> Optional[RuleViolation]:
    """Why the issuer may not give these roles; None if they may (rule 3)."""
    family_issuer = issuer.issues_family_passwords or bool(issuer.class_students)
    for role in roles:
        if role.power <= issuer.power and issuer.administers_logins:
            continue
        if role.family and family_issuer:
            continue
        if not issuer.administers_logins and not family_issuer:
            return _refusal(N_("You may not create or change logins."))
        return _refusal(N_("You may not grant the role «%(role)s»: it holds rights that you do not hold."),
                        role=role.name)
    return None


def create_problem(issuer: Issuer, login: Login) -> Optional[RuleViolation]:
    """Why the issuer may not create this login; None if they may."""
    return placement_problem(issuer, login.placement, login.roles) or grant_problem(issuer, login.roles)


def administer_problem(issuer: Issuer, login: Login) -> Optional[RuleViolation]:
    """Why the issuer may not change or delete this login as it stands (rule 4)."""
    if not issuer.administers_logins:
        return _refusal(N_("You may not create or change logins."))
    if not issuer.reach.covers(login.placement):
        return _refusal(N_("The login «%(login)s» works outside your school or municipality."), login=login.username)
    if not login.power <= issuer.power:
        return _refusal(N_("The login «%(login)s» holds rights that you do not hold."), login=login.username)
    return None


def change_problem(issuer: Issuer, before: Login, after: Login) -> Optional[RuleViolation]:
    """Why the issuer may not change `before` into `after` (roles, place, activity)."""
    problem = administer_problem(issuer, before)
    if problem:
        return problem
    if before.id == issuer.id and not after.active:
        return _refusal(N_("You cannot deactivate your own login."))
    if (before.placement, {r.name for r in before.roles}) != (after.placement, {r.name for r in after.roles}):
        return create_problem(issuer, after)
    return None


def delete_problem(issuer: Issuer, login: Login) -> Optional[RuleViolation]:
    if login.id is not None and login.id == issuer.id:
        return _refusal(N_("You cannot delete your own login."))
    return administer_problem(issuer, login)


def password_problem(issuer: Issuer, login: Login) -> Optional[RuleViolation]:
    """Why the issuer may not set (reissue) this login's password (rule 5); None if they may."""
    if login.id is not None and login.id == issuer.id:
        return _refusal(N_("This is your own login: change your password on your profile page."))
    if login.power >= issuer.power:
        return _refusal(N_("The login «%(login)s» holds rights equal to or higher than yours."), login=login.username)
    if issuer.administers_logins and issuer.reach.covers(login.placement) and login.power <= issuer.power:
        return None
    if not issuer.reach.covers(login.placement):
        return _refusal(N_("The login «%(login)s» works outside your school or municipality."), login=login.username)
    if not login.family:
        return _refusal(N_("Passwords of staff are reissued only by the administrator."))
    if issuer.issues_family_passwords:
        return None
    if login.students & issuer.class_students:
        return None
    return _refusal(N_("You reissue the passwords only of your class's students and their parents."))


def link_problem(issuer: Issuer, login: Login, person_students: FrozenSet[int]) -> Optional[RuleViolation]:
    """Why the issuer may not link (or unlink) this login to a person — a student,
    parent or employee card whose `person_students` are the student or the children.
    Linking makes the login that person: only logins one may administer, or family
    logins of the families one issues passwords to."""
    if issuer.administers_logins and administer_problem(issuer, login) is None:
        return None
    if not issuer.reach.covers(login.placement):
        return _refusal(N_("The login «%(login)s» works outside your school or municipality."), login=login.username)
    if login.family and not login.power >= issuer.power and (
            issuer.issues_family_passwords or person_students & issuer.class_students):
        return None
    return _refusal(N_("You may not link the login «%(login)s»: only an administrator who holds its rights may."),
                    login=login.username)


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"«{name}»" for name in sorted(names))
