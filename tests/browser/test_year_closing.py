"""In a real browser the demo administrator closes the year on a copy of the demo
school: prepares the next year, decides for a failing student, transfers and closes."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in


@pytest.fixture(scope="module")
def copy_server(copy_app):
    server = make_server("127.0.0.1", 0, copy_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_admin_closes_the_year_and_finds_the_promoted_classes(page, copy_server):
    log_in(page, copy_server, "admin")
    page.goto(f"{copy_server}/yearclosing/")
    assert "Подготовить следующий год" in page.inner_text("body")
    page.click("#prepare-year")
    page.wait_for_load_state("networkidle")
    assert "2027/2028 подготовлен" in page.inner_text("body")
    screenshot(page, "year_closing_preview")
    page.check("#confirm-close")
    page.click("#apply-transition")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "Учебный год 2026/2027 закрыт" in body
    page.goto(f"{copy_server}/schoolclassview/list/?_flt_0_year=2")
    classes = page.inner_text("body")
    assert "6А" in classes and "2027/2028" in classes
