"""The base of Parta's generated CRUD: Russian titles and labels, dates as
ДД.ММ.ГГГГ, and errors turned into clear Russian messages with nothing written."""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from flask_appbuilder import ModelView, expose
from flask_appbuilder.fields import EnumField, QuerySelectField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_appbuilder.widgets import ListWidget
from flask_appbuilder.models.sqla.filters import (
    FilterEqual, FilterNotEqual, SQLAFilterConverter, get_field_setup_query,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l
from flask import Response, abort, g, has_request_context, request
from markupsafe import Markup
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import Boolean, Date, DateTime, Enum, Numeric, Time, and_, extract, false, literal_column, or_, select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, DateField, Field, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import html_params

from app.pipeline import validate
from app.rules.errors import N_, RuleViolation
from app.rules.values import MAX_INT, MIN_INT, FieldName, parse_flag, parse_id
from app.views.export import ExportMixin
from app.views.formats import (  # noqa: F401 (the views import them from here)
    DATE_FORMAT, content_disposition, download_response, format_date, format_datetime, format_number, format_time,
)
from app.views.labels import LABELS

log = logging.getLogger(__name__)


def _blank_choice_labelled(iter_choices):
    """FAB's related-field selects offer an empty choice with an empty label, which WTForms 3.3
    prints as its value «__None»; Parta labels it «—» (forms and list search alike)."""
    def labelled(self):
        for choice in iter_choices(self):
            if choice[0] == "__None" and not choice[1]:
                choice = (choice[0], BLANK_CHOICE, *choice[2:])
            yield choice
    labelled.parta_blank = True
    return labelled


BLANK_CHOICE = "—"
if not getattr(QuerySelectField.iter_choices, "parta_blank", False):
    QuerySelectField.iter_choices = _blank_choice_labelled(QuerySelectField.iter_choices)


def commit_write(session, write):
    """Runs `write()` and commits; on a refusal (RuleViolation) or a database error
    rolls everything back, logs the database error, flashes the Russian message.
    Returns (True, what write returned) or (False, None)."""
    from flask import flash

    try:
        result = write()
        session.commit()
    except (RuleViolation, SQLAlchemyError) as error:
        session.rollback()
        if not isinstance(error, RuleViolation):
            log.warning("Write refused: %r", error)
        flash(message_of(error), "danger")
        return False, None
    return True, result


def parse_int(value) -> int | None:
    """An id from a query string or a JSON body; None when absent or not a whole number.
    A whole number beyond the database's integers (int4) names no row: the request
    answers 404, as for any id that does not exist (the query would fail on PostgreSQL)."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if number is not None and not MIN_INT <= number <= MAX_INT:
        abort(404)
    return number


def parse_pk(value) -> int | None:
    """A row's id from a URL or a form (FAB's «<pk>»): a whole number from 1 to int4, else None."""
    return parse_id(value)


def parse_date(text: str | None) -> dt.date | None:
    """A date typed as ДД.ММ.ГГГГ; None when absent or wrong."""
    try:
        return dt.datetime.strptime(text.strip(), DATE_FORMAT).date() if text and text.strip() else None
    except ValueError:
        return None


def format_bool(value) -> str:
    return gettext("Yes") if value else gettext("No")


def blank_none(value):
    """An empty cell, not «None», for a value that is not filled in."""
    return "" if value is None else value


# Labels of columns that the views label each for itself, for messages that name them.
FIELD_LABELS = {
    "text": _l("Text"), "body": _l("Text"), "visible_until": _l("Shown until"), "audience": _l("For whom"),
    "class_id": _l("Class"), "date_from": _l("Entries from"), "date_to": _l("Entries to"), "until": _l("Open until"),
    "prefix": _l("Number prefix"), "word": _l("Word or its beginning"), "new_text": _l("Text after"),
    "old_text": _l("Text before"), "filename": _l("File name"), "content_type": _l("File type"),
}


def field_label(name: str, labels: dict | None = None) -> str:
    """The Russian label of a field named by its column, as the forms show it; a view's own
    `labels` (FAB fills the missing ones with English) only for a column no dictionary knows."""
    for key in (name, name[:-3] if name.endswith("_id") else None):  # a reference: the related row's label
        label = LABELS.get(key) or FIELD_LABELS.get(key) if key is not None else None
        if label is not None:
            return str(label)
    label = (labels or {}).get(name)
    return str(label) if label is not None else name


def message_of(error: Exception, labels: dict | None = None) -> str:
    """The Russian message for an error a write raised; never raw database text. A
    field named in a rule's message (FieldName) is shown by its Russian label."""
    if isinstance(error, RuleViolation):
        params = {k: field_label(v, labels) if isinstance(v, FieldName) else v for k, v in error.params.items()}
        return gettext(error.msgid, **params)
    if isinstance(error, IntegrityError):
        return gettext(N_("The record conflicts with existing data (a duplicate or a missing linked record)."))
    return gettext(N_("The record could not be saved because of a database error. Nothing was changed."))


