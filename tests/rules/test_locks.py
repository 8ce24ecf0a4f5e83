import datetime as dt

import pytest

from app.rules.errors import RuleViolation
from app.rules.locks import (
    LockSettings, Unlock, check_editable, check_unlock, is_editable, last_editable_day, period_marks_due,
)

LESSON = dt.date(2026, 11, 2)


def day(n: int) -> dt.date:
    return LESSON + dt.timedelta(days=n)


@pytest.mark.parametrize("kind", ["mark", "attendance", "control"])
def test_lesson_entries_are_editable_through_the_10th_day_and_refused_from_the_11th(kind):
    assert is_editable(kind, LESSON, LESSON)
    assert is_editable(kind, LESSON, day(10))
    assert not is_editable(kind, LESSON, day(11))


@pytest.mark.parametrize("kind", ["period_mark", "final_mark"])
def test_period_and_final_marks_lock_10_days_after_the_period_ends(kind):
    end = dt.date(2026, 10, 24)
    assert is_editable(kind, end, dt.date(2026, 11, 3))
    assert not is_editable(kind, end, dt.date(2026, 11, 4))


def test_entries_for_a_future_lesson_are_editable():
    assert is_editable("mark", day(3), LESSON)


def test_school_settings_change_the_day_counts():
    settings = LockSettings(mark=3, control=20)
    assert not is_editable("mark", LESSON, day(4), settings)
    assert is_editable("control", LESSON, day(20), settings)
    assert is_editable("attendance", LESSON, day(10), {"attendance": 10})
    assert not is_editable("attendance", LESSON, day(2), {"attendance": 1})


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        is_editable("topic", LESSON, LESSON)


def test_period_marks_are_due_two_days_before_the_period_ends():
    assert period_marks_due(dt.date(2026, 10, 24)) == dt.date(2026, 10, 22)
    assert period_marks_due(dt.date(2026, 10, 24), LockSettings(period_mark_due=5)) == dt.date(2026, 10, 19)


def test_a_refusal_names_the_lesson_and_the_last_day():
    with pytest.raises(RuleViolation) as refused:
        check_editable("mark", LESSON, day(11))
    assert refused.value.params == {"date": "02.11.2026", "until": "12.11.2026"}
    assert last_editable_day("mark", LESSON) == day(10)


def test_an_unlock_covering_the_date_opens_the_lock_until_its_last_day():
    unlock = Unlock(date_from=day(-5), date_to=day(0), until=day(15))
    check_editable("mark", LESSON, day(15), unlocks=[unlock])
    with pytest.raises(RuleViolation):
        check_editable("mark", LESSON, day(16), unlocks=[unlock])


def test_an_unlock_of_other_dates_does_not_open_the_lock():
    unlock = Unlock(date_from=day(1), date_to=day(5), until=day(30))
    with pytest.raises(RuleViolation):
        check_editable("mark", LESSON, day(12), unlocks=[unlock])


def test_a_closed_year_refuses_even_fresh_entries_and_unlocks():
    unlock = Unlock(date_from=LESSON, date_to=LESSON, until=day(30))
    with pytest.raises(RuleViolation) as refused:
        check_editable("mark", LESSON, LESSON, unlocks=[unlock], year_closed=True)
    assert "closed" in refused.value.msgid


def test_an_unlock_needs_dates_a_future_end_and_a_reason():
    check_unlock(day(0), day(3), day(10), day(5), "Болезнь учителя")
    for args in [(None, day(3), day(10), day(5), "x"), (day(3), day(0), day(10), day(5), "x"),
                 (day(0), day(3), day(4), day(5), "x"), (day(0), day(3), day(10), day(5), "  ")]:
        with pytest.raises(RuleViolation):
            check_unlock(*args)
