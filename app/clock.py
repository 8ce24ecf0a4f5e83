"""Today's date where the school is: the lock windows count school days, not UTC ones."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> dt.datetime:
    """Now in UTC, naive: how Parta's tables keep times (shown in the school's zone)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def school_today() -> dt.date:
    """The date in the school's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Moscow by
    default) — in requests and CLI jobs alike, so that a job run at 23:30 UTC counts
    the same day as the pages; the machine's date only outside any app."""
    if has_app_context():
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
        return dt.datetime.now(zone).date()
    return dt.date.today()


def day_start_utc(day: dt.date) -> dt.datetime:
    """The school's midnight at the start of `day`, as the naive UTC time the logs keep."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC") if has_app_context() else dt.timezone.utc
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)
