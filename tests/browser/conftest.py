"""A live Parta server and headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PARTA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: CI must install it")
        pytest.skip(f"no Chromium at {CHROMIUM}: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = new_context(browser)
    page = context.new_page()
    yield page
    context.close()


def _live_on_the_school_date(context) -> None:
    """With PARTA_TODAY, the page's scripts live on that date too (at the real time of day)."""
    from app.clock import fixed_today, school_now

    if fixed_today() is not None:
        context.clock.set_system_time(school_now())


def new_context(browser):
    """A second browser context (another user), on the same date as the `page` fixture's."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
    _live_on_the_school_date(context)
    return context


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
