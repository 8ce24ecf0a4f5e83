"""Logins: Flask-AppBuilder's user, bound to a school or a municipality."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, ForeignKey, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship


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

    school = relationship("School", foreign_keys=[school_id])
    municipality = relationship("Municipality", foreign_keys=[municipality_id])
