"""Shared pieces of Parta's tables: the declarative base and the school segment."""
from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_babel import gettext
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Model", "SchoolScoped", "Label", "LabeledEnum"]


class SchoolScoped:
    """A row that belongs to one school's segment.

    `school_id` leads every index of such a table, so that the data can later be
    distributed by school (DESIGN.md, growth path). It is stamped from the current
    user's school when a row is created, and the central scoping hook in
    app/security/scoping.py filters every query by it.
    """

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )


class Label(str):
    """An English msgid that renders as its Russian translation.

    Used as the value of LabeledEnum members, so that Flask-AppBuilder's enum
    select boxes and list cells show the translated label while the database keeps
    the member's English name.
    """

    def __str__(self) -> str:
        return gettext(str.__str__(self))

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


class LabeledEnum(enum.Enum):
    """An enum whose members print as their translated labels."""

    def __str__(self) -> str:
        return str(self.value)

    def __html__(self) -> str:
        return self.value.__html__()
