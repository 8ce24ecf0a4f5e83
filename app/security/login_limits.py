"""Limits on signing in, the same for the form, the REST API and the NetSchool API,
and kept where all workers see them.

Two limits (the reasons are in app/rules/login.py):

- per address: at most PARTA_LOGIN_RATE_LIMIT (default 20 a minute) *failed* sign-ins
  from one address, one counter shared by `POST /login/`, `POST /api/v1/security/login`
  and `POST /webapi/login`; past it they answer 429. Only failures count, so a school
  behind one NAT address can sign a whole class in at the start of a lesson, while
  guessing one password across many logins stops after 20 tries a minute.
- per login and place: after five wrong passwords for a login from one address, each
  further one makes the next attempt from there wait twice as long (1 minute up to an
  hour). A browser that has signed in to that login before carries a signed cookie
  saying so (by a keyed hash of the login) and counts on its own, so the teacher's own
  browser is not held back by someone guessing from the same school network.

Both counters live in Flask-Limiter's storage, PARTA_RATELIMIT_STORAGE. In memory (the
default) they are per process: right for `python run.py` or one gunicorn worker. With
several workers or servers they must share Redis (`redis://host:6379`), or a worker that
has not seen the failures lets the next ones through. If Redis cannot be reached, each
process counts on its own meanwhile (and logs it): signing in goes on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from typing import Optional

from flask import Flask, after_this_request, current_app, g, has_request_context, jsonify, request
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer
from limits.storage import MemoryStorage, storage_from_string

from app.clock import utcnow
from app.rules import login as rules

# The endpoints that check a password: one per-address counter for all of them.
LOGIN_ENDPOINTS = ("PartaAuthDBView.login", "SecurityApi.login", "webapi.login")
SHARED_SCOPE = "parta-login"
DEVICE_COOKIE = "parta_device"
DEVICE_LOGINS = 10  # a shared classroom computer remembers the last ten logins signed in on it

log = logging.getLogger(__name__)


class Counters:
    """The backoff's counters in the shared storage. While that cannot be reached (Redis
    down), this process counts in its own memory: signing in goes on, held back as with a
    single worker, rather than failing for everyone at the first bell."""

    RETRY_AFTER = 30  # seconds without trying the shared storage after it failed

    def __init__(self, uri: str, options: dict):
        self.shared = storage_from_string(uri, **options)
        self.local = MemoryStorage()
        self.down_until = 0.0

    def _call(self, method: str, *args):
        if time.monotonic() >= self.down_until:
            try:
                return getattr(self.shared, method)(*args)
            except Exception:  # each storage raises its own driver's errors
                self.down_until = time.monotonic() + self.RETRY_AFTER
                log.warning("the sign-in counters' storage cannot be reached; counting in this process", exc_info=True)
        return getattr(self.local, method)(*args)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def incr(self, key: str, expiry: int) -> int:
        return self._call("incr", key, expiry)

    def clear(self, key: str) -> None:
        self._call("clear", key)


def _storage() -> Counters:
    return current_app.extensions["parta_login_limits"]


def _key(kind: str, username: str, place: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "parta"
    return f"{prefix}/login-{kind}/{rules.login_key(username)}/{place}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="parta-device")


def _device() -> Optional[dict]:
    try:
        found = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return None
    return found if isinstance(found, dict) and isinstance(found.get("logins"), list) else None


def _login_tag(username: str) -> str:
    """How the device cookie names a login: a keyed hash, so that the cookie of a shared
    classroom computer does not tell who signed in on it."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"parta-device:" + rules.login_key(username).encode(), hashlib.sha256).hexdigest()[:20]


def _place(username: str) -> str:
    """Where an attempt comes from, for its login's backoff: the browser, if it has
    signed in to this login before, else the address."""
    device = _device()
    if device is not None and _login_tag(username) in device["logins"]:
        return f"device:{device.get('id', '')}"
    return f"address:{request.remote_addr or ''}"


def locked_until(username: str) -> Optional[dt.datetime]:
    """When attempts for this login from this place may go on (UTC); None when they may now."""
    if not has_request_context():
        return None
    storage, key = _storage(), _key("wait", username, _place(username))
    if not storage.get(key):
        return None
    left = storage.get_expiry(key) - time.time()
    return utcnow() + dt.timedelta(seconds=max(left, 1)) if left > 0 else None


def count_failure(username: str) -> Optional[dt.datetime]:
    """A wrong password: counted for the login and place. Returns when the next attempt
    may come if this one starts or lengthens a wait, else None."""
    if not has_request_context():
        return None
    storage, place = _storage(), _place(username)
    failures = storage.incr(_key("failures", username, place), int(rules.MEMORY.total_seconds()))
    wait = rules.wait_after(failures)
    if wait is None:
        return None
    key = _key("wait", username, place)
    storage.clear(key)
    storage.incr(key, int(wait.total_seconds()))
    return utcnow() + wait


def forget_failures(username: str) -> None:
    """The right password: the login's count from this place starts again, and the
    browser is remembered as one that signs in to this login."""
    if not has_request_context():
        return
    place = _place(username)
    for kind in ("failures", "wait"):
        _storage().clear(_key(kind, username, place))
    if request.endpoint == "PartaAuthDBView.login":
        _remember_device(_login_tag(username))


def _remember_device(tag: str) -> None:
    device = _device() or {"id": secrets.token_urlsafe(12), "logins": []}
    device["logins"] = ([known for known in device["logins"] if known != tag] + [tag])[-DEVICE_LOGINS:]
    value = _serializer().dumps(device)

    @after_this_request
    def _set(response):
        response.set_cookie(DEVICE_COOKIE, value, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        return response


def mark_failed() -> None:
    """Tells the per-address limit that this request's sign-in failed."""
    if has_request_context():
        g.parta_login_failed = True


def _failed(_response) -> bool:
    return bool(g.get("parta_login_failed"))


def _too_many(error):
    """429 for the sign-ins over the per-address limit: JSON for the APIs, a page for people."""
    message = gettext("Too many failed sign-ins from your address. Please wait a minute and try again.")
    if request.path.startswith(("/api/", "/webapi/")):
        return jsonify(message=message), 429
    from flask import render_template

    return render_template("parta/too_many_attempts.html", message=message,
                           appbuilder=current_app.appbuilder), 429


def install(app: Flask) -> None:
    """The storage of the counters, and the per-address limit on the three login endpoints."""
    app.extensions["parta_login_limits"] = Counters(app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                                    app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))
    app.register_error_handler(429, _too_many)
    limiter = app.appbuilder.sm.limiter
    if not limiter.enabled:
        return
    limit = limiter.shared_limit(app.config["PARTA_LOGIN_RATE_LIMIT"], scope=SHARED_SCOPE, methods=["POST"],
                                 deduct_when=_failed)
    for endpoint in LOGIN_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
