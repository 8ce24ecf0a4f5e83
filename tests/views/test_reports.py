"""The report pages: who may get which report (by URL or filter), the downloads, the
summary sheets formed when a period ends, and the year-end archive job."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import DocumentKind, JobStatus, ReportJob, StoredDocument
from app.security.scoping import as_school
from tests.conftest import flashes
from tests.reports.helpers import flat, page_texts, text
from tests.reports.report_school import PASSWORD


@pytest.fixture()
def rs(report_app):
    return report_app[1]


@pytest.fixture()
def archive(report_app):
    """The archive tests print into the report school's archive, which the other modules share:
    each test's archive documents and jobs go when it ends (the ZIP holds what the test printed)."""
    yield
    from sqlalchemy import delete

    from app.models import JobKind

    application, school = report_app
    with application.app_context():
        db.session.execute(delete(StoredDocument).where(StoredDocument.school_id == school.school, StoredDocument.kind.in_(
            [DocumentKind.archive_sheets, DocumentKind.archive_journals])))
        db.session.execute(delete(ReportJob).where(ReportJob.school_id == school.school, ReportJob.kind == JobKind.year_archive))
        db.session.commit()
        db.session.remove()


def client_of(report_app, who: str):
    application, school = report_app
    client = application.test_client()
    response = client.post("/login/", data={"username": school.logins[who], "password": PASSWORD})
    assert response.status_code == 302
    return client


def body(response) -> str:
    return response.get_data(as_text=True)


# --- who may get what --------------------------------------------------------------------

def test_a_subject_teacher_reports_on_the_classes_they_teach_with_their_subjects_only(report_app, rs):
    teacher = client_of(report_app, "math")
    page = body(teacher.get(f"/reports/class-results/?class={rs.class_a}&period={rs.quarter}"))
    assert "Математика" in page and "Музыка" in page
    assert 'data-subject="Русский язык"' not in page
    options = re.findall(r'<option value="(\d+)"', body(teacher.get("/reports/class-results/")))
    assert str(rs.class_a) in options and str(rs.class_b) not in options


def test_a_teacher_cannot_get_another_class_by_url_or_filter(report_app, rs):
    teacher = client_of(report_app, "math")
    for url in (f"/reports/class-results/?class={rs.class_b}&period={rs.quarter}",
                f"/reports/class-results/download.pdf?class={rs.class_b}&period={rs.quarter}",
                f"/reports/summary-sheet/download.xlsx?class={rs.class_b}",
                f"/reports/class-attendance/?class={rs.class_b}",
                f"/reports/journal-print/download.pdf?group={rs.groups['math_b']}",
                f"/reports/letter/download.pdf?class={rs.class_b}&all=1"):
        assert teacher.get(url).status_code == 404, url


def test_a_teacher_cannot_get_a_student_of_another_class(report_app, rs):
    other = client_of(report_app, "other")
    assert other.get(f"/reports/student/?class={rs.class_b}&student={rs.students['A']}").status_code == 404
    assert other.get(f"/reports/student/download.pdf?class={rs.class_a}&student={rs.students['A']}").status_code == 404
    assert other.get(f"/reports/student/?class={rs.class_b}&student={rs.students['O']}").status_code == 200


def test_the_class_teacher_sees_every_subject_of_the_class(report_app, rs):
    lead = client_of(report_app, "lead")
    page = body(lead.get(f"/reports/class-results/?class={rs.class_a}&period={rs.quarter}"))
    assert all(f'data-subject="{s}"' in page for s in ("Математика", "Русский язык", "Музыка"))


def test_a_parent_gets_their_child_only(report_app, rs):
    parent = client_of(report_app, "parent")
    page = body(parent.get("/reports/student/?start=01.09.2025&end=26.10.2025"))
    assert "Антонов Антон Андреевич" in page and "Борисова" not in page  # the only child is chosen at once
    for url in (f"/reports/student/?student={rs.students['B']}", f"/reports/letter/download.pdf?student={rs.students['B']}",
                f"/reports/dynamics/?student={rs.students['G']}"):
        assert parent.get(url).status_code == 404, url
    for url in (f"/reports/class-results/?class={rs.class_a}", "/reports/journal-control/", "/reports/archive/"):
        assert parent.get(url).status_code in (302, 403), url


