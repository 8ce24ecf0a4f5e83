"""Test set-up: one migrated database per run (SQLite, or PostgreSQL when
PARTA_TEST_DATABASE_URL names a server), with the demo school seeded."""
from __future__ import annotations

import os
import re
import time
import uuid
from typing import Callable, Iterator, Optional

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import config
from app import create_app
from app.extensions import db

DEMO_PASSWORD = "demo"

# The tests compare with dt.date.today(); the pages count days in the school's time
# zone. Run the tests in that zone, so that the two agree at any hour of the day.
os.environ["TZ"] = config.Config.BABEL_DEFAULT_TIMEZONE
time.tzset()


def _fresh_database(tmp_dir) -> tuple[str, Optional[Callable[[], None]]]:
    server = os.environ.get("PARTA_TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp_dir / 'parta_test.db'}", None
    # In CI an unreachable server must fail the run, not skip it: no try/except here.
    url = make_url(server)
    name = f"parta_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url, drop = _fresh_database(tmp_path_factory.mktemp("db"))
    yield url
    if drop:
        drop()


def demo_app(url: str):
    """A Parta app on a database built by the migrations from empty, with the demo school."""
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from app.demo import seed_demo

    class Config(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        PARTA_DEMO_PASSWORD = DEMO_PASSWORD

    application = create_app(Config)
    with application.app_context():
        upgrade()
        sync_permissions_and_roles()
        seed_demo()
        db.session.remove()
    return application


@pytest.fixture(scope="module")
def copy_app(tmp_path_factory):
    """A separate copy of the demo school, for tests that change it for good (closing the year)."""
    url, drop = _fresh_database(tmp_path_factory.mktemp("copy"))
    application = demo_app(url)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture(scope="session")
def app(database_url):
    """The app on a database built by the migrations from empty, with the demo school."""
    application = demo_app(database_url)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


def login(client, username: str, password: str = DEMO_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture()
def admin_client(client):
    return login(client, "admin")


def flashes(html: str) -> list[str]:
    """The texts of the flash messages on a page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [re.sub(r"<[^>]+>|&times;|\s+", " ", f).strip() for f in found]


def unique(prefix: str = "Тест") -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def report_app(tmp_path_factory):
    """An app on a database of its own holding only the small hand-built school of
    tests/reports/report_school.py: (app, ReportSchool)."""
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from tests.reports.report_school import build

    url, drop = _fresh_database(tmp_path_factory.mktemp("reports"))

    class Config(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        PARTA_SHEETS_ON_VISIT = True  # the summary sheets of ended periods are formed on the first visit

    application = create_app(Config)
    with application.app_context():
        upgrade()
        sync_permissions_and_roles()
        school = build(application.appbuilder.sm)
        db.session.remove()
    yield application, school
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()
