"""Today's date where the school is: the lock windows count school days, not UTC ones.

The date can be fixed with `PARTA_TODAY=YYYY-MM-DD` (the environment, or the app's
config key of the same name): the pages, jobs, the demo's seeding and the tests then
live on that day, at the real time of day. CI runs the date-sensitive tests on fixed
dates this way (1 September, the last day of a quarter, a holiday, 31 May).
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def fixed_today() -> Optional[dt.date]:
    """The date PARTA_TODAY fixes (config, then environment); None for the real date."""
    text = current_app.config.get("PARTA_TODAY") if has_app_context() else None
    text = text or os.environ.get("PARTA_TODAY")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError as error:
        raise RuntimeError(f"PARTA_TODAY must be a date as YYYY-MM-DD, not {text!r}") from error


def school_zone() -> dt.tzinfo:
    """The school's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Moscow by default)."""
    if has_app_context():
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return ZoneInfo(os.environ.get("PARTA_TIMEZONE") or "Europe/Moscow")


def school_now() -> dt.datetime:
    """Now in the school's time zone (aware); on the fixed date when PARTA_TODAY is set."""
    now = dt.datetime.now(school_zone())
    fixed = fixed_today()
    return now.replace(year=fixed.year, month=fixed.month, day=fixed.day) if fixed else now


def utcnow() -> dt.datetime:
    """Now in UTC, naive: how Parta's tables keep times (shown in the school's zone)."""
    if fixed_today() is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return school_now().astimezone(dt.timezone.utc).replace(tzinfo=None)


def school_today() -> dt.date:
    """The date in the school's time zone — in requests and CLI jobs alike, so that a
    job run at 23:30 UTC counts the same day as the pages."""
    return school_now().date()


def day_start_utc(day: dt.date) -> dt.datetime:
    """The school's midnight at the start of `day`, as the naive UTC time the logs keep."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=school_zone())
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)
