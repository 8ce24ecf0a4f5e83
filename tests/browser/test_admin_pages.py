"""In a real browser the administrator sees the demo school in Russian."""
from __future__ import annotations

import re

from tests.browser.conftest import screenshot


def log_in(page, live_server, username="admin", password="demo"):
    page.goto(f"{live_server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_admin_logs_in_and_browses_the_demo_school_in_russian(page, live_server):
    page.goto(f"{live_server}/login/")
    assert "Имя пользователя" in page.content()
    screenshot(page, "login")
    log_in(page, live_server)
    navbar = page.inner_text(".navbar")
    for menu in ("Управление", "Планирование", "Люди", "Журнал"):
        assert menu in navbar

    page.click("text=Планирование")
    page.click("a:has-text('Классы')")
    page.wait_for_load_state("networkidle")
    screenshot(page, "classes")
    assert re.search(r"\b5А\b", page.inner_text("body"))

    page.goto(f"{live_server}/studentview/list/")
    assert "№ личного дела" in page.inner_text("body")
    screenshot(page, "students")

    page.goto(f"{live_server}/employeeview/list/")
    assert "Фамилия" in page.inner_text("body")

    page.goto(f"{live_server}/scheduleentryview/list/")
    assert "Понедельник" in page.inner_text("body") or "Вторник" in page.inner_text("body")
    screenshot(page, "timetable")

    page.goto(f"{live_server}/subjectview/list/")
    assert "Математика" in page.inner_text("body")


def test_admin_adds_a_holiday_with_the_russian_date_picker(page, live_server):
    log_in(page, live_server)
    page.goto(f"{live_server}/holidayview/add")
    page.select_option("select[name=holiday_set]", index=1)
    page.fill("input[name=name]", "Выборы")
    page.fill("input[name=start_date]", "14.09.2026")
    page.fill("input[name=end_date]", "14.09.2026")
    page.click("input[name=start_date]")
    assert "Пн" in page.inner_text(".datepicker"), "the date picker speaks Russian"
    screenshot(page, "holiday-form")
    page.keyboard.press("Escape")
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Запись добавлена" in page.content()
    page.goto(f"{live_server}/holidayview/list/?_flt_0_name=Выборы")
    screenshot(page, "holidays")
    assert "14.09.2026" in page.inner_text("body")


def test_coordinator_opens_the_role_matrix_and_logs_out_by_the_menu(page, live_server):
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/rolematrix/")
    assert "Права ролей" in page.inner_text("body")
    assert "Просмотр всех журналов" in page.inner_text("table")
    screenshot(page, "role-matrix")
    page.click("a.dropdown-toggle:has-text('Михайловна'), .navbar-right a.dropdown-toggle")
    page.click("form.parta-logout button")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/rolematrix/")
    assert "/login" in page.url