def _default_of(column):
    default = column.default
    return bool(default.arg) if default is not None and not callable(default.arg) else False


def current_school():
    """The user's school: the school segment scoping lets one school through."""
    from app.extensions import db
    from app.models import School

    return db.session.scalar(select(School).order_by(School.id).limit(1))


def pdf_response(body: bytes, filename: str, title: str | None = None) -> Response:
    """A PDF download (passwords, personal data: not cached)."""
    return download_response(body, "application/pdf", filename, f"{title}.pdf" if title else None)


class UserFacingError(Exception):
    """An error whose text is already a Russian message for the user."""


def _flag(column: str, value):
    """A yes/no searched for: "false", "0", "n" are no (FAB compared the text itself); None
    for anything else, which no row has."""
    try:
        return parse_flag(column, value)
    except RuleViolation:
        return None


class PartaEqual(FilterEqual):
    """«Equal to», reading a yes/no column's value as yes/no."""

    def apply(self, query, value):
        if not self.datamodel.is_boolean(self.column_name):
            return super().apply(query, value)
        query, field = get_field_setup_query(query, self.model, self.column_name)
        flag = _flag(self.column_name, value)
        return query.filter(field == flag) if flag is not None else query.filter(false())


class PartaNotEqual(FilterNotEqual):
    """«Not equal to», reading a yes/no column's value as yes/no."""

    def apply(self, query, value):
        if not self.datamodel.is_boolean(self.column_name):
            return super().apply(query, value)
        query, field = get_field_setup_query(query, self.model, self.column_name)
        flag = _flag(self.column_name, value)
        return query.filter(field != flag) if flag is not None else query.filter(false())


class PartaFilterConverter(SQLAFilterConverter):
    """FAB's search filters, with yes/no columns read as yes/no: the REST API's
    `(col:is_duty,opr:eq,value:false)` found nothing, comparing the column with the text.
    Every column's «eq»/«neq» is Parta's: FAB's REST API finds a filter by its name alone."""

    conversion_table = tuple(
        (kind, [{FilterEqual: PartaEqual, FilterNotEqual: PartaNotEqual}.get(f, f) for f in filters])
        for kind, filters in SQLAFilterConverter.conversion_table)


