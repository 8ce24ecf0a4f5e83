"""In a real browser the demo teacher fills a lesson by keyboard: topic, marks and an
absence; sees the averages change; sets the period mark; is refused on a locked
lesson until the coordinator unlocks it; the audit report shows the changes.

The journal is a fresh subject group of the demo teacher's (lessons on every school day
of the last four weeks), removed at the end of the module: the demo's journals stay as
they were, and the lessons are as old as the tests need on any date."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.browser.conftest import new_context, screenshot
from tests.browser.test_admin_pages import log_in
from tests.conftest import school_today
from tests.views.journal_fixtures import delete_group, timetabled_group


@pytest.fixture(scope="module")
def journal(app):
    data = timetabled_group(app, "Журнал в браузере")
    yield data
    delete_group(app, data["group"])


def _data(page) -> dict:
    return json.loads(page.eval_on_selector("#grid-data", "n => n.textContent"))


def _open(page, live_server, journal) -> dict:
    page.goto(f"{live_server}/journal/?group={journal['group']}")
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    return _data(page)


def _pick(data: dict, today: dt.date):
    """The latest open lesson with an ordinary assignment, two students without a mark there,
    and a locked lesson older than 10 days (None when the year has none yet)."""
    open_lessons = [l for l in data["lessons"] if not l["lock"] and not l["cancelled"] and l["date"] <= today.isoformat()
                    and any(not a["control"] for a in l["assignments"])]
    lesson = open_lessons[-1]
    assignment = next(a for a in lesson["assignments"] if not a["control"])
    free = [s for s in data["students"] if f"{assignment['id']}:{s['id']}" not in data["marks"] and not s["left"]
            and f"{lesson['id']}:{s['id']}" not in data["attendance"]]
    locked = next((l for l in reversed(data["lessons"]) if l["lock"] and any(not a["control"] for a in l["assignments"])), None)
    return lesson, assignment, free, locked


def _coordinator(page, live_server):
    coordinator = new_context(page.context.browser).new_page()
    log_in(coordinator, live_server, "coordinator")
    return coordinator


def _wait_saved(page):
    page.wait_for_function("() => window.partaGrid && window.partaGrid.pending() === 0 && "
                           "document.getElementById('grid-status').classList.contains('label-success')", timeout=15000)


def test_teacher_fills_a_lesson_by_keyboard_and_finds_it_after_reload(page, live_server, journal):
    log_in(page, live_server, "teacher")
    data = _open(page, live_server, journal)
    lesson, assignment, free, _ = _pick(data, school_today())
    first, second, absent = free[0], free[1], free[2]

    # the topic, from the lesson's header
    page.click(f"th[data-lesson='{lesson['id']}'] a")
    page.wait_for_selector("#lesson-topic", state="visible")
    # the dialog puts the cursor into the topic 0.3 s after it opens: typing the homework before
    # that would end up in the topic (seen on a busy machine)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'lesson-topic'")
    page.fill("#lesson-topic", "Умножение десятичных дробей")
    page.fill("#lesson-hw", "№ 312, 315")
    page.click("#lesson-apply")

    # marks by keyboard: click a cell, type, Enter moves down
    before = page.inner_text(f"td.parta-grid-sum.w[data-student='{first['id']}']")
    page.click(f"td[data-a='{assignment['id']}'][data-s='{first['id']}']")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.click(f"td[data-a='{assignment['id']}'][data-s='{second['id']}']")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    # a letter typed over a mark records an absence at that lesson: «н» on a Russian
    # keyboard (Playwright types Cyrillic without key events, so the key is dispatched),
    # or «n» when the layout was not switched
    page.click(f"td[data-a='{assignment['id']}'][data-s='{absent['id']}']")
    page.dispatch_event(f"td[data-a='{assignment['id']}'][data-s='{absent['id']}']", "keydown", {"key": "н", "bubbles": True})
    page.keyboard.press("Enter")
    late = free[3]
    page.click(f"td[data-l='{lesson['id']}'][data-s='{late['id']}']")
    page.keyboard.press("n")
    page.keyboard.press("Enter")
    _wait_saved(page)
    after = page.inner_text(f"td.parta-grid-sum.w[data-student='{first['id']}']")
    assert after != before, "the weighted average follows the new «2»"
    suggested = page.inner_text(f"td.parta-grid-sum.s[data-student='{first['id']}']")
    assert suggested in {"2", "3", "4", "5"}
    # the period mark from the menu, as the average suggests
    page.select_option(f"select.parta-grid-pm[data-student='{first['id']}']", suggested)
    _wait_saved(page)
    screenshot(page, "journal_grid")

    page.reload()
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    assert page.inner_text(f"td[data-a='{assignment['id']}'][data-s='{first['id']}']") == "2"
    assert page.inner_text(f"td[data-a='{assignment['id']}'][data-s='{second['id']}']") == "5"
    assert page.inner_text(f"td[data-l='{lesson['id']}'][data-s='{absent['id']}']") == "Н"
    assert page.inner_text(f"td[data-l='{lesson['id']}'][data-s='{late['id']}']") == "Н"
    reloaded = next(l for l in _data(page)["lessons"] if l["id"] == lesson["id"])
    assert (reloaded["topic"], reloaded["homework"]) == ("Умножение десятичных дробей", "№ 312, 315")
    assert page.eval_on_selector(f"select.parta-grid-pm[data-student='{first['id']}']", "s => s.value") == suggested

    # the audit report shows the teacher's changes
    coordinator = _coordinator(page, live_server)
    coordinator.goto(f"{live_server}/journalaudit/?user=teacher")
    assert "Умножение десятичных дробей" in coordinator.inner_text("body")
    coordinator.context.close()


def test_a_locked_lesson_is_refused_until_the_coordinator_unlocks_it_and_the_audit_shows_the_change(
        page, live_server, journal):
    log_in(page, live_server, "teacher")
    data = _open(page, live_server, journal)
    _, _, _, locked = _pick(data, school_today())
    if locked is None:
        pytest.skip(f"on {school_today():%d.%m.%Y} no lesson of the school year is 11 days old yet")

    # a lesson 11+ days old is locked, with a Russian message
    locked_assignment = next(a for a in locked["assignments"] if not a["control"])
    target = next(s for s in data["students"] if not s["left"]
                  and f"{locked_assignment['id']}:{s['id']}" not in data["marks"])["id"]
    cell = f"td[data-a='{locked_assignment['id']}'][data-s='{target}']"
    page.click(cell)
    page.keyboard.type("5")
    message = page.inner_text("#grid-messages")
    assert "можно было изменять до" in message and "координатор" in message

    # the coordinator opens the journal for corrections from the grid, with a reason
    coordinator = _coordinator(page, live_server)
    coordinator.goto(f"{live_server}/journal/?group={data['group']['id']}")
    coordinator.click("#grid-unlock")
    coordinator.wait_for_selector("input[name=until]")
    coordinator.fill("input[name=until]", school_today().strftime("%d.%m.%Y"))
    coordinator.fill("[name=reason]", "Ученик сдал работу после болезни")
    coordinator.click("form#model_form [type=submit]")
    coordinator.wait_for_load_state("networkidle")
    assert "/journal/" in coordinator.url, "the coordinator is back in the journal"
    coordinator.goto(f"{live_server}/journalunlockview/list/")
    assert "Ученик сдал работу после болезни" in coordinator.inner_text("body")

    # now the teacher's change of the old lesson is saved
    page.reload()
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    page.click(cell)
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    _wait_saved(page)
    page.reload()
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    assert page.inner_text(cell) == "5"

    # the audit report shows the teacher's change, with the lesson's date
    coordinator.goto(f"{live_server}/journalaudit/?user=teacher")
    report = coordinator.inner_text("body")
    assert locked["date"][8:10] + "." + locked["date"][5:7] + "." + locked["date"][:4] in report
    screenshot(coordinator, "journal_audit")
    coordinator.context.close()
