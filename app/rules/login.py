"""Login policy: repeated wrong passwords lock the login for a while."""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def locked_until(failures: Sequence[dt.datetime], now: dt.datetime, max_failures: int = MAX_FAILURES,
                 window: dt.timedelta = WINDOW) -> Optional[dt.datetime]:
    """When a login opens again after `max_failures` wrong passwords within `window`;
    None while it is open. The lock runs for `window` from the last failure."""
    recent = sorted(at for at in failures if now - at < window)
    if len(recent) < max_failures:
        return None
    return recent[-1] + window
