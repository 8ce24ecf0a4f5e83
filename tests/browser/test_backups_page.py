"""The system administrator makes a backup and verifies it from «Резервные копии», at desktop
and phone widths."""
from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in
from tests.security.account_fixtures import PASSWORD, make_login, remove_logins


def test_the_system_administrator_backs_up_and_verifies_from_the_page(page, live_server, app, tmp_path):
    app.config["PARTA_BACKUP_DIR"] = str(tmp_path / "backups")
    root = make_login(app, "root", ["Администратор"])
    try:
        log_in(page, live_server, root.username, PASSWORD)
        page.click("text=Управление")
        page.click("text=Резервные копии")
        page.wait_for_selector("#backup-none")
        page.click("#backup-create button")
        page.wait_for_selector("#backup-list")
        assert "Таблиц:" in page.inner_text("#backup-last")
        page.click(".backup-verify button")
        page.wait_for_selector("#backup-last.alert-success")
        assert "всё как в описании" in page.inner_text("#backup-last")
        screenshot(page, "backups")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls in its box
        screenshot(page, "backups_phone")
    finally:
        remove_logins(app, root.id)