class PartaInterface(SQLAInterface):
    """FAB's data interface with Parta's errors: any refusal rolls the whole write back;
    an id or a search value the database cannot hold (beyond int4) finds nothing."""

    filter_converter_class = PartaFilterConverter

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        if parse_pk(id) is None:
            return None
        return super().get(parse_pk(id), filters, select_columns=select_columns,
                           outer_default_load=outer_default_load)

    def get_related_obj(self, col_name, value):
        if isinstance(value, (list, tuple)) and len(value) == 1:  # FAB passes a filter's value as a list
            value = value[0]
        return super().get_related_obj(col_name, parse_pk(value)) if parse_pk(value) is not None else None

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False, load=(), count_limit=None):
        """FAB's query; `load` adds loader options (list_load_options) to the page's rows;
        `count_limit` counts the rows only up to one beyond it (a list page: PostgreSQL counts
        the 56 000 marks of a school by reading them all, 8 ms of every opening)."""
        try:
            if not load and count_limit is None:
                return super().query(filters, order_column, order_direction, page, page_size, select_columns,
                                     outer_default_load)
            query = self.session.query(self.obj)
            if count_limit is None:
                count = self.query_count(query, filters)
            else:
                count = self._apply_inner_all(query, filters, aliases_mapping={}).limit(
                    literal_column(str(int(count_limit) + 1))).count()
            if load:
                query = query.options(*load)
            return count, self.apply_all(query, filters, order_column, order_direction, page, page_size).all()
        except (DataError, OverflowError) as error:
            # A search for a number no column can hold (an id beyond int4, a page beyond
            # the database's offsets): no row matches it.
            self.session.rollback()
            log.info("Search for an impossible value: %r", error)
            return 0, []

    def apply_pagination(self, query, page, page_size):
        """FAB's LIMIT and OFFSET written into the statement as numbers, not bound parameters:
        PostgreSQL plans a prepared statement once for any parameters, and without the page's
        size that plan joins the list's tables whole (7 ms for 25 marks of a school instead of
        0.1 ms)."""
        if page and page_size:
            query = query.offset(literal_column(str(int(page) * int(page_size))))
        if page_size:
            query = query.limit(literal_column(str(int(page_size))))
        return query

    def _write(self, operation, item) -> None:
        try:
            operation(item)
        except Exception as error:
            self.session.rollback()
            # FAB wraps database errors in DatabaseException: the cause is what happened.
            cause = error if isinstance(error, (RuleViolation, SQLAlchemyError)) else (error.__cause__ or error)
            if not isinstance(cause, RuleViolation):
                log.warning("Write refused: %r", cause)
            message = message_of(cause)
            if has_request_context():
                g.parta_write_refusal = message  # FAB's edit form flashes database_error_message
            raise UserFacingError(message) from error

    def add(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.add(self, i, commit), item)

    def edit(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.edit(self, i, commit), item)

    def delete(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.delete(self, i, commit), item)


class RuDateWidget:
    """A date input that reads and writes ДД.ММ.ГГГГ; app/static/parta.js attaches
    the bundled datepicker in Russian."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        value = field._value() if field.data or field.raw_data else ""
        input_html = html_params(type="text", value=value, placeholder=gettext("DD.MM.YYYY"), autocomplete="off", **kwargs)
        return Markup(
            '<div class="input-group date parta-date">'
            '<span class="input-group-addon"><i class="fa fa-calendar cursor-hand"></i></span>'
            f'<input class="form-control" {input_html} /></div>'
        )


class RuDateField(DateField):
    """Accepts 01.09.2026 (and 2026-09-01 from scripts); shows 01.09.2026."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=[DATE_FORMAT, "%Y-%m-%d"], widget=RuDateWidget(), **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(gettext("Enter the date as DD.MM.YYYY.")) from error


class EnumChoiceField(EnumField):
    """FAB's select of an Enum column, refusing a value that is not offered with a form
    error (FAB's own field fails the request with a KeyError: «gender=attack»)."""

    def __init__(self, enum_class, enums, label=None, validators=None, default=None, **kwargs):
        super().__init__(enum_class, enums, label, validators, default, **kwargs)
        coerce = self.coerce

        def strict(value):
            if value in (None, ""):
                return None
            try:
                return coerce(value)
            except KeyError as error:
                raise ValueError(value) from error

        self.coerce = strict

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(gettext("Choose one of the values offered.")) from error

    def pre_validate(self, form):
        if self.data is None:
            return  # not chosen, or refused when read: the other validators and process_errors decide
        if not any(self.data == self.coerce(value) for value, _ in self.choices):
            raise ValidationError(gettext("Choose one of the values offered."))


def enum_field(column, label, description=""):
    """The form field of an Enum column: required unless the column is nullable."""
    required = Optional() if column.nullable else InputRequired()
    default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
    return EnumChoiceField(enum_class=column.type.enum_class, enums=column.type.enums, label=label,
                           description=description, validators=[required], widget=Select2Widget(), default=default)


