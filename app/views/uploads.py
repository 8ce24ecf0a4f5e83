"""A file uploaded for a preview, kept on the server until the user confirms it.

The file waits in a private folder under a random token; the token is remembered
in the login's session together with what the upload is for (an import kind, a
subject group) and who uploaded it, since the session cookie outlives a logout
on a shared computer. The client never names a path. Unconfirmed uploads are
forgotten after an hour, and a login keeps only a few pending ones.
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from flask import current_app, session as http_session

TTL_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _user_id() -> Optional[int]:
    from flask_login import current_user

    return getattr(current_user, "id", None)


class PendingUploads:
    """The pending uploads of one page, named by `prefix` (files) and `key` (session)."""

    def __init__(self, prefix: str, key: str):
        self.prefix, self.key = prefix, key

    def _folder(self) -> Path:
        folder = Path(current_app.config.get("PARTA_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "parta-uploads")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def _path(self, token: str) -> Path:
        return self._folder() / f"{self.prefix}{token}"

    def _sweep(self) -> None:
        limit = time.time() - TTL_SECONDS
        for path in self._folder().glob(f"{self.prefix}*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                pass

    def keep(self, purpose: Any, filename: str, data: bytes) -> str:
        """Stores the file for `purpose` and returns its new token."""
        self._sweep()
        token = secrets.token_urlsafe(24)
        descriptor = os.open(self._path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        uploads = dict(http_session.get(self.key) or {})
        for old in list(uploads)[:-4]:  # a few pending uploads per login at most
            self.discard(old, uploads)
        uploads[token] = {"purpose": purpose, "name": filename[-200:], "user": _user_id()}
        http_session[self.key] = uploads
        return token

    def take(self, token: Optional[str], purpose: Any) -> Optional[tuple]:
        """(file name, content) of this login's pending upload for `purpose`, or None."""
        entry = (http_session.get(self.key) or {}).get(token or "")
        if not token or not TOKEN.match(token) or not entry or entry.get("purpose") != purpose \
                or entry.get("user") != _user_id():
            return None
        try:
            return entry["name"], self._path(token).read_bytes()
        except OSError:
            return None

    def discard(self, token: str, uploads: Optional[dict] = None) -> None:
        own = uploads if uploads is not None else dict(http_session.get(self.key) or {})
        own.pop(token, None)
        if TOKEN.match(token or ""):
            try:
                self._path(token).unlink()
            except OSError:
                pass
        if uploads is None:
            http_session[self.key] = own
