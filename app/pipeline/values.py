"""Plausible values on every write path (issue 12, item 10): the rules of
app/rules/values.py applied at the flush to every school-scoped row, the people
tables and the school's own card, from the column types — a String(n) holds at most
n characters and no control characters, a Text at most MAX_TEXT, an Integer fits int4,
a NUMERIC(p, s) its digits, a date lies in 1900–2100 — plus the per-column limits of
app/rules/values.py (lesson numbers, weights, grades, birth dates, …). (A lesson's date
inside its school year is the journal's rule: app/rules/journal.py.)

New rows are checked whole, stored rows only in the columns that change (a card typed
in long ago is not refused for an old value when someone edits its phone). Texts are
kept stripped. A refusal is a RuleViolation naming the field; nothing is written.

The write pipeline calls `check_reference_ids(session, obj)` in its first step,
before anything looks a row up by an id the row holds (an id beyond int4 makes
PostgreSQL fail the whole statement), and `check_values(session, obj)` with the
value rules of each kind of row.
"""
from __future__ import annotations

from functools import lru_cache

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Enum, Float, Integer, Numeric, String
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from app.clock import school_today
from app.models import Municipality, School
from app.models.base import SchoolScoped
from app.rules import values as rules
from app.rules.errors import N_, RuleViolation

# Rows Parta writes itself (logs, stored printouts, job progress, API secrets): not typed by anyone.
SYSTEM_TABLES = frozenset({"audit_log", "report_job", "stored_document", "webapi_account"})


def applies_to(obj: Any) -> bool:
    """Whether a row's values are checked: school-scoped rows, schools and municipalities."""
    table = getattr(type(obj), "__tablename__", None)
    return isinstance(obj, (SchoolScoped, School, Municipality)) and table not in SYSTEM_TABLES


def _has_default(column) -> bool:
    return column.default is not None or column.server_default is not None


def _as_number(field: str, value: Any):
    """A number, also from a text of digits some programs send."""
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise RuleViolation(N_("The field «%(field)s» must be a number."), field=rules.FieldName(field)) from None
    return value


@lru_cache(maxsize=None)
def _checker(table: str, column, key: str):
    """The check of one column's values (it returns the value to keep: a stripped text, a
    parsed flag): what its type asks, decided once per column (a column of the journal's
    cells asks it for thirty rows)."""
    kind = column.type
    name = f"{table}.{key}"
    if isinstance(kind, Enum):
        members = kind.enum_class.__members__ if kind.enum_class is not None else {e: e for e in kind.enums}

        def check(value):
            if value is not None and value not in members.values() and value not in members:
                raise RuleViolation(N_("Choose one of the values offered in the field «%(field)s»."),
                                    field=rules.FieldName(key))
            return value
    elif isinstance(kind, String):
        multiline = kind.length is None or name in rules.MULTILINE_TEXTS
        required = not column.nullable and name not in rules.MAY_BE_EMPTY and not column.foreign_keys

        def check(value):
            return rules.clean_text(key, value, kind.length, multiline=multiline, required=required and value is not None)
    elif isinstance(kind, Boolean):
        def check(value):
            return value if value is None or isinstance(value, bool) else rules.parse_flag(key, value)
    elif isinstance(kind, Integer) and column.foreign_keys:
        def check(value):
            rules.check_reference(key, int(value) if isinstance(value, str) and value.strip().isdigit() else value)
            return value
    elif isinstance(kind, Integer) or (isinstance(kind, Numeric) and not isinstance(kind, Float)) \
            or (isinstance(kind, Float) and name in rules.NUMBER_LIMITS):
        if isinstance(kind, Integer):
            limits = rules.number_limits(table, key)
        elif isinstance(kind, Float):
            limits = rules.NUMBER_LIMITS[name]
        else:
            limits = rules.number_limits(table, key, rules.numeric_range(kind.precision, kind.scale))

        def check(value):
            rules.check_number(key, _as_number(key, value), limits)
            return value
    elif isinstance(kind, (Date, DateTime)) and name in rules.BIRTH_DATES:
        def check(value):
            rules.check_birth_date(key, value, school_today())
            return value
    elif isinstance(kind, (Date, DateTime)):
        def check(value):
            rules.check_date(key, value)
            return value
    else:
        def check(value):
            return value
    return check


def _changed_values(obj: Any, references: bool):
    """(key, check, value) of the new values of a row, each with its column's check: every
    column of a new row, the changed ones of a stored row; only the references (ids of
    other rows) or only the rest."""
    state = instance_state(obj)
    new = not state.has_identity
    values = state.dict
    for key, check in _columns(state.mapper, references):
        if key not in values:  # not loaded, hence not changed
            continue
        if not new and not state.attrs[key].history.added:
            continue
        yield key, check, values[key]


@lru_cache(maxsize=None)
def _columns(mapper, references: bool) -> tuple:
    """(key, check) of a model's columns that refer to other rows, or of the rest."""
    table = mapper.local_table.name
    return tuple((attr.key, _checker(table, attr.columns[0], attr.key)) for attr in mapper.column_attrs
                 if bool(attr.columns[0].foreign_keys) == references)


def check_reference_ids(session: Session, obj: Any) -> None:
    """Refuses a row that points at an impossible id (beyond int4): the write pipeline
    asks this before it looks any referenced row up (PostgreSQL would fail the whole
    statement on such an id)."""
    if not applies_to(obj):
        return
    for _key, check, value in _changed_values(obj, references=True):
        check(value)


def check_values(session: Session, obj: Any) -> None:
    """Refuses (RuleViolation) a row whose new values are implausible; strips its texts.
    The write pipeline calls it for every new or changed row (app/pipeline/__init__.py)."""
    if not applies_to(obj):
        return
    for key, check, value in _changed_values(obj, references=False):
        kept = check(value)
        if kept is not value and kept != value:
            setattr(obj, key, kept)
