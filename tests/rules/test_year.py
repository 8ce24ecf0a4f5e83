import datetime as dt

import pytest

from app.rules.errors import RuleViolation
from app.rules.year import (
    CONDITIONAL, GRADUATE, PROMOTE, REPEAT, Standing, check_transition_dates, next_year_name, plan_transition, shift_year,
)


def test_next_year_name_counts_both_years_up():
    assert next_year_name("2026/2027") == "2027/2028"
    assert next_year_name("2026-2027") == "2027-2028"


def test_a_name_not_like_a_school_year_is_refused():
    with pytest.raises(RuleViolation):
        next_year_name("прошлый год")


def test_dates_shift_to_the_same_day_next_year_and_29_february_to_the_28th():
    assert shift_year(dt.date(2026, 9, 1)) == dt.date(2027, 9, 1)
    assert shift_year(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_students_go_one_grade_up_into_the_same_letter_and_the_last_grade_leaves():
    plan = plan_transition([Standing(1, 5, "А"), Standing(2, 11, "Б")], last_grade=11)
    assert plan.moves[0].action == PROMOTE and (plan.moves[0].to_grade, plan.moves[0].letter) == (6, "А")
    assert plan.moves[1].action == GRADUATE and plan.moves[1].to_grade is None


def test_a_failing_student_is_transferred_conditionally_by_default_or_repeats_by_choice():
    standings = [Standing(1, 7, "В", ("Алгебра",)), Standing(2, 7, "В", ("Физика",))]
    plan = plan_transition(standings, last_grade=11, choices={2: REPEAT})
    assert (plan.moves[0].action, plan.moves[0].to_grade) == (CONDITIONAL, 8)
    assert (plan.moves[1].action, plan.moves[1].to_grade) == (REPEAT, 7)
    assert all(m.needs_choice for m in plan.moves)


def test_a_school_leaver_with_a_failing_mark_does_not_graduate():
    plan = plan_transition([Standing(1, 11, "А", ("Русский язык",))], last_grade=11)
    assert plan.moves[0].action == REPEAT


def test_an_unknown_choice_is_refused():
    with pytest.raises(RuleViolation):
        plan_transition([Standing(1, 7, "В", ("Алгебра",))], last_grade=11, choices={1: "graduate"})


def test_the_new_year_starts_after_the_old_one_ends():
    check_transition_dates(dt.date(2027, 5, 31), dt.date(2027, 9, 1))
    with pytest.raises(RuleViolation):
        check_transition_dates(dt.date(2027, 5, 31), dt.date(2027, 5, 31))
