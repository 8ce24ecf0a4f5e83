"""The timetable's clash rule: one class, teacher or room in one place at a time; a
subgroup pair shares a slot in different rooms; validity that ended frees the slot."""
from __future__ import annotations

import datetime as dt

import pytest

from app.rules.errors import RuleViolation
from app.rules.timetable import BusyLesson, Placement, check_no_clash, check_substitute_free, close_before

SEPT = dt.date(2026, 9, 1)


def line(name, class_id=1, teachers=((1, "Иванова А. С."),), room=(101, "101"), weekday=1, number=2,
         valid_from=SEPT, valid_to=None, whole=True, group_id=None, ref=None):
    return Placement(group_id or hash(name), name, class_id, f"{class_id}А", whole, weekday, number, valid_from, valid_to,
                     room[0], room[1], teachers, "понедельник", ref=ref)


RUSSIAN_1A = line("Русский язык 1А", class_id=1, teachers=((7, "Петрова Е. В."),))


def refusal(new, others) -> str:
    with pytest.raises(RuleViolation) as caught:
        check_no_clash(new, others)
    return str(caught.value)


def test_a_room_held_by_another_class_is_refused_naming_both_lessons():
    chess = line("Шахматы 5А", class_id=5, teachers=((9, "Соколов И. И."),))
    text = refusal(chess, [RUSSIAN_1A])
    assert "101" in text and "Русский язык 1А" in text and "Шахматы 5А" in text


def test_a_teacher_in_two_classes_at_once_is_refused():
    other_room = line("Русский язык 2А", class_id=2, teachers=((7, "Петрова Е. В."),), room=(102, "102"))
    text = refusal(other_room, [RUSSIAN_1A])
    assert "Петрова Е. В." in text and "Русский язык 1А" in text


def test_a_class_with_two_whole_class_lessons_at_once_is_refused():
    maths = line("Математика 1А", class_id=1, teachers=((8, "Орлова Н. Н."),), room=(103, "103"))
    assert "Русский язык 1А" in refusal(maths, [RUSSIAN_1A])


def test_a_subgroup_pair_shares_the_slot_in_different_rooms():
    first = line("Английский язык 5А (1 гр.)", class_id=5, teachers=((3, "А"),), room=(201, "201"), whole=False)
    second = line("Английский язык 5А (2 гр.)", class_id=5, teachers=((4, "Б"),), room=(202, "202"), whole=False)
    check_no_clash(second, [first])


def test_a_subgroup_pair_in_the_same_room_is_refused():
    first = line("Английский язык 5А (1 гр.)", class_id=5, teachers=((3, "А"),), room=(201, "201"), whole=False)
    second = line("Английский язык 5А (2 гр.)", class_id=5, teachers=((4, "Б"),), room=(201, "201"), whole=False)
    assert "201" in refusal(second, [first])


def test_a_subgroup_beside_a_whole_class_lesson_is_refused():
    half = line("Английский язык 1А (1 гр.)", class_id=1, teachers=((3, "А"),), room=(201, "201"), whole=False)
    assert "Русский язык 1А" in refusal(half, [RUSSIAN_1A])


def test_a_line_whose_validity_ended_before_frees_the_slot():
    ended = line("Русский язык 1А", class_id=1, teachers=((7, "Петрова Е. В."),), valid_to=dt.date(2026, 12, 31))
    chess = line("Шахматы 5А", class_id=5, teachers=((9, "С"),), valid_from=dt.date(2027, 1, 11))
    check_no_clash(chess, [ended])
    assert "Русский язык 1А" in refusal(line("Шахматы 5А", class_id=5, teachers=((9, "С"),),
                                              valid_from=dt.date(2026, 12, 31)), [ended])


def test_another_day_or_lesson_number_does_not_clash():
    check_no_clash(line("Шахматы 5А", class_id=5, weekday=2), [RUSSIAN_1A])
    check_no_clash(line("Шахматы 5А", class_id=5, number=3), [RUSSIAN_1A])


def test_a_line_does_not_clash_with_itself_when_edited():
    stored = line("Русский язык 1А", ref=10)
    check_no_clash(line("Русский язык 1А", ref=10, room=(101, "101")), [stored])


def test_a_line_ending_before_it_begins_is_refused():
    with pytest.raises(RuleViolation):
        check_no_clash(line("Шахматы 5А", valid_to=dt.date(2026, 8, 1)), [])


def test_a_substitute_busy_at_that_lesson_is_refused_and_free_otherwise():
    busy = [BusyLesson(dt.date(2026, 12, 7), 2, "Алгебра 9Б", 5)]
    with pytest.raises(RuleViolation) as caught:
        check_substitute_free("Орлова Н. Н.", dt.date(2026, 12, 7), 2, "Русский язык 1А", busy, lesson_id=6)
    assert "Алгебра 9Б" in str(caught.value)
    check_substitute_free("Орлова Н. Н.", dt.date(2026, 12, 7), 3, "Русский язык 1А", busy, lesson_id=6)
    check_substitute_free("Орлова Н. Н.", dt.date(2026, 12, 7), 2, "Алгебра 9Б", busy, lesson_id=5)


def test_a_new_timetable_from_a_date_closes_the_old_line_the_day_before_and_keeps_the_past():
    new_from = dt.date(2027, 1, 11)
    assert close_before(SEPT, new_from, None) == (SEPT, dt.date(2027, 1, 10))
    assert close_before(SEPT, new_from, dt.date(2026, 12, 1)) == (SEPT, dt.date(2026, 12, 1))
    assert close_before(new_from, new_from, None) is None


def test_a_timetable_table_is_read_with_russian_day_names_and_its_bad_rows_named():
    from app.rules.timetable import parse_timetable_rows

    table = parse_timetable_rows([
        ["Класс", "День недели", "№ урока", "Предмет", "Учитель", "Кабинет"],
        ["5А", "Пн", "2", "Шахматы", "Соколов И. И.", "101"],
        ["5А", "суббота", 3.0, "Математика", "", ""],
        ["5А", "восьмидневка", "13", "Математика", "", ""],
        ["", "", "", "", "", ""],
    ])
    assert not table.problems and len(table.rows) == 3
    assert (table.rows[0].values["weekday"], table.rows[0].values["number"]) == (1, 2)
    assert (table.rows[1].values["weekday"], table.rows[1].values["number"]) == (6, 3)
    assert len(table.rows[2].problems) == 2 and not table.rows[0].problems
    assert parse_timetable_rows([["Класс", "Предмет"]]).problems, "the day and lesson columns are required"
