"""The top bar and the framework's leftovers as the administrator meets them at 1366 × 900:
one row of menus with the user's role and school, Parta's favicon, and list pages with no
«__None» in their selects, no English words of the framework and no double full stops."""
from __future__ import annotations

import re
from html import unescape

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_admin_pages import log_in

# FAB's English words as they would show on a list page left untranslated.
ENGLISH = re.compile(r"\b(List|Add Filter|Search|Record Count|Actions|Select Value|Refresh|No records found|"
                     r"Views/Menus|Groups|Permissions|Security|Show|Edit|Delete|Back|Save|Filter|None)\b")

# FAB names permissions by their code («can list on StudentView», «menu access on List Groups»)
# in the role pages' choices; «Права ролей» shows them in Russian.
PERMISSION_CODE = re.compile(r"^(?:can \w+|menu access|[a-z_]+) on \S.*$")


def leftovers_in(html: str) -> list:
    """English words of the framework and «__None» that a user could read on a page: its text,
    the options of its selects, hints and placeholders — and «__None» also in the search
    filters' selects FAB keeps in a script until a filter is added."""
    found = {"__None"} if re.search(r"(>|\\u003e)__None(<|\\u003c)", html) else set()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    options = [unescape(o).strip() for o in re.findall(r"<option\b[^>]*>([^<]*)</option>", page)]
    hints = re.findall(r'(?:title|placeholder|data-placeholder)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<option\b[^>]*>[^<]*</option>", " ", page))
    for piece in [text, *[o for o in options if not PERMISSION_CODE.match(o)], *hints]:
        found |= set(ENGLISH.findall(unescape(piece)))
    if re.search(r"(?<!\.)\.\.(?!\.)", unescape(text)):
        found.add("..")  # «Калинина О. М..»: initials and a sentence's stop
    return sorted(found)


def test_the_admin_navbar_is_one_row_at_1366_and_no_list_shows_framework_leftovers(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    log_in(page, live_server)
    navbar = page.locator("#parta-navbar")
    assert navbar.bounding_box()["height"] <= 60, "the menus lie in one row"
    assert page.inner_text("#navbar-role") == "Администратор"
    assert page.inner_text("#navbar-school") == "МБОУ СОШ № 1"
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon.split("?")[0].endswith("favicon.svg") and page.request.get(live_server + icon).ok  # ?v=: the fingerprint
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "navbar_admin_1366.png"), clip={"x": 0, "y": 0, "width": 1366, "height": 320})

    # the long menus are grouped by dividers, each between two items the user sees
    misplaced = page.eval_on_selector_all("#parta-navbar .dropdown-menu", """menus => menus.filter(m => {
        const items = [...m.children].map(li => li.classList.contains('divider'));
        return items[0] || items[items.length - 1] || items.some((d, i) => d && items[i + 1]);
    }).length""")
    assert misplaced == 0
    assert page.locator("#parta-navbar .dropdown-menu li.divider").count() >= 8

    page.click("#parta-navbar a.dropdown-toggle:has-text('Безопасность')")
    security = page.inner_text("#parta-navbar li.open .dropdown-menu")
    assert "Группы пользователей" in security and "Страницы и меню" in security
    assert "List Groups" not in security and "Отобажения" not in security
    screenshot(page, "navbar_admin_security")

    lists = sorted(set(page.eval_on_selector_all(
        "#parta-navbar .dropdown-menu a[href$='/list/']", "links => links.map(a => a.getAttribute('href'))")))
    assert len(lists) > 40
    leftovers = {}
    for href in lists:  # read as the browser receives them (rendering each would take minutes)
        found = leftovers_in(page.request.get(live_server + href).text())
        if found:
            leftovers[href] = found
    assert leftovers == {}
    context.close()


def test_a_teacher_and_a_parent_see_their_role_and_school_in_one_row(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    for user, role in (("teacher", "Учитель"), ("parent", "Родитель")):
        log_in(page, live_server, user)
        assert page.locator("#parta-navbar").bounding_box()["height"] <= 60
        assert page.inner_text("#navbar-role") == role and page.inner_text("#navbar-school") == "МБОУ СОШ № 1"
        page.screenshot(path=str(SCREENSHOTS / f"navbar_{user}_1366.png"), clip={"x": 0, "y": 0, "width": 1366, "height": 120})
        context.clear_cookies()
    context.close()
