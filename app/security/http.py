"""HTTP-level protections: idle session timeout, security headers, and bad input
answered with a clear 400/404/413 instead of a server error (issue 12, item 10):
ids beyond the database's integers in URLs, request bodies beyond a size, JSON nested
beyond a depth, page numbers that are no numbers."""
from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Request, flash, jsonify, redirect, render_template, request, session, url_for
import orjson
from jinja2 import pass_eval_context
from markupsafe import Markup
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from app.rules.errors import N_
from app.rules.values import MAX_ID, parse_id

log = logging.getLogger(__name__)

# Uploads: up to 5 files of 5 MB on an announcement or a letter, with the form around them.
MAX_CONTENT_LENGTH = 30 * 1024 * 1024
# A JSON body (the grid's batch of up to 2,000 cells, a REST row) is small and shallow.
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 32
# A Rison query of the REST API (?q=…): filters, order, paging.
MAX_RISON_CHARS = 10_000
MAX_RISON_DEPTH = 16

# FAB's pages carry inline scripts and styles; everything else comes from this server only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'self'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# What a user who must change the issued password may still open.
PASSWORD_CHANGE_ENDPOINTS = {"ResetMyPasswordView.this_form_get", "ResetMyPasswordView.this_form_post",
                             "PartaAuthDBView.logout", "AuthDBView.logout", "static", "appbuilder.static"}


