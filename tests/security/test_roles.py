"""The default roles give each demo account what its job needs, and no more."""
from __future__ import annotations

import pytest

from app.security.roles import EVERYTHING, ROLE_CONFIGS, role_grants
from app.views import MENU
from tests.conftest import login


def test_every_registered_view_is_in_the_role_table():
    from app.security.roles import (
        ACCOUNT_AUDIT, ACCOUNTS, ALL_REPORTS, ANNOUNCE, APPS_ACCESS, ARCHIVE, BOARD, BOOK, CALENDAR, CHOOSER, DIARY, FORUM, GRID,
        JOURNAL_AUDIT, JOURNAL_CONTROL, MAIL, MATRIX, MODERATION_LOG, PERSONNEL_DATA, SESSIONS, STAFF_FILES, STAFF_IMPORT,
        STOP_WORDS, STUDENT_IMPORT, THEMATIC, UNLOCKS, YEAR,
    )
    from app.security.roles import BACKUPS, JOBS, MY_CLASS, SPLIT, SUBSTITUTIONS, TIMETABLE, TIMETABLE_IMPORT

    assert {view.__name__ for view, *_ in MENU} == (
        EVERYTHING | ACCOUNTS | MATRIX | GRID | UNLOCKS | JOURNAL_CONTROL | JOURNAL_AUDIT | CALENDAR | THEMATIC
        | STUDENT_IMPORT | STAFF_IMPORT | STAFF_FILES | BOOK | YEAR | ALL_REPORTS | ARCHIVE | DIARY | BOARD | ANNOUNCE
        | MAIL | FORUM | STOP_WORDS | MODERATION_LOG | APPS_ACCESS | ACCOUNT_AUDIT | SESSIONS | CHOOSER | PERSONNEL_DATA
        | TIMETABLE | SUBSTITUTIONS | TIMETABLE_IMPORT | SPLIT | MY_CLASS | BACKUPS | JOBS)
    from app.views.api import APIS
    from app.security.roles import JOURNAL_API, PEOPLE_API, PLANNING_API, STAFF_API

    assert {api.__name__ for api in APIS} == PEOPLE_API | STAFF_API | JOURNAL_API | PLANNING_API


def test_director_reads_everything_and_changes_nothing_but_the_announcements():
    grants = role_grants("Директор")
    assert ("can_list", "MarkView") in grants
    assert {view for perm, view in grants if perm in ("can_add", "can_edit", "can_delete")} == {"AnnouncementView"}


@pytest.mark.parametrize("username,url,allowed", [
    ("teacher", "/studentview/list/", True),
    ("teacher", "/studentview/add", False),
    ("teacher", "/markview/list/", True),
    ("teacher", "/schoolview/edit/1", False),
    ("secretary", "/studentview/add", True),
    ("secretary", "/markview/list/", False),
    ("hr", "/employeeview/add", True),
    ("hr", "/studentview/list/", False),
    ("student", "/studentview/list/", False),
    ("parent", "/guardianview/list/", False),
    ("director", "/markview/list/", True),
    ("director", "/markview/add", False),
])
def test_demo_accounts_reach_only_their_pages(client, username, url, allowed):
    login(client, username)
    response = client.get(url)
    assert (response.status_code == 200) is allowed, (username, url, response.status_code)


def test_role_names_are_russian():
    assert all(any("А" <= ch <= "я" for ch in name) for name in ROLE_CONFIGS)


def test_coordinator_reads_and_prints_the_matrix_but_only_the_system_administrator_changes_it(app, client):
    """Roles are one table for every school of the installation (app/security/accounts.py);
    the system administrator's change: tests/security/test_user_admin.py."""
    import io
    import re

    from pypdf import PdfReader

    login(client, "coordinator")
    page = client.get("/rolematrix/").get_data(as_text=True)
    assert "Редактирование пользователей и выдача паролей" in page
    granted = re.findall(r'name="grant" value="([^"]+)"\s+title="[^"]*"\s+checked', page)
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Секретарь").id
    key = f"{role_id}:users_edit"
    assert key in granted
    response = client.post("/rolematrix/", data={"grant": [g for g in granted if g != key]}, follow_redirects=True)
    assert "Роли общие для всех школ: изменяет их только системный администратор." in response.get_data(as_text=True)
    pdf = client.get("/rolematrix/pdf")
    assert pdf.mimetype == "application/pdf"
    assert "Секретарь" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    client.post("/logout/")

    login(client, "secretary")
    assert "некому" not in client.get("/credentials/").get_data(as_text=True)


def test_teacher_cannot_change_the_matrix(client):
    login(client, "teacher")
    assert client.post("/rolematrix/", data={"grant": []}).status_code != 200
