"""Shared pieces of Parta's tables: the declarative base and the school segment."""
from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_babel import gettext
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Model", "SchoolScoped", "Label", "LabeledEnum", "only_on", "exists_on", "compared_on"]


class SchoolScoped:
    """A row that belongs to one school's segment.

    `school_id` leads every index of such a table, so that the data can later be
    distributed by school (README: a region on Citus). It is stamped from the current
    user's school when a row is created, and the central scoping hook in
    app/security/scoping.py filters every query by it.
    """

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )


def only_on(dialect: str, item):
    """A constraint or an index that exists on one database engine only: created there
    (SQLAlchemy's ddl_if), and compared there only by the check that the models and the
    migrations agree (`exists_on`, also alembic's autogenerate in migrations/env.py)."""
    item.info["only_on"] = dialect
    return item.ddl_if(dialect=dialect)


def exists_on(item, dialect: str) -> bool:
    """Whether a schema item of the models is created on this database engine (`only_on`)."""
    only = getattr(item, "info", {}).get("only_on")
    return only is None or only == dialect


def compared_on(dialect: str):
    """alembic's include_object for one engine: the models' items that exist there (`only_on`)."""
    def include_object(item, _name, _type, reflected, _compare_to) -> bool:
        return reflected or exists_on(item, dialect)
    return include_object


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
