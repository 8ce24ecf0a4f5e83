"""School statistics of marks and attendance (app/rules/performance.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from app.rules.performance import (
    EXCELLENT, FAILING, GOOD, ONE_THREE, SATISFACTORY, Absence, Completeness, DatedMark, ScaleMark, absence_stats,
    category_rates, cumulative_averages, entry_delay, is_late, student_category, tally, week_ends, whole_days_missed,
)

D = dt.date
FIVE, FOUR, THREE, TWO = (ScaleMark(c, float(c), c != "2") for c in ("5", "4", "3", "2"))
PASS, FAIL = ScaleMark("зач", None, True), ScaleMark("незач", None, False)
NOT_ATTESTED = ScaleMark("н/а", None, False)


def test_counts_each_mark_in_its_column():
    stats = tally([FIVE, FIVE, FOUR, THREE, TWO, PASS])
    assert (stats.fives, stats.fours, stats.threes, stats.twos, stats.passed_other, stats.total) == (2, 1, 1, 1, 1, 6)


def test_success_is_the_share_of_passing_marks():
    assert tally([FIVE, FOUR, THREE, TWO]).success == pytest.approx(75.0)
    assert tally([FIVE, PASS, FAIL]).success == pytest.approx(200 / 3)


def test_quality_is_the_share_of_fives_and_fours_among_graded_marks():
    assert tally([FIVE, FOUR, THREE, THREE]).quality == pytest.approx(50.0)
    # a «зачтено» is not graded: it counts for success only
    assert tally([FIVE, THREE, PASS]).quality == pytest.approx(50.0)


def test_sou_weights_five_100_four_64_three_36_two_16_per_cent():
    assert tally([FIVE, FIVE, FOUR, TWO]).sou == pytest.approx((100 + 100 + 64 + 16) / 4)
    assert tally([FIVE, THREE, THREE, FOUR]).sou == pytest.approx(59.0)


def test_a_failing_mark_without_a_score_counts_seven_per_cent_in_the_sou():
    stats = tally([FIVE, NOT_ATTESTED])
    assert stats.sou == pytest.approx((100 + 7) / 2)
    assert stats.quality == pytest.approx(50.0)
    assert stats.success == pytest.approx(50.0)


def test_a_pass_fail_subject_has_no_quality_sou_or_average():
    stats = tally([PASS, PASS, FAIL])
    assert stats.quality is None and stats.sou is None and stats.average is None
    assert stats.success == pytest.approx(200 / 3)


def test_average_is_over_the_scored_marks_only():
    assert tally([FIVE, FOUR, THREE, PASS]).average == pytest.approx(4.0)


def test_nothing_to_count_gives_no_figures():
    stats = tally([])
    assert stats.success is None and stats.quality is None and stats.sou is None and stats.average is None


def test_a_student_with_only_fives_is_excellent():
    assert student_category([FIVE, FIVE, PASS]) == EXCELLENT


def test_a_student_with_fours_and_fives_is_good():
    assert student_category([FIVE, FOUR]) == GOOD


def test_a_student_with_exactly_one_three_is_counted_apart():
    assert student_category([FIVE, FOUR, THREE]) == ONE_THREE
    assert student_category([FIVE, THREE, THREE]) == SATISFACTORY


def test_any_failing_mark_makes_a_student_failing():
    assert student_category([FIVE, FIVE, TWO]) == FAILING
    assert student_category([FIVE, FAIL]) == FAILING


def test_a_student_without_marks_has_no_category():
    assert student_category([]) is None


def test_class_rates_count_students_not_marks():
    success, quality = category_rates([EXCELLENT, GOOD, ONE_THREE, FAILING, None])
    assert success == pytest.approx(75.0)
    assert quality == pytest.approx(50.0)


def test_a_day_is_missed_whole_when_every_lesson_of_it_is_missed():
    absences = [Absence(D(2025, 9, 1), False), Absence(D(2025, 9, 1), False), Absence(D(2025, 9, 3), True)]
    lessons = {D(2025, 9, 1): 2, D(2025, 9, 3): 2}
    assert whole_days_missed(absences, lessons) == {D(2025, 9, 1): False}


def test_a_whole_day_is_excused_when_every_absence_of_it_is():
    absences = [Absence(D(2025, 9, 8), True)]
    assert whole_days_missed(absences, {D(2025, 9, 8): 1}) == {D(2025, 9, 8): True}


def test_absence_stats_count_lessons_excused_and_whole_days():
    absences = [Absence(D(2025, 9, 1), False), Absence(D(2025, 9, 1), False), Absence(D(2025, 9, 8), True)]
    stats = absence_stats(absences, {D(2025, 9, 1): 2, D(2025, 9, 8): 1, D(2025, 9, 2): 1})
    assert (stats.lessons, stats.excused, stats.unexcused, stats.whole_days, stats.whole_days_excused) == (3, 1, 2, 2, 1)


def test_cumulative_average_is_the_weighted_average_up_to_each_day():
    marks = [DatedMark(D(2025, 9, 1), 5, 1), DatedMark(D(2025, 9, 3), 3, 2), DatedMark(D(2025, 9, 10), 4, 1),
             DatedMark(D(2025, 9, 2), None, 1)]
    points = [D(2025, 8, 31), D(2025, 9, 7), D(2025, 9, 14)]
    assert cumulative_averages(marks, points) == [None, pytest.approx(11 / 3), pytest.approx(15 / 4)]


def test_week_ends_are_the_sundays_and_the_last_day():
    assert week_ends(D(2025, 9, 1), D(2025, 9, 17)) == [D(2025, 9, 7), D(2025, 9, 14), D(2025, 9, 17)]
    assert week_ends(D(2025, 9, 3), D(2025, 9, 7)) == [D(2025, 9, 7)]


def test_an_entry_on_the_lesson_day_is_in_time_and_a_later_one_late():
    assert entry_delay(D(2025, 9, 1), D(2025, 9, 1)) == 0 and not is_late(D(2025, 9, 1), D(2025, 9, 1))
    assert entry_delay(D(2025, 9, 1), D(2025, 9, 4)) == 3 and is_late(D(2025, 9, 1), D(2025, 9, 4))


def test_completeness_keeps_the_share_of_late_marks_and_the_longest_delay():
    teacher, journal = Completeness(lessons=4, without_topic=1), Completeness()
    teacher.entered(D(2025, 9, 1), D(2025, 9, 1))
    journal.entered(D(2025, 9, 3), D(2025, 9, 5))
    journal.entered(D(2025, 9, 3), D(2025, 9, 8))
    teacher.merge(journal)
    assert (teacher.marks, teacher.late_marks, teacher.max_delay) == (3, 2, 5)
    assert teacher.late_rate == pytest.approx(200 / 3)
    assert teacher.topic_rate == pytest.approx(75.0)
