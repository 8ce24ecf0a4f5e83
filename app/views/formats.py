"""How the views show values and send files: dates ДД.ММ.ГГГГ, times, numbers with a
decimal comma, downloads that are never cached. Below app/views/base.py and
app/views/export.py, which both use them."""
from __future__ import annotations

import datetime as dt
import decimal

from flask import Response
from flask_babel import to_user_timezone

DATE_FORMAT = "%d.%m.%Y"


def format_date(value: dt.date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def format_datetime(value: dt.datetime | None) -> str:
    """Stored in UTC, shown in the school's time zone (BABEL_DEFAULT_TIMEZONE)."""
    return to_user_timezone(value).strftime("%d.%m.%Y %H:%M") if value else ""


def format_time(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def format_number(value) -> str:
    """1.50 → «1,5», as Russian documents write numbers."""
    if value is None:
        return ""
    text = f"{decimal.Decimal(str(value)).normalize():f}"
    return text.replace(".", ",")


def content_disposition(filename: str, title: str | None = None) -> str:
    """An attachment's Content-Disposition by RFC 6266: the name as ASCII in `filename`
    (other characters become «_»), the full Russian name in `filename*` (RFC 5987).
    HTTP headers are Latin-1: a raw «согласие-Иванов.pdf» makes gunicorn fail the response."""
    from urllib.parse import quote

    name = title or filename
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename) \
        or "download"
    disposition = f'attachment; filename="{fallback}"'
    if name != fallback:
        disposition += f"; filename*=UTF-8''{quote(name, safe='')}"
    return disposition


def download_response(body: bytes, mimetype: str, filename: str, title: str | None = None) -> Response:
    """A download, never cached (documents and files hold personal data); `title` (with
    its extension) gives the browser a Russian file name besides the ASCII `filename`."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(filename, title),
                                                      "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
