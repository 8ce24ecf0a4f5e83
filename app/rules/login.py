"""Login policy: how long wrong passwords hold a login back, and for whom.

Why a backoff per (login, address) and not a lock of the login: a lock of the
whole login after five wrong passwords (Parta's first policy: 15 minutes for
everyone) lets anyone who knows a teacher's login keep the teacher out at the
first bell, from anywhere, with five requests. So the wrong passwords count per
login *and* per place they come from — the address, or a browser that has signed
in to that login before (app/security/login_limits.py): the teacher's own browser
is never held back by someone else's guesses. The first five wrong passwords
cost nothing (typos); after that each one makes the next attempt from that place
wait twice as long, from one minute up to an hour, so that a guesser gets a few
dozen tries a day per address while a person who mistyped waits a minute. The
count is forgotten a day after its first failure, or at the next right password.

Guessing one password across many logins is held by the per-address limit on all
login attempts (PARTA_LOGIN_RATE_LIMIT), which the form, the REST API and the
NetSchool API share.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

FREE_FAILURES = 5
FIRST_WAIT = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=1)
MEMORY = dt.timedelta(days=1)  # failures are counted for a day from the first one


def wait_after(failures: int, free: int = FREE_FAILURES, first: dt.timedelta = FIRST_WAIT,
               longest: dt.timedelta = LONGEST_WAIT) -> Optional[dt.timedelta]:
    """How long the next attempt from the same place waits after `failures` wrong
    passwords in a row; None while the wrong passwords are still free."""
    if failures < free:
        return None
    steps = failures - free
    if steps >= 32:  # far past the longest wait; keeps the power small
        return longest
    return min(first * (2 ** steps), longest)


def login_key(username: Optional[str]) -> str:
    """The name the failures of a login are counted under: logins are matched without
    regard to case (FAB's AUTH_USERNAME_CI), so «Teacher» and «teacher» count together."""
    return (username or "").strip().casefold()[:128]
