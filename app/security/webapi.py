"""The NetSchool-compatible API's accounts.

The NetSchool handshake needs md5(password) on the server: a password-equivalent
secret. It is kept only for logins that switched the API on, in a school that
switched it on, encrypted with the application key (Fernet over a key derived from
SECRET_KEY), in its own table apart from the real password hash; it is refreshed
whenever Parta sees the password (a login on the form, a password change).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import School, WebApiAccount, WebApiSession
from app.rules.netschool import password_md5

_UNSCOPED = {"parta_unscoped": True}


def _fernet() -> Fernet:
    digest = hashlib.sha256(("parta-webapi:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret_md5: str) -> str:
    return _fernet().encrypt(secret_md5.encode()).decode()


def decrypt(token: Optional[str]) -> Optional[str]:
    """The md5 secret, or None when missing or sealed with another application key."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def account_of(session: Session, user_id: int) -> Optional[WebApiAccount]:
    return session.scalar(select(WebApiAccount).where(WebApiAccount.user_id == user_id),
                          execution_options=_UNSCOPED)


def school_allows(session: Session, school_id: Optional[int]) -> bool:
    return school_id is not None and bool(session.scalar(
        select(School.webapi_enabled).where(School.id == school_id), execution_options=_UNSCOPED))


def enable(session: Session, user, password: str) -> WebApiAccount:
    """Switches the API on for a login, keeping the secret of its password (the caller
    has checked the password). Raises RuleViolation for a password the apps cannot send."""
    secret = encrypt(password_md5(password))
    account = account_of(session, user.id)
    if account is None:
        account = WebApiAccount(user_id=user.id, school_id=user.school_id)
        session.add(account)
    account.secret, account.enabled = secret, True
    account.updated_at = utcnow()
    return account


def disable(session: Session, user) -> None:
    account = account_of(session, user.id)
    if account is not None:
        account.enabled, account.secret = False, None


def refresh(session: Session, user, password: str) -> None:
    """Parta has just seen the login's password: an enabled account keeps its secret current."""
    account = account_of(session, user.id)
    if account is None or not account.enabled:
        return
    try:
        secret = password_md5(password)
    except Exception:  # a password the apps cannot send: the API stays as it was
        return
    if decrypt(account.secret) != secret:
        account.secret = encrypt(secret)
        account.updated_at = utcnow()


ABANDONED_AFTER = dt.timedelta(days=1)


def abandoned_sessions(now: dt.datetime):
    """NetSchool API sessions nobody signed into within a day of the handshake."""
    return WebApiSession.token.is_(None) & (WebApiSession.created_at < now - ABANDONED_AFTER)


def forgotten_sessions(now: dt.datetime):
    """What the nightly purge forgets: abandoned sessions, and those whose token expired more
    than a day ago (until then a new login with the same cookie revives the session)."""
    return or_(abandoned_sessions(now), WebApiSession.expires_at < now - ABANDONED_AFTER)
