"""In a real browser a mark's student is found by typing: the select asks the server for the
students matching the letters typed, and a list's search by student keeps the one chosen."""
from __future__ import annotations

from tests.browser.test_admin_pages import log_in


def test_admin_finds_a_student_by_typing_in_the_mark_form_and_in_the_marks_search(page, live_server):
    log_in(page, live_server)
    page.goto(f"{live_server}/markview/add")
    page.click("select[name=student] + .select2 .select2-selection")
    with page.expect_response(lambda response: "/markview/options" in response.url and "q=%D0%98" in response.url):
        page.fill(".select2-container--open .select2-search__field", "Ива")
    rows = ".select2-results__option:not(.loading-results):not(.select2-results__option--load-more)"  # not «Загрузка…»
    page.wait_for_function(f"""() => [...document.querySelectorAll('{rows}')]
        .every(o => o.textContent.toLowerCase().includes('ива'))""")
    options = page.locator(rows).all_inner_texts()
    assert options and all("ива" in text.lower() for text in options), options
    chosen = options[0]
    page.click(f".select2-results__option:has-text('{chosen}')")
    assert page.input_value("select[name=student]")
    assert chosen in page.inner_text("#model_form")

    student = page.input_value("select[name=student]")
    page.goto(f"{live_server}/markview/list/?_flt_0_student={student}")
    page.wait_for_load_state("networkidle")
    assert chosen in page.inner_text(".filters")  # the active filter shows the student, not an empty select
