"""The NetSchool handshake and formats (app/rules/netschool.py)."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from app.rules.errors import RuleViolation
from app.rules.netschool import expected_pw2, ns_date, parse_day, password_md5, pw2_matches


def test_the_secret_is_the_md5_of_the_password_in_windows_1251():
    assert password_md5("Пароль-1") == hashlib.md5("Пароль-1".encode("cp1251")).hexdigest()


def test_a_password_outside_windows_1251_cannot_be_used():
    with pytest.raises(RuleViolation):
        password_md5("пароль-日本")


def test_pw2_is_the_md5_of_salt_and_secret_as_the_client_computes_it():
    secret = password_md5("demo")
    client_pw2 = hashlib.md5(b"123456" + hashlib.md5("demo".encode("windows-1251")).hexdigest().encode()).hexdigest()
    assert expected_pw2("123456", secret) == client_pw2
    assert pw2_matches(client_pw2, "123456", secret)
    assert not pw2_matches(client_pw2, "654321", secret)
    assert not pw2_matches("", "123456", secret)


def test_dates_are_written_with_a_zero_time_and_read_from_iso():
    assert ns_date(dt.date(2026, 12, 1)) == "2026-12-01T00:00:00"
    assert parse_day("2026-12-01") == dt.date(2026, 12, 1)
    assert parse_day("2026-12-01T00:00:00") == dt.date(2026, 12, 1)
    assert parse_day("01.12.2026") is None
