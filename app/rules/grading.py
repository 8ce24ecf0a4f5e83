"""Averages and the suggested period mark (act 001 §4.9).

The average for a period is computed automatically; the teacher sets the period
mark from a menu, guided by the school's thresholds — by default 4.5 and above
gives «5», 3.5 and above «4», 2.5 and above «3», anything lower «2». The act
writes "below 2.4" for «2», which leaves 2.4–2.5 open; Parta treats every
average below 2.5 as «2».
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from .errors import N_, RuleViolation

# First-graders learn without marks (ФГОС НОО: безотметочное обучение): their journals
# hold no marks, averages, period or final marks, and no report expects any.
FIRST_MARKED_GRADE = 2


def is_marked_grade(grade: Optional[int]) -> bool:
    """Whether a class of this grade is given marks (every grade from the second)."""
    return grade is None or grade >= FIRST_MARKED_GRADE


def check_marked_grade(grade: Optional[int]) -> None:
    """A mark, a period or a final mark is refused in a first grade."""
    if not is_marked_grade(grade):
        raise RuleViolation(N_("The first grade learns without marks: marks, period and final marks are not given."))


# Minimum average for «5», «4» and «3».
DEFAULT_THRESHOLDS: Tuple[float, float, float] = (4.5, 3.5, 2.5)
Thresholds = Union[Sequence[float], Mapping[int, float], None]


def _round(value: float) -> float:
    """Averages are shown, and compared, with two decimals: what the user sees decides."""
    return round(value + 1e-9, 2)


def effective_weight(own: Optional[float], type_weight: Optional[float]) -> float:
    """An assignment's weight in the averages: its own when the teacher set one, else its
    work type's (act 001 §4.9: «контрольная» 2, «самостоятельная» 1,5 …), else 1."""
    if own is not None:
        return float(own)
    return float(type_weight) if type_weight else 1.0


def weighted_average(pairs: Iterable[Tuple[float, float]]) -> Optional[float]:
    """Σ mark × weight / Σ weight over (mark, weight) pairs; None when nothing counts.

    Marks without a score (зачёт, «точка») are passed as None and skipped, as are
    zero weights.
    """
    total = weights = 0.0
    for mark, weight in pairs:
        if mark is None or not weight:
            continue
        total += float(mark) * float(weight)
        weights += float(weight)
    return total / weights if weights else None


def arithmetic_average(marks: Iterable[Optional[float]]) -> Optional[float]:
    """The plain mean of the marks that have a score; None when there are none."""
    scores = [float(m) for m in marks if m is not None]
    return sum(scores) / len(scores) if scores else None


def normalize_thresholds(thresholds: Thresholds = None) -> Tuple[float, float, float]:
    """(min for 5, min for 4, min for 3) from a sequence or a {mark: minimum} mapping."""
    if thresholds is None:
        return DEFAULT_THRESHOLDS
    if type(thresholds) is tuple:  # a school's, as read (the journal asks for each of thirty students)
        return _normalized(thresholds)
    if isinstance(thresholds, Mapping):
        values = (thresholds[5], thresholds[4], thresholds[3])
    else:
        values = tuple(thresholds)
    return _normalized(values)


@lru_cache(maxsize=64)
def _normalized(values: tuple) -> Tuple[float, float, float]:
    """normalize_thresholds' check and floats, once per distinct thresholds (a journal's thirty
    students' suggested marks ask for the same ones)."""
    check_thresholds(values)
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def check_thresholds(values: Sequence[Optional[float]]) -> None:
    """The thresholds fall strictly from «5» to «3» and lie between 2 and 5."""
    if len(values) != 3 or any(v is None for v in values):
        raise RuleViolation(N_("Set the minimum averages for «5», «4» and «3»."))
    five, four, three = (float(v) for v in values)
    if not (5 >= five > four > three > 2):
        raise RuleViolation(N_("The minimum averages must fall from «5» to «3» and lie between 2 and 5."))


def suggest_period_mark(average: Optional[float], thresholds: Thresholds = None) -> Optional[int]:
    """The period mark the average suggests, 2..5; None without an average."""
    if average is None:
        return None
    five, four, three = normalize_thresholds(thresholds)
    shown = _round(average)
    if shown >= five:
        return 5
    if shown >= four:
        return 4
    if shown >= three:
        return 3
    return 2


@lru_cache(maxsize=256)
def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@lru_cache(maxsize=1024)
def _term(mark: float, weight: float) -> str:
    """«5×2», a mark times its weight in a written-out average."""
    return f"{_num(mark)}×{_num(weight)}"


@lru_cache(maxsize=256)
def _weight_term(weight: float) -> str:
    """«2», a weight in the denominator of a written-out average."""
    return _num(weight)


def format_weight(value: Optional[float]) -> str:
    """1, 1,5, 2 — a weight or a count as it is written, without trailing zeros."""
    return "" if value is None else _num(float(value))


def format_average(value: Optional[float]) -> str:
    """4,33 — two decimals with a decimal comma, as Russian documents write it."""
    return "" if value is None else f"{_round(value):.2f}".replace(".", ",")


