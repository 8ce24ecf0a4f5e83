import datetime as dt

import pytest

from app.rules.enrolment import check_single_class, spans_overlap
from app.rules.errors import RuleViolation

SEP1, JAN1, JAN10, MAY31 = dt.date(2026, 9, 1), dt.date(2027, 1, 1), dt.date(2027, 1, 10), dt.date(2027, 5, 31)


def test_open_enrolment_overlaps_everything_after_its_start():
    assert spans_overlap((SEP1, None), (JAN1, JAN10))
    assert not spans_overlap((JAN10, None), (SEP1, JAN1))


def test_student_cannot_be_in_two_classes_at_once():
    with pytest.raises(RuleViolation) as refused:
        check_single_class((JAN1, None), [("5А", (SEP1, None))])
    assert refused.value.params["name"] == "5А"
    assert refused.value.params["start"] == "01.09.2026"


def test_transfer_after_leaving_the_old_class_is_accepted():
    check_single_class((JAN10, MAY31), [("5А", (SEP1, JAN1))])


def test_enrolment_ending_before_its_start_is_refused():
    with pytest.raises(RuleViolation):
        check_single_class((JAN10, JAN1), [])
