import datetime as dt

from app.rules.login import locked_until

NOW = dt.datetime(2026, 11, 23, 10, 0)


def minutes_ago(*minutes):
    return [NOW - dt.timedelta(minutes=m) for m in minutes]


def test_four_wrong_passwords_do_not_lock():
    assert locked_until(minutes_ago(1, 2, 3, 4), NOW) is None


def test_five_wrong_passwords_in_a_quarter_of_an_hour_lock_for_fifteen_minutes_from_the_last():
    assert locked_until(minutes_ago(1, 2, 3, 4, 5), NOW) == NOW - dt.timedelta(minutes=1) + dt.timedelta(minutes=15)


def test_old_failures_do_not_count():
    assert locked_until(minutes_ago(1, 2, 3, 4, 16, 20), NOW) is None
