"""«Резервные копии» (app/views/backups.py): the installation's administrator makes, verifies and
downloads backups of the whole database; a school's administrator neither sees nor opens it."""
from __future__ import annotations

import hashlib

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.security.account_fixtures import PASSWORD, make_login, remove_logins


@pytest.fixture()
def root(copy_app, tmp_path):
    copy_app.config["PARTA_BACKUP_DIR"] = str(tmp_path / "backups")
    user = make_login(copy_app, "root", ["Администратор"])
    client = copy_app.test_client()
    assert client.post("/login/", data={"username": user.username, "password": PASSWORD}).status_code == 302
    yield client
    remove_logins(copy_app, user.id)


def test_the_system_administrator_backs_up_verifies_and_downloads_from_the_page(root, copy_app, tmp_path):
    page = root.get("/backups/").get_data(as_text=True)
    assert "Резервные копии" in page and "Резервных копий пока нет." in page
    made = root.post("/backups/create", follow_redirects=True).get_data(as_text=True)
    assert 'id="backup-list"' in made and "Резервная копия" in made and "Таблиц:" in made
    [stored] = [p for p in (tmp_path / "backups").iterdir() if not p.name.endswith(".manifest.json")]
    verified = root.post(f"/backups/verify/{stored.name}", follow_redirects=True).get_data(as_text=True)
    assert "всё как в описании" in verified
    download = root.get(f"/backups/download/{stored.name}")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == hashlib.sha256(stored.read_bytes()).hexdigest()


def test_only_files_of_the_backup_folder_are_offered(root):
    assert root.get("/backups/download/..%2F..%2Fsecret_key").status_code == 404
    assert root.post("/backups/verify/parta-20260101-000000.sqlite3").status_code == 404


def test_a_school_administrator_neither_sees_nor_opens_the_backups(copy_app, root):
    admin = copy_app.test_client()
    assert admin.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    assert "Резервные копии" not in admin.get("/").get_data(as_text=True)
    assert admin.get("/backups/").status_code == 403
    assert admin.post("/backups/create").status_code == 403
    assert "Резервные копии" in root.get("/").get_data(as_text=True)
