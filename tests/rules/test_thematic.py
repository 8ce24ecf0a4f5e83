from decimal import Decimal

from app.rules.thematic import PlannedLesson, PlanTopic, assign_topics, pair_lessons, parse_table

HEADER = ["№", "Тема урока", "Часы", "Домашнее задание"]


def msgids(row) -> list:
    return [problem.msgid for problem in row.problems]


def test_rows_under_the_template_header_become_numbered_topics():
    parsed = parse_table([HEADER, [1, "Дроби", 2, "§1, № 5"], [2, "Проценты", None, None]])
    assert parsed.ok
    assert parsed.topics == [PlanTopic(1, "Дроби", Decimal(2), "§1, № 5"), PlanTopic(2, "Проценты", Decimal(1), None)]


def test_hours_default_to_one_and_accept_a_decimal_comma():
    parsed = parse_table([["", "Дроби", ""], ["", "Проценты", "1,5"]])
    assert [t.hours for t in parsed.topics] == [Decimal(1), Decimal("1.5")]
    assert parsed.topics[1].lessons == 2  # a topic of 1,5 hours takes two lessons


def test_a_file_without_a_header_is_read_in_the_template_column_order():
    parsed = parse_table([[1, "Дроби", 3, "§1"]])
    assert parsed.topics == [PlanTopic(1, "Дроби", Decimal(3), "§1")]


def test_a_header_in_another_order_is_followed():
    parsed = parse_table([["Тема", "Часы", "№"], ["Проценты", 2, 2], ["Дроби", 1, 1]])
    assert [(t.position, t.title, t.hours) for t in parsed.topics] == [(1, "Дроби", 1), (2, "Проценты", 2)]


def test_topics_are_ordered_by_number_and_renumbered_from_one():
    parsed = parse_table([HEADER, [10, "Третья"], [5, "Вторая"], [1, "Первая"]])
    assert [(t.position, t.title) for t in parsed.topics] == [(1, "Первая"), (2, "Вторая"), (3, "Третья")]


def test_a_row_without_number_follows_the_row_above():
    parsed = parse_table([HEADER, [3, "Первая"], [None, "Вторая"], [None, "Третья"]])
    assert [t.title for t in parsed.topics] == ["Первая", "Вторая", "Третья"]


def test_empty_rows_are_skipped_and_row_numbers_are_those_of_the_sheet():
    parsed = parse_table([HEADER, [None, None], [1, None, 1], ["", "   "]])
    assert [row.row for row in parsed.rows] == [3]
    assert msgids(parsed.rows[0]) == ["The topic of the lesson is empty."]


def test_each_bad_row_gets_its_own_problems():
    parsed = parse_table([HEADER, ["один", "Дроби", 1], [2, "", 0], [3, "Проценты", "много"], [4, "Уравнения", -1]])
    assert not parsed.ok
    assert msgids(parsed.rows[0]) == ["The number «%(value)s» is not a whole number above zero."]
    assert parsed.rows[0].problems[0].params == {"value": "один"}
    assert msgids(parsed.rows[1]) == ["The topic of the lesson is empty.",
                                      "The hours «%(value)s» are not a number from 0,1 to %(max)s."]
    assert parsed.rows[2].problems[0].params["value"] == "много"
    assert len(parsed.rows[3].problems) == 1
    assert parsed.error_count == 5
    assert [t.title for t in parsed.topics] == []  # rows with problems give no topics


def test_a_repeated_number_names_the_row_that_has_it():
    parsed = parse_table([HEADER, [1, "Дроби"], [1, "Проценты"]])
    assert msgids(parsed.rows[1]) == ["The number %(value)s is already used in row %(other)s."]
    assert parsed.rows[1].problems[0].params == {"value": 1, "other": 2}


def test_a_fractional_number_and_too_fine_hours_are_refused():
    parsed = parse_table([HEADER, [1.5, "Дроби", 1], [2, "Проценты", "1,25"]])
    assert len(parsed.rows[0].problems) == 1 and len(parsed.rows[1].problems) == 1


def test_a_too_long_topic_is_refused():
    parsed = parse_table([HEADER, [1, "Т" * 501]])
    assert msgids(parsed.rows[0]) == ["The topic is longer than %(max)s characters."]


def test_an_empty_table_is_a_problem_of_the_whole_file():
    parsed = parse_table([HEADER, [None, None, None]])
    assert not parsed.ok and [p.msgid for p in parsed.problems] == ["The file has no topics."]


def lessons(n, with_topic=(), cancelled=()):
    return [PlannedLesson(i, i in with_topic, i in cancelled) for i in range(1, n + 1)]


def test_a_topic_of_two_hours_covers_two_consecutive_lessons():
    assert assign_topics([2, 1], lessons(4)) == {1: 0, 2: 0, 3: 1}


def test_cancelled_lessons_are_skipped():
    assert assign_topics([1, 1], lessons(3, cancelled={1})) == {2: 0, 3: 1}


def test_lessons_with_a_topic_are_never_overwritten_and_use_their_hour():
    # Lesson 2 already has a topic: it keeps it, and lesson 3 gets the third hour's topic.
    assert assign_topics([1, 1, 1], lessons(3, with_topic={2})) == {1: 0, 3: 2}


def test_applying_again_after_the_plan_was_applied_changes_nothing():
    first = assign_topics([2, 1], lessons(3))
    assert assign_topics([2, 1], lessons(3, with_topic=set(first))) == {}


def test_lessons_beyond_the_plan_and_topics_beyond_the_lessons_stay_unpaired():
    assert assign_topics([1], lessons(3)) == {1: 0}
    assert [index for _, index in pair_lessons([1, 1, 1], lessons(2))] == [0, 1]


def test_topics_may_be_given_as_plan_topics():
    topics = [PlanTopic(1, "Дроби", Decimal("1.5")), PlanTopic(2, "Проценты", Decimal(1))]
    assert assign_topics(topics, lessons(3)) == {1: 0, 2: 0, 3: 1}