def test_a_parent_prints_the_information_letter_for_their_child(report_app, rs):
    parent = client_of(report_app, "parent")
    response = parent.get(f"/reports/letter/download.pdf?student={rs.students['A']}&day=03.09.2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = flat(text(response.data))
    assert "Информационное письмо для родителей" in content and "Антонов Антон Андреевич" in content
    assert "с 01.09.2025 по 07.09.2025" in content


def test_a_student_sees_themselves_only(report_app, rs):
    me = client_of(report_app, "student")
    assert "Васильев Виктор Викторович" in body(me.get("/reports/dynamics/?start=01.09.2025&end=14.09.2025"))
    assert me.get(f"/reports/student/?student={rs.students['A']}").status_code == 404


def test_another_schools_coordinator_reaches_nothing_of_this_school(report_app, rs):
    application, _ = report_app
    with application.app_context(), as_school(rs.school):
        sheet = db.session.query(StoredDocument).first()
    neighbour = client_of(report_app, "neighbour")
    for url in (f"/reports/class-results/?class={rs.class_a}&period={rs.quarter}",
                f"/reports/student/download.pdf?student={rs.students['A']}",
                f"/reports/journal-print/?group={rs.groups['math']}",
                f"/reports/archive/?year={rs.year}"):
        assert neighbour.get(url).status_code == 404, url
    if sheet is not None:
        assert neighbour.get(f"/reports/summary-sheet/stored/{sheet.id}").status_code == 404
    assert "Антонов" not in body(neighbour.get("/reports/school-results/"))


def test_school_reports_need_the_right_for_all_classes(report_app, rs):
    teacher = client_of(report_app, "lead")
    assert teacher.get("/reports/journal-control/").status_code in (302, 403)
    assert teacher.get("/reports/school-results/").status_code in (302, 403)
    assert client_of(report_app, "coordinator").get("/reports/school-results/").status_code == 200


# --- the pages and their downloads agree ------------------------------------------------------

def test_every_report_downloads_as_pdf_and_xlsx_for_the_coordinator(report_app, rs):
    coordinator = client_of(report_app, "coordinator")
    queries = [
        f"/reports/student/?class={rs.class_a}&student={rs.students['B']}&start=01.09.2025&end=26.10.2025",
        f"/reports/letter/?class={rs.class_a}&all=1&day=03.09.2025",
        f"/reports/dynamics/?class={rs.class_a}&student={rs.students['A']}&start=01.09.2025&end=14.09.2025",
        f"/reports/class-results/?class={rs.class_a}&period={rs.quarter}",
        f"/reports/summary-sheet/?class={rs.class_a}",
        f"/reports/class-attendance/?class={rs.class_a}&start=01.09.2025&end=26.10.2025",
        f"/reports/journal-print/?group={rs.groups['math']}&period={rs.quarter}",
        f"/reports/journal-control/?period={rs.quarter}",
        f"/reports/school-results/?period={rs.quarter}",
    ]
    for query in queries:
        path, args = query.split("?")
        page = coordinator.get(query)
        assert page.status_code == 200, query
        pdf = coordinator.get(f"{path}download.pdf?{args}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf", query
        assert "filename*=UTF-8''" in pdf.headers["Content-Disposition"]
        assert pdf.headers["Cache-Control"] == "no-store"
        xlsx = coordinator.get(f"{path}download.xlsx?{args}")
        assert xlsx.status_code == 200, query
        load_workbook(io.BytesIO(xlsx.data))
    page = body(coordinator.get(queries[3]))
    assert '<td class="center num rate-success">75,0</td>' in page  # the screen shows what the PDF prints


def test_bad_filters_never_crash_a_report(report_app, rs):
    coordinator = client_of(report_app, "coordinator")
    assert coordinator.get(f"/reports/class-attendance/?class={rs.class_a}&start=99.99.2025&end=abc").status_code == 200
    assert coordinator.get("/reports/class-results/?class=abc").status_code == 200
    assert coordinator.get(f"/reports/class-results/?class={rs.class_a}&period=999999").status_code == 404
    assert coordinator.get(f"/reports/class-results/download.doc?class={rs.class_a}").status_code == 404
    reversed_range = coordinator.get(f"/reports/class-attendance/?class={rs.class_a}&start=26.10.2025&end=01.09.2025")
    assert "раньше" in " ".join(flashes(body(reversed_range))) or reversed_range.status_code == 200


# --- summary sheets formed when a period ends ----------------------------------------------------

def test_summary_sheets_of_an_ended_period_are_formed_once_and_stored_with_a_checksum(report_app, rs):
    application, _ = report_app
    coordinator = client_of(report_app, "coordinator")
    page = body(coordinator.get(f"/reports/summary-sheet/?class={rs.class_a}"))
    coordinator.get(f"/reports/summary-sheet/?class={rs.class_a}")  # opening it again forms nothing new
    with application.app_context(), as_school(rs.school):
        documents = db.session.query(StoredDocument).filter_by(kind=DocumentKind.summary_sheet, is_automatic=True).all()
        by_class = {(d.class_id, d.period_id) for d in documents}
        # both quarters of the 2025/2026 year have ended
        assert by_class == {(c, q) for c in (rs.class_a, rs.class_b) for q in (rs.quarter, rs.quarter2)}
        assert len(documents) == 4
        document = next(d for d in documents if d.class_id == rs.class_a and d.period_id == rs.quarter)
        assert document.sha256 == hashlib.sha256(document.content).hexdigest()
        document_id = document.id
    assert "Сводная ведомость 5А класса: 1 четверть" in body(coordinator.get(f"/reports/summary-sheet/?class={rs.class_a}"))
    del page
    stored = coordinator.get(f"/reports/summary-sheet/stored/{document_id}")
    assert stored.status_code == 200
    content = flat(text(stored.data))
    assert "Сформирована автоматически по окончании периода" in content and "Борисова Б. Б. 5 4 зач" in content
    # a teacher of the class reads it; a teacher of another class does not
    assert client_of(report_app, "lead").get(f"/reports/summary-sheet/stored/{document_id}").status_code == 200
    assert client_of(report_app, "other").get(f"/reports/summary-sheet/stored/{document_id}").status_code == 404


def test_a_stored_sheet_changed_after_printing_is_refused(report_app, rs):
    application, _ = report_app
    coordinator = client_of(report_app, "coordinator")
    response = coordinator.post(f"/reports/summary-sheet/form?class={rs.class_a}", data={"column": f"p{rs.quarter}"})
    assert response.status_code == 302
    with application.app_context(), as_school(rs.school):
        document = db.session.query(StoredDocument).filter_by(kind=DocumentKind.summary_sheet, is_automatic=False) \
            .order_by(StoredDocument.id.desc()).first()
        assert document.created_by_id is not None
        document.content = document.content.replace(b"%%EOF", b"%%EOF ")
        db.session.commit()
        document_id = document.id
    refused = coordinator.get(f"/reports/summary-sheet/stored/{document_id}", follow_redirects=True)
    assert "не совпадает со своей контрольной суммой" in " ".join(flashes(body(refused)))


def test_only_the_administration_stores_a_sheet_on_demand(report_app, rs):
    lead = client_of(report_app, "lead")
    response = lead.post(f"/reports/summary-sheet/form?class={rs.class_a}", data={"column": f"p{rs.quarter}"})
    assert response.status_code in (302, 403)
    application, _ = report_app
    with application.app_context(), as_school(rs.school):
        assert not db.session.query(StoredDocument).filter(StoredDocument.created_by_id.isnot(None),
                                                           StoredDocument.kind == DocumentKind.summary_sheet) \
            .join(StoredDocument.created_by).filter_by(username="rep_lead").count()


# --- the year-end archive --------------------------------------------------------------------------

def test_the_archive_prints_sheets_and_journals_of_each_class_with_checksums(report_app, rs, archive):
    application, _ = report_app
    coordinator = client_of(report_app, "coordinator")
    response = coordinator.post("/reports/archive/start", data={"year": rs.year, "class": [rs.class_a]})
    assert response.status_code == 302
    page = body(coordinator.get(f"/reports/archive/?year={rs.year}"))
    assert "5А: итоговые и сводные ведомости, 2025/2026" in page and "5А: страницы журнала, 2025/2026" in page
    with application.app_context(), as_school(rs.school):
        job = db.session.query(ReportJob).order_by(ReportJob.id.desc()).first()
        assert (job.status, job.done, job.total) == (JobStatus.done, 2, 2)
        documents = {d.kind: d for d in db.session.query(StoredDocument).filter_by(job_id=job.id)}
        journals, sheets = documents[DocumentKind.archive_journals], documents[DocumentKind.archive_sheets]
        journal_id, sheets_id = journals.id, sheets.id
        assert job.pages == journals.pages + sheets.pages
    status = coordinator.get(f"/reports/archive/status/{job.id}").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    journal_pages = [flat(p) for p in page_texts(coordinator.get(f"/reports/archive/document/{journal_id}").data)]
    assert any("Классный журнал: 5А, Математика" in p and "Антонов А. А." in p for p in journal_pages)
    assert any("Темы уроков: 5А, Русский язык" in p and "Звуки и буквы" in p for p in journal_pages)
    sheet_text = flat(text(coordinator.get(f"/reports/archive/document/{sheets_id}").data))
    assert "Отметки: 1 четверть" in sheet_text and "Отметки: Годовая" in sheet_text
    archive = zipfile.ZipFile(io.BytesIO(coordinator.get(f"/reports/archive/zip/{rs.year}").data))
    sums = dict(line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS.txt").decode().splitlines())
    assert len(sums) == 2
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_printing_the_archive_again_replaces_the_class_documents(report_app, rs, archive):
    application, _ = report_app
    coordinator = client_of(report_app, "coordinator")
    for _ in range(2):
        coordinator.post("/reports/archive/start", data={"year": rs.year, "class": [rs.class_b]})
    with application.app_context(), as_school(rs.school):
        kept = db.session.query(StoredDocument).filter(StoredDocument.class_id == rs.class_b,
                                                       StoredDocument.kind.in_([DocumentKind.archive_sheets,
                                                                                DocumentKind.archive_journals])).all()
        assert len(kept) == 2 and len({d.job_id for d in kept}) == 1


def test_a_failed_archive_says_so_and_stores_nothing(report_app, rs, monkeypatch, archive):
    import reports.archive

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(reports.archive, "render_journals", broken)
    application, _ = report_app
    coordinator = client_of(report_app, "coordinator")
    with application.app_context(), as_school(rs.school):
        before = db.session.query(StoredDocument).count()
    coordinator.post("/reports/archive/start", data={"year": rs.year, "class": [rs.class_a]})
    page = body(coordinator.get(f"/reports/archive/?year={rs.year}"))
    assert "завершилась ошибкой" in page and "renderer down" not in page
    with application.app_context(), as_school(rs.school):
        job = db.session.query(ReportJob).order_by(ReportJob.id.desc()).first()
        assert job.status is JobStatus.failed
        assert db.session.query(StoredDocument).count() == before


def test_teachers_cannot_print_or_download_the_archive(report_app, rs):
    teacher = client_of(report_app, "lead")
    assert teacher.post("/reports/archive/start", data={"year": rs.year}).status_code in (302, 403)
    assert teacher.get(f"/reports/archive/zip/{rs.year}").status_code in (302, 403)
