"""Test set-up: a migrated database per test process (SQLite, or PostgreSQL when
PARTA_TEST_DATABASE_URL names a server), holding the demo school seeded on the school's
date (PARTA_TODAY fixes it, app/clock.py).

The demo is seeded once per run into a template and copied for each process and each
`copy_app` module (a SQLite file copy, PostgreSQL `CREATE DATABASE … TEMPLATE …`), so that
pytest-xdist workers (`-n 2`) and the modules that change the demo for good do not seed
it again. `--test-order=reverse|random|random:SEED` runs the modules (and the tests inside
each) in another order, to find tests that depend on each other's leftovers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import os
import random
import re
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import config
from app import create_app
from app.extensions import db

DEMO_PASSWORD = "demo"

# The pages count days in the school's time zone; run the tests in that zone too, so that
# times written by the tests and read by the pages agree at any hour of the day.
os.environ["TZ"] = config.Config.BABEL_DEFAULT_TIMEZONE
time.tzset()

RUN_ID = "PARTA_TEST_RUN"              # one id per pytest run, shared by its xdist workers
RESOLVED_ORDER = "PARTA_TEST_ORDER_RESOLVED"  # the order with its seed, shared by the workers


def school_today() -> dt.date:
    """The school's date for the tests: PARTA_TODAY when set, else today in the school's zone."""
    from app.clock import school_today as today

    return today()


# ---------------------------------------------------------------------------
# Options, markers, the run's header and the order of the tests
# ---------------------------------------------------------------------------

def pytest_addoption(parser):
    parser.addoption(
        "--test-order", default=os.environ.get("PARTA_TEST_ORDER", ""),
        help="reverse | random | random:SEED — run the modules, and the tests inside each, in another order "
             "(also PARTA_TEST_ORDER)")


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if not _is_worker(config):
        # Set before xdist starts its workers, which inherit the environment.
        os.environ.setdefault(RUN_ID, uuid.uuid4().hex[:10])
        order = config.getoption("--test-order") or ""
        if order == "random":
            order = f"random:{random.randrange(10**6)}"
        os.environ[RESOLVED_ORDER] = order
    from app.clock import fixed_today

    fixed_today()  # a malformed PARTA_TODAY stops the run here, not in every test


def pytest_report_header(config):
    from app.clock import fixed_today

    fixed = fixed_today()
    day = f"{fixed.isoformat()} (PARTA_TODAY)" if fixed else f"{school_today().isoformat()} (the real date)"
    engine = "PostgreSQL" if os.environ.get("PARTA_TEST_DATABASE_URL") else "SQLite"
    order = os.environ.get(RESOLVED_ORDER) or "as written"
    return [f"parta: school date {day}; database {engine}; test order {order}"]


# The tests whose outcome depends on the school's date (the journal, locks, calendar, reports,
# movement, year closing, diary, …): `make test` runs them on each fixed date (TEST_DATES) instead
# of the real one on SQLite (PostgreSQL runs them on the real date). Listed here by path; a test
# elsewhere says so with @pytest.mark.dates (tests/views/test_crud.py marks its journal views).
# Not listed: the report school of tests/reports/ and tests/views/test_reports.py (a past year,
# 2025/2026, complete on any date), tests/pipeline/ but its references test (it fixes its own
# date, 20.11.2026), and the tests of ONCE.
DATE_SENSITIVE = (
    "tests/test_demo.py",
    "tests/test_translations.py::test_home_page_shows_the_school_today",
    "tests/pipeline/test_references.py",  # the rest of tests/pipeline lives on a date of its own
    "tests/reports/test_movement_reports.py",
    "tests/views/test_calendar.py",
    "tests/views/test_diary.py",
    "tests/views/test_grid.py",
    "tests/views/test_journal_api.py",
    "tests/views/test_journal_control.py",
    "tests/views/test_journal_locks.py",
    "tests/views/test_missing_period_marks.py",
    "tests/views/test_movement.py",
    "tests/views/test_teacher_day.py",
    "tests/views/test_thematic.py",
    "tests/views/test_unlock_closing.py",
    "tests/views/test_webapi.py",
    "tests/views/test_year_closing.py",
)
# The tests whose subject lies outside the database engine — Chromium driving the pages, the
# sign-in counters in Redis across gunicorn workers, gunicorn's download headers, where the words of
# a printed report fall on the page, generated REST
# requests (PostgreSQL's stricter types find more), the NetSchool client library (its server side is
# tests/views/test_webapi.py, on every date), the role × page table (which pages a role's
# permissions open: FAB's and Parta's rights, read alike on both engines; the scoping of what a
# page then shows is tested on both, tests/security/), the demo's rows through the pipeline's checks
# (the same rows and the same checks on both engines; the pipeline's own tests run on both), the task
# queue with its worker —
# marker `once`: `make test` runs them on PostgreSQL only (and on SQLite when no PostgreSQL server
# is given); ONCE_ON_SQLITE on SQLite only.
ONCE = (
    "tests/browser/",
    "tests/security/test_rate_limits.py",
    "tests/views/test_downloads_under_gunicorn.py",
    "tests/api/test_schemathesis.py",
    "tests/security/test_access_table.py",
    "tests/test_demo_pipeline.py",
    "tests/jobs/test_queue.py",  # the queue's own storages (SQLite file, Redis) and a worker process; the claim's SQL also runs inline on both engines
)
# Likewise outside the engine, but run by the SQLite run of the real date (marker `once_sqlite`): the
# PostgreSQL run is the longer one, and `make test` ends with it.
ONCE_ON_SQLITE = (
    "tests/compat/",
    "tests/reports/test_pdf_layout.py",  # xhtml2pdf's layout of the printed reports, read back with pdfplumber
)


@pytest.hookimpl(tryfirst=True)  # before `-m dates` deselects
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if item.nodeid.startswith(DATE_SENSITIVE):
            item.add_marker(pytest.mark.dates)
        if item.nodeid.startswith(ONCE):
            item.add_marker(pytest.mark.once)
        if item.nodeid.startswith(ONCE_ON_SQLITE):
            item.add_marker(pytest.mark.once_sqlite)
    order = os.environ.get(RESOLVED_ORDER, "")
    if not order:
        return
    modules: dict[str, list] = {}
    for item in items:  # module by module, so that module fixtures are still made once
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    groups = list(modules.values())
    if order == "reverse":
        groups = [list(reversed(g)) for g in reversed(groups)]
    elif order.startswith("random:"):
        rng = random.Random(int(order.split(":", 1)[1]))
        rng.shuffle(groups)
        for group in groups:
            rng.shuffle(group)
    else:
        raise pytest.UsageError(f"--test-order must be reverse, random or random:SEED, not {order!r}")
    items[:] = [item for group in groups for item in group]


# ---------------------------------------------------------------------------
# Databases: one per test process, copied from a template seeded once per run
# ---------------------------------------------------------------------------

def _server() -> Optional[str]:
    return os.environ.get("PARTA_TEST_DATABASE_URL") or None


def _run_id() -> str:
    return os.environ.setdefault(RUN_ID, uuid.uuid4().hex[:10])


def _shared_dir(tmp_path_factory) -> Path:
    """A folder all processes of this run see (xdist gives each worker a folder below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _exclusive(path: Path):
    """One process at a time (the others wait): the first one builds a template."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin_engine():
    # In CI an unreachable server must fail the run, not skip it: no try/except here.
    return create_engine(make_url(_server()), isolation_level="AUTOCOMMIT")


def _template_name(kind: str) -> str:
    return f"parta_tpl_{_run_id()}_{kind}"


def _create_database(name: str, template: Optional[str] = None) -> str:
    admin = _admin_engine()
    clause = f' TEMPLATE "{template}"' if template else ""
    try:
        for attempt in range(20):
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
                break
            except Exception as error:  # the template is briefly busy while another copy starts
                if "is being accessed by other users" not in str(error) or attempt == 19:
                    raise
                time.sleep(0.5)
    finally:
        admin.dispose()
    return _without_waiting_for_the_disk(make_url(_server()).set(database=name)).render_as_string(hide_password=False)


def _without_waiting_for_the_disk(url):
    """The tests' connections commit without waiting for PostgreSQL to flush its log to disk
    (synchronous_commit=off: a crash of the server may lose the last commits, never corrupts;
    what a transaction sees and when it is refused do not change): a commit costs ~0.5 ms
    instead of ~7, and the suite commits tens of thousands of times."""
    options = " ".join(filter(None, [url.query.get("options"), "-c synchronous_commit=off"]))
    return url.update_query_dict({"options": options})


def _drop_database(name: str) -> None:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _fresh_database(tmp_dir: Path) -> tuple[str, Optional[Callable[[], None]]]:
    """An empty database: (url, drop or None)."""
    if not _server():
        return f"sqlite:///{tmp_dir / 'parta_test.db'}", None
    name = f"parta_test_{uuid.uuid4().hex[:10]}"
    return _create_database(name), lambda: _drop_database(name)


def _copy_of_template(template: str, tmp_dir: Path) -> tuple[str, Optional[Callable[[], None]]]:
    """A copy of a template database: (url, drop or None)."""
    if not _server():
        target = tmp_dir / "parta_test.db"
        source, copy = sqlite3.connect(template), sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent whatever the journal mode (the app uses WAL)
        finally:
            source.close()
            copy.close()
        return f"sqlite:///{target}", None
    name = f"parta_test_{uuid.uuid4().hex[:10]}"
    return _create_database(name, template=template), lambda: _drop_database(name)


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _template(tmp_path_factory, kind: str, build: Callable[[str], object]) -> tuple[str, object]:
    """The template database of `kind` for this run, built by `build(url)` in the first
    process that asks; (its SQLite path or PostgreSQL name, what `build` returned, as JSON)."""
    shared = _shared_dir(tmp_path_factory)
    done = shared / f"template-{kind}.json"
    with _exclusive(shared / f"template-{kind}.lock"):
        if not done.exists():
            if _server():
                name = _template_name(kind)
                _drop_database(name)
                url = _create_database(name)
                location = name
            else:
                location = str(shared / f"template-{kind}.db")
                url = f"sqlite:///{location}"
            info = build(url)
            done.write_text(json.dumps({"location": location, "info": info}))
        saved = json.loads(done.read_text())
    return saved["location"], saved["info"]


def pytest_unconfigure(config):
    """The run's PostgreSQL templates go when the run ends (the controller drops them)."""
    if _is_worker(config) or not _server() or RUN_ID not in os.environ:
        return
    for kind in ("demo", "reports"):
        try:
            _drop_database(_template_name(kind))
        except Exception as error:  # never hide the run's own result behind a clean-up error
            print(f"parta: could not drop the template database {_template_name(kind)}: {error}")


# Password hashes: FAB's default (scrypt) costs ~0.1 s of CPU per check, and the suite signs in and
# issues passwords thousands of times; the tests keep the same code path with a cheap method.
# Production keeps FAB's default (config.py).
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class _TestConfig(config.TestConfig):
    PARTA_DEMO_PASSWORD = DEMO_PASSWORD
    FAB_PASSWORD_HASH_METHOD = TEST_PASSWORD_HASH_METHOD
    # the hash FAB checks for an unknown login, to take as long as a known one
    AUTH_DB_FAKE_PASSWORD_HASH_CHECK = (
        "pbkdf2:sha256:1000$parta-tests$9c1a1c2b0e0b8f7f0d3ab3e9c3d4f4e0f2b6f1c0a7a2a0c5b6e1d2c3b4a59687")


def _app_on(url: str, **settings):
    values = {"SQLALCHEMY_DATABASE_URI": url, **settings}
    return create_app(type("Config", (_TestConfig,), values))


def _build_demo(url: str) -> dict:
    """Migrates an empty database, writes the roles and seeds the demo school (on the school's date)."""
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from demo import seed_demo

    application = _app_on(url)
    with application.app_context():
        upgrade()
        sync_permissions_and_roles()
        seed_demo()
    _dispose(application)
    return {"seeded_on": school_today().isoformat()}


def demo_app(url: str):
    """A Parta app on a database built by the migrations from empty, with the demo school."""
    _build_demo(url)
    return _app_on(url)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> str:
    location, _ = _template(tmp_path_factory, "demo", _build_demo)
    return location


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, demo_template) -> Iterator[str]:
    """This process's database: a copy of the demo template."""
    url, drop = _copy_of_template(demo_template, tmp_path_factory.mktemp("db"))
    yield url
    if drop:
        drop()


