"""Rows of the students' and staff import files: what is read, what is refused
and how the same person is recognised again."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.rules import importing as rules

TODAY = dt.date(2026, 11, 20)
STUDENT_HEADERS = [c.header for c in rules.STUDENT_ALL_COLUMNS]
STAFF_HEADERS = [c.header for c in rules.STAFF_COLUMNS]


def student(**cells) -> list:
    """A row of the students' template; cells by field key."""
    return [cells.get(c.key) for c in rules.STUDENT_ALL_COLUMNS]


def staff(**cells) -> list:
    return [cells.get(c.key) for c in rules.STAFF_COLUMNS]


def messages(row) -> list:
    out = []
    for problem in row.problems:
        inner = problem.params.get("problem")
        out.append(inner.msgid if inner is not None else problem.msgid)
    return out


def parse_students(*rows):
    return rules.parse_table([STUDENT_HEADERS, *rows], "students", TODAY)


GOOD = dict(personal_file_no="А-1", last_name="Иванов", first_name="Пётр", middle_name="Ильич",
            birth_date="01.02.2015", gender="м", snils="112-233-445 95", address="ул. Ленина, 1",
            phone="+7 912 000-00-00", email="petr@example.ru", guardian1_last_name="Иванова",
            guardian1_first_name="Мария", guardian1_middle_name="Петровна", guardian1_relation="мать",
            guardian1_phone="8 (912) 111-22-33")


def test_a_good_student_row_is_read_with_its_guardian():
    parsed = parse_students(student(**GOOD))
    assert parsed.problems == []
    row = parsed.rows[0]
    assert row.ok and row.row == 2
    assert row.values["birth_date"] == dt.date(2015, 2, 1)
    assert row.values["gender"] == "male"
    assert row.values["snils"] == "112-233-445 95"
    assert row.guardians == [{"index": 1, "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
                              "phone": "8 (912) 111-22-33", "email": None, "relation": "mother"}]


def test_a_date_cell_of_a_spreadsheet_is_read_as_the_date():
    parsed = parse_students(student(**{**GOOD, "birth_date": dt.datetime(2014, 3, 3)}))
    assert parsed.rows[0].values["birth_date"] == dt.date(2014, 3, 3)


def test_names_typed_in_capitals_are_written_as_names():
    parsed = parse_students(student(**{**GOOD, "last_name": "ИВАНОВА-ПЕТРОВА", "first_name": "анна"}))
    assert parsed.rows[0].values["last_name"] == "Иванова-Петрова"
    assert parsed.rows[0].values["first_name"] == "Анна"


@pytest.mark.parametrize("cells,msgid", [
    ({"last_name": ""}, "%(field)s is not filled in."),
    ({"birth_date": ""}, "%(field)s is not filled in."),
    ({"birth_date": "31.02.2015"}, "%(field)s «%(value)s» is not a date DD.MM.YYYY."),
    ({"birth_date": "01.01.2030"}, "%(field)s %(value)s is not between %(start)s and %(end)s."),
    ({"gender": "x"}, "The gender «%(value)s» is not «м» or «ж»."),
    ({"snils": "112-233-445 96"}, "The SNILS «%(value)s» has a wrong check number."),
    ({"snils": "12345"}, "The SNILS «%(value)s» is not 11 digits."),
    ({"email": "petr.example.ru"}, "The e-mail «%(value)s» is not an e-mail address."),
    ({"phone": "звонить маме"}, "The phone «%(value)s» is not a phone number."),
    ({"first_name": "Пётр2"}, "%(field)s «%(value)s» holds characters a name cannot have."),
])
def test_a_bad_cell_is_a_problem_of_its_row(cells, msgid):
    row = parse_students(student(**{**GOOD, **cells})).rows[0]
    assert msgid in messages(row)
    assert not row.ok


def test_a_guardians_problem_names_the_guardian():
    row = parse_students(student(**{**GOOD, "guardian1_relation": "тётя", "guardian2_last_name": "Иванов"})).rows[0]
    numbered = [(p.msgid, p.params["n"], p.params["problem"].msgid) for p in row.problems]
    assert ("Guardian %(n)s: %(problem)s", 1,
            "«%(value)s» is not a relation: mother, father, guardian, trustee or other representative.") in numbered
    assert ("Guardian %(n)s: %(problem)s", 2, "%(field)s is not filled in.") in numbered  # the first name
    assert ("Guardian %(n)s: %(problem)s", 2,
            "Say who the guardian is to the student (mother, father, guardian…).") in numbered