# marshmallow's messages (the REST API's 422 on a body that does not fit the schema), in Russian.
SCHEMA_MESSAGES = [
    (re.compile(r"Missing data for required field\."), N_("Fill in this field.")),
    (re.compile(r"Field may not be null\."), N_("This field cannot be empty (null).")),
    (re.compile(r"Not a valid integer\."), N_("A whole number is expected.")),
    (re.compile(r"Not a valid (number|decimal)\."), N_("A number is expected.")),
    (re.compile(r"Not a valid boolean\."), N_("true or false is expected.")),
    (re.compile(r"Not a valid date\."), N_("A date is expected, as YYYY-MM-DD.")),
    (re.compile(r"Not a valid datetime\."), N_("A date and time are expected, as YYYY-MM-DDTHH:MM:SS.")),
    (re.compile(r"Not a valid string\."), N_("A text is expected.")),
    (re.compile(r"Longer than maximum length (?P<n>\d+)\."), N_("Longer than %(n)s characters.")),
    (re.compile(r"Must be one of: (?P<values>.*)\."), N_("Choose one of: %(values)s.")),
    (re.compile(r"Unknown field\."), N_("There is no such field.")),
    (re.compile(r"Invalid input type\."), N_("The request body must be a JSON object.")),
    (re.compile(r"Invalid value\."), N_("The value is not valid.")),
]


def russian_schema_errors(messages, field: str | None = None):
    """marshmallow's error messages ({"last_name": ["Longer than maximum length 100."]}) with
    Russian texts naming the field («Фамилия: длиннее 100 символов.»); other texts unchanged."""
    if isinstance(messages, dict):
        return {key: russian_schema_errors(value, key if isinstance(key, str) and key != "_schema" else field)
                for key, value in messages.items()}
    if isinstance(messages, list):
        return [russian_schema_errors(value, field) for value in messages]
    if not isinstance(messages, str):
        return messages
    for pattern, msgid in SCHEMA_MESSAGES:
        found = pattern.fullmatch(messages)
        if found:
            text = gettext(msgid, **found.groupdict())
            return f"{field_label(field)}: {text}" if field else text
    return messages


class RestValueChecks:
    """The REST API's own refusals: its schema refusals (422) read in Russian, and its
    searches read a yes/no column's value as yes/no («false» is no)."""

    def response_422(self, message=None):
        return super().response_422(message=russian_schema_errors(message))

    def _handle_filters_args(self, rison_args):
        # FAB finds a filter class by its name in one global map that any FAB view may
        # overwrite; the value itself is made a real yes/no here, so any «eq» reads it.
        for item in rison_args.get("filters") or []:
            column = item.get("col") if isinstance(item, dict) else None
            if isinstance(column, str) and column in self.datamodel.list_columns and self.datamodel.is_boolean(column):
                flag = _flag(column, item.get("value"))
                if flag is not None:
                    item["value"] = flag
        return super()._handle_filters_args(rison_args)


class ValidatedWrites:
    """Runs the write pipeline's checks (app/pipeline) before FAB writes, so that the
    user reads the rule's own message; the flush runs them on every other path."""

    def _validate(self, item, deleting: bool = False) -> None:
        session = self.datamodel.session
        try:
            validate(session, item, deleting=deleting)
        except RuleViolation as error:
            session.rollback()  # FAB has already copied the form into the item
            raise UserFacingError(message_of(error, self.label_columns)) from error

    def pre_add(self, item) -> None:
        self._validate(item)

    def pre_update(self, item) -> None:
        self._validate(item)

    def pre_delete(self, item) -> None:
        self._validate(item, deleting=True)


MAX_PAGE_SIZE = 500
LIST_COUNT_LIMIT = 10_000  # a list counts its rows up to this many; beyond, «более 10 000»


class MoreThan(int):
    """A list's row count beyond LIST_COUNT_LIMIT: a number for the pagination's
    arithmetic (the limit plus one), «более 10 000» where it is shown."""

    def __new__(cls, limit: int):
        instance = super().__new__(cls, limit + 1)
        instance.limit = limit
        return instance

    def __str__(self) -> str:
        return gettext("more than %(count)s", count=f"{self.limit:,}".replace(",", "\u00a0"))

    def __html__(self) -> str:
        return str(Markup.escape(str(self)))


