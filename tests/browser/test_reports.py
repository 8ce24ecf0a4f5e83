"""In a real browser the demo coordinator opens each report, downloads its PDF and
XLSX and finds the screen's figures in both; the demo parent prints the information
letter for their child; the archive job shows its progress and stores readable
Cyrillic PDFs."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.browser.conftest import screenshot
from tests.browser.test_admin_pages import log_in
from tests.reports.helpers import chars_without_glyph, flat, text
from tests.workers import start_worker, stop_worker


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return open(info.value.path(), "rb").read()


def _cells(rows) -> list:
    return [str(v) for row in rows for v in row if v is not None]


def _xlsx_values(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [_cells(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def _choose(page, selector: str, label: str | None = None, index: int | None = None) -> None:
    """Chooses an option; a filter that submits its form on a change is waited for until the
    new page has loaded (waiting for the load state alone may return before it has begun)."""
    values = page.eval_on_selector_all(f"{selector} option", "os => os.map(o => [o.value, o.text.trim()])")
    value = values[index][0] if label is None else next(v for v, text in values if text == label)
    if page.get_attribute(selector, "onchange") and page.input_value(selector) != value:
        with page.expect_navigation():
            page.select_option(selector, value=value)
    else:
        page.select_option(selector, value=value)
    page.wait_for_load_state("networkidle")


def test_coordinator_opens_each_report_and_its_pdf_and_xlsx_agree_with_the_screen(page, live_server):
    log_in(page, live_server, "coordinator")

    # «Итоги успеваемости класса»: the first subject's figures on screen, in the PDF and the XLSX
    page.goto(f"{live_server}/reports/class-results/")
    _choose(page, "#f-class", "5А")
    page.select_option("#f-period", page.eval_on_selector(
        "#f-period", "s => [...s.options].find(o => o.text.startsWith('1 четверть')).value"))
    page.click("#report-show")
    page.wait_for_selector("#results-subjects")
    first = page.query_selector("#results-subjects tbody tr")
    subject = first.get_attribute("data-subject")
    success = first.inner_text().split("\t")
    screenshot(page, "report_class_results")
    pdf = flat(text(_download(page, "#download-pdf")))
    assert "Итоги успеваемости класса за учебный период" in pdf and subject in pdf
    assert " ".join(v.strip() for v in success[2:]) in pdf
    book = load_workbook(io.BytesIO(_download(page, "#download-xlsx")))
    row = next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[0] == subject)
    number = lambda cell: float(cell.strip().replace(",", ".")) if cell.strip() not in ("", "—") else None  # noqa: E731
    assert [row[9], row[10], row[12]] == [number(success[9]), number(success[10]), number(success[12])]

    # «Сводная ведомость»: a student's row of marks is the same in all three
    page.goto(f"{live_server}/reports/summary-sheet/")
    _choose(page, "#f-class", "5А")
    page.wait_for_selector("table.sheet")
    row = page.query_selector("table.sheet tbody tr")
    cells = [c.inner_text().strip() for c in row.query_selector_all("td")]
    screenshot(page, "report_summary_sheet")
    assert f"{cells[1]} {' '.join(c for c in cells[2:] if c)}" in flat(text(_download(page, "#download-pdf")))
    assert all(code in _xlsx_values(_download(page, "#download-xlsx"))[0] for code in cells[2:5] if code)

    # the student's progress: the weighted average over everything
    page.goto(f"{live_server}/reports/student/")
    _choose(page, "#f-class", "5А")
    _choose(page, "#f-student", index=1)
    page.wait_for_selector("#progress-table")
    name = page.inner_text("#report-body h4").split(",")[0]
    total = page.inner_text("#total-weighted")
    screenshot(page, "report_student_progress")
    pdf = flat(text(_download(page, "#download-pdf")))
    assert name in pdf and total in pdf
    book = load_workbook(io.BytesIO(_download(page, "#download-xlsx")))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert name in rows[1][0]
    assert next(r for r in rows if r[0] == "Итого")[4] == float(total.replace(",", "."))

    # the average over time: the chart is drawn on the page, the PDF carries the table
    page.goto(page.url.replace("/reports/student/", "/reports/dynamics/"))
    page.wait_for_selector("#dynamics-table tbody tr")
    # a line joins the dates; on the year's first day there is one date, drawn as a point
    days = len(page.query_selector_all("#dynamics-table tbody tr"))
    page.wait_for_selector("#dynamics-chart svg " + ("polyline" if days > 1 else "circle"))
    last = page.query_selector_all("#dynamics-table tbody tr")[-1].inner_text().split("\t")
    screenshot(page, "report_dynamics")
    pdf = text(_download(page, "#download-pdf"))
    assert " ".join(v.strip() for v in last) in flat(pdf) and not chars_without_glyph(pdf)
    _download(page, "#download-xlsx")

    # the class's attendance, the journal printout, journal control and the school's results
    class_5a = _option(page, live_server, "5А")
    for url, table, column in (("/reports/class-attendance/?class={c}", "#attendance-1", 2),
                               ("/reports/journal-print/", None, 2), ("/reports/journal-control/", "#control-teachers", 1),
                               ("/reports/school-results/", "#school-subjects", 1)):
        page.goto(live_server + url.format(c=class_5a))
        if table is None:
            _choose(page, "#f-group", index=1)
            table = "table.journal-grid"
        page.wait_for_selector(table)
        first_row = page.query_selector(f"{table} tbody tr td:nth-child({column})").inner_text().strip()
        screenshot(page, "report_" + url.split("/")[2].replace("-", "_"))
        assert first_row in flat(text(_download(page, "#download-pdf"))), url
        surname = first_row.split()[0]  # the spreadsheet writes students' full names
        assert any(surname in " ".join(values) for values in _xlsx_values(_download(page, "#download-xlsx"))), url


def _option(page, live_server, name: str) -> str:
    """The id of a class in the report's class selector."""
    page.goto(f"{live_server}/reports/class-results/")
    return page.eval_on_selector("#f-class", "(s, n) => [...s.options].find(o => o.text === n).value", name)