@pytest.fixture(scope="module")
def copy_app(tmp_path_factory, demo_template):
    """A separate copy of the demo school, for tests that change it for good (closing the year)."""
    url, drop = _copy_of_template(demo_template, tmp_path_factory.mktemp("copy"))
    application = _app_on(url)
    yield application
    _dispose(application)
    if drop:
        drop()


@pytest.fixture(scope="session")
def app(database_url):
    """The app on this process's copy of the demo school."""
    application = _app_on(database_url)
    yield application
    _dispose(application)


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


@pytest.fixture()
def postgresql(app):
    """Skips a test of PostgreSQL itself (its planner, psycopg's prepared statements) when the
    suite runs on SQLite; PARTA_TEST_DATABASE_URL runs it."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a test of PostgreSQL itself (PARTA_TEST_DATABASE_URL)")


def is_session_touch(statement: str) -> bool:
    """The sign-in's write of last_seen_at (app/security/sessions.py): at most once a minute, on a
    connection of its own, in whichever request comes a minute after the last write. Tests that
    count a page's statements leave it out: on a loaded machine a minute passed between a test's
    sign-in and its counted request, and the count came out one higher."""
    return statement.lstrip()[:20].upper().startswith("UPDATE USER_SESSION")


def flashes(html: str) -> list[str]:
    """The texts of the flash messages on a page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [re.sub(r"<[^>]+>|&times;|\s+", " ", f).strip() for f in found]


def unique(prefix: str = "Тест") -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


# The summary sheets of ended periods are formed on the first visit in the report tests.
REPORT_SETTINGS = {"PARTA_SHEETS_ON_VISIT": True}


def _build_reports(url: str) -> dict:
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from tests.reports.report_school import build

    application = _app_on(url, **REPORT_SETTINGS)
    with application.app_context():
        upgrade()
        sync_permissions_and_roles()
        school = build(application.appbuilder.sm)
        db.session.remove()
    _dispose(application)
    return dataclasses.asdict(school)


@pytest.fixture(scope="session")
def report_app(tmp_path_factory):
    """An app on a database of its own holding only the small hand-built school of
    tests/reports/report_school.py: (app, ReportSchool)."""
    from tests.reports.report_school import ReportSchool

    location, info = _template(tmp_path_factory, "reports", _build_reports)
    url, drop = _copy_of_template(location, tmp_path_factory.mktemp("reports"))
    application = _app_on(url, **REPORT_SETTINGS)
    yield application, ReportSchool(**info)
    _dispose(application)
    if drop:
        drop()
