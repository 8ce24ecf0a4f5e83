"""Parta settings. Every secret and URL comes from the environment."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PARTA_INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key() -> str:
    """The key from PARTA_SECRET_KEY, or one generated once into instance/."""
    key = os.environ.get("PARTA_SECRET_KEY")
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    SECRET_KEY = None  # filled by create_app() from _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "PARTA_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'parta.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    APP_NAME = "Парта"
    APP_THEME = ""
    FAB_BASE_TEMPLATE = "parta/base.html"
    FAB_CREATE_DB = False  # Alembic owns the schema
    # Permissions are written by `flask sync-roles` at deploy, not by every worker at start.
    FAB_UPDATE_PERMS = os.environ.get("FAB_UPDATE_PERMS", "False") == "True"
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.PartaSecurityManager"
    FAB_SAFE_REDIRECT_HOSTS = [
        h for h in os.environ.get("PARTA_SAFE_REDIRECT_HOSTS", "127.0.0.1,localhost").split(",") if h
    ]
    FAB_ADD_SECURITY_VIEWS = True
    FAB_API_SWAGGER_UI = True
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Администратор"
    AUTH_ROLE_PUBLIC = "Public"

    # Start-up (app/__init__.py _warm_up, in a thread beside the worker's start): templates
    # compiled, translations, rights, menus and each role's home page read before the first
    # visits; compiled templates kept in instance/ across restarts.
    PARTA_WARM_UP = os.environ.get("PARTA_WARM_UP", "1") == "1"
    PARTA_TEMPLATE_CACHE = os.environ.get("PARTA_TEMPLATE_CACHE", str(INSTANCE_DIR / "templates-compiled"))

    # Benchmarks: report each request's SQL statements in a response header.
    PARTA_COUNT_SQL = os.environ.get("PARTA_COUNT_SQL", "") == "1"

    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PARTA_TIMEZONE", "Europe/Moscow")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {"ru": {"flag": "ru", "name": "Русский"}}

    # Idle sessions end after PARTA_SESSION_MINUTES without a request.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("PARTA_SESSION_MINUTES", "60")))
    # The cookie is sent again when the session changes or its server-side row is touched (once a
    # minute, app/security/sessions.py), not with every answer: signing it cost every page.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_SECURE = os.environ.get("PARTA_HTTPS", "") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PARTA_BEHIND_PROXY = os.environ.get("PARTA_BEHIND_PROXY", "") == "1"
    # Sign-in limits (app/security/login_limits.py): failed sign-ins per address, one
    # counter for the form, the REST API and the NetSchool API, and the per-login backoff
    # of app/rules/login.py. Parta sets the limit itself on all three, so FAB's own limit
    # on the form's blueprint (which would also count logouts) stays off.
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = os.environ.get("PARTA_RATELIMIT", "1") == "1"
    PARTA_LOGIN_RATE_LIMIT = os.environ.get("PARTA_LOGIN_RATE_LIMIT", "20 per minute")
    AUTH_RATE_LIMIT = PARTA_LOGIN_RATE_LIMIT
    # memory:// is per process; several gunicorn workers (or servers) need a shared store:
    # PARTA_RATELIMIT_STORAGE=redis://127.0.0.1:6379 (README, Production).
    RATELIMIT_STORAGE_URI = os.environ.get("PARTA_RATELIMIT_STORAGE", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("PARTA_RATELIMIT_PREFIX", "parta")  # several sites on one Redis
    RATELIMIT_STRATEGY = "moving-window"  # exact: no burst of twice the limit across a window's edge
    # Redis unreachable: count in each worker's memory meanwhile instead of refusing every sign-in.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = "app.security.passwords.validate_password"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True

    PARTA_DEMO_PASSWORD = os.environ.get("PARTA_DEMO_PASSWORD", "demo")

    # Background print jobs (the year-end archive): processes that render PDFs (default: up to 2 cores).
    PARTA_REPORT_WORKERS = int(os.environ.get("PARTA_REPORT_WORKERS", "0")) or None
    PARTA_JOBS_INLINE = False  # tests: a job runs to its end inside the request that starts it
    # The task queue (app/queue.py): sqlite:///… (default instance/queue.sqlite3), redis://… for
    # several servers; its name separates sites sharing one Redis. The jobs' lease, retries and
    # schedules are read by app/jobs.py (PARTA_JOB_*, PARTA_SCHEDULE_*; README, Production).
    PARTA_QUEUE_URL = os.environ.get("PARTA_QUEUE_URL") or None
    # Logs (app/logformat.py): "json" for one JSON object per line; the level of the root logger.
    PARTA_LOG_FORMAT = os.environ.get("PARTA_LOG_FORMAT", "")
    PARTA_LOG_LEVEL = os.environ.get("PARTA_LOG_LEVEL", "INFO")
    # GET /health shows its figures to loopback and to a monitor sending this token (X-Health-Token).
    PARTA_HEALTH_TOKEN = os.environ.get("PARTA_HEALTH_TOKEN") or None
    PARTA_QUEUE_NAME = os.environ.get("PARTA_QUEUE_NAME") or "parta"
    PARTA_JOB_LEASE = int(os.environ.get("PARTA_JOB_LEASE") or 60)  # seconds a running job's worker may be silent
    PARTA_JOB_RETRIES = int(os.environ.get("PARTA_JOB_RETRIES") or 2)
    PARTA_JOB_RETRY_DELAY = int(os.environ.get("PARTA_JOB_RETRY_DELAY") or 30)
    # Schedules, five crontab fields in the school's time zone; "" turns one off.
    PARTA_SCHEDULE_SUMMARY_SHEETS = os.environ.get("PARTA_SCHEDULE_SUMMARY_SHEETS", "30 6 * * *")
    PARTA_SCHEDULE_PURGE = os.environ.get("PARTA_SCHEDULE_PURGE", "15 3 * * *")  # expired NetSchool API sessions
    PARTA_SCHEDULE_BACKUP = os.environ.get("PARTA_SCHEDULE_BACKUP", "0 2 * * *")
    # Backups (app/backup.py): where they go, the optional Fernet key that encrypts them, and how
    # many of the newest daily, weekly and monthly ones are kept.
    PARTA_BACKUP_DIR = os.environ.get("PARTA_BACKUP_DIR") or str(INSTANCE_DIR / "backups")
    PARTA_BACKUP_KEY = os.environ.get("PARTA_BACKUP_KEY") or None
    PARTA_BACKUP_KEEP = os.environ.get("PARTA_BACKUP_KEEP") or "7,4,12"
    # The first visit of the summary sheets after a period has ended forms its sheets (besides
    # `flask form-summary-sheets` from cron); off where only cron should do it.
    PARTA_SHEETS_ON_VISIT = os.environ.get("PARTA_SHEETS_ON_VISIT", "1") == "1"
    # The NetSchool-compatible API (/webapi/): a token lives this long after its last use.
    PARTA_WEBAPI_SESSION_MINUTES = int(os.environ.get("PARTA_WEBAPI_SESSION_MINUTES", "45"))


class TestConfig(Config):
    TESTING = True
    PARTA_WARM_UP = False  # an app per test module: the first use pays instead
    PARTA_TEMPLATE_CACHE = None
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "parta-tests-only-key-never-used-in-production"
    RATELIMIT_ENABLED = False  # the suite logs in hundreds of times from one address
    PARTA_JOBS_INLINE = True
    PARTA_QUEUE_URL = "memory://"  # tests of the queue itself name a file or Redis (tests/jobs/)
    PARTA_REPORT_WORKERS = 1
    PARTA_SHEETS_ON_VISIT = False  # forming inline takes seconds; tests/views/test_reports.py switches it on
    SQLALCHEMY_DATABASE_URI = os.environ.get("PARTA_TEST_DATABASE_URL", "sqlite://")


def engine_options(uri: str) -> dict:
    """SQLAlchemy engine options for the database URL. PostgreSQL (psycopg 3): a pool sized
    for one worker's threads (PARTA_DB_POOL_SIZE, 5 by default, up to as many again in a
    burst; the server's max_connections must cover workers × (pool + overflow)), connections
    renewed after half an hour, and server-side prepared statements for the statements a
    connection has run PARTA_DB_PREPARE_THRESHOLD times (psycopg's default is 5; 0: never —
    behind PgBouncer in transaction mode), planned once for any parameters
    (PARTA_DB_PLAN_CACHE_MODE, force_generic_plan by default: PostgreSQL would otherwise plan
    again at every execution a statement whose ids come as one array; empty: the server's
    setting). The pool hands out the connection used last, whose statements are prepared."""
    if not uri.startswith("postgresql"):
        return {}
    options: dict = {
        "pool_size": int(os.environ.get("PARTA_DB_POOL_SIZE", "5")),
        "max_overflow": int(os.environ.get("PARTA_DB_MAX_OVERFLOW", "5")),
        "pool_recycle": 1800,
        "pool_use_lifo": True,
    }
    if uri.startswith("postgresql+psycopg:"):
        threshold = int(os.environ.get("PARTA_DB_PREPARE_THRESHOLD", "2"))
        options["connect_args"] = {"prepare_threshold": threshold or None}
        plan_cache_mode = os.environ.get("PARTA_DB_PLAN_CACHE_MODE", "force_generic_plan")
        if plan_cache_mode and threshold:
            options["connect_args"]["options"] = f"-c plan_cache_mode={plan_cache_mode}"
    return options


def secret_key() -> str:
    return _secret_key()
