"""Issuing logins and initial passwords, and the policy FAB applies when a user
chooses a password."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.models import PartaUser
from app.rules.passwords import generate_password, password_problems

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))


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


def translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


@dataclass
class IssuedLogin:
    person: object
    user: PartaUser
    password: str
    group: str
    role: str


def _free_username(session, base: str) -> str:
    base = re.sub(r"[^a-z0-9.]", "", base) or "user"
    taken = set(session.scalars(select(PartaUser.username).where(PartaUser.username.like(f"{base}%")),
                                execution_options={"parta_unscoped": True}))
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def issue_logins(session, sm, people: Iterable[object], role_name: str, group_of, school_id: int) -> List[IssuedLogin]:
    """Gives each person a login (creating it when missing) with a fresh initial
    password that must be changed at the first login. One transaction for all."""
    role = sm.find_role(role_name)
    issued: List[IssuedLogin] = []
    for person in people:
        password = generate_password()
        user: Optional[PartaUser] = person.user
        if user is None:
            username = _free_username(session, f"{translit(person.last_name)}.{translit(person.first_name)[:1]}")
            user = PartaUser(username=username, first_name=person.first_name, last_name=person.last_name,
                             email=f"{username}@school-{school_id}.parta.invalid", active=True, roles=[role],
                             school_id=school_id)
            session.add(user)
            session.flush()
            person.user_id = user.id
        user.password = hash_password(password)
        user.must_change_password = True
        issued.append(IssuedLogin(person, user, password, group_of(person), role_name))
    session.commit()
    return issued
