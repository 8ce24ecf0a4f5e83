"""The application factory and its settings."""
from __future__ import annotations

import re
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parent.parent


def test_factory_builds_a_russian_app(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ru"
    assert app.config["APP_NAME"] == "Парта"
    assert app.config["FAB_CREATE_DB"] is False


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PARTA_SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.secret_key()
    assert len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert config.secret_key() == first


def test_secret_key_from_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setenv("PARTA_SECRET_KEY", "from-the-environment")
    assert config.secret_key() == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_no_secret_key_constant_in_the_code():
    text = (ROOT / "config.py").read_text()
    assert not re.search(r"SECRET_KEY\s*=\s*['\"](?!parta-tests)", text)


def test_rules_do_not_import_flask():
    for path in (ROOT / "app/rules").glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+(flask|app\.(views|security|models))", source, re.M), path.name


def test_sqlite_enforces_foreign_keys(app_ctx):
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_times_are_shown_in_the_schools_time_zone(app):
    import datetime as dt

    from app.views.base import format_datetime

    with app.test_request_context():
        assert format_datetime(dt.datetime(2026, 11, 23, 2, 8)) == "23.11.2026 05:08"  # Europe/Moscow, UTC+3


def test_the_warm_up_at_start_compiles_the_templates_and_builds_every_roles_menus(database_url):
    """What the first visit after a start would pay (templates, translations, rights, menus)
    is paid by create_app when PARTA_WARM_UP is on (off in the other tests)."""
    from app.extensions import db
    from app.security import grants
    from app.views import _menus
    from tests.conftest import _app_on, _dispose

    _menus.clear()
    grants.forget()
    application = _app_on(database_url, PARTA_WARM_UP=True)
    application.extensions["parta_warm_up"].join(timeout=300)
    try:
        cache = application.jinja_env.cache
        assert any(key[1] == "parta/index.html" for key in cache.keys())
        assert any(key[1] == "appbuilder/general/security/login_db.html" for key in cache.keys())
        with application.app_context():
            assert len(_menus) >= len(grants.by_role(db.session))
    finally:
        _dispose(application)


def _compiled_by_visit(application, client, path: str) -> tuple:
    """(status, the statements SQLAlchemy compiled) of one request: a warmed page compiles none."""
    from sqlalchemy import event
    from sqlalchemy.engine.default import CACHE_MISS

    from app.extensions import db

    with application.app_context():
        engine = db.engine
    compiled = []

    def listener(_conn, _cursor, statement, _parameters, context, _many):
        if context.cache_hit is CACHE_MISS:
            compiled.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        return client.get(path).status_code, compiled
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_after_the_warm_up_the_first_visit_of_an_everyday_page_compiles_no_statement(database_url):
    """A user right after a start finds the everyday pages' statements compiled by the warm-up
    (each role's WARM_PATHS, and the sign-in's own statement), not waiting for them."""
    from tests.conftest import _app_on, _dispose, login

    application = _app_on(database_url, PARTA_WARM_UP=True)
    application.extensions["parta_warm_up"].join(timeout=300)
    try:
        for username, path in (("parent", "/diary/"), ("parent", "/announcements/"), ("teacher", "/journal/"),
                               ("teacher", "/"), ("student", "/diary/"), ("coordinator", "/reports/student/"),
                               ("admin", "/markview/list/"), ("admin", "/studentview/list/")):
            status, compiled = _compiled_by_visit(application, login(application.test_client(), username), path)
            assert status == 200, (username, path)
            assert compiled == [], (username, path, [s[:200] for s in compiled])
    finally:
        _dispose(application)


def test_the_warm_up_takes_a_login_that_need_not_change_its_password_first(database_url):
    """A role whose first login still has its issued password (sent to the change form on any
    page) is warmed as another of its logins: the teacher role's first login waits for a new
    password, and the class teacher's first journal page still compiles no statement."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import PartaUser
    from tests.conftest import _app_on, _dispose, login

    application = _app_on(database_url, PARTA_WARM_UP=False)
    with application.app_context():
        db.session.execute(update(PartaUser).where(PartaUser.username == "teacher").values(must_change_password=True))
        db.session.commit()
    _dispose(application)
    try:
        application = _app_on(database_url, PARTA_WARM_UP=True)
        application.extensions["parta_warm_up"].join(timeout=300)
        status, compiled = _compiled_by_visit(application, login(application.test_client(), "classteacher"), "/journal/")
        assert status == 200
        assert compiled == [], [s[:200] for s in compiled]
        _dispose(application)
    finally:
        application = _app_on(database_url, PARTA_WARM_UP=False)
        with application.app_context():
            db.session.execute(update(PartaUser).where(PartaUser.username == "teacher").values(must_change_password=False))
            db.session.commit()
            assert db.session.scalar(select(PartaUser.must_change_password).where(PartaUser.username == "teacher")) is False
        _dispose(application)
