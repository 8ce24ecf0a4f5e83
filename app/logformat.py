"""Structured logs: with PARTA_LOG_FORMAT=json every log line of the web server and the worker
is one JSON object (time, level, logger, message, and within a request its method, path, the
signed-in login's id and the client's address), for a log collector; the default stays plain
text."""
from __future__ import annotations

import logging
import sys

from flask import Flask, has_request_context, request


class _RequestFields(logging.Filter):
    """Adds what the current request is, when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            from flask import g

            record.method, record.path = request.method, request.path
            record.address = request.remote_addr
            user = g.get("_login_user")  # only when already loaded: a log call never queries
            try:
                record.user_id = getattr(user, "id", None)
            except Exception:  # noqa: BLE001  a detached or broken row: the line is still written
                record.user_id = None
        return True


def install(app: Flask) -> None:
    if (app.config.get("PARTA_LOG_FORMAT") or "").lower() != "json":
        return
    from pythonjsonlogger.json import JsonFormatter

    root = logging.getLogger()
    if any(getattr(handler, "parta_json", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.parta_json = True
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    handler.addFilter(_RequestFields())
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config.get("PARTA_LOG_LEVEL") or "INFO")
