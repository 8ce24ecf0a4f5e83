"""Parta: the application factory."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as parta_config
from app.extensions import appbuilder, csrf, db, migrate

log = logging.getLogger(__name__)
# FAB warns about every Time column (bells) it cannot offer as a search filter.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked on each connection; WAL for concurrency."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Write-ahead log: readers do not wait for a writer (several gunicorn workers),
        # and a commit needs no full sync of the file (safe against application crashes).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config_object: object | str | None = None) -> Flask:
    """Builds a Parta app; `config_object` defaults to config.Config."""
    app = Flask(__name__, instance_path=str(parta_config.INSTANCE_DIR), instance_relative_config=False)
    # The report pages share their tables with the printed documents (reports/templates/tables/).
    from jinja2 import ChoiceLoader, FileSystemLoader

    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(str(parta_config.BASE_DIR / "reports" / "templates"))])
    app.config.from_object(config_object or parta_config.Config)
    if app.config.get("PARTA_TEMPLATE_CACHE"):  # compiled templates kept across restarts
        from jinja2 import FileSystemBytecodeCache

        cache = Path(app.config["PARTA_TEMPLATE_CACHE"])
        cache.mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache))
    validator = app.config.get("FAB_PASSWORD_COMPLEXITY_VALIDATOR")
    if isinstance(validator, str):  # named in config.py, imported here to avoid a cycle
        from werkzeug.utils import import_string

        app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = import_string(validator)
    engine_options = {**parta_config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
                      **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = parta_config.secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        parta_config.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    from app import models, pipeline  # noqa: F401  (models: register the tables)
    from app import database, i18n
    from app.security import grants, http, scoping

    db.init_app(app)
    from app import jobs, logformat, queue

    logformat.install(app)  # PARTA_LOG_FORMAT=json: structured logs

    queue.init_app(app, jobs.register)  # the task queue, made on first use (app/queue.py)
    csrf.init_app(app)
    if app.config.get("PARTA_BEHIND_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    migrate.init_app(app, db, directory=str(parta_config.BASE_DIR / "migrations"), render_as_batch=True)
    scoping.install()
    database.install(app)  # PostgreSQL: read-only transactions keep their prepared statements
    grants.install()
    pipeline.install()
    http.install(app)
    from app.views import assets

    assets.install(app)  # compression, fingerprinted static files

    with app.app_context():
        # AppBuilder is a module singleton: start each app with a clean registry.
        appbuilder.baseviews = []
        appbuilder.menu = None
        from app.views import PartaIndexView, register_views

        appbuilder.indexview = PartaIndexView
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        i18n.install(app)  # after Flask-Babel's own callables
        from app import health, webapi
        from app.security import sessions

        webapi.install(app)
        health.install(app)
        sessions.install(app)  # sign-in limits and server-side sessions (after every login view exists)

    if app.config.get("PARTA_COUNT_SQL"):
        _count_sql(app)

    from app.cli import register_commands

    register_commands(app)
    if app.config.get("PARTA_WARM_UP") and not _command_line():
        # Beside the worker's start, not before it: gunicorn kills a worker that takes longer
        # than its timeout to start, and requests may come meanwhile (they warm what they use).
        thread = threading.Thread(target=_warm_up, args=(app,), name="parta-warm-up", daemon=True)
        app.extensions["parta_warm_up"] = thread
        thread.start()
    return app


def _command_line() -> bool:
    """Whether the app is made for a `flask …` command (no pages to warm)."""
    import click

    return click.get_current_context(silent=True) is not None


def _warm_up(app: Flask) -> None:
    """What the first visit of a page would otherwise pay for, paid at start: every template
    compiled (kept compiled in instance/ across restarts), the translations read, the mappers
    configured, the roles' permissions read, each role's menus rendered, the sign-in page
    requested once, each role's everyday pages rendered (WARM_PATHS), and the printouts' fonts and engines
    loaded. A worker that cannot reach the database yet still starts (the rest is done on
    first use)."""
    import time

    from flask_babel import get_translations
    from sqlalchemy.orm import configure_mappers

    started = time.perf_counter()
    configure_mappers()
    for name in app.jinja_env.list_templates(extensions=("html",)):
        try:
            app.jinja_env.get_template(name)
        except Exception:  # a template of FAB's that Parta never renders may not compile alone
            log.debug("Template %s not compiled at start", name, exc_info=True)
    with app.test_request_context("/"):
        get_translations()
        try:
            from app.security import grants, sessions
            from app.views import menu_html

            for role_id in grants.by_role(db.session):
                menu_html((role_id,))
            menu_html(None)
            sessions.warm_up()
        except Exception:
            log.warning("Menus not built at start (the database is not reachable?)", exc_info=True)
        finally:
            db.session.remove()
    try:  # one whole request (the sign-in page): every hook and the page's statements once
        app.test_client().get("/login/")
    except Exception:
        log.warning("The sign-in page failed at start", exc_info=True)
    _warm_pages(app)
    with app.app_context():
        try:  # fonts, report templates and both PDF engines: the first printout is not the slow one
            from reports.warm import warm_up as warm_printouts

            warm_printouts()
        except Exception:
            log.warning("Printouts not warmed at start", exc_info=True)
        engine = db.engine
    # A server that forks after this (gunicorn --preload) must not share the connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    log.info("Warmed up in %.1f s", time.perf_counter() - started)


def settle_memory() -> None:
    """For a serving process, once its app is built (run.py): what exists by then lives as long
    as the process, so Python's cycle collector stops walking it (gc.freeze), and it collects
    the young objects every 50,000 allocations instead of 700.
    A journal page allocates some 100,000 objects; with some 300,000 long-lived ones walked
    again and again, the collector had cost ~1.6 ms of each journal page. Not for the tests'
    many apps in one process: what is frozen is never collected."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


