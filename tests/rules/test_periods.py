import datetime as dt

import pytest

from app.rules.errors import RuleViolation
from app.rules.periods import PeriodSpan, check_date_range, check_no_overlap, check_within_year

Y_START, Y_END = dt.date(2026, 9, 1), dt.date(2027, 5, 31)
QUARTER, YEAR = 1, 2


def span(start, end, type_id=QUARTER, grades=(1, 9), name="1 четверть"):
    return PeriodSpan(name, type_id, start, end, *grades)


def test_period_ending_before_it_starts_is_refused():
    with pytest.raises(RuleViolation) as refused:
        check_date_range(dt.date(2026, 10, 1), dt.date(2026, 9, 1))
    assert refused.value.params == {"start": "01.10.2026", "end": "01.09.2026"}


def test_period_inside_the_year_is_accepted():
    check_within_year(dt.date(2026, 9, 1), dt.date(2026, 10, 24), Y_START, Y_END)


@pytest.mark.parametrize("start,end", [
    (dt.date(2026, 8, 31), dt.date(2026, 10, 24)),
    (dt.date(2027, 4, 1), dt.date(2027, 6, 1)),
])
def test_period_outside_the_year_is_refused_with_the_years_dates(start, end):
    with pytest.raises(RuleViolation) as refused:
        check_within_year(start, end, Y_START, Y_END)
    assert refused.value.params == {"start": "01.09.2026", "end": "31.05.2027"}


def test_quarters_of_the_same_grades_may_not_overlap():
    first = span(dt.date(2026, 9, 1), dt.date(2026, 10, 24))
    with pytest.raises(RuleViolation) as refused:
        check_no_overlap(span(dt.date(2026, 10, 24), dt.date(2026, 12, 28), name="2 четверть"), [first])
    assert refused.value.params["other"] == "1 четверть"


def test_adjacent_quarters_are_accepted():
    first = span(dt.date(2026, 9, 1), dt.date(2026, 10, 24))
    check_no_overlap(span(dt.date(2026, 11, 5), dt.date(2026, 12, 28)), [first])


def test_the_year_period_may_span_the_quarters():
    quarter = span(dt.date(2026, 9, 1), dt.date(2026, 10, 24))
    check_no_overlap(span(Y_START, Y_END, type_id=YEAR, name="Год"), [quarter])


def test_half_years_of_senior_grades_may_overlap_quarters_of_junior_grades():
    quarter = span(dt.date(2026, 9, 1), dt.date(2026, 10, 24), grades=(1, 9))
    check_no_overlap(span(dt.date(2026, 9, 1), dt.date(2026, 12, 28), grades=(10, 11)), [quarter])


def test_reversed_grade_range_is_refused():
    with pytest.raises(RuleViolation):
        check_no_overlap(span(Y_START, dt.date(2026, 10, 1), grades=(9, 5)), [])


def _period(name, start, end, is_year=False):
    from types import SimpleNamespace

    return SimpleNamespace(name=name, start=dt.date(*start), end=dt.date(*end), is_year=is_year)


QUARTERS = [_period("1", (2026, 9, 1), (2026, 10, 25)), _period("2", (2026, 11, 5), (2026, 12, 28)),
            _period("год", (2026, 9, 1), (2027, 5, 31), is_year=True)]


def test_the_period_of_a_day_is_the_quarter_rather_than_the_year():
    from app.rules.periods import period_at

    assert period_at(QUARTERS, dt.date(2026, 11, 20)).name == "2"
    assert period_at(QUARTERS[:2], dt.date(2026, 11, 1)) is None  # the autumn holidays


def test_the_current_period_in_the_holidays_is_the_quarter_just_ended():
    from app.rules.periods import current_period

    assert current_period(QUARTERS[:2], dt.date(2026, 11, 1)).name == "1"
    assert current_period(QUARTERS[:2], dt.date(2027, 1, 5)).name == "2"


def test_before_the_first_period_there_is_no_current_one_unless_the_next_is_asked_for():
    from app.rules.periods import current_period

    assert current_period(QUARTERS[:2], dt.date(2026, 8, 20)) is None
    assert current_period(QUARTERS[:2], dt.date(2026, 8, 20), upcoming=True).name == "1"
    assert current_period([], dt.date(2026, 8, 20), upcoming=True) is None


def test_the_year_of_a_day_is_the_one_holding_it_else_the_current_else_the_latest_begun():
    from types import SimpleNamespace

    from app.rules.periods import year_at

    def year(start, end, current=False):
        return SimpleNamespace(start_date=dt.date(*start), end_date=dt.date(*end), is_current=current)

    old, this = year((2025, 9, 1), (2026, 5, 31)), year((2026, 9, 1), (2027, 5, 31))
    assert year_at([this, old], dt.date(2026, 11, 20)) is this
    assert year_at([this, old], dt.date(2026, 7, 1)) is this  # the summer: the latest to start
    old_current = year((2025, 9, 1), (2026, 5, 31), current=True)
    assert year_at([this, old_current], dt.date(2026, 7, 1)) is old_current
    assert year_at([], dt.date(2026, 7, 1)) is None
