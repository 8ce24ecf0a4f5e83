"""«Импорт учеников» and «Импорт сотрудников»: a file (XLSX or CSV, from the
downloadable template) is previewed row by row with its problems and what each
row would do; only on confirmation are its valid rows written, in one transaction.

Between the preview and the confirmation the uploaded file waits on the server
under a random token that only this login's session knows (as the КТП import
does); the browser never sends back a path or the file's content.
"""
from __future__ import annotations

from typing import Optional

from flask import Response, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app import people_import, tables
from app.clock import school_today
from app.extensions import db
from app.rules import importing as rules
from app.rules.errors import RuleViolation
from app.security.rights import require_right
from app.views.uploads import PendingUploads
from app.views.base import commit_write, format_date, format_number, message_of


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

UPLOADS = PendingUploads("people-", "parta_import_uploads")
keep_upload, take_upload, discard_upload = UPLOADS.keep, UPLOADS.take, UPLOADS.discard


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
        ok, plan = commit_write(session, lambda: people_import.apply(session, self.kind, school_id, filename, data, school_today()))
        if not ok:
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
