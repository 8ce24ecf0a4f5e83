"""The NetSchool web API's handshake and formats, which the
existing clients (the `netschoolapi` package, apps, bots) speak."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Optional

from .errors import N_, RuleViolation


def password_md5(password: str) -> str:
    """md5hex of the password encoded as windows-1251: the secret the handshake needs."""
    try:
        encoded = password.encode("windows-1251")
    except UnicodeEncodeError as error:
        raise RuleViolation(N_("The password has characters the NetSchool apps cannot send; choose another password "
                               "to use them.")) from error
    return hashlib.md5(encoded).hexdigest()


def expected_pw2(salt: str, secret_md5: str) -> str:
    """pw2 = md5(salt + md5hex(password))."""
    return hashlib.md5(salt.encode() + secret_md5.encode()).hexdigest()


def pw2_matches(given: Optional[str], salt: str, secret_md5: str) -> bool:
    return bool(given) and hmac.compare_digest(given.lower(), expected_pw2(salt, secret_md5))


def ns_date(day: Optional[dt.date]) -> Optional[str]:
    """Dates as the clients parse them: YYYY-MM-DDT00:00:00 (not YYYY-MM-DD, no Z)."""
    return day.strftime("%Y-%m-%dT00:00:00") if day else None


def parse_day(text: Optional[str]) -> Optional[dt.date]:
    """A date the clients send: YYYY-MM-DD, possibly with a time part."""
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None
