"""Every kind of download works under gunicorn, as in production (issue 12, item 10).

The consent form answered 500 for every student under gunicorn: its file name
(«consent-И-0001.pdf») went raw into Content-Disposition, and an HTTP header is
Latin-1 — Flask's test client does not mind, gunicorn refuses. Downloads now name the
file by RFC 6266: an ASCII `filename=` and the full name in `filename*=UTF-8''…`.
This test starts gunicorn on a free port against the test database, signs in through
the real login form (CSRF on) and fetches one file of each kind."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Announcement, Attachment, Employee, Enrolment, MovementOrder, PartaUser, Student,
)
from tests.conftest import DEMO_PASSWORD
from tests.demo_orders import autumn_orders  # noqa: F401 (fixture: the demo has no order before 12.10.2026)

ROOT = Path(__file__).resolve().parents[2]
PDF, XLSX, ZIP = b"%PDF", b"PK", b"PK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    """gunicorn serving run:app (the production configuration) on this run's test database."""
    port = _free_port()
    env = {**os.environ, "PARTA_DATABASE_URL": database_url, "PARTA_SECRET_KEY": "gunicorn-test-key",
           "PARTA_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")), "PARTA_RATELIMIT": "0",
           "PARTA_SAFE_REDIRECT_HOSTS": "127.0.0.1", "FAB_UPDATE_PERMS": "False"}
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                                    "--timeout", "120", "--no-control-socket", "run:app"], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=30)
                break
            except OSError:  # not listening yet, or the worker still starting the app
                if process.poll() is not None:
                    pytest.fail(f"gunicorn stopped: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer within a minute")
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """A cookie-keeping client for the server, signed in through the login form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        try:
            response = self.opener.open(self.base + path, timeout=120)
            return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def login(self, username: str) -> "Browser":
        _, _, page = self.get("/login/")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD, "csrf_token": token}).encode()
        self.opener.open(self.base + "/login/", data=data, timeout=60).read()
        return self


def _ids(app) -> dict:
    """Rows of the demo school to download: a student with a Cyrillic file number, their class, …"""
    with app.app_context():
        student = db.session.scalar(select(Student).join(PartaUser, Student.user_id == PartaUser.id)
                                    .where(PartaUser.username == "student"))
        found = {
            "student": student.id, "file_no": student.personal_file_no, "name": student.full_name,
            "class": db.session.scalar(select(Enrolment.class_id).where(Enrolment.student_id == student.id,
                                                                         Enrolment.end_date.is_(None))),
            "employee": db.session.scalar(select(Employee.id).order_by(Employee.id)),
            "order": db.session.scalar(select(MovementOrder.id).order_by(MovementOrder.id)),
            "attachment": db.session.scalar(select(Attachment.id).join(Announcement)
                                            .where(Attachment.filename == "Консультации.txt")),
        }
        db.session.remove()
    return found


def _downloads(ids: dict) -> list:
    """(what, path, the file's first bytes) — one download of each kind Parta offers."""
    student_report = f"?class={ids['class']}&student={ids['student']}"
    return [
        ("consent form of a student", f"/studentview/consent/{ids['student']}", PDF),
        ("blank consent form", "/studentview/consent/blank", PDF),
        ("student report, PDF", f"/reports/student/download.pdf{student_report}", PDF),
        ("student report, XLSX", f"/reports/student/download.xlsx{student_report}", XLSX),
        ("class results, PDF", f"/reports/class-results/download.pdf?class={ids['class']}", PDF),
        ("class results, XLSX", f"/reports/class-results/download.xlsx?class={ids['class']}", XLSX),
        ("list export", "/studentview/export/", XLSX),
        ("movement book, PDF", "/movementbook/download/book.pdf", PDF),
        ("movement book, XLSX", "/movementbook/download/book.xlsx", XLSX),
        ("order printout", f"/movementorderview/print/{ids['order']}", PDF),
        ("staff card", f"/stafffileview/card/{ids['employee']}", PDF),
        ("rights of roles", "/rolematrix/pdf", PDF),
        ("thematic plan template", "/thematic/template", XLSX),
        ("student import template", "/import/students/template", XLSX),
        ("announcement attachment", f"/announcements/file/{ids['attachment']}", "Расписание".encode()),
    ]


def test_every_kind_of_download_works_under_gunicorn_with_a_russian_file_name(app, server, autumn_orders):
    base, log = server
    ids = _ids(app)
    assert not ids["file_no"].isascii(), "the demo's file numbers start with a Cyrillic letter"
    browser = Browser(base).login("admin")
    failed = []
    for what, path, start in _downloads(ids):
        status, headers, body = browser.get(path)
        disposition = headers.get("Content-Disposition", "")
        if status != 200 or not body.startswith(start) and start not in body[:200] or "attachment" not in disposition:
            failed.append(f"{what} ({path}): {status} {disposition!r} {body[:60]!r}")
    assert failed == [], failed + [log.read_text(errors="replace")[-3000:]]


def test_the_consent_form_is_named_after_the_student_in_russian(app, server):
    base, _ = server
    ids = _ids(app)
    status, headers, body = Browser(base).login("admin").get(f"/studentview/consent/{ids['student']}")
    assert status == 200 and body.startswith(PDF)
    disposition = headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="consent-{ids["student"]}.pdf"') and disposition.isascii()
    name = urllib.parse.unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name == f"Согласие на обработку персональных данных, {ids['name']}.pdf"
