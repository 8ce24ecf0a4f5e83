import datetime as dt

from app.rules.login import login_key, wait_after

MINUTE = dt.timedelta(minutes=1)


def test_four_wrong_passwords_cost_nothing():
    assert [wait_after(n) for n in range(5)] == [None] * 5


def test_from_the_fifth_wrong_password_each_one_doubles_the_wait_from_one_minute():
    assert [wait_after(n) for n in (5, 6, 7, 8, 9, 10)] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE, 32 * MINUTE]


def test_the_wait_never_exceeds_an_hour():
    assert wait_after(11) == wait_after(500) == dt.timedelta(hours=1)


def test_a_login_is_counted_whatever_the_case_it_is_typed_in():
    assert login_key("  Teacher ") == login_key("teacher") == "teacher"
