"""«Логины и пароли» in the browser: the class teacher chooses their class, reads whose
passwords will change, mistypes their own password (nothing changes), confirms, and
downloads the slips; then the student logs in with the slip's password."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import PartaUser
from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in
from tests.security.account_fixtures import restored  # noqa: F401  (a fixture: every password as it was)


def _password_hashes(app) -> dict:
    with app.app_context():
        found = dict(db.session.execute(select(PartaUser.id, PartaUser.password)).all())
        db.session.remove()
    return found


def test_class_teacher_previews_confirms_and_prints_the_slips_of_their_class(app, page, live_server, restored):
    log_in(page, live_server, "classteacher")
    page.goto(f"{live_server}/credentials/")
    assert "Все сотрудники" not in page.inner_text("body"), "staff passwords are the administrator's"
    page.uncheck("input[name=parents]")
    page.check("input[name=reissue]")
    page.click("#credentials-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "проверьте, кого это затронет" in page.inner_text(".panel-heading")
    reissued = page.locator("#credentials-reissued tbody tr")
    assert reissued.count() >= 1 and "Ученик" in reissued.first.inner_text()
    to_change, to_create = reissued.count(), page.locator("#credentials-created tbody tr").count()
    screenshot(page, "credentials-preview")

    before = _password_hashes(app)
    page.fill("#confirm-password", "не-мой-пароль")
    page.click("#credentials-confirm button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Ваш пароль введён неверно: ни один пароль не изменён." in page.inner_text(".alert-danger")
    assert _password_hashes(app) == before

    page.fill("#confirm-password", "demo")
    with page.expect_download() as download:
        page.click("#credentials-confirm button[type=submit]")
    data = open(download.value.path(), "rb").read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    after = _password_hashes(app)
    changed = {i for i in before if after[i] != before[i]}
    assert (len(changed), len(set(after) - set(before))) == (to_change, to_create)

    with app.app_context():
        username = db.session.scalar(select(PartaUser.username).where(PartaUser.id == sorted(changed)[0]))
        db.session.remove()
    password = re.search(re.escape(username) + r"\s+\S*?\s*([A-Za-z0-9]{10})\b", text).group(1)
    page.context.clear_cookies()
    log_in(page, live_server, username, password)
    assert "/resetmypassword/form" in page.url, "the issued password is changed at the first login"
