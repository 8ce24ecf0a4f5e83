"""Password policy (act 001/002: logins and passwords are issued by the
administrator; users keep them secret and answer for them)."""
from __future__ import annotations

import re
import secrets
from typing import List

from .errors import N_

MIN_LENGTH = 8
# No 0/O, 1/l/I: initial passwords are typed from a printed slip.
SLIP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def password_problems(password: str, username: str = "") -> List[str]:
    """What is wrong with a password a user chose (empty list: it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(N_("The password must be at least 8 characters long."))
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        problems.append(N_("The password must contain both letters and digits."))
    if username and username.lower() in password.lower():
        problems.append(N_("The password must not contain the login."))
    return problems


def generate_password(length: int = 10) -> str:
    """A random initial password that passes the policy and reads unambiguously."""
    while True:
        candidate = "".join(secrets.choice(SLIP_ALPHABET) for _ in range(length))
        if not password_problems(candidate):
            return candidate
