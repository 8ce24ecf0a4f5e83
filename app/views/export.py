"""«Экспорт в XLSX» of every generated list: the rows of the current search (all
pages), with the list's Russian column labels and its formatted values.

The endpoint is a list too: it needs the view's `can_list`, reads through the
scoped session (so a teacher exports only their own students) and applies the
view's base filters and the search filters of the query string exactly as the
list page does.
"""
from __future__ import annotations

import datetime as dt
import decimal
import io
import re

from flask import Response
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext
from markupsafe import Markup

from app.clock import school_today
from app.views.formats import download_response, format_date, format_datetime, format_number, format_time

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MAX_ROWS = 100_000
# Characters XML 1.0 cannot carry (openpyxl refuses them).
UNCACHED = (str, int, float, list, dict, set)
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_response(body: bytes, filename: str, title: str | None = None) -> Response:
    """An XLSX download; not cached (lists hold personal data). `title` gives the
    browser a Russian file name besides the ASCII one."""
    return download_response(body, XLSX, filename, f"{title}.xlsx" if title else None)


def cell_value(value):
    """A list cell as a spreadsheet value: numbers stay numbers, dates ДД.ММ.ГГГГ,
    everything else the text the list shows."""
    if value is None:
        return None
    if isinstance(value, Markup):
        value = value.striptags()
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return format_time(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(item) for item in value)
    return ILLEGAL.sub("", str(value))


def sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"


def workbook(title: str, headers: list, rows: list, note: str | None = None) -> bytes:
    """A one-sheet XLSX: bold headers, frozen under the header row, then the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    for index, header in enumerate(headers, start=1):
        longest = max([len(header)] + [len(str(row[index - 1])) for row in rows[:200] if row[index - 1] is not None])
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(60, longest + 2))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text that looks like a formula stays text
                value = cell
            cells.append(value)
        sheet.append(cells)
    if note:
        sheet.append([])
        sheet.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ExportMixin:
    """Adds /<view>/export/ to a ModelView: its current list as XLSX."""

    export_max_rows = EXPORT_MAX_ROWS

    def _export_query(self):
        datamodel = self.datamodel
        filters = datamodel.get_filters(self.search_columns)
        get_filter_args(filters)  # the search of the list page, from the same query string
        order_column, order_direction = get_order_args().get(self.__class__.__name__, ("", ""))
        if order_column not in (self.order_columns or []):
            order_column, order_direction = "", ""
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        query = datamodel.session.query(datamodel.obj)
        query = query.options(*self.list_load_options())  # the related rows with the rows, as the list page
        return datamodel.apply_all(query, filters.get_joined_filters(self._base_filters), order_column,
                                   order_direction, page=None, page_size=self.export_max_rows + 1)

    def export_rows(self) -> tuple:
        """(headers, rows, truncated) of the current list."""
        items = self._export_query().all()
        truncated = len(items) > self.export_max_rows
        items = items[: self.export_max_rows]
        columns = list(self.list_columns)
        headers = [str(self.label_columns.get(column, column)) for column in columns]
        formatters = [self.formatters_columns.get(column) for column in columns]
        shown: dict = {}  # (column, value) → cell: a student or «Да» repeats over thousands of rows
        rows = []
        for values in self.datamodel.get_values(items, columns):
            row = []
            for index, column in enumerate(columns):
                value = values[column]
                key = (index, value) if isinstance(value, bool) or not isinstance(value, UNCACHED) else None
                try:
                    if key is not None and key in shown:
                        row.append(shown[key])
                        continue
                except TypeError:  # an unhashable value
                    key = None
                formatter = formatters[index]
                cell = cell_value(formatter(value) if formatter else value)
                if key is not None:
                    shown[key] = cell
                row.append(cell)
            rows.append(row)
        return headers, rows, truncated

    @expose("/export/")
    @has_access
    @permission_name("list")
    def export_xlsx(self):
        """The list with its current search, all pages, as an XLSX file."""
        headers, rows, truncated = self.export_rows()
        title = str(self.list_title or self.__class__.__name__)
        note = gettext("Only the first %(n)s rows are exported.", n=self.export_max_rows) if truncated else None
        name = re.sub(r"view$", "", self.__class__.__name__.lower()) or "list"
        filename = f"{name}-{school_today():%Y-%m-%d}.xlsx"
        return xlsx_response(workbook(title, headers, rows, note), filename, title)
