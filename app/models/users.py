"""Logins: Flask-AppBuilder's user, bound to a school or a municipality."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

from .base import Model


class PartaUser(User):
    """A login. `school_id` is the segment it works in; a municipal user has
    `municipality_id` instead and reads the schools of that municipality."""

    __tablename__ = "ab_user"

    school_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), nullable=True, index=True
    )
    municipality_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), nullable=True, index=True
    )

    # Set when an administrator issues an initial password: the user must choose
    # their own at the next login (act 001: users answer for their passwords).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    # Raised when every session and token of the login must end (a password change,
    # a lock, deactivation, a change of roles, «end sessions»): the REST API's tokens
    # carry the version they were issued under (app/security/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    school = relationship("School", foreign_keys=[school_id])
    municipality = relationship("Municipality", foreign_keys=[municipality_id])


class UserSession(Model):
    """A signed-in browser session, kept on the server so that it can end there: logout
    ends it, a password change or lock ends all of a login's (app/security/sessions.py).
    The cookie carries only a random token; the table keeps its SHA-256."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[Optional[str]] = mapped_column(String(64))
    user_agent: Mapped[Optional[str]] = mapped_column(String(500))
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    end_reason: Mapped[Optional[str]] = mapped_column(String(30))

    user = relationship("PartaUser")


class AccountAudit(Model):
    """What was done to a login and by whom (152-FZ: who may act as whom): logins created
    and changed, roles granted, passwords reissued, sessions ended, locks. Kept apart
    from the journal's audit; read in «Журнал действий с учётными записями»."""

    __tablename__ = "account_audit"
    __table_args__ = (Index("ix_account_audit_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    actor_username: Mapped[Optional[str]] = mapped_column(String(128))
    target_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    target_username: Mapped[Optional[str]] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(30))
    details: Mapped[Optional[str]] = mapped_column(String(1000))
    address: Mapped[Optional[str]] = mapped_column(String(64))

    actor = relationship("PartaUser", foreign_keys=[actor_id])
    target = relationship("PartaUser", foreign_keys=[target_id])
