"""Who may be a member of a subgroup and when, and how a class is split at once."""
from __future__ import annotations

import datetime as dt

import pytest

from app.rules.errors import RuleViolation
from app.rules.subgroups import Pupil, by_gender, check_membership, effective_span, halves, plan_split

YEAR = (dt.date(2026, 9, 1), dt.date(2027, 5, 31))
IN_5A = [(dt.date(2026, 9, 1), None)]


def test_a_pupil_of_another_class_is_refused_naming_the_class_and_the_day():
    with pytest.raises(RuleViolation) as refusal:
        check_membership("Антонов Иван", "5А", dt.date(2026, 10, 1), None, YEAR, [], [])
    assert refusal.value.params == {"student": "Антонов Иван", "class_name": "5А", "date": "01.10.2026"}


def test_a_pupil_who_joins_the_class_later_may_join_its_group_from_that_day_only():
    later = [(dt.date(2026, 11, 10), None)]
    check_membership("Петров", "5А", dt.date(2026, 11, 10), None, YEAR, later, [])
    with pytest.raises(RuleViolation):
        check_membership("Петров", "5А", dt.date(2026, 11, 9), None, YEAR, later, [])
    check_membership("Петров", "5А", None, None, YEAR, later, [])  # undated: while in the class


def test_a_pupil_is_not_twice_in_one_group_at_once_but_may_come_back():
    check_membership("Петров", "5А", dt.date(2026, 12, 1), None, YEAR, IN_5A, [(None, dt.date(2026, 10, 31))])
    with pytest.raises(RuleViolation):
        check_membership("Петров", "5А", dt.date(2026, 10, 1), None, YEAR, IN_5A, [(None, dt.date(2026, 10, 31))])


def test_a_membership_counts_only_while_the_pupil_is_in_the_class():
    assert effective_span(None, None, (dt.date(2026, 9, 1), dt.date(2026, 12, 5))) == (dt.date(2026, 9, 1), dt.date(2026, 12, 5))
    assert effective_span(dt.date(2026, 12, 6), None, (dt.date(2026, 9, 1), dt.date(2026, 12, 5))) is None


def test_halves_give_the_first_group_the_larger_part_in_list_order():
    pupils = [Pupil(i, f"У{i}") for i in range(1, 8)]
    assert halves(pupils) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1}
    assert sorted(halves(pupils, 3).values()) == [0, 0, 0, 1, 1, 2, 2]


def test_by_gender_puts_boys_first_and_leaves_the_unrecorded_to_the_user():
    pupils = [Pupil(1, "А", "male"), Pupil(2, "Б", "female"), Pupil(3, "В", None)]
    assert by_gender(pupils) == {1: 0, 2: 1}


def test_a_split_moves_only_the_pupils_whose_group_changes():
    day = dt.date(2026, 12, 7)
    current = {1: (10, 100, dt.date(2026, 9, 1)), 2: (11, 100, dt.date(2026, 9, 1)), 3: (12, 200, day)}
    moves = plan_split(day, current, {1: 100, 2: 200, 3: 100, 4: 200})
    by_pupil = {m.student: m for m in moves}
    assert set(by_pupil) == {2, 3, 4}
    assert (by_pupil[2].close, by_pupil[2].close_deletes, by_pupil[2].to_group) == (11, False, 200)
    assert by_pupil[3].close_deletes  # began on the day itself: nothing of it to keep
    assert (by_pupil[4].close, by_pupil[4].to_group) == (None, 200)