class IdConverter(IntegerConverter):
    """`<int:…>` in Parta's URLs: a whole number up to int4 (ids are int4 on PostgreSQL;
    a larger one names no row and would fail the query): anything else answers 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def nesting_depth(text: str, opening: str, closing: str) -> int:
    """How deep brackets nest in a text (a Rison argument: its brackets are parentheses); a
    scan without recursion, so that any depth can be measured."""
    depth = deepest = 0
    for char in text:
        if char in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif char in closing:
            depth -= 1
    return deepest


_HTML_UNSAFE = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"), (b"'", b"\\u0027"))


class LimitedJSONProvider(DefaultJSONProvider):
    """Reads a JSON body only within MAX_JSON_BYTES and MAX_JSON_DEPTH: a 50,000-deep
    array made the parser fail with a RecursionError (a server error). Writes JSON with orjson
    (the journal's data, 190 KB, in a tenth of the standard library's time), as Flask would:
    keys sorted, ids as keys allowed, dates and decimals through Flask's own conversion; the
    text stays UTF-8 instead of \\u escapes."""

    def dumps(self, obj, **kwargs) -> str:
        return self.dumps_bytes(obj, **kwargs).decode()

    def dumps_bytes(self, obj, **kwargs) -> bytes:
        """dumps() as UTF-8 bytes."""
        option = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
        if kwargs.get("sort_keys", self.sort_keys):
            option |= orjson.OPT_SORT_KEYS
        if kwargs.get("indent"):
            option |= orjson.OPT_INDENT_2
        return orjson.dumps(obj, default=kwargs.get("default", self.default), option=option)

    def html_safe(self, obj, indent=None) -> Markup:
        """The templates' |tojson: JSON safe inside HTML (<, >, & and ' as \\u escapes, as Jinja's
        own filter writes them), escaped on the UTF-8 bytes — on the text, the journal page's
        87 KB of mostly Cyrillic data took four scans of 0.08 ms each."""
        data = self.dumps_bytes(obj, indent=indent)
        for unsafe, escaped in _HTML_UNSAFE:
            data = data.replace(unsafe, escaped)
        return Markup(data.decode())

    def loads(self, s, **kwargs):
        if isinstance(s, (bytes, bytearray)):
            if len(s) > MAX_JSON_BYTES:
                raise ValueError("JSON body too large")
            s = s.decode(json.detect_encoding(s), "surrogatepass")
        if len(s) > MAX_JSON_BYTES:
            raise ValueError("JSON body too large")
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:  # nested deeper than the parser's recursion goes
            raise ValueError("JSON nested too deep") from error
        # the depth cannot pass the count of opening brackets (those in strings only add to it):
        # a session cookie or a journal save is counted in C, and its value walked only when it
        # could be too deep
        if s.count("[") + s.count("{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deep")
        return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed JSON nests its arrays and objects more than `limit` deep (a walk without
    recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


@pass_eval_context
def _tojson(_eval_ctx, value: Any, indent=None) -> Markup:
    """|tojson in the templates: LimitedJSONProvider.html_safe, called as Jinja's own filter is
    (templates compiled before, kept in the bytecode cache, pass the evaluation context)."""
    from flask import current_app

    return current_app.json.html_safe(value, indent)


class UnreadableJSON(BadRequest):
    """A JSON body that cannot be read; the description is the Russian message."""


class PartaRequest(Request):
    """A JSON body that cannot be read is a 400 with a Russian message (the REST API shows it)."""

    def on_json_loading_failed(self, e):
        raise UnreadableJSON(gettext("The request body is not readable JSON, or it is larger than %(size)s MB or nested "
                                 "deeper than %(depth)s levels.", size=MAX_JSON_BYTES // (1024 * 1024),
                                 depth=MAX_JSON_DEPTH))


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webapi/")) or request.is_json


ERROR_MESSAGES = {
    400: N_("The request holds a value that cannot be processed. Check what was entered and try again."),
    404: N_("There is no such page or record, or you may not see it."),
    413: N_("The request is too large: files up to 5 MB each, texts up to 20,000 characters."),
}


def error_response(code: int, message: str | None = None):
    """A Russian answer to bad input: JSON for programs, a page for people."""
    text = message or gettext(ERROR_MESSAGES[code])
    if _wants_json():
        return jsonify(message=text), code
    try:
        # A page of its own, without the menu: quick, and it cannot fail on what failed the request.
        return render_template("parta/error.html", code=code, message=text), code
    except Exception:  # the page itself failed: the message in plain text still answers
        log.exception("Error page failed")
        return text, code, {"Content-Type": "text/plain; charset=utf-8"}


def _page_arguments_are_numbers() -> bool:
    """FAB's lists read «page_<View>» and «psize_<View>» with int(): «page_StudentView=abc»
    failed the request."""
    for name, value in request.args.items(multi=True):
        if name.startswith(("page_", "psize_")):
            if not (value.isascii() and value.isdigit() and len(value) <= 9):
                return False
    return True


def install(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.json = LimitedJSONProvider(app)
    app.jinja_env.policies["json.dumps_function"] = app.json.dumps  # |tojson too (bound when the templates were set up)
    app.jinja_env.filters["tojson"] = _tojson
    app.request_class = PartaRequest
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH

    @app.before_request
    def _impossible_input():
        """FAB's `<pk>` routes take any text: an id that is no whole number up to int4
        names no row (404). A Rison query too long or deep for its parser is a 400."""
        args = request.view_args or {}
        pk = args.get("pk")
        if isinstance(pk, str) and parse_id(pk) is None:
            return error_response(404)
        if "filename" in args and (request.endpoint or "").endswith(".download"):
            return error_response(404)  # FAB's file-column downloads: Parta keeps no files in columns
        if not _page_arguments_are_numbers():
            return error_response(400)
        rison = request.args.get("q")
        if rison is not None and request.path.startswith("/api/") and (
                len(rison) > MAX_RISON_CHARS or nesting_depth(rison, "(", ")") > MAX_RISON_DEPTH):
            return error_response(400)
        return None

    def _http_error(error: HTTPException):
        if isinstance(error, UnreadableJSON):
            return error_response(400, error.description)
        if isinstance(error, CSRFError):
            return error_response(400, gettext("The form is out of date or was sent from another site. Reload the "
                                               "page and send it again."))
        return error_response(error.code)

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, _http_error)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _value_the_database_cannot_hold(error):
        """The last line: a value no column can hold (a number beyond int4, a text longer
        than its column) that no check caught answers 400 and writes nothing."""
        from app.extensions import db

        db.session.rollback()
        log.warning("Value refused by the database: %r", error)
        return error_response(400)

    @app.before_request
    def _idle_timeout() -> None:
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request
        # (the NetSchool API keeps its own session and token).
        if not request.path.startswith("/webapi/") and not session.permanent:
            session.permanent = True  # once: setting it marks the session changed (the cookie sent again)

    @app.before_request
    def _first_login_password_change():
        """An issued password is changed at the first login before anything else. (The
        endpoints first: a static file loads no login.)"""
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.path.startswith("/api/"):
            return None
        if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
            return None
        flash(gettext("Please choose your own password: the issued one must be changed at the first login."), "warning")
        return redirect(url_for("ResetMyPasswordView.this_form_get"))

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
