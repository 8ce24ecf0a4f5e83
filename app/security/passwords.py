"""Issuing logins and initial passwords («Управление → Логины и пароли»), and the
policy FAB applies when a user chooses a password.

An issue is planned first and applied after the issuer confirms it with their own
password: the plan lists exactly whose logins are created and whose passwords change,
and whom the rules skip and why (app/rules/accounts.py: staff passwords only by the
administrator, students' and parents' by the secretary or their class teacher, never a
login with the issuer's power or more). The flush checks every change again
(app/security/accounts.py) and records it in the account audit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.models import Employee, Guardian, PartaUser, Student
from app.rules import accounts as rules
from app.rules.passwords import generate_password, password_problems
from app.security import accounts, webapi

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
UNSCOPED = {"parta_unscoped": True}


def validate_password(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: refuses a weak password in Russian."""
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(gettext(p) for p in problems))


def hash_password(password: str) -> str:
    """Hashed as FAB hashes (FAB_PASSWORD_HASH_METHOD), so that FAB's login checks it."""
    return generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def hash_initial_password(password: str) -> str:
    """The hash of a password Parta generated for a slip. Such a password is random
    (10 characters of 55, about 58 bits) and must be changed at the first login, which
    hashes the new one as FAB does; guessing it from a stolen hash is out of reach even
    for PBKDF2 with 10,000 rounds, about 2 ms, where scrypt costs 0.1 s a password: a
    class's slips (70 logins) are printed in a fraction of a second instead of seven."""
    return generate_password_hash(password, method=current_app.config.get("PARTA_INITIAL_PASSWORD_HASH_METHOD",
                                                                           "pbkdf2:sha256:10000"),
                                  salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


@dataclass
class IssuedLogin:
    person: object
    user: PartaUser
    password: str
    group: str
    role: str


KINDS = {Student: "student", Guardian: "guardian", Employee: "employee"}


@dataclass
class Candidate:
    """A person the issuer chose: their card, the group printed on the slip, and the
    role a new login gets."""

    person: object
    group: str
    role: str

    @property
    def key(self) -> str:
        """Names the card in the preview's form, so that only what was shown is applied."""
        return f"{KINDS[type(self.person)]}:{self.person.id}"


@dataclass
class PlanEntry:
    candidate: Candidate
    login: Optional[PartaUser]
    action: str       # "create", "reissue" or "skip"
    reason: str = ""  # why it is skipped (translated)

    @property
    def key(self) -> str:
        return self.candidate.key

    @property
    def roles(self) -> str:
        if self.login is None:
            return self.candidate.role
        return ", ".join(role.name for role in self.login.roles)


def plan(session, sm, issuer: rules.Issuer, candidates: Iterable[Candidate], reissue: bool) -> List[PlanEntry]:
    """What an issue would do to each chosen person, as the rules decide; changes nothing."""
    candidates = list(candidates)
    ids = {c.person.user_id for c in candidates if c.person.user_id is not None}
    # The logins as stored, even those the issuer does not see (a card may be linked to
    # a login of another place): the rules then say why they are skipped.
    users: Dict[int, PartaUser] = {u.id: u for u in session.scalars(
        select(PartaUser).where(PartaUser.id.in_(ids)), execution_options=UNSCOPED)} if ids else {}
    facts = accounts.logins_now(session, list(users.values()))
    new_roles: Dict[str, rules.Role] = {}
    seen: set = set()
    entries: List[PlanEntry] = []
    for candidate in candidates:
        person = candidate.person
        user = users.get(person.user_id)
        if person.user_id is None:
            if candidate.role not in new_roles:
                new_roles[candidate.role] = accounts.role_info(sm.find_role(candidate.role))
            new = rules.Login(None, "", rules.Placement(person.school_id), roles=(new_roles[candidate.role],),
                              staff=isinstance(person, Employee))
            problem = rules.create_problem(issuer, new)
            entries.append(PlanEntry(candidate, None, "skip", accounts.refusal_text(problem)) if problem
                           else PlanEntry(candidate, None, "create"))
        elif user is None:
            continue  # a link to a login that no longer exists
        elif person.user_id in seen:
            entries.append(PlanEntry(candidate, user, "skip", gettext("The same login is listed above.")))
        elif not reissue:
            entries.append(PlanEntry(candidate, user, "skip",
                                     gettext("Already has a login; tick «issue new passwords» to replace its password.")))
        else:
            problem = rules.password_problem(issuer, facts[user.id])
            entries.append(PlanEntry(candidate, user, "skip", accounts.refusal_text(problem)) if problem
                           else PlanEntry(candidate, user, "reissue"))
        if person.user_id is not None:
            seen.add(person.user_id)
    return entries


def apply(session, sm, entries: Iterable[PlanEntry]) -> List[IssuedLogin]:
    """Creates the planned logins and sets the planned passwords, in one transaction
    (all or nothing); each password must be changed at the first login. The flush checks
    each change against the rules again and records it in the account audit."""
    issued: List[IssuedLogin] = []
    session.info["parta_password_action"] = "password_reissued"
    try:
        for entry in entries:
            if entry.action not in ("create", "reissue"):
                continue
            person, password = entry.candidate.person, generate_password()
            user = entry.login
            if entry.action == "create":
                user = _new_login(session, sm, person, entry.candidate.role, password)
            else:
                user.password = hash_initial_password(password)
                user.must_change_password = True
                webapi.refresh(session, user, password)  # the apps' secret follows the password
            issued.append(IssuedLogin(person, user, password, entry.candidate.group, entry.roles))
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.info.pop("parta_password_action", None)
    return issued


def _new_login(session, sm, person, role_name: str, password: str) -> PartaUser:
    username = _free_username(session, f"{translit(person.last_name)}.{translit(person.first_name)[:1]}")
    user = PartaUser(username=username, first_name=person.first_name, last_name=person.last_name,
                     email=f"{username}@school-{person.school_id}.parta.invalid", active=True,
                     roles=[sm.find_role(role_name)], school_id=person.school_id,
                     password=hash_initial_password(password), must_change_password=True)
    session.add(user)
    session.flush()  # the next login name is chosen knowing this one
    person.user_id = user.id
    return user


def _free_username(session, base: str) -> str:
    base = re.sub(r"[^a-z0-9.]", "", base) or "user"
    taken = set(session.scalars(select(PartaUser.username).where(PartaUser.username.like(f"{base}%")),
                                execution_options=UNSCOPED))
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def issue_logins(session, sm, people: Iterable[object], role_name: str, group_of, school_id: int) -> List[IssuedLogin]:
    """Gives each person a login (creating it when missing) with a fresh initial
    password that must be changed at the first login; one transaction for all. For
    scripts and tests: the page plans and confirms first (`plan`, `apply`); the flush
    applies the same rules to whoever is logged in."""
    role = sm.find_role(role_name)
    issued: List[IssuedLogin] = []
    session.info["parta_password_action"] = "password_reissued"
    try:
        for person in people:
            password = generate_password()
            user: Optional[PartaUser] = person.user
            if user is None:
                username = _free_username(session, f"{translit(person.last_name)}.{translit(person.first_name)[:1]}")
                user = PartaUser(username=username, first_name=person.first_name, last_name=person.last_name,
                                 email=f"{username}@school-{school_id}.parta.invalid", active=True, roles=[role],
                                 school_id=school_id, password=hash_initial_password(password), must_change_password=True)
                session.add(user)
                session.flush()
                person.user_id = user.id
            else:
                user.password = hash_initial_password(password)
                user.must_change_password = True
                webapi.refresh(session, user, password)
            issued.append(IssuedLogin(person, user, password, group_of(person), role_name))
        session.commit()
    finally:
        session.info.pop("parta_password_action", None)
    return issued