def weighted_formula(pairs: Iterable[Tuple[Optional[float], float]]) -> str:
    """The weighted average written out: «(5×1 + 4×2) / (1 + 2) = 4,33»."""
    return summarize(pairs).formula


@dataclass(frozen=True)
class Summary:
    """What a journal or a diary shows of one student's marks in a period."""

    arithmetic: Optional[float]  # arithmetic_average
    weighted: Optional[float]    # weighted_average
    formula: str                 # weighted_formula
    suggested: Optional[int]     # suggest_period_mark of the weighted average
    count: int                   # the marks with a score


class Tally(NamedTuple):
    """The running sums of some (score, weight) pairs in order, from which a Summary is made:
    tallies of consecutive runs of pairs join into the tally of the whole (`summary_of`), so a
    student's marks can be tallied apart from a few cells whose values come later."""

    count: int
    scores: float
    total: float
    weights: float
    top: list     # «5×2» per weighted mark
    bottom: list  # «2» per weighted mark


Scored = Tuple[float, float, float, Optional[str], Optional[str]]  # mark, weight, product, «5×2», «2»


@lru_cache(maxsize=1024)
def scored(mark: Optional[float], weight: Optional[float]) -> Optional[Scored]:
    """A (score, weight) pair as a tally adds it, worked out once per pair of values (a period
    holds a thousand marks of a few); None: a mark without a score, which does not count."""
    if mark is None:
        return None
    mark = float(mark)
    if not weight:
        return mark, 0.0, 0.0, None, None  # counted in the arithmetic average only
    weight = float(weight)
    return mark, weight, mark * weight, _term(mark, weight), _weight_term(weight)


def tally_scored(entries: Iterable[Scored]) -> Tally:
    """The Tally of pairs already `scored` (no None among them): the sums in the pairs' order,
    by the built-ins over their columns (a period's thousand marks at every save); a mark
    without weight adds 0 to the weighted sums and no term to the formula."""
    entries = list(entries)
    if not entries:
        return Tally(0, 0.0, 0.0, 0.0, [], [])
    marks, weights, products, terms, unders = zip(*entries)
    top, bottom = list(terms), list(unders)
    if None in terms:
        top, bottom = [t for t in top if t is not None], [u for u in bottom if u is not None]
    return Tally(len(entries), sum(marks, 0.0), sum(products, 0.0), sum(weights, 0.0), top, bottom)


def tally(pairs: Iterable[Tuple[Optional[float], float]]) -> Tally:
    """The Tally of (score, weight) pairs; a pair without a score does not count."""
    return tally_scored([entry for mark, weight in pairs if (entry := scored(mark, weight)) is not None])


def summary_of(tallies: Iterable[Tally], thresholds: Thresholds = None) -> Summary:
    """The Summary of consecutive runs of pairs, each tallied (the formula in their order)."""
    count, scores, total, weights, top, bottom = 0, 0.0, 0.0, 0.0, [], []
    for part in tallies:
        count += part.count
        scores += part.scores
        total += part.total
        weights += part.weights
        top += part.top
        bottom += part.bottom
    weighted = total / weights if weights else None
    formula = f"({' + '.join(top)}) / ({' + '.join(bottom)}) = {format_average(weighted)}" if top else ""
    return Summary(scores / count if count else None, weighted, formula, suggest_period_mark(weighted, thresholds), count)


def summarize(pairs: Iterable[Tuple[Optional[float], float]], thresholds: Thresholds = None) -> Summary:
    """Both averages, the weighted one written out (weighted_formula's text is made here), the
    suggested period mark and the count of (score, weight) pairs in one pass: the same answers
    as the functions above, for the grid's thirty students at once (a page and every save)."""
    return summary_of((tally(pairs),), thresholds)


def what_if(pairs: Iterable[Tuple[Optional[float], float]], score: float, weight: float = 1.0,
            thresholds: Thresholds = None) -> Tuple[Optional[float], Optional[int]]:
    """The weighted average and the suggested period mark after one more mark."""
    average = weighted_average(list(pairs) + [(score, weight)])
    return average, suggest_period_mark(average, thresholds)


def marks_to_next(pairs: Iterable[Tuple[Optional[float], float]], thresholds: Thresholds = None,
                  score: float = 5.0, weight: float = 1.0, limit: int = 30) -> Optional[Tuple[int, float, int]]:
    """How many more marks `score` of `weight` raise the suggested period mark by one step:
    (how many, the average then, the mark then); None at «5», without marks, or when
    `limit` such marks would not do it. What the diary tells a family, unlike NetSchool:
    «ещё одна «5» даст 4,52 → «5»»."""
    pairs = [p for p in pairs if p[0] is not None and p[1]]
    current = suggest_period_mark(weighted_average(pairs), thresholds)
    if current is None or current >= 5:
        return None
    for count in range(1, limit + 1):
        average = weighted_average(pairs + [(score, weight)] * count)
        mark = suggest_period_mark(average, thresholds)
        if mark > current:
            return count, average, mark
    return None