def list_load_options(model, columns, paths=()) -> list:
    """Loader options for a list's rows: each relation a column names (also through
    dotted names, «lesson.subject_group») joined to the page's own query, and the
    `paths` a cell reads besides (properties, __str__ of related rows: «enrolments.school_class»)
    one statement each — whatever the number of rows shown."""
    options = []
    for column in columns:
        cls, loader = model, None
        for part in column.split("."):
            attr = getattr(cls, part, None)
            prop = getattr(attr, "property", None)
            if prop is None or not hasattr(prop, "mapper"):
                break
            loader = (joinedload if loader is None else loader.joinedload)(attr) if not prop.uselist \
                else (selectinload if loader is None else loader.selectinload)(attr)
            cls = prop.mapper.class_
        if loader is not None:
            options.append(loader)
    for path in paths:
        cls, loader = model, None
        for part in path.split("."):
            attr = getattr(cls, part)
            loader = (selectinload if loader is None else loader.selectinload)(attr)
            cls = attr.property.mapper.class_
        options.append(loader)
    return options


class PartaListWidget(ListWidget):
    """FAB's list widget with the rows' buttons rendered once per page (parta/widgets/list.html)."""

    template = "parta/widgets/list.html"


class PartaModelView(ValidatedWrites, ExportMixin, ModelView):
    """Generated CRUD, configured by declarations only in the subclasses; every
    list exports to XLSX (ExportMixin, under the view's can_list)."""

    page_size = 25
    list_template = "parta/list.html"  # FAB's list with the «Экспорт в XLSX» button
    list_widget = PartaListWidget
    # Relations the list's cells read beyond its relation columns (through a property or a
    # related row's name), dotted: loaded with the page, not row by row.
    list_loads: tuple = ()

    def list_load_options(self) -> list:
        return list_load_options(self.datamodel.obj, self.list_columns or [], self.list_loads)

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", **kwargs):
        """A sort asked for in the URL counts only on a sortable column (FAB fails on others);
        a page and a page size asked for in the URL lie within reason."""
        if order_column not in (self.order_columns or []) or order_direction not in ("asc", "desc"):
            order_column, order_direction = "", ""
        if kwargs.get("page_size") is not None:
            kwargs["page_size"] = min(max(kwargs["page_size"], 1), MAX_PAGE_SIZE)
        if kwargs.get("page") is not None and not 0 <= kwargs["page"] <= MAX_INT // MAX_PAGE_SIZE:
            kwargs["page"] = 0
        # FAB's own _get_list_widget, with the page's related rows loaded by the page's query
        widgets = kwargs.pop("widgets", None) or {}
        page, page_size = kwargs.pop("page", None), kwargs.pop("page_size", None) or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        count, items = self.datamodel.query(filters.get_joined_filters(self._base_filters), order_column,
                                            order_direction, page=page, page_size=page_size,
                                            load=self.list_load_options(), count_limit=LIST_COUNT_LIMIT)
        if count > LIST_COUNT_LIMIT:
            count = MoreThan(LIST_COUNT_LIMIT)
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=self.list_columns,
            value_columns=self.datamodel.get_values(items, self.list_columns), order_columns=self.order_columns,
            formatters_columns=self.formatters_columns, page=page, page_size=page_size, count=count,
            pks=[self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(items)],
            actions=actions or self.actions, filters=filters, modelview_name=self.__class__.__name__, **kwargs)
        return widgets

    # FAB's actions ignore the base filters and fail on an unknown action or row; Parta's
    # views have none, but a view that adds one gets them checked here.
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions or self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        pks = request.form.getlist("rowid")
        if name not in self.actions or not pks or any(self.datamodel.get(pk, self._base_filters) is None for pk in pks):
            abort(404)
        return super().action_post()

    def __init__(self, **kwargs):
        self._prepare_columns()
        super().__init__(**kwargs)

    def _prepare_columns(self) -> None:
        table = self.datamodel.obj.__table__
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        formatters = dict(self.formatters_columns or {})
        extra_add = dict(self.add_form_extra_fields or {})
        extra_edit = dict(self.edit_form_extra_fields or {})
        for column in table.columns:
            if isinstance(column.type, DateTime):
                formatters.setdefault(column.key, format_datetime)
            elif isinstance(column.type, Date):
                formatters.setdefault(column.key, format_date)
                label = self.label_columns.get(column.key, column.key)
                required = InputRequired() if not column.nullable else Optional()
                extra_add.setdefault(column.key, RuDateField(label, [required]))
                extra_edit.setdefault(column.key, RuDateField(label, [required]))
            elif isinstance(column.type, Time):
                formatters.setdefault(column.key, format_time)
                label = self.label_columns.get(column.key, column.key)
                required = InputRequired() if not column.nullable else Optional()
                for extra in (extra_add, extra_edit):
                    extra.setdefault(column.key, TimeField(label, [required], format="%H:%M", widget=BS3TextFieldWidget()))
            elif isinstance(column.type, Boolean):
                formatters.setdefault(column.key, format_bool)
                # FAB makes a non-nullable column required; an unticked box is a valid "no".
                label = self.label_columns.get(column.key, column.key)
                for extra in (extra_add, extra_edit):
                    extra.setdefault(column.key, BooleanField(label, default=_default_of(column)))
            elif isinstance(column.type, Numeric):
                formatters.setdefault(column.key, format_number)
            elif isinstance(column.type, Enum) and column.type.enum_class is not None:
                label = self.label_columns.get(column.key, column.key)
                description = (self.description_columns or {}).get(column.key, "")
                for extra in (extra_add, extra_edit):
                    extra.setdefault(column.key, enum_field(column, label, description))
        for name in list(self.list_columns or []) + list(self.show_columns or []):
            formatters.setdefault(name, blank_none)
        self.formatters_columns = formatters
        self.add_form_extra_fields = extra_add
        self.edit_form_extra_fields = extra_edit
        title = self.list_title
        self.add_title = self.add_title or _l("Add a record: %(what)s", what=title)
        self.edit_title = self.edit_title or _l("Edit a record: %(what)s", what=title)
        self.show_title = self.show_title or _l("View a record: %(what)s", what=title)

    @property
    def database_error_message(self):
        """What FAB's edit form shows when the write fails: the refusal's own message (a
        rule of the flush, say), else the general one."""
        return g.pop("parta_write_refusal", None) or \
            _l("The record could not be saved because of a database error. Nothing was changed.")


