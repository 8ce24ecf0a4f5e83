import pytest

from app.rules.errors import RuleViolation
from hypothesis import given, strategies as st

from app.rules.grading import (
    arithmetic_average, check_thresholds, format_average, suggest_period_mark, summarize, weighted_average,
    weighted_formula,
)


def test_weighted_average_is_sum_of_mark_times_weight_over_sum_of_weights():
    # (5×1 + 3×2) / 3 = 11/3
    assert weighted_average([(5, 1), (3, 2)]) == pytest.approx(11 / 3)


def test_weighted_average_of_nothing_is_none():
    assert weighted_average([]) is None


def test_marks_without_a_score_and_zero_weights_do_not_count():
    assert weighted_average([(None, 1), (4, 0), (4, 2)]) == 4
    assert weighted_average([(None, 1)]) is None


def test_arithmetic_average_ignores_weights_and_unscored_marks():
    assert arithmetic_average([5, 4, None, 3]) == 4
    assert arithmetic_average([None]) is None


@pytest.mark.parametrize("average,mark", [
    (5.0, 5), (4.5, 5), (4.49, 4), (3.5, 4), (3.49, 3), (2.5, 3), (2.49, 2), (2.4, 2), (2.0, 2),
])
def test_default_thresholds_follow_the_act(average, mark):
    assert suggest_period_mark(average) == mark


def test_the_gap_between_2_4_and_2_5_left_by_the_act_gives_2():
    assert suggest_period_mark(2.45) == 2


def test_average_shown_as_4_50_suggests_5():
    # 4.4999 is shown as 4,50: what the teacher sees decides.
    assert format_average(4.4999) == "4,50"
    assert suggest_period_mark(4.4999) == 5


def test_no_average_suggests_nothing():
    assert suggest_period_mark(None) is None


def test_school_thresholds_replace_the_defaults():
    assert suggest_period_mark(4.3, (4.25, 3.25, 2.25)) == 5
    assert suggest_period_mark(4.3, {5: 4.6, 4: 3.6, 3: 2.6}) == 4


@pytest.mark.parametrize("values", [(3.5, 4.5, 2.5), (4.5, 3.5, 1.5), (5.5, 3.5, 2.5), (4.5, 3.5, None)])
def test_thresholds_must_fall_from_5_to_3_between_2_and_5(values):
    with pytest.raises(RuleViolation):
        check_thresholds(values)


def test_formula_shows_each_mark_with_its_weight_and_the_result():
    assert weighted_formula([(5, 1), (4, 2), (None, 1)]) == "(5×1 + 4×2) / (1 + 2) = 4,33"
    assert weighted_formula([(4, 1.5)]) == "(4×1,5) / (1,5) = 4,00"
    assert weighted_formula([]) == ""


def test_one_more_five_that_lifts_the_period_mark_is_named_with_the_new_average():
    from app.rules.grading import marks_to_next

    # (5 + 4×3 + 5×2) / 6 = 4,50 → «5»: one «5» of weight 1 after (4,4,4,5×2) = 4,4
    assert marks_to_next([(4, 1), (4, 1), (4, 1), (5, 2)]) == (1, pytest.approx(27 / 6), 5)


def test_several_marks_may_be_needed_for_the_next_step():
    from app.rules.grading import marks_to_next

    count, average, mark = marks_to_next([(3, 1), (3, 1), (3, 1), (3, 1)])
    # 3,0 → needs an average of 3,50 for «4»: (12 + 5n) / (4 + n) ≥ 3,5 ⇒ n = 2 (3,67)
    assert (count, mark) == (2, 4) and average == pytest.approx(22 / 6)


def test_nothing_to_reach_above_five_or_without_marks():
    from app.rules.grading import marks_to_next

    assert marks_to_next([(5, 1)]) is None
    assert marks_to_next([]) is None


def test_what_if_shows_the_average_after_one_more_mark():
    from app.rules.grading import what_if

    assert what_if([(4, 1), (5, 1)], 2, 2) == (pytest.approx(13 / 4), 3)


def test_an_assignments_own_weight_wins_over_its_work_types():
    from app.rules.grading import effective_weight

    assert effective_weight(1.5, 2) == 1.5
    assert effective_weight(None, 2) == 2.0
    assert effective_weight(None, None) == 1.0


_scores = st.one_of(st.none(), st.sampled_from([2.0, 3.0, 4.0, 5.0]), st.floats(0, 100, allow_nan=False))
_weights = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0]), st.floats(0, 10, allow_nan=False))


@given(st.lists(st.tuples(_scores, _weights), max_size=60))
def test_a_students_summary_in_one_pass_says_what_each_average_says(pairs):
    """The journal's one-pass summary shows exactly what the separate rules give."""
    summary = summarize(pairs, (4.5, 3.5, 2.5))
    weighted = weighted_average(pairs)
    assert summary.arithmetic == arithmetic_average(m for m, _ in pairs)
    assert summary.weighted == weighted
    assert summary.formula == weighted_formula(pairs)
    assert summary.suggested == suggest_period_mark(weighted, (4.5, 3.5, 2.5))
    assert summary.count == sum(1 for m, _ in pairs if m is not None)


def test_a_summary_writes_the_weighted_average_out():
    summary = summarize([(5, 1), (None, 1), (4, 2), (3, 0)])
    assert (summary.formula, summary.count, summary.suggested) == ("(5×1 + 4×2) / (1 + 2) = 4,33", 3, 4)
    assert summary.arithmetic == 4.0
