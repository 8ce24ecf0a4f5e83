import pytest

from app.rules.errors import RuleViolation
from app.rules.marks import check_mark

FIVE_POINT, PASS_FAIL = 1, 2


def test_mark_from_the_groups_scale_is_accepted():
    check_mark(FIVE_POINT, FIVE_POINT, is_duty=False)


def test_mark_from_another_scale_is_refused():
    with pytest.raises(RuleViolation):
        check_mark(PASS_FAIL, FIVE_POINT, is_duty=False)


def test_duty_mark_needs_no_value():
    check_mark(None, FIVE_POINT, is_duty=True)


def test_empty_mark_without_duty_flag_is_refused():
    with pytest.raises(RuleViolation):
        check_mark(None, FIVE_POINT, is_duty=False)
