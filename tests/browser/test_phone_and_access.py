"""On a phone (390 × 844, touch) the teacher fills a lesson in the journal through the
entry pad and the parent reads the diary as cards, nothing wider than the screen; the
login page, the diary, the journal and the mail pass axe-core (node_modules, installed by
`make install`) without a serious or critical violation at 1366 × 900 and on the phone.

The journal is a fresh subject group of the demo teacher's (lessons on every school day of
the last four weeks), removed at the end of the module."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import _live_on_the_school_date, screenshot
from tests.browser.test_admin_pages import log_in
from tests.browser.test_journal_grid import _data, _pick
from tests.conftest import school_today
from tests.views.journal_fixtures import delete_group, timetabled_group

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def journal(app):
    data = timetabled_group(app, "Журнал на телефоне")
    yield data
    delete_group(app, data["group"])


def _context(browser, viewport: dict):
    phone = viewport["width"] < 768
    context = browser.new_context(viewport=viewport, locale="ru-RU", has_touch=phone, is_mobile=phone)
    _live_on_the_school_date(context)
    return context


def _document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _right_edge(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["x"] + box["width"]


def test_teacher_fills_a_lesson_on_a_phone_and_finds_the_marks_after_reload(browser, live_server, journal):
    context = _context(browser, PHONE)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/?group={journal['group']}")
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    data = _data(page)
    lesson, assignment, free, _ = _pick(data, school_today())
    first, second, third = free[0], free[1], free[2]
    rows = [s["id"] for s in data["students"]]

    def cell(student):
        return f"td[data-a='{assignment['id']}'][data-s='{student['id']}']"

    def status_is(kind):
        page.wait_for_function(f"() => window.partaGrid.pending() === 0 && "
                               f"document.getElementById('grid-status').classList.contains('label-{kind}')", timeout=15000)

    # a tap on a cell opens the pad, its input focused: the phone's keyboard opens
    page.tap(cell(first))
    page.wait_for_selector("#cell-pad", state="visible")
    assert page.evaluate("document.activeElement.id") == "cell-pad-input"
    assert first["name"] in page.inner_text("#cell-pad-title")
    buttons = page.eval_on_selector_all("#cell-pad-values button", "bs => bs.map(b => b.textContent)")
    assert {"5", "4", "3", "2"} <= set(buttons) and "Н" in buttons, "the scale's values and the attendance codes"
    # a value's button enters it and moves to the next student
    page.tap("#cell-pad-values button.pg-pad-mark:text-is('5')")
    following = data["students"][rows.index(first["id"]) + 1]["name"]
    assert following in page.inner_text("#cell-pad-title")
    in_sight = """() => { const td = document.querySelector('#journal-grid td.current'), r = td.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === td; }"""
    for _ in range(len(rows) - 2):  # down the class: the current cell stays in sight, above the pad
        assert page.evaluate(in_sight), "the current cell is not under the pinned columns or the pad"
        page.tap("#cell-pad-next")
    assert page.evaluate(in_sight)
    # typing into the pad: the keyboard's Enter enters the value
    page.tap(cell(second))
    page.fill("#cell-pad-input", "4")
    page.press("#cell-pad-input", "Enter")
    status_is("success")
    assert not _axe(page, "{include: [['#cell-pad'], ['#grid-status']]}"), "the pad and the status line pass axe too"

    # a value off the scale is refused; once the cell is cleared the status line stops complaining
    page.tap(cell(third))
    page.fill("#cell-pad-input", "7")
    page.press("#cell-pad-input", "Enter")
    status_is("danger")
    assert "не сохранена" in page.inner_text("#grid-status")
    assert "refused" in page.get_attribute(cell(third), "class")
    page.tap(cell(third))
    page.tap("#cell-pad-values .pg-pad-clear")
    status_is("success")
    assert "refused" not in page.get_attribute(cell(third), "class")

    # the names stay on the left, the averages and the period marks on the right, wherever the grid scrolls
    assert _document_width(page) <= PHONE["width"]
    for scroll in ("0", "w.scrollWidth / 2", "w.scrollWidth"):
        page.eval_on_selector(".parta-grid-wrap", f"w => {{ w.scrollLeft = {scroll}; }}")
        assert page.locator(f"td.parta-grid-sum.w[data-student='{first['id']}']").bounding_box()["x"] >= 0
        assert _right_edge(page, f"select.parta-grid-pm[data-student='{first['id']}']") <= PHONE["width"]
        assert page.locator("#journal-grid tbody th.parta-grid-name").first.bounding_box()["x"] >= 0
    page.eval_on_selector(".parta-grid-wrap", "w => { w.scrollLeft = w.scrollWidth / 2; }")
    page.tap(cell(first))
    screenshot(page, "phone_journal_grid")

    page.reload()
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    assert page.inner_text(cell(first)) == "5"
    assert page.inner_text(cell(second)) == "4"
    assert page.inner_text(cell(third)) == ""
    page.set_viewport_size(DESKTOP)
    screenshot(page, "desktop_journal_grid")
    assert page.locator("#cell-pad").is_hidden(), "at a desk the keyboard types into the cells"
    context.close()


def test_parent_reads_the_diary_on_a_phone(browser, live_server):
    context = _context(browser, PHONE)
    page = context.new_page()
    log_in(page, live_server, "parent")
    page.goto(f"{live_server}/diary/")
    cards = page.locator("#diary-week tr.lesson")
    assert cards.count() > 0
    assert _document_width(page) <= PHONE["width"], "nothing runs off the screen"
    homework = page.locator("#diary-week td.l-homework:not(:empty)").first
    assert homework.is_visible() and _right_edge(page, "#diary-week td.l-homework:not(:empty)") <= PHONE["width"]
    assert _right_edge(page, "#diary-week td.l-marks") <= PHONE["width"]
    screenshot(page, "phone_diary_week")

    page.tap("#tab-marks")
    page.wait_for_selector("#period-marks", state="visible")
    assert _document_width(page) <= PHONE["width"]
    steps = page.locator("#period-marks td.next-step:not(:empty)")
    assert steps.count() > 0 and _right_edge(page, "#period-marks td.next-step:not(:empty)") <= PHONE["width"]
    assert "Что нужно для повышения" in page.inner_text("#period-marks") or "даст" in page.inner_text("#period-marks")
    screenshot(page, "phone_diary_marks")

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/diary/")
    assert page.locator("#diary-week table.lessons thead").first.is_visible(), "at a desk the week is a table"
    screenshot(page, "desktop_diary_week")
    context.close()


def _axe(page, where: str = "document") -> list:
    """The serious and critical violations axe-core finds on the page (or in the part of it
    `where` names, a JavaScript expression): [rule, impact, nodes]."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE}: run `make install`")
        pytest.skip(f"no axe-core at {AXE}: run `make install`")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(f"axe.run({where}, {{resultTypes: ['violations']}}).then(r => r.violations.map("
                               "v => [v.id, v.impact, v.nodes.slice(0, 5).map(n => n.target.join(' '))]))")
    return [v for v in violations if v[1] in ("serious", "critical")]


def test_login_diary_journal_and_mail_pass_axe_on_a_desk_and_on_a_phone(browser, live_server, journal):
    found = {}
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server}/login/")
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        found[f"login, {name}"] = _axe(page)
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/?group={journal['group']}")
    page.wait_for_selector("#journal-grid td.parta-grid-cell")
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        found[f"journal, {name}"] = _axe(page)
    context.close()

    context = _context(browser, DESKTOP)
    page = context.new_page()
    log_in(page, live_server, "parent")
    for path in ("/diary/", "/mail/", "/mail/compose"):
        page.goto(f"{live_server}{path}")
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            found[f"{path}, {name}"] = _axe(page)
    context.close()
    assert not any(found.values()), {name: v for name, v in found.items() if v}
