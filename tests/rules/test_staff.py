"""Staff personal files: what hire, transfer and dismissal orders do, and when a
qualification category is flagged for a new attestation."""
import datetime as dt
from decimal import Decimal

import pytest

from app.rules import staff
from app.rules.errors import RuleViolation
from app.rules.staff import EmployeeState, HeldPosition

D = dt.date
TEACHER, DEPUTY = 1, 2


def teacher_since(start, end=None, key="t"):
    return HeldPosition(key, TEACHER, "Учитель", start, end)


def working(hire=D(2020, 8, 28), held=None):
    return EmployeeState(hire, None, held if held is not None else [teacher_since(hire)])


# --- numbering ---

def test_order_numbers_continue_after_the_highest_of_the_year():
    assert staff.next_order_number(["К-1", "К-7", "К-3"]) == "К-8"


def test_first_order_of_the_year_is_k1_and_numbers_typed_otherwise_do_not_count():
    assert staff.next_order_number([]) == "К-1"
    assert staff.next_order_number(["15-к", "К-2а"]) == "К-1"


# --- hire ---

def test_first_hire_opens_the_position_and_sets_the_hire_date():
    effect = staff.plan_hire(D(2026, 9, 1), TEACHER, "Учитель", "1", EmployeeState(None, None, []))
    assert effect.opens == staff.Opening(TEACHER, Decimal("1"), D(2026, 9, 1))
    assert effect.hire_date == D(2026, 9, 1) and effect.closes == ()


def test_a_second_position_keeps_the_hire_date():
    effect = staff.plan_hire(D(2026, 9, 1), DEPUTY, "Заместитель директора", "0.5", working())
    assert effect.opens.position_id == DEPUTY and effect.hire_date is None


def test_the_same_position_cannot_be_held_twice_at_once():
    with pytest.raises(RuleViolation) as refused:
        staff.plan_hire(D(2026, 9, 1), TEACHER, "Учитель", 1, working())
    assert refused.value.params["position"] == "Учитель"


def test_a_hire_before_the_hire_date_is_refused():
    with pytest.raises(RuleViolation):
        staff.plan_hire(D(2019, 9, 1), DEPUTY, "Заместитель директора", 1, working())


def test_rehire_after_a_dismissal_sets_the_new_hire_date_and_clears_the_leave_date():
    left = EmployeeState(D(2020, 8, 28), D(2024, 6, 30), [teacher_since(D(2020, 8, 28), D(2024, 6, 30))])
    effect = staff.plan_hire(D(2026, 9, 1), TEACHER, "Учитель", 1, left)
    assert effect.hire_date == D(2026, 9, 1) and effect.clears_leave_date


def test_rehire_dated_on_or_before_the_leave_date_is_refused():
    left = EmployeeState(D(2020, 8, 28), D(2024, 6, 30), [teacher_since(D(2020, 8, 28), D(2024, 6, 30))])
    with pytest.raises(RuleViolation):
        staff.plan_hire(D(2024, 6, 30), DEPUTY, "Заместитель директора", 1, left)


@pytest.mark.parametrize("rate", [None, 0, "-1", "2.5", "много"])
def test_rate_must_be_above_zero_and_at_most_two(rate):
    with pytest.raises(RuleViolation):
        staff.plan_hire(D(2026, 9, 1), DEPUTY, "Заместитель директора", rate, EmployeeState(None, None, []))


# --- transfer ---

def test_transfer_ends_the_old_position_the_day_before_and_opens_the_new_one():
    effect = staff.plan_transfer(D(2026, 1, 12), DEPUTY, "Заместитель директора", 1, None, working())
    assert effect.closes == (("t", D(2026, 1, 11)),)
    assert effect.opens == staff.Opening(DEPUTY, Decimal("1"), D(2026, 1, 12))
    assert effect.hire_date is None and effect.leave_date is None


def test_transfer_to_the_same_position_at_another_rate_is_accepted():
    effect = staff.plan_transfer(D(2026, 1, 12), TEACHER, "Учитель", "1.5", None, working())
    assert effect.opens.rate == Decimal("1.5")


def test_transfer_from_one_of_several_positions_must_name_it():
    both = working(held=[teacher_since(D(2020, 8, 28)), HeldPosition("d", DEPUTY, "Заместитель", D(2021, 9, 1))])
    with pytest.raises(RuleViolation):
        staff.plan_transfer(D(2026, 1, 12), 3, "Педагог-организатор", 1, None, both)
    effect = staff.plan_transfer(D(2026, 1, 12), 3, "Педагог-организатор", 1, "d", both)
    assert effect.closes == (("d", D(2026, 1, 11)),)