# ---------------------------------------------------------------------------
# Searched selects: a related row chosen by typing, for relations with thousands of rows
# (the lessons and assignments of a school); FAB's select listed every one in the page.
# ---------------------------------------------------------------------------

SEARCHED_PAGE = 20  # options per answer; the select asks for the next ones on scrolling
_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?$")


def _like_escaped(text: str) -> str:
    """A text matched literally by LIKE … ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Searched:
    """How to search the rows of a related model: the words typed must each match one of
    `texts` (or, typed as ДД.ММ[.ГГГГ], the `day` column); `joins` reach those columns."""

    model: type
    texts: tuple
    order_by: tuple
    joins: tuple = ()
    day: object = None

    def statement(self, text: str):
        query = select(self.model)
        for target, on in self.joins:
            query = query.join(target, on)
        for word in text.split()[:6]:
            found = _DAY.match(word)
            if found and self.day is not None:
                day, month, year = (int(part) if part else None for part in found.groups())
                clauses = [extract("day", self.day) == day, extract("month", self.day) == month]
                if year is not None:
                    clauses.append(extract("year", self.day) == year)
                query = query.where(and_(*clauses))
                continue
            pattern, capital = (f"%{_like_escaped(w)}%" for w in (word, word[:1].upper() + word[1:].lower()))
            # ilike; also the capitalised word, which SQLite's ASCII-only lower() misses in Russian
            query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in self.texts),
                                    *(column.like(capital, escape="\\") for column in self.texts)))
        return query.order_by(*self.order_by)


class SearchedSelectWidget:
    """A select holding only the chosen row; app/static/parta.js asks the view's options
    endpoint for the rows matching what is typed (select2, bundled with FAB)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        chosen = field.data
        options = '<option value=""></option>'
        if chosen is not None:
            options += f'<option value="{chosen.id}" selected>{Markup.escape(str(chosen))}</option>'
        for row in field.searched_rows():  # a list's search: the rows its filters name, for FAB's script to choose
            options += f'<option value="{row.id}">{Markup.escape(str(row))}</option>'
        attributes = html_params(
            name=field.name, class_="form-control parta-searched-select", **{
                "data-url": field.options_url, "data-placeholder": gettext("Start typing to search"),
                "data-searching": gettext("Searching…"), "data-no-results": gettext("Nothing found"),
                "data-error": gettext("The list could not be loaded"), "data-more": gettext("Loading more…"),
                "data-allow-clear": "false" if field.flags.required else "true"}, **kwargs)
        return Markup(f"<select {attributes}>{options}</select>")