# The pages opened every day, rendered at start as a login of each role that may open them, so
# that the first visit after a start finds their statements compiled (SQLAlchemy's cache), the
# modules they import loaded and their database connection's plans made: measured by
# bench/first_visits.py, the first diary after a start had taken 5 times its warm time.
# Each path with the (view, permission) that opens it (None: any login).
WARM_PATHS = (
    ("/", None), ("/journal/", ("JournalGridView", "can_grid")), ("/diary/", ("DiaryView", "can_diary")),
    ("/reports/student/", ("StudentProgressReportView", "can_report")),
    ("/announcements/", ("AnnouncementBoardView", "can_board")), ("/mail/", ("MailView", "can_mail")),
    ("/studentview/list/", ("StudentView", "can_list")), ("/lessonview/list/", ("LessonView", "can_list")),
    ("/markview/list/", ("MarkView", "can_list")), ("/scheduleentryview/list/", ("ScheduleEntryView", "can_list")),
)


def _warm_pages(app: Flask) -> None:
    """Each page of WARM_PATHS rendered once as the first login of each role that may open it
    (one that need not change its password first, if any; read only: no sign-in is made,
    nothing is committed): each role's scope reads through statements of its own."""
    from flask import g
    from sqlalchemy import select

    from app.models import PartaUser
    from app.security import grants

    with app.app_context():
        try:
            roles = dict(grants.by_role(db.session))
        except Exception:
            return
        finally:
            db.session.remove()
    for role_id, pairs in roles.items():
        user_id = None
        for path, needed in WARM_PATHS:
            if needed is not None and needed not in pairs:
                continue
            with app.test_request_context(path):
                try:
                    # a login that must change its issued password would be sent to the change form
                    user = db.session.scalar(select(PartaUser).where(
                        PartaUser.active.is_(True), PartaUser.roles.any(id=role_id))
                        .order_by(PartaUser.must_change_password, PartaUser.id).limit(1),
                        execution_options={"parta_unscoped": True}) if user_id is None else \
                        db.session.get(PartaUser, user_id, execution_options={"parta_unscoped": True})
                    if user is None:
                        break
                    user_id = user.id
                    g._login_user = g.user = user  # as Flask-Login and FAB keep the request's login
                    g.parta_session_row = None
                    app.full_dispatch_request()
                except Exception:
                    log.debug("Page %s of role %s not warmed", path, role_id, exc_info=True)
                finally:
                    db.session.rollback()
                    db.session.remove()


def _count_sql(app: Flask) -> None:
    """Benchmarks only (PARTA_COUNT_SQL=1): each response says how many SQL
    statements its request ran, in the X-Parta-SQL-Statements header."""
    from flask import g, has_request_context

    with app.app_context():
        engine = db.engine

    counting = threading.Lock()  # a request's read in a thread of its own (the averages beside a save) counts too

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany) -> None:
        if has_request_context():
            with counting:
                g.parta_sql_statements = g.get("parta_sql_statements", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-Parta-SQL-Statements"] = str(g.get("parta_sql_statements", 0))
        return response
