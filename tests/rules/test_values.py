"""Plausible values (app/rules/values.py): texts, numbers, dates and flags a school could mean."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.rules import values
from app.rules.errors import RuleViolation


def refusal(call, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value


# --- texts -----------------------------------------------------------------------------

def test_a_text_is_kept_without_the_spaces_around_it():
    assert values.clean_text("last_name", "  Иванова ", 100) == "Иванова"


def test_an_empty_required_name_is_refused_naming_the_field():
    error = refusal(values.clean_text, "first_name", "   ", 100, required=True)
    assert error.params["field"] == "first_name" and isinstance(error.params["field"], values.FieldName)


def test_an_empty_optional_text_passes():
    assert values.clean_text("middle_name", "", 100) == ""
    assert values.clean_text("middle_name", None, 100) is None


@pytest.mark.parametrize("text", ["Ив\x00ан", "Ив\x07ан", "Иван\nИванович", "Ив\tан", "\ud800"])
def test_control_characters_and_nul_bytes_in_a_name_are_refused(text):
    error = refusal(values.clean_text, "first_name", text, 100)
    assert "U+" in error.params["code"]


def test_a_multiline_text_keeps_line_breaks_and_tabs_and_ends_lines_with_newlines():
    assert values.clean_text("homework", "§ 5,\r\n\tупр. 3\r\n", multiline=True) == "§ 5,\n\tупр. 3"


def test_a_nul_byte_is_refused_in_a_multiline_text_too():
    refusal(values.clean_text, "homework", "упр.\x00 3", multiline=True)


def test_a_text_longer_than_its_field_is_refused_with_both_lengths():
    error = refusal(values.clean_text, "last_name", "я" * 101, 100)
    assert (error.params["limit"], error.params["length"]) == (100, 101)


def test_a_long_text_field_holds_twenty_thousand_characters_and_no_more():
    assert len(values.clean_text("homework", "д" * values.MAX_TEXT, multiline=True)) == 20_000
    refusal(values.clean_text, "homework", "д" * (2 * 1024 * 1024), multiline=True)


def test_a_text_field_refuses_a_number():
    refusal(values.clean_text, "topic", 5, 500)


# --- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("number,ok", [(0, True), (1, True), (20, True), (21, False), (-281, False)])
def test_a_lesson_number_lies_from_0_to_20(number, ok):
    limits = values.number_limits("lesson", "number")
    if ok:
        values.check_number("number", number, limits)
    else:
        assert refusal(values.check_number, "number", number, limits).params["high"] == "20"


@pytest.mark.parametrize("weight,ok", [(Decimal("0.5"), True), (10, True), (0, False), (Decimal("10.01"), False),
                                       (-1, False)])
def test_a_weight_is_more_than_0_and_at_most_10(weight, ok):
    limits = values.number_limits("assignment", "weight")
    if ok:
        values.check_number("weight", weight, limits)
    else:
        refusal(values.check_number, "weight", weight, limits)


@pytest.mark.parametrize("grade,ok", [(0, True), (11, True), (12, True), (13, False), (-1, False)])
def test_a_class_grade_lies_from_0_to_12(grade, ok):
    limits = values.number_limits("school_class", "grade")
    if ok:
        values.check_number("grade", grade, limits)
    else:
        refusal(values.check_number, "grade", grade, limits)


def test_an_integer_beyond_int4_is_refused():
    values.check_number("student_id", values.MAX_INT)
    refusal(values.check_number, "student_id", values.MAX_INT + 1)
    refusal(values.check_number, "student_id", values.MIN_INT - 1)


def test_infinity_and_nan_are_no_numbers_of_a_field():
    refusal(values.check_number, "weight", float("inf"), values.number_limits("assignment", "weight"))
    refusal(values.check_number, "score", float("nan"))


def test_true_is_not_a_number():
    refusal(values.check_number, "number", True)


def test_a_numeric_column_holds_its_digits():
    assert values.numeric_range(4, 2) == values.Range(Decimal("-99.99"), Decimal("99.99"))
    assert values.numeric_range(3, 2).high == Decimal("9.99")


@pytest.mark.parametrize("value,ok", [(1, True), (values.MAX_ID, True), (0, False), (values.MAX_ID + 1, False),
                                      (True, False), ("5", False)])
def test_an_id_is_a_whole_number_from_1_to_int4(value, ok):
    assert values.is_valid_id(value) is ok


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("day,ok", [(dt.date(1900, 1, 1), True), (dt.date(2100, 12, 31), True),
                                    (dt.date(1899, 12, 31), False), (dt.date(5341, 1, 1), False),
                                    (dt.date(37, 5, 1), False)])
def test_a_date_lies_between_1900_and_2100(day, ok):
    if ok:
        values.check_date("date", day)
    else:
        assert refusal(values.check_date, "date", day).params["earliest"] == "01.01.1900"


def test_a_datetime_is_checked_by_its_day():
    refusal(values.check_date, "posted_at", dt.datetime(2999, 1, 1, 12, 0))


@pytest.mark.parametrize("born,ok", [(dt.date(2015, 3, 1), True), (dt.date(1926, 9, 1), True),
                                     (dt.date(1926, 8, 31), False), (dt.date(2026, 9, 2), False),
                                     (dt.date(2999, 1, 1), False), (dt.date(37, 1, 1), False)])
def test_a_birth_date_is_not_in_the_future_nor_more_than_100_years_back(born, ok):
    today = dt.date(2026, 9, 1)
    if ok:
        values.check_birth_date("birth_date", born, today)
    else:
        refusal(values.check_birth_date, "birth_date", born, today)


def test_years_before_29_february_land_on_28_february_of_a_common_year():
    assert values.years_before(dt.date(2024, 2, 29), 101) == dt.date(1923, 2, 28)
    assert values.years_before(dt.date(2024, 2, 29), 100) == dt.date(1924, 2, 29)


# --- flags -----------------------------------------------------------------------------

@pytest.mark.parametrize("sent,meant", [(True, True), (False, False), (None, False), ("false", False),
                                        ("False", False), ("0", False), (0, False), ("true", True), ("1", True),
                                        (1, True), ("yes", True)])
def test_a_flag_sent_as_text_false_is_no(sent, meant):
    assert values.parse_flag("is_duty", sent) is meant


@pytest.mark.parametrize("sent", ["maybe", 2, [], {}, 1.5])
def test_a_flag_that_is_neither_yes_nor_no_is_refused(sent):
    refusal(values.parse_flag, "is_duty", sent)


@pytest.mark.parametrize("value,ok", [(1, True), (values.MAX_ID, True), (None, True), (0, False), (-5, False),
                                      (values.MAX_ID + 1, False), (3_000_000_000, False)])
def test_a_reference_holds_an_id_from_1_to_int4(value, ok):
    if ok:
        values.check_reference("assignment_id", value)
    else:
        assert refusal(values.check_reference, "assignment_id", value).params["id"] == str(value)


@pytest.mark.parametrize("text,found", [("17", 17), ("2147483647", 2147483647), ("2147483648", None), ("abc", None),
                                        ("-1", None), ("0", None), ("١٢", None), (" 5", None), (12, 12)])
def test_an_id_from_a_url_is_parsed_only_when_it_can_name_a_row(text, found):
    assert values.parse_id(text) == found
