"""In a real browser the coordinator picks the demo teacher's journal in «Выбор журнала»,
unlocks it for corrections from the grid and closes the unlock early on its page (who and
when are shown), and reads «Контроль ведения журнала» with the teacher's marks counted;
a parent replies on the forum with a stop word disguised by a Latin letter, the post
waits for the moderator — hidden from the other users — and the moderator finds it in
the moderation queue. The unlock and the post are removed afterwards."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Employee, ForumPost, JournalUnlock, PartaUser
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_admin_pages import log_in
from tests.conftest import school_today

REASON = "Исправление ошибки в отметках (браузерный тест)"
TOPIC = "Секции и кружки во втором полугодии"  # the demo's forum topic
POST = "Кто предлагает шахматы, тот дуpак, а робототехника лучше."  # «дуpак» with a Latin «p»


@pytest.fixture()
def put_back(app):
    """The demo teacher's name; the unlock and the forum post the test makes are deleted afterwards."""
    with app.app_context():
        user_id = db.session.scalar(select(PartaUser.id).where(PartaUser.username == "teacher"))
        teacher = db.session.scalar(select(Employee).where(Employee.user_id == user_id))
        coordinator = db.session.scalar(select(PartaUser).where(PartaUser.username == "coordinator"))
        data = {"teacher_id": teacher.id, "teacher": teacher.short_name, "coordinator": coordinator.last_name}
        db.session.remove()
    yield data
    with app.app_context():
        db.session.execute(delete(JournalUnlock).where(JournalUnlock.reason == REASON))
        db.session.execute(delete(ForumPost).where(ForumPost.text == POST))
        db.session.commit()
        db.session.remove()


def test_coordinator_chooses_the_teachers_journal_unlocks_it_and_closes_the_unlock_early(page, live_server, put_back):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/journals/")
    if page.query_selector("#chooser-teacher") is None or not page.query_selector_all(".parta-journal-link"):
        pytest.skip("the school's date lies outside a school year: no journals to choose")
    assert "Выбор журнала" in page.inner_text(".panel-title")
    everyone = len(page.query_selector_all(".parta-chooser-row"))
    with page.expect_navigation():
        page.select_option("#chooser-teacher", str(put_back["teacher_id"]))
    rows = page.query_selector_all(".parta-chooser-row")
    assert len(rows) == 1 < everyone  # the chosen teacher's journals only
    assert put_back["teacher"] in rows[0].inner_text()
    links = [a.inner_text() for a in rows[0].query_selector_all(".parta-journal-link")]
    assert any("Математика" in name for name in links) and any("Алгебра" in name for name in links), links
    screenshot(page, "journal_chooser_1366")
    page.click(".parta-chooser-row .parta-journal-link:has-text('Математика')")
    page.wait_for_selector("#journal-grid")
    assert "Математика" in page.inner_text(".parta-grid-title")

    # an unlock for corrections, granted from the grid and closed early on its page
    if page.query_selector("#grid-unlock") is None:
        pytest.skip("the journal has no study period on the school's date: nothing to unlock")
    page.click("#grid-unlock")
    page.wait_for_selector("#model_form")
    start, end = (dt.datetime.strptime(page.input_value(f"input[name={name}]"), "%d.%m.%Y").date()
                  for name in ("date_from", "date_to"))
    if start > end:
        pytest.skip("the journal's period has not begun on the school's date: nothing is locked yet")
    page.fill("input[name=until]", end.strftime("%d.%m.%Y"))  # open until the end of today
    page.fill("textarea[name=reason], input[name=reason]", REASON)
    page.keyboard.press("Escape")  # the date picker
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Запись добавлена" in page.content(), page.inner_text("body")[:2000]
    page.goto(f"{live_server}/journalunlockview/list/")
    page.click(f"tr:has-text('{REASON}') a[href*='/journalunlockview/show/']")
    page.wait_for_selector("#close-unlock")
    assert "Закрыть досрочно" in page.inner_text("#close-unlock")
    page.once("dialog", lambda dialog: dialog.accept())  # «Закрыть разблокировку сейчас?»
    page.click("#close-unlock")
    page.wait_for_load_state("networkidle")
    assert "Разблокировка закрыта" in page.inner_text(".alert-success")
    assert page.query_selector("#close-unlock") is None  # closed once, for good
    shown = dict(zip((th.inner_text().strip() for th in page.query_selector_all("table th")),
                     (td.inner_text().strip() for td in page.query_selector_all("table td"))))
    assert put_back["coordinator"] in shown["Кем закрыта"], shown
    assert shown["Закрыта досрочно"].startswith(school_today().strftime("%d.%m.%Y")), shown
    screenshot(page, "unlock_closed_1366")


def test_coordinator_reads_the_journal_control_with_the_teachers_marks_counted(page, live_server, put_back):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/reports/journal-control/")
    if page.query_selector("#control-teachers") is None:
        pytest.skip("the school's year has no study periods on the school's date")
    heads = [th.inner_text() for th in page.query_selector_all("#control-teachers thead th")]
    lessons, marks = heads.index("Проведено уроков"), heads.index("Введено отметок")
    total = page.query_selector_all("#control-teachers tr.total td")
    if total[lessons].inner_text().strip() == "0":
        pytest.skip("no lessons held yet in the period of the school's date")
    row = page.query_selector(f"#control-teachers tr[data-name='{put_back['teacher']}']")
    assert row is not None, page.inner_text("#control-teachers")
    assert int(row.query_selector_all("td")[marks].inner_text()) > 0, page.inner_text("#control-period")
    assert int(total[marks].inner_text()) >= int(row.query_selector_all("td")[marks].inner_text())
    screenshot(page, "journal_control_1366")


def test_a_disguised_stop_word_holds_the_parents_post_for_the_moderator(browser, page, live_server, put_back):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, "parent")
    page.goto(f"{live_server}/forum/")
    page.click(f"#forum-topics a:has-text('{TOPIC}')")
    page.wait_for_selector("#forum-reply")
    page.fill("#forum-reply textarea[name=text]", POST)
    page.click("#forum-reply button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Сообщение ждёт проверки модератора." in page.inner_text(".alert-warning")
    mine = page.query_selector(f".forum-post:has-text('{POST}')")
    assert mine is not None and "на проверке у модератора" in mine.inner_text()  # the author sees it waits
    assert "дурак" not in mine.inner_text()  # the words found are for the moderator only
    screenshot(page, "forum_post_held_1366")
    topic_url = page.url

    context = new_context(browser)
    other = context.new_page()
    log_in(other, live_server, "student")
    other.goto(topic_url)
    other.wait_for_selector("#forum-posts")
    assert "шахматный кружок" in other.inner_text("#forum-posts")  # the topic's other posts are there (the parent's)
    assert POST not in other.inner_text("#forum-posts")
    context.close()

    context = new_context(browser)
    moderator = context.new_page()
    moderator.set_viewport_size({"width": 1366, "height": 900})
    log_in(moderator, live_server, "moderator")
    moderator.goto(f"{live_server}/forum/")
    moderator.click("#forum-moderation")
    moderator.wait_for_selector("#flagged-posts")
    held = moderator.query_selector(f"#flagged-posts .forum-post:has-text('{POST}')")
    assert held is not None, moderator.inner_text("#flagged-posts")
    assert "дурак" in held.inner_text() and TOPIC in held.inner_text()
    screenshot(moderator, "forum_moderation_queue_1366")
    context.close()
