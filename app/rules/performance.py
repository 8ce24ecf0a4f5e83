"""School statistics of marks and attendance: the figures of the progress reports.

Russian schools count a class's or a subject's results by the period marks:

- успеваемость (success) — the share of passing marks: «5», «4», «3», «зачтено»;
- качество (quality) — the share of «5» and «4» among the graded marks;
- СОУ, степень обученности учащихся (V. P. Simonov) — a weighted share where «5»
  counts 100 %, «4» 64 %, «3» 36 %, «2» 16 % and a failing mark without a score
  (н/а, не зачтено) 7 %;
- the average mark over the marks that have a score.

Marks without a score (зачёт/незачёт) count toward success only; a subject marked
зачёт/незачёт only has no quality, СОУ or average. A student is an
отличник with every graded mark «5», a хорошист with every graded mark «4» or «5»,
«с одной „3“» with exactly one «3» and the rest «4»–«5»; a failing mark of any
kind makes them неуспевающий.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence

# Simonov's weights of the СОУ, in per cent.
SOU_WEIGHTS = {5: 100, 4: 64, 3: 36, 2: 16}
SOU_NOT_ATTESTED = 7


class ScaleMark(NamedTuple):
    """A mark as the reports see it: its code, numeric score (None for «зач»), whether it passes."""

    code: str
    score: Optional[float]
    passing: bool


def bucket(score: Optional[float]) -> Optional[int]:
    """The column a numeric mark is counted in: 5, 4, 3 or 2 (anything lower counts as «2»)."""
    if score is None:
        return None
    return max(2, min(5, int(float(score) + 0.5)))


def percent(part: int, whole: int) -> Optional[float]:
    """part / whole in per cent; None when there is nothing to count."""
    return 100.0 * part / whole if whole else None


@dataclass
class MarkStats:
    """The counts and shares of a set of marks (a subject, a class, a teacher)."""

    fives: int = 0
    fours: int = 0
    threes: int = 0
    twos: int = 0
    passed_other: int = 0   # passing marks without a score: «зач»
    failed_other: int = 0   # failing marks without a score: «н/а», «незач»
    score_sum: float = 0.0

    @property
    def total(self) -> int:
        return self.fives + self.fours + self.threes + self.twos + self.passed_other + self.failed_other

    @property
    def graded(self) -> int:
        """The marks quality and СОУ are counted over: the scored ones and the failing
        unscored ones (н/а); none for a subject marked зачёт/незачёт only."""
        return self.scored + self.failed_other if self.scored else 0

    @property
    def scored(self) -> int:
        return self.fives + self.fours + self.threes + self.twos

    @property
    def success(self) -> Optional[float]:
        """Успеваемость, %."""
        return percent(self.total - self.twos - self.failed_other, self.total)

    @property
    def quality(self) -> Optional[float]:
        """Качество знаний, %."""
        return percent(self.fives + self.fours, self.graded)

    @property
    def sou(self) -> Optional[float]:
        """Степень обученности учащихся, %."""
        if not self.graded:
            return None
        weighted = (SOU_WEIGHTS[5] * self.fives + SOU_WEIGHTS[4] * self.fours + SOU_WEIGHTS[3] * self.threes
                    + SOU_WEIGHTS[2] * self.twos + SOU_NOT_ATTESTED * self.failed_other)
        return weighted / self.graded

    @property
    def average(self) -> Optional[float]:
        return self.score_sum / self.scored if self.scored else None

    def add(self, mark: ScaleMark) -> None:
        column = bucket(mark.score)
        if column is None:
            if mark.passing:
                self.passed_other += 1
            else:
                self.failed_other += 1
            return
        self.score_sum += float(mark.score)
        if column == 5:
            self.fives += 1
        elif column == 4:
            self.fours += 1
        elif column == 3:
            self.threes += 1
        else:
            self.twos += 1

    def merge(self, other: "MarkStats") -> None:
        for name in ("fives", "fours", "threes", "twos", "passed_other", "failed_other", "score_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tally(marks: Iterable[ScaleMark]) -> MarkStats:
    """Counts a set of marks into a MarkStats."""
    stats = MarkStats()
    for mark in marks:
        stats.add(mark)
    return stats


def is_failing(mark: ScaleMark) -> bool:
    """A «2» (or lower) or a failing mark without a score."""
    column = bucket(mark.score)
    return (column == 2) if column is not None else not mark.passing


# The categories of students by their period (or year) marks.
EXCELLENT, GOOD, ONE_THREE, SATISFACTORY, FAILING = "excellent", "good", "one_three", "satisfactory", "failing"


def student_category(marks: Sequence[ScaleMark]) -> Optional[str]:
    """отличник / хорошист / с одной «3» / успевающий / неуспевающий; None without marks."""
    if not marks:
        return None
    if any(is_failing(m) for m in marks):
        return FAILING
    columns = [bucket(m.score) for m in marks if m.score is not None]
    if not columns:
        return SATISFACTORY  # only «зачтено»: passing, not graded
    threes = sum(1 for c in columns if c == 3)
    if threes == 0:
        return EXCELLENT if all(c == 5 for c in columns) else GOOD
    return ONE_THREE if threes == 1 else SATISFACTORY


# ---------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------

class Absence(NamedTuple):
    """One missed lesson: the day, and whether the reason is excused."""

    day: dt.date
    excused: bool


@dataclass
class AbsenceStats:
    lessons: int = 0          # lessons missed
    excused: int = 0          # of them for an excused reason
    whole_days: int = 0       # days on which every lesson was missed
    whole_days_excused: int = 0

    @property
    def unexcused(self) -> int:
        return self.lessons - self.excused

    def merge(self, other: "AbsenceStats") -> None:
        for name in ("lessons", "excused", "whole_days", "whole_days_excused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def whole_days_missed(absences: Iterable[Absence], lessons_per_day: Mapping[dt.date, int]) -> dict:
    """The days missed whole → whether excused: a student missed a day whole when they
    missed as many lessons as they had that day (their groups' lessons held); excused
    when every one of those absences was."""
    by_day: dict = {}
    for absence in absences:
        missed, excused = by_day.get(absence.day, (0, 0))
        by_day[absence.day] = (missed + 1, excused + bool(absence.excused))
    return {day: excused == missed for day, (missed, excused) in by_day.items()
            if lessons_per_day.get(day, 0) and missed >= lessons_per_day[day]}


def absence_stats(absences: Iterable[Absence], lessons_per_day: Mapping[dt.date, int]) -> AbsenceStats:
    """Lessons missed, of them excused, and the whole days missed (whole_days_missed)."""
    absences = list(absences)
    whole = whole_days_missed(absences, lessons_per_day)
    return AbsenceStats(lessons=len(absences), excused=sum(1 for a in absences if a.excused),
                        whole_days=len(whole), whole_days_excused=sum(1 for excused in whole.values() if excused))


# ---------------------------------------------------------------------------
# The average over time
# ---------------------------------------------------------------------------

class DatedMark(NamedTuple):
    day: dt.date
    score: Optional[float]
    weight: float


def cumulative_averages(marks: Sequence[DatedMark], checkpoints: Sequence[dt.date]) -> list:
    """The weighted average of the marks dated up to each checkpoint (the same
    Σ mark × weight / Σ weight as the journal); None before the first mark."""
    ordered = sorted((m for m in marks if m.score is not None and m.weight), key=lambda m: m.day)
    result, total, weights, index = [], 0.0, 0.0, 0
    for checkpoint in checkpoints:
        while index < len(ordered) and ordered[index].day <= checkpoint:
            total += float(ordered[index].score) * float(ordered[index].weight)
            weights += float(ordered[index].weight)
            index += 1
        result.append(total / weights if weights else None)
    return result


def week_ends(start: dt.date, end: dt.date) -> list:
    """The Sundays from `start` to `end` (and `end` itself), the checkpoints of the chart."""
    if end < start:
        return []
    days, day = [], start + dt.timedelta(days=6 - start.weekday())
    while day < end:
        days.append(day)
        day += dt.timedelta(days=7)
    days.append(end)
    return days


# ---------------------------------------------------------------------------
# Journal control (act 001 §4.5–4.6, §4.11)
# ---------------------------------------------------------------------------

def entry_delay(lesson_day: dt.date, entered_on: dt.date) -> int:
    """Days between the lesson and the entry: 0 for an entry on the lesson's day
    (act §4.5–4.6: topics, marks and attendance are entered daily, on the day)."""
    return max(0, (entered_on - lesson_day).days)


def is_late(lesson_day: dt.date, entered_on: dt.date) -> bool:
    """An entry made after the day of the lesson."""
    return entry_delay(lesson_day, entered_on) > 0


@dataclass
class Completeness:
    """How a journal (or all of a teacher's or a class's journals) is kept."""

    lessons: int = 0                 # lessons held up to the day of the report
    without_topic: int = 0
    without_marks: int = 0           # held lessons with no mark at all
    marks: int = 0                   # marks entered for the lessons
    late_marks: int = 0              # of them first entered after the lesson's day
    max_delay: int = 0               # the longest delay, in days

    @property
    def topic_rate(self) -> Optional[float]:
        return percent(self.lessons - self.without_topic, self.lessons)

    @property
    def late_rate(self) -> Optional[float]:
        return percent(self.late_marks, self.marks)

    def entered(self, lesson_day: dt.date, entered_on: Optional[dt.date]) -> None:
        """Counts one mark with the date of its first entry (None: not known, for
        marks entered before the entries were stamped; counted, never late)."""
        self.marks += 1
        if entered_on is None:
            return
        delay = entry_delay(lesson_day, entered_on)
        if delay:
            self.late_marks += 1
            self.max_delay = max(self.max_delay, delay)

    def merge(self, other: "Completeness") -> None:
        for name in ("lessons", "without_topic", "without_marks", "marks", "late_marks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.max_delay = max(self.max_delay, other.max_delay)


def category_rates(categories) -> tuple:
    """A class's успеваемость and качество by students: the share of students without a
    failing mark, and of отличники and хорошисты, among the students with marks."""
    counted = [c for c in categories if c is not None]
    success = percent(sum(1 for c in counted if c != FAILING), len(counted))
    quality = percent(sum(1 for c in counted if c in (EXCELLENT, GOOD)), len(counted))
    return success, quality
