from tests.browser.test_admin_pages import log_in


def test_shots(page, live_server):
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/missingperiodmarks/")
    page.screenshot(path="/tmp/shot_missing.png")
    print("height", page.evaluate("document.body.scrollHeight"))
    page.goto(f"{live_server}/journalaudit/")
    page.screenshot(path="/tmp/shot_audit_coord.png")
    page.goto(f"{live_server}/logout/")
    page.context.clear_cookies()
    log_in(page, live_server, "parent")
    page.goto(f"{live_server}/journalaudit/")
    page.screenshot(path="/tmp/shot_audit_parent.png")
