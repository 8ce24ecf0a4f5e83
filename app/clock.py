"""Today's date where the school is: the lock windows count school days, not UTC ones."""
from __future__ import annotations

import datetime as dt

from flask import has_request_context


def school_today() -> dt.date:
    """The date in the school's time zone (BABEL_DEFAULT_TIMEZONE) during a request;
    the machine's date elsewhere (CLI jobs)."""
    if has_request_context():
        from flask_babel import to_user_timezone

        return to_user_timezone(dt.datetime.now(dt.timezone.utc)).date()
    return dt.date.today()
