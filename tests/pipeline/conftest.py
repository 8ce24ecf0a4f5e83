"""The write pipeline's tests live on a fixed date (the clock override, app/clock.py),
so that "a lesson 20 days old" or "the first quarter ended a month ago" hold
whatever day the suite runs: 20.11.2026, inside the second quarter of the demo year."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.views.journal_fixtures import journal  # noqa: F401 (fixture)

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module", autouse=True)
def fixed_today(app):
    before = app.config.get("PARTA_TODAY")
    app.config["PARTA_TODAY"] = TODAY.isoformat()
    yield TODAY
    app.config["PARTA_TODAY"] = before