def test_transfer_on_the_first_day_of_the_position_left_is_refused():
    with pytest.raises(RuleViolation):
        staff.plan_transfer(D(2020, 8, 28), DEPUTY, "Заместитель директора", 1, None, working())


def test_transfer_without_a_position_held_is_refused():
    with pytest.raises(RuleViolation):
        staff.plan_transfer(D(2026, 1, 12), DEPUTY, "Заместитель директора", 1, None, EmployeeState(None, None, []))


# --- dismissal ---

def test_dismissal_closes_every_open_position_on_its_date_and_sets_the_leave_date():
    both = working(held=[teacher_since(D(2020, 8, 28)), HeldPosition("d", DEPUTY, "Заместитель", D(2021, 9, 1)),
                         HeldPosition("old", 3, "Вожатый", D(2018, 9, 1), D(2019, 5, 31))])
    effect = staff.plan_dismissal(D(2026, 6, 30), both)
    assert effect.closes == (("t", D(2026, 6, 30)), ("d", D(2026, 6, 30)))
    assert effect.leave_date == D(2026, 6, 30)


def test_dismissal_before_the_hire_date_is_refused_with_both_dates():
    with pytest.raises(RuleViolation) as refused:
        staff.plan_dismissal(D(2020, 8, 1), working())
    assert refused.value.params == {"date": "01.08.2020", "hire": "28.08.2020"}


def test_dismissal_of_a_dismissed_employee_is_refused():
    left = EmployeeState(D(2020, 8, 28), D(2024, 6, 30), [teacher_since(D(2020, 8, 28), D(2024, 6, 30))])
    with pytest.raises(RuleViolation):
        staff.plan_dismissal(D(2025, 1, 1), left)


def test_dismissal_needs_a_reason_and_hire_needs_a_position():
    with pytest.raises(RuleViolation):
        staff.check_order_fields("dismissal", D(2026, 6, 30), None, None, " ")
    with pytest.raises(RuleViolation):
        staff.check_order_fields("hire", D(2026, 6, 30), None, 1, None)
    staff.check_order_fields("dismissal", D(2026, 6, 30), None, None, "по собственному желанию")


def test_leave_date_before_hire_date_is_refused_on_the_card_too():
    with pytest.raises(RuleViolation):
        staff.check_employment_dates(D(2020, 8, 28), D(2020, 8, 27))
    staff.check_employment_dates(D(2020, 8, 28), D(2020, 8, 28))


# --- qualification categories ---

def test_a_category_is_valid_until_the_same_day_five_years_later_by_default():
    assert staff.default_valid_until(D(2022, 3, 15)) == D(2027, 3, 15)
    assert staff.default_valid_until(D(2024, 2, 29)) == D(2029, 2, 28)


@pytest.mark.parametrize("valid_until, status", [
    (D(2027, 9, 1), staff.VALID),
    (D(2027, 3, 1), staff.EXPIRING),   # exactly six months ahead
    (D(2026, 12, 31), staff.EXPIRING),
    (D(2026, 9, 1), staff.EXPIRING),   # ends today
    (D(2026, 8, 31), staff.EXPIRED),
    (None, staff.UNLIMITED),
])
def test_category_is_flagged_within_six_months_of_its_end_or_after_it(valid_until, status):
    assert staff.category_status(valid_until, D(2026, 9, 1)) == status


def test_six_months_from_the_end_of_august_is_the_end_of_february():
    assert staff.expiry_horizon(D(2026, 8, 31)) == D(2027, 2, 28)


def test_category_valid_until_before_its_assignment_is_refused():
    with pytest.raises(RuleViolation):
        staff.check_attestation(D(2026, 3, 1), D(2026, 2, 28))


def test_course_dates_and_hours_are_checked():
    with pytest.raises(RuleViolation):
        staff.check_course(D(2026, 3, 10), D(2026, 3, 1), 36)
    with pytest.raises(RuleViolation):
        staff.check_course(D(2026, 3, 1), D(2026, 3, 10), 0)
    staff.check_course(None, D(2026, 3, 10), 72)


def test_graduation_year_lies_in_the_past():
    with pytest.raises(RuleViolation):
        staff.check_graduation_year(2031, 2026)
    staff.check_graduation_year(1998, 2026)
