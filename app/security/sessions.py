"""Sign-ins that end when they should: on the server, not only in the browser.

Flask's session is a signed cookie: whoever holds a copy of it stays signed in until
it expires, whatever happens to the login meanwhile. So every sign-in on the form gets
a row in `user_session`; the cookie carries a random token and the table its SHA-256
(a copy of the table signs nobody in). Each request looks the row up by that hash —
one query on a unique index, which also loads the login — and a missing, ended or idle
row means "not signed in". `last_seen_at` is written at most once a minute.

Logout ends the browser's row. `end_all()` ends every sign-in of a login at once: its
rows, its NetSchool API tokens (app/webapi.py), and its REST API tokens, which carry
the login's `session_version` as the claim "sv" and are refused once it is raised.
It runs by itself from a flush hook whenever a login's password, active flag, roles,
school or municipality change — the password form, a reissue, an administrator's
edit, the CLI, the REST API — so no caller has to remember it. The browser that
changes its own password (or its own roles) stays signed in: its row is replaced by
a new one with a fresh token, so a cookie copied before the change dies with the rest.

Wrong passwords do not end sessions: a guesser has not got in, and ending the
teacher's sessions on their guesses would give them the very lever the login
backoff takes away (app/rules/login.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache
from typing import Optional

from flask import Flask, current_app, g, has_request_context, request, session as cookie
from flask.sessions import SecureCookieSessionInterface
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session, joinedload

from app.clock import utcnow
from app.extensions import db
from app.models import MailRecipient, PartaUser, UserSession, WebApiSession
from app.security import grants

TOKEN = "parta_sid"  # the key of the browser's token in Flask's session cookie
TOUCH_EVERY = dt.timedelta(minutes=1)
UNSCOPED = {"parta_unscoped": True}
# A change of any of these ends every sign-in of the login (the value: end_reason); so does
# a change of its school or municipality (`_segment_changed`).
ENDING_CHANGES = {"password": "password", "active": "deactivated", "roles": "roles"}
SEGMENT = (("school", "school_id"), ("municipality", "municipality_id"))

_installed = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _address() -> Optional[str]:
    return (request.remote_addr or "")[:64] if has_request_context() else None


def _open_row(session: Session, user: PartaUser) -> str:
    """A new sign-in row for the browser of this request; returns its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(token_hash=token_hash(token), user_id=user.id, school_id=user.school_id,
                            created_at=now, last_seen_at=now, address=_address(),
                            user_agent=(request.user_agent.string or "")[:500] if has_request_context() else None))
    return token


def _signed_in(_sender, user, **_extra) -> None:
    """Flask-Login's signal after the form's login_user(): the browser gets its row."""
    previous = cookie.get(TOKEN)
    if previous:  # a second sign-in in the same browser replaces the first
        _end_rows(db.session, UserSession.token_hash == token_hash(previous), "replaced")
    cookie[TOKEN] = _open_row(db.session, user)
    db.session.commit()


def _signed_out(_sender, user, **_extra) -> None:
    """Flask-Login's signal from logout_user(): the browser's row ends."""
    token = cookie.pop(TOKEN, None)
    if token:
        _end_rows(db.session, UserSession.token_hash == token_hash(token), "logout")
        db.session.commit()


def _end_rows(session: Session, where, reason: str) -> None:
    session.execute(update(UserSession).where(where, UserSession.ended_at.is_(None))
                    .values(ended_at=utcnow(), end_reason=reason)
                    .execution_options(synchronize_session=False, **UNSCOPED))


def signed_in_user(user_id) -> Optional[PartaUser]:
    """The login of this request's browser, if its server-side row is open and belongs
    to `user_id` (what Flask-Login read from the cookie); None otherwise."""
    token = cookie.get(TOKEN) if has_request_context() else None
    if not token:
        return None
    # One statement per request: the row, the login with its roles (every permission check
    # needs them), its school or municipality (the navbar names it) and the rights version
    # (whether this process's copy of the roles' permissions is current, app/security/grants.py).
    found = db.session.execute(_signed_in_statement(db.session.get_bind().dialect.name),
                               {"token_hash": token_hash(token)}, execution_options=UNSCOPED).unique().first()
    if found is None or str(found.PartaUser.id) != str(user_id):
        return None
    row_id, last_seen, version, unread, user = found
    grants.note_version(version)
    if user.school_id is not None:
        g.parta_unread_mail = unread
    now = utcnow()
    idle = current_app.permanent_session_lifetime + TOUCH_EVERY  # last_seen_at lags up to a minute
    if now - last_seen > idle:
        _touch_or_end(row_id, now, ended="idle")
        return None
    if now - last_seen >= TOUCH_EVERY:
        _touch_or_end(row_id, now)
        cookie.modified = True  # the browser's cookie lives on with the row (SESSION_REFRESH_EACH_REQUEST off)
    g.parta_session_row = (row_id, user.id)
    return user if user.is_active else None


def warm_up() -> None:
    """The sign-in's statement compiled (and planned by the database) at start (app/__init__.py):
    else every signed-in user's first request after a start paid for it."""
    db.session.execute(_signed_in_statement(db.session.get_bind().dialect.name), {"token_hash": ""},
                       execution_options=UNSCOPED).unique().first()


