"""How pages and files travel: compressed, and static files cached by the browser for good.

- Pages, JSON, CSS and JS are compressed (brotli, else gzip) when larger than 500 bytes
  (Flask-Compress).
- Every `url_for('static', …)` of Parta's own files carries the file's content hash
  (`/static/parta.js?v=3f2a…`): a changed file gets a new URL, so the browser may keep
  each URL for a year without asking again (`Cache-Control: immutable`). FAB's files
  (`appbuilder.static`) carry FAB's version the same way. A static URL without the
  current hash (an old page, a hand-typed URL) is answered as before, revalidated by
  its ETag (304 when unchanged).
- The layout's static URLs (some thirty on every page) are made once per process for
  each file (`parta_static` in the templates, `static_url`): each `url_for` cost
  ~10 µs; in debug mode, where a file may change under a running server, every time.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_compress import Compress

YEAR = 365 * 24 * 3600
FINGERPRINT = "v"  # the query argument that carries the hash

# Compression: brotli at a level that costs about what gzip does, gzip for older clients.
COMPRESSION = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["static", "appbuilder.static"],
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                           "application/json", "image/svg+xml", "text/plain", "text/csv"],
}


class Fingerprints:
    """Content hashes of the files of a static folder, read once (and again when a file
    changes, in debug mode)."""

    def __init__(self, folder: str, watch: bool) -> None:
        self.folder = Path(folder)
        self.watch = watch
        self.known: dict[str, tuple[float, str]] = {}

    def _hash(self, filename: str) -> tuple[float, str] | None:
        path = self.folder / filename
        try:
            stat = path.stat()
            if not path.resolve().is_relative_to(self.folder.resolve()):
                return None
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except (OSError, ValueError):
            return None
        return stat.st_mtime, digest

    def of(self, filename: str) -> str | None:
        found = self.known.get(filename)
        if found is None or (self.watch and os.stat(self.folder / filename).st_mtime != found[0]):
            found = self._hash(filename)
            if found is None:
                return None
            self.known[filename] = found
        return found[1]

    def read_all(self) -> None:
        for path in self.folder.rglob("*"):
            if path.is_file():
                self.of(path.relative_to(self.folder).as_posix())


def static_url(endpoint: str, filename: str) -> str:
    """url_for of a static file (with its fingerprint), made once per process."""
    if current_app.debug:
        return url_for(endpoint, filename=filename)
    return _static_url(endpoint, filename, request.script_root)


@lru_cache(maxsize=256)
def _static_url(endpoint: str, filename: str, _root: str) -> str:
    return url_for(endpoint, filename=filename)


def install(app: Flask) -> None:
    for name, value in COMPRESSION.items():
        app.config.setdefault(name, value)
    Compress(app)
    app.jinja_env.globals["parta_static"] = static_url

    own = Fingerprints(app.static_folder, watch=app.debug)
    own.read_all()
    fab = package_version("flask-appbuilder")

    def stamp(endpoint: str, filename: str) -> str | None:
        if endpoint == "static":
            return own.of(filename)
        if endpoint == "appbuilder.static":
            return fab
        return None

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint in ("static", "appbuilder.static") and FINGERPRINT not in values and "filename" in values:
            found = stamp(endpoint, values["filename"])
            if found is not None:
                values[FINGERPRINT] = found

    @app.after_request
    def _static_cache(response):
        endpoint = request.endpoint
        if endpoint not in ("static", "appbuilder.static") or response.status_code not in (200, 304):
            return response
        wanted = request.args.get(FINGERPRINT)
        filename = (request.view_args or {}).get("filename", "")
        if wanted is not None and wanted == stamp(endpoint, filename):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        else:  # an unversioned URL: kept, but asked again each time (ETag: 304 when unchanged)
            response.cache_control.max_age = 0
            response.cache_control.no_cache = True
            response.expires = None
        return response