class SearchedSelectField(Field):
    """A related row by its id, found among the rows the user may see (the scoping's
    criteria apply to the look-up): an id of another school's row is refused as not offered."""

    widget = SearchedSelectWidget()

    def __init__(self, label=None, validators=None, searched: Searched | None = None, options_url: str = "",
                 is_filter: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.searched = searched
        self.options_url = options_url
        self.is_filter = is_filter

    def _value(self):
        return str(self.data.id) if self.data is not None else ""

    def searched_rows(self) -> list:
        """In a list's search form: the rows the active filters of this field name
        (`_flt_<n>_<field>` in the query string), which the list's script selects."""
        if not self.is_filter or not has_request_context():
            return []
        from app.extensions import db

        ids = {parse_pk(value) for key, value in request.args.items(multi=True)
               if re.fullmatch(rf"_flt_\d+_{re.escape(self.name)}", key)} - {None}
        model = self.searched.model
        return list(db.session.scalars(select(model).where(model.id.in_(sorted(ids)[:10])))) if ids else []

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", "__None"):
            self.data = None
            return
        from app.extensions import db

        pk = parse_pk(valuelist[0])
        model = self.searched.model
        self.data = db.session.scalar(select(model).where(model.id == pk)) if pk is not None else None
        if self.data is None:
            raise ValueError(gettext("Choose one of the values offered."))


class SearchedSelects:
    """Views whose relations to big tables are chosen by typing: `searched_fields` maps a
    relation to its Searched; the add, edit and search forms get a SearchedSelectField for each, and
    /<view>/options?field=…&q=…&page=… answers the matching rows as select2 wants them."""

    searched_fields: dict = {}

    def _prepare_columns(self) -> None:
        super()._prepare_columns()
        extra_add, extra_edit = dict(self.add_form_extra_fields or {}), dict(self.edit_form_extra_fields or {})
        extra_search = dict(self.search_form_extra_fields or {})
        for name, searched in self.searched_fields.items():
            column = next(iter(getattr(self.datamodel.obj, name).property.local_columns))
            label = self.label_columns.get(name, name)
            required = Optional() if column.nullable else InputRequired()
            url = f"/{self.__class__.__name__.lower()}/options?field={name}"
            for extra in (extra_add, extra_edit):
                extra.setdefault(name, SearchedSelectField(label, [required], searched=searched, options_url=url))
            if name in (self.search_columns or []):  # the list's search: FAB's select held every row too
                extra_search.setdefault(name, SearchedSelectField(label, [Optional()], searched=searched,
                                                                  options_url=url, is_filter=True))
        self.add_form_extra_fields, self.edit_form_extra_fields = extra_add, extra_edit
        self.search_form_extra_fields = extra_search

    @expose("/options")
    @has_access
    @permission_name("list")
    def options(self):
        """The rows of a searched relation matching `q`, SEARCHED_PAGE at a time: those the user
        may see, as the form accepts them and as the list names them (who may read the list
        may search it; an unknown field finds nothing)."""
        from flask import jsonify

        from app.extensions import db

        searched = self.searched_fields.get(request.args.get("field", ""))
        if searched is None:
            return jsonify(results=[], pagination={"more": False})
        page = parse_int(request.args.get("page")) or 1
        page = min(max(page, 1), MAX_INT // (SEARCHED_PAGE + 1))
        text = (request.args.get("q") or "")[:100]
        rows = db.session.scalars(searched.statement(text).offset((page - 1) * SEARCHED_PAGE)
                                  .limit(SEARCHED_PAGE + 1)).unique().all()
        return jsonify(results=[{"id": row.id, "text": str(row)} for row in rows[:SEARCHED_PAGE]],
                       pagination={"more": len(rows) > SEARCHED_PAGE})
