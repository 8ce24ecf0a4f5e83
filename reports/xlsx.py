"""Spreadsheets of the reports (openpyxl): a title, bold wrapped headers, widths."""
from __future__ import annotations

import io


def new_workbook(title: str = ""):
    """(workbook, its first sheet), the sheet named `title` (Excel allows 31 characters)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title[:31]
    return workbook, sheet


def title_rows(sheet, text: str, subtitle: str = "") -> None:
    """The report's title in bold (and a subtitle) above a blank row: the table starts on row 3
    (row 4 with a subtitle)."""
    from openpyxl.styles import Font

    sheet.append([text])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    if subtitle:
        sheet.append([subtitle])
    sheet.append([])


def finish(workbook, sheets: dict) -> bytes:
    """Bold, wrapped header rows and column widths per sheet title:
    {title: {"header_row": n, "widths": {"A": 12}}}; the workbook as bytes."""
    from openpyxl.styles import Alignment, Font

    for sheet in workbook.worksheets:
        settings = sheets.get(sheet.title, {})
        for cell in sheet[settings.get("header_row", 1)]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in settings.get("widths", {}).items():
            sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