def test_parent_prints_the_information_letter_for_their_child(page, live_server):
    log_in(page, live_server, "parent")
    page.goto(f"{live_server}/reports/letter/")
    children = page.eval_on_selector_all("#f-student option", "os => os.map(o => [o.value, o.text]).filter(o => o[0])")
    assert len(children) == 2  # the demo parent has two children
    page.select_option("#f-student", children[0][0])
    page.click("#report-show")
    page.wait_for_selector(".letter")
    assert children[0][1] in page.inner_text(".letter")
    screenshot(page, "report_parent_letter")
    pdf = flat(text(_download(page, "#download-pdf")))
    assert "Информационное письмо для родителей" in pdf and children[0][1] in pdf and children[1][1] not in pdf


def test_the_archive_job_shows_its_progress_and_stores_cyrillic_pdfs(page, live_server, app, tmp_path):
    from app import queue

    # a real background job, as in production: the page enqueues it, a worker process runs it
    app.config.update(PARTA_JOBS_INLINE=False, PARTA_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
                      PARTA_QUEUE_NAME="parta-browser")
    queue.forget(app)
    worker = start_worker(app, tmp_path, PARTA_REPORT_WORKERS="2")
    try:
        log_in(page, live_server, "coordinator")
        page.goto(f"{live_server}/reports/archive/")
        page.select_option("#archive-classes", label=["5А", "5Б"])
        page.click("#archive-start [type=submit]")
        page.wait_for_selector("#archive-progress, #archive-documents")
        if page.query_selector("#archive-progress"):
            assert page.is_visible("#archive-cancel")
            screenshot(page, "report_archive_progress")
        page.wait_for_selector("#archive-documents", timeout=120_000)
    finally:
        output = stop_worker(worker)
        app.config.update(PARTA_JOBS_INLINE=True, PARTA_QUEUE_URL="memory://")
        queue.forget(app)
    assert "Traceback" not in output, output[-3000:]
    screenshot(page, "report_archive")
    links = page.eval_on_selector_all("#archive-documents a", "as => as.map(a => [a.href, a.innerText])")
    assert {title.strip() for _href, title in links} >= {"5А: итоговые и сводные ведомости, 2026/2027",
                                                         "5А: страницы журнала, 2026/2027"}
    journal = next(href for href, title in links if "5Б: страницы журнала" in title)
    content = page.request.get(journal).body()
    pages = text(content)
    assert "Классный журнал: 5Б" in flat(pages) and not chars_without_glyph(pages)
    page.goto(f"{live_server}/jobs/")  # «Фоновые задания»: the job, done, with its attempt
    row = page.inner_text("#background-jobs tbody tr:first-child")
    assert "Архив учебного года" in row and "Готово" in row and "100 %" in row
    screenshot(page, "background_jobs")