def test_the_same_student_twice_in_a_file_is_an_error_of_the_later_row():
    twin = {**GOOD, "personal_file_no": ""}
    parsed = parse_students(student(**GOOD), student(**{**GOOD, "last_name": "Петров"}), student(**twin))
    assert parsed.rows[0].ok
    assert parsed.rows[1].problems[0].msgid == "The same person as in row %(other)s."  # the same file number
    assert parsed.rows[2].problems[0].params == {"other": 2}  # the same name and birth date


def test_headers_are_found_in_any_order_and_spelling():
    parsed = rules.parse_table([["ИМЯ", "фамилия:", "Дата рождения", "e-mail", "Представитель 1: фамилия"],
                                ["Анна", "Смирнова", "05.05.2016", "a@b.ru", "Смирнов"]], "students", TODAY)
    row = parsed.rows[0]
    assert (row.values["first_name"], row.values["last_name"], row.values["email"]) == ("Анна", "Смирнова", "a@b.ru")
    assert row.guardians[0]["last_name"] == "Смирнов"


def test_a_file_without_the_headers_is_refused_as_a_whole():
    parsed = rules.parse_table([["Иванов", "Пётр", "01.02.2015"]], "students", TODAY)
    assert parsed.rows == []
    assert parsed.problems[0].msgid.startswith("The first row must hold the column headers")


def test_staff_rows_read_the_position_rate_and_dates():
    parsed = rules.parse_table([STAFF_HEADERS, staff(last_name="Орлова", first_name="Ольга", birth_date="12.12.1980",
                                                     hire_date="01.09.2005", position="Учитель", rate="1,5")],
                               "staff", TODAY)
    row = parsed.rows[0]
    assert row.ok
    assert (row.values["position"], row.values["rate"], row.values["hire_date"]) == \
        ("Учитель", Decimal("1.50"), dt.date(2005, 9, 1))


@pytest.mark.parametrize("cells,msgid", [
    ({"rate": "3"}, "The rate «%(value)s» is not a number from 0,01 to %(max)s."),
    ({"rate": "1", "position": ""}, "A rate is given without a position."),
    ({"hire_date": "01.09.1970"}, "The hiring date is before the birth date."),
])
def test_a_bad_staff_row_is_refused(cells, msgid):
    base = dict(last_name="Орлова", first_name="Ольга", birth_date="12.12.1980", position="Учитель")
    row = rules.parse_table([STAFF_HEADERS, staff(**{**base, **cells})], "staff", TODAY).rows[0]
    assert msgid in messages(row)


def test_snils_check_number():
    assert rules.snils_is_valid("11223344595")
    assert not rules.snils_is_valid("11223344596")
    assert rules.snils_is_valid("00000000000")  # the check number of a sum below 100 is the sum


def test_keys_ignore_case_yo_and_the_phones_spelling():
    assert rules.name_key("Семёнов", "Пётр", None) == rules.name_key("СЕМЕНОВ ", "петр", "")
    assert rules.guardian_key({"last_name": "Иванова", "first_name": "Мария", "phone": "8 (912) 111-22-33"}) == \
        rules.guardian_key({"last_name": "иванова", "first_name": "Мария", "phone": "+79121112233"})


def test_an_empty_cell_changes_nothing_and_a_filled_one_changes_what_differs():
    stored = {"phone": "111", "email": "a@b.ru", "address": "ул. Мира"}
    incoming = {"phone": None, "email": "new@b.ru", "address": "ул. Мира"}
    assert rules.changes(stored, incoming, ("phone", "email", "address")) == {"email": "new@b.ru"}


def test_a_new_personal_file_number_follows_the_largest_in_use():
    assert rules.next_file_number("Смирнова", ["А-0012", "Б-0500", "без номера"]) == "С-0501"
    assert rules.next_file_number("Смирнова", []) == "С-0001"
