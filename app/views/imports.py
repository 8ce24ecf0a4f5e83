"""«Импорт учеников» and «Импорт сотрудников»: a file (XLSX or CSV, from the
downloadable template) is previewed row by row with its problems and what each
row would do; only on confirmation are its valid rows written, in one transaction.

Between the preview and the confirmation the uploaded file waits on the server
under a random token that only this login's session knows (as the КТП import
does); the browser never sends back a path or the file's content.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Optional

from flask import Response, current_app, flash, redirect, request, session as http_session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app import people_import, tables
from app.clock import school_today
from app.extensions import db
from app.rules import importing as rules
from app.rules.errors import RuleViolation
from app.security.rights import require_right
from app.views.base import format_date, format_number, message_of

log = logging.getLogger(__name__)

UPLOADS_KEY = "parta_import_uploads"
UPLOAD_TTL_SECONDS = 3600
PREFIX = "people-"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def field_list(msgids) -> str:
    """«Телефон, E-mail»: field labels in Russian, in a sentence."""
    return ", ".join(gettext(msgid) for msgid in msgids)


def relation_label(code: Optional[str]) -> str:
    from app.models import Relation

    return str(Relation[code]) if code else ""


def describe(problem: RuleViolation) -> str:
    """A problem or note in Russian, with its msgid parameters translated too."""
    params = {}
    for key, value in problem.params.items():
        if isinstance(value, RuleViolation):
            value = describe(value)
        elif isinstance(value, list):
            value = field_list(value)
        elif key in rules.TRANSLATED_PARAMS and isinstance(value, str):
            value = gettext(value)
        params[key] = value
    return gettext(problem.msgid, **params)


# --- The uploaded file between preview and confirmation --------------------------

def _upload_dir() -> Path:
    folder = Path(current_app.config.get("PARTA_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "parta-uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path:
    return _upload_dir() / f"{PREFIX}{token}"


def _user_id() -> Optional[int]:
    """The login that uploaded: the session cookie outlives a logout on a shared computer."""
    from flask_login import current_user

    return getattr(current_user, "id", None)


def keep_upload(kind: str, filename: str, data: bytes) -> str:
    """Stores the file under a new random token remembered in the login's session;
    forgets uploads nobody confirmed within the hour."""
    folder = _upload_dir()
    limit = time.time() - UPLOAD_TTL_SECONDS
    for path in folder.glob(f"{PREFIX}*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    uploads = dict(http_session.get(UPLOADS_KEY) or {})
    for old in list(uploads)[:-4]:  # a few pending uploads per login at most
        discard_upload(old, uploads)
    uploads[token] = {"kind": kind, "name": filename[-200:], "user": _user_id()}
    http_session[UPLOADS_KEY] = uploads
    return token


def take_upload(token: Optional[str], kind: str) -> Optional[tuple]:
    """(file name, content) of this login's pending upload of the kind, or None."""
    uploads = http_session.get(UPLOADS_KEY) or {}
    entry = uploads.get(token or "")
    if not token or not TOKEN.match(token) or not entry or entry.get("kind") != kind or entry.get("user") != _user_id():
        return None
    try:
        return entry["name"], _path(token).read_bytes()
    except OSError:
        return None


def discard_upload(token: str, uploads: Optional[dict] = None) -> None:
    own = uploads if uploads is not None else dict(http_session.get(UPLOADS_KEY) or {})
    own.pop(token, None)
    if TOKEN.match(token or ""):
        try:
            _path(token).unlink()
        except OSError:
            pass
    if uploads is None:
        http_session[UPLOADS_KEY] = own


# --- The views ----------------------------------------------------------------------

class PeopleImportView(BaseView):
    """The page of one kind of import; subclasses name the kind and the right."""

    kind = ""
    right = ""
    title = ""
    base_permissions = ["can_import"]
    method_permission_name = {"form": "import", "template": "import", "upload": "import", "confirm": "import"}
    default_view = "form"

    def _school_id(self) -> Optional[int]:
        from flask_login import current_user

        return getattr(current_user, "school_id", None)

    def _page(self, template: str, **context):
        return self.render_template(template, title=self.title, kind=self.kind, endpoint=self.__class__.__name__,
                                    describe=describe, field_list=field_list, relation_label=relation_label,
                                    format_date=format_date, format_number=format_number, **context)

    @expose("/")
    @has_access
    def form(self):
        """The upload form, the template and what the import does."""
        require_right(self.right)
        return self._page("parta/import_form.html")

    @expose("/template")
    @has_access
    def template(self):
        """The XLSX template with the Russian column headers."""
        require_right(self.right)
        return Response(people_import.template_xlsx(self.kind), mimetype=XLSX, headers={
            "Content-Disposition": f"attachment; filename={self.kind}_template.xlsx", "Cache-Control": "no-store"})

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        """Reads the file and shows what each row would do; nothing is written."""
        require_right(self.right)
        back = redirect(url_for(".form"))
        school_id = self._school_id()
        if school_id is None:
            flash(gettext("Your login belongs to no school: import the data as a user of the school."), "danger")
            return back
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("Choose the file to import."), "danger")
            return back
        data = upload.read(tables.MAX_FILE_BYTES + 1)
        try:
            plan = people_import.preview(db.session, self.kind, school_id, upload.filename, data, school_today())
        except RuleViolation as error:
            flash(message_of(error), "danger")
            return back
        finally:
            db.session.rollback()  # the preview only read
        token = keep_upload(self.kind, upload.filename, data) if plan.writes and not plan.problems else None
        return self._page("parta/import_preview.html", plan=plan, token=token, filename=upload.filename)

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        """Writes the previewed file's valid rows, all in one transaction (or nothing)."""
        require_right(self.right)
        back = redirect(url_for(".form"))
        token = request.form.get("token")
        pending = take_upload(token, self.kind)
        school_id = self._school_id()
        if pending is None or school_id is None:
            flash(gettext("The uploaded file is no longer available; upload it again."), "danger")
            return back
        filename, data = pending
        session = db.session
        try:
            plan = people_import.apply(session, self.kind, school_id, filename, data, school_today())
            session.commit()
        except (RuleViolation, SQLAlchemyError) as error:
            session.rollback()
            log.warning("People not imported: %r", error)
            flash(message_of(error), "danger")
            return back
        discard_upload(token)
        flash(gettext("Imported: %(new)s new, %(updated)s updated, %(same)s unchanged; %(errors)s rows with errors "
                      "were skipped.", new=plan.count(rules.NEW), updated=plan.count(rules.UPDATE),
                      same=plan.count(rules.SAME), errors=plan.count(rules.ERROR)), "success")
        return back


class StudentImportView(PeopleImportView):
    route_base = "/import/students"
    kind = people_import.STUDENTS
    right = "movement_book_edit"  # the secretary's: «вносит новых учащихся»
    title = _l("Import of students and guardians")


class StaffImportView(PeopleImportView):
    route_base = "/import/staff"
    kind = people_import.STAFF
    right = "users_edit"  # the HR specialist's
    title = _l("Import of staff")
