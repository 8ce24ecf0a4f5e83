"""The journal keeps taking marks without the network: the changes wait in the browser
(IndexedDB, so closing the page loses nothing), the page says how many, and they are
sent when the network is back — through the per-cell conflict protocol, so a cell the
coordinator changed meanwhile shows the coordinator's value and is not overwritten."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import GradeScaleValue, Mark
from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in
from tests.browser.test_journal_grid import (  # noqa: F401
    _coordinator,
    _open,
    _pick,
    _wait_saved,
    journal,
)
from tests.conftest import school_today


def _codes(app, assignment_id: int) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Mark.student_id, GradeScaleValue.code)
                                  .join(GradeScaleValue, Mark.value_id == GradeScaleValue.id)
                                  .where(Mark.assignment_id == assignment_id)).all()
        db.session.remove()
    return dict(rows)


def _status(page) -> str:
    return page.inner_text("#grid-status")


def test_marks_typed_without_the_network_wait_in_the_browser_and_are_saved_when_it_returns(
        app, page, live_server, journal):  # noqa: F811
    log_in(page, live_server, "teacher")
    data = _open(page, live_server, journal)
    _, assignment, free, _ = _pick(data, school_today())
    students = free[:3]
    page.set_viewport_size({"width": 1366, "height": 900})

    page.context.set_offline(True)
    for student, code in zip(students, ("5", "4", "3")):
        page.click(f"td[data-a='{assignment['id']}'][data-s='{student['id']}']")
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('grid-status').textContent.indexOf('нет связи') >= 0")
    assert _status(page) == "нет связи — 3 изменения ждут отправки"
    assert page.inner_text(f"td[data-a='{assignment['id']}'][data-s='{students[0]['id']}']") == "5"
    assert _codes(app, assignment["id"]).get(students[0]["id"]) is None, "nothing reached the server"
    screenshot(page, "journal_offline")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "journal_offline_phone")

    page.context.set_offline(False)  # the "online" event sends the queue
    _wait_saved(page)
    stored = _codes(app, assignment["id"])
    assert [stored.get(s["id"]) for s in students] == ["5", "4", "3"]


def test_a_change_queued_on_a_closed_page_is_sent_on_the_next_visit_and_meets_the_coordinators_value(
        app, page, live_server, journal):  # noqa: F811
    log_in(page, live_server, "teacher")
    data = _open(page, live_server, journal)
    _, assignment, free, _ = _pick(data, school_today())
    student = free[-1]
    cell = f"td[data-a='{assignment['id']}'][data-s='{student['id']}']"

    page.context.set_offline(True)
    page.click(cell)
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('grid-status').textContent.indexOf('нет связи') >= 0")
    assert _status(page) == "нет связи — 1 изменение ждёт отправки"
    context = page.context
    page.close()  # the teacher closes the laptop; the change waits in IndexedDB

    # meanwhile the coordinator puts a «4» into the same cell
    coordinator = _coordinator(context.new_page(), live_server)
    coordinator.goto(f"{live_server}/journal/?group={journal['group']}")
    coordinator.wait_for_selector(cell)
    coordinator.click(cell)
    coordinator.keyboard.type("4")
    coordinator.keyboard.press("Enter")
    _wait_saved(coordinator)
    coordinator.context.close()

    context.set_offline(False)
    teacher = context.new_page()
    teacher.goto(f"{live_server}/journal/?group={journal['group']}")
    teacher.wait_for_selector(f"{cell}.conflict", timeout=15000)
    assert teacher.inner_text(cell) == "4", "the cell shows the coordinator's value"
    assert "4" in teacher.inner_text("#grid-messages")
    assert _codes(app, assignment["id"]).get(student["id"]) == "4", "nothing overwritten silently"