@lru_cache(maxsize=4)
def _signed_in_statement(dialect_name: str):
    """The statement of signed_in_user, built once per process (per database dialect): built on
    every request, SQLAlchemy's building and cache key cost more than PostgreSQL's answer."""
    return (select(UserSession.id, UserSession.last_seen_at, grants.version_column(dialect_name), _unread_letters(),
                   PartaUser)
            .join(PartaUser, PartaUser.id == UserSession.user_id)
            .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
            .options(joinedload(PartaUser.school), joinedload(PartaUser.municipality), joinedload(PartaUser.roles)))


def _unread_letters():
    """The login's unread letters in its school (the navbar's mail badge on every page)."""
    return (select(func.count(MailRecipient.id))
            .where(MailRecipient.school_id == PartaUser.school_id, MailRecipient.user_id == PartaUser.id,
                   MailRecipient.read_at.is_(None), MailRecipient.deleted.is_(False))
            .correlate(PartaUser).scalar_subquery())


def unread_mail() -> Optional[int]:
    """The unread letters read with this request's login; None when not read (or changed since)."""
    return g.get("parta_unread_mail") if has_request_context() else None


def _touch_or_end(row_id: int, now: dt.datetime, ended: Optional[str] = None) -> None:
    """Written on a connection of its own, so that the request's transaction stays as it was."""
    values = {"ended_at": now, "end_reason": ended} if ended else {"last_seen_at": now}
    with db.engine.begin() as connection:
        connection.execute(update(UserSession.__table__).where(UserSession.__table__.c.id == row_id).values(**values))


def end_all(session: Session, user: PartaUser, reason: str) -> int:
    """Ends every sign-in of a login: browser rows, NetSchool API tokens, REST tokens
    (by raising the login's session version). Returns how many browser sessions ended."""
    result = session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason).execution_options(synchronize_session=False, **UNSCOPED))
    session.execute(update(WebApiSession).where(WebApiSession.user_id == user.id)
                    .values(token=None, user_id=None, expires_at=None, salt=None)
                    .execution_options(synchronize_session=False, **UNSCOPED))
    user.session_version = (user.session_version or 0) + 1
    return result.rowcount or 0


def _segment_changed(user: PartaUser) -> bool:
    """Whether the login's school or municipality changes in this flush, set through the
    column or through the relationship (a form sets the relationship; the column follows
    only during the flush)."""
    state = inspect(user)
    for relationship, column in SEGMENT:
        stored = state.committed_state.get(column, getattr(user, column))
        added = state.attrs[relationship].history.added
        new = (added[0].id if added[0] is not None else None) if added else getattr(user, column)
        if new != stored or (added and added[0] is not None and added[0].id is None):
            return True
    return False


def _ending_reason(user: PartaUser) -> Optional[str]:
    state = inspect(user)
    for name, reason in ENDING_CHANGES.items():
        if state.attrs[name].history.has_changes():
            return reason
    return "segment" if _segment_changed(user) else None


def _end_on_change(session: Session, _flush_context, _instances) -> None:
    """before_flush: a login whose password, active flag, roles or segment changed loses
    every sign-in; the browser that made its own change gets a fresh one. (And a letter
    read or deleted in this request makes the mail badge read again.)"""
    if has_request_context() and "parta_unread_mail" in g and any(
            isinstance(obj, MailRecipient) for obj in (*session.new, *session.dirty, *session.deleted)):
        g.pop("parta_unread_mail")
    for user in [obj for obj in session.dirty if isinstance(obj, PartaUser)]:
        reason = _ending_reason(user)
        if reason is None:
            continue
        end_all(session, user, reason)
        mine = g.get("parta_session_row") if has_request_context() else None
        if mine is not None and mine[1] == user.id and user.active:
            cookie[TOKEN] = _open_row(session, user)
            g.parta_session_row = None


# --- REST API tokens (flask_jwt_extended, created by FAB's /api/v1/security/login) ---

def jwt_claims(identity) -> dict:
    """Every token carries the login's session version; end_all() raises it."""
    try:
        user_id = int(identity)
    except (TypeError, ValueError):
        return {}
    version = db.session.scalar(select(PartaUser.session_version).where(PartaUser.id == user_id),
                                execution_options=UNSCOPED)
    return {"sv": version or 0}


def user_of_jwt(claims: dict) -> Optional[PartaUser]:
    """The token's login while it is active and the token is of its current session version."""
    try:
        user_id = int(claims.get("sub"))
    except (TypeError, ValueError):
        return None
    user = db.session.get(PartaUser, user_id, execution_options=UNSCOPED)
    if user is None or not user.is_active or claims.get("sv") != (user.session_version or 0):
        return None
    return user


class _SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, sent again only when the session changed — which includes a touch
    of its server-side row, at most once a minute — and so kept a minute longer than the idle
    time: it never expires in the browser before the row ends on the server."""

    def get_expiration_time(self, app: Flask, session) -> Optional[dt.datetime]:
        expires = super().get_expiration_time(app, session)
        return expires + TOUCH_EVERY if expires is not None else None


def install(app: Flask) -> None:
    """Sign-in limits (app/security/login_limits.py) and server-side sessions."""
    from app.security import login_limits

    global _installed
    login_limits.install(app)
    app.session_interface = _SessionCookie()
    if not _installed:
        user_logged_in.connect(_signed_in)
        user_logged_out.connect(_signed_out)
        event.listen(Session, "before_flush", _end_on_change)
        _installed = True
