"""Reading an uploaded table (XLSX or CSV) into rows of cells, for every import
(the КТП, students and staff). What the cells mean is each import's own rule.

A CSV may come from Russian Excel (cp1251, «;») or from anything else (UTF-8 with
or without the BOM, «,» or a tab). An XLSX is a zip: one that unpacks into a flood
is refused before openpyxl reads it.
"""
from __future__ import annotations

import csv
import io
import zipfile

from app.rules.errors import N_, RuleViolation

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
FORMATS = (".xlsx", ".csv")

OLD_FORMAT = N_("Save the table as an XLSX spreadsheet or a CSV file and upload it again.")
TOO_LARGE = N_("The spreadsheet is too large.")


def file_format(filename: str, old_format: str = OLD_FORMAT) -> str:
    """«.xlsx» or «.csv» by the file's name; anything else is refused."""
    name = (filename or "").lower().strip()
    for ext in FORMATS:
        if name.endswith(ext):
            return ext
    if name.endswith((".xls", ".ods")):
        raise RuleViolation(old_format)
    raise RuleViolation(N_("Upload an XLSX spreadsheet or a CSV file."))


def _xlsx_rows(data: bytes, max_rows: int, max_columns: int, max_unpacked: int, too_large: str) -> list:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RuleViolation(N_("The file could not be read as an XLSX spreadsheet.")) from error
    if unpacked > max_unpacked:
        raise RuleViolation(too_large)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged or foreign file: zipfile, openpyxl and XML errors alike
        raise RuleViolation(N_("The file could not be read as an XLSX spreadsheet.")) from error
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values[:max_columns]))
            if len(rows) >= max_rows:
                break
        return rows
    except Exception as error:  # a cell openpyxl cannot convert, a broken sheet
        raise RuleViolation(N_("The file could not be read as an XLSX spreadsheet.")) from error
    finally:
        book.close()


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def delimiter(text: str) -> str:
    """«;» (Russian Excel) or «,» or a tab, by the first non-empty line."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


def _csv_rows(data: bytes, max_rows: int, max_columns: int) -> list:
    text = decode(data)
    if "\x00" in text:
        raise RuleViolation(N_("The file could not be read as a CSV table."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    rows = []
    try:
        for values in reader:
            rows.append(values[:max_columns])
            if len(rows) >= max_rows:
                break
    except csv.Error as error:
        raise RuleViolation(N_("The file could not be read as a CSV table.")) from error
    return rows


def read_table(filename: str, data: bytes, *, max_rows: int, max_columns: int,
               max_bytes: int = MAX_FILE_BYTES, max_unpacked: int = MAX_UNPACKED_BYTES,
               old_format: str = OLD_FORMAT, too_large: str = TOO_LARGE) -> list:
    """The first sheet's (or the CSV's) rows, each a list of at most `max_columns`
    cells, at most `max_rows` rows (blank rows included). Raises RuleViolation
    when the file itself cannot be read; `old_format` and `too_large` let a
    caller name what the table should hold."""
    ext = file_format(filename, old_format)
    if not data:
        raise RuleViolation(N_("The file is empty."))
    if len(data) > max_bytes:
        raise RuleViolation(N_("The file is larger than %(size)s MB."), size=max_bytes // (1024 * 1024))
    if ext == ".xlsx":
        return _xlsx_rows(data, max_rows, max_columns, max_unpacked, too_large)
    return _csv_rows(data, max_rows, max_columns)
