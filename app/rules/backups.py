"""Which backups to keep: the newest of each of the last days, weeks and months that have one
(7 daily, 4 weekly, 12 monthly by default), and always the newest of all."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable


def kept(stamps: Iterable[dt.datetime], daily: int = 7, weekly: int = 4, monthly: int = 12) -> set[dt.datetime]:
    """The backups (by their time) that the retention keeps; the others may be deleted."""
    newest_first = sorted(set(stamps), reverse=True)
    keep = set(newest_first[:1])

    def newest_per(period: Callable[[dt.datetime], tuple], count: int) -> None:
        seen: list = []
        for stamp in newest_first:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) == count:
                return
            seen.append(key)
            keep.add(stamp)

    newest_per(lambda s: (s.year, s.month, s.day), daily)
    newest_per(lambda s: tuple(s.isocalendar())[:2], weekly)
    newest_per(lambda s: (s.year, s.month), monthly)
    return keep
