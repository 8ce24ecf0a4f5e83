"""«КТП»: a subject group's calendar-thematic plan against the lessons held; the
plan imported from XLSX/CSV (preview, then confirm) with a downloadable template;
the plan's topics written into the lessons in order.

Between the preview and the confirmation the uploaded file waits on the server
under a random token that only this login's session knows; the browser never
sends back a path or the file's content.
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

from flask import Response, abort, current_app, flash, redirect, request, session as http_session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.journal import thematic
from app.models import SchoolClass, SubjectGroup, ThematicPlan
from app.rules.errors import RuleViolation
from app.views.base import format_date, format_number, message_of, parse_int as _int
from app.views.calendar import current_year

log = logging.getLogger(__name__)

UPLOADS_KEY = "parta_ktp_uploads"
UPLOAD_TTL_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




# --- The uploaded file between preview and confirmation --------------------------

def _upload_dir() -> Path:
    folder = Path(current_app.config.get("PARTA_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "parta-uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Forgets uploads nobody confirmed within the hour."""
    limit = time.time() - UPLOAD_TTL_SECONDS
    for path in folder.glob("ktp-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _user_id() -> Optional[int]:
    """The login that uploaded: the session cookie outlives a logout on a shared computer."""
    from flask_login import current_user

    return getattr(current_user, "id", None)


def _path(token: str) -> Path:
    return _upload_dir() / f"ktp-{token}"


def keep_upload(group_id: int, filename: str, data: bytes) -> str:
    """Stores the file under a new random token remembered in the login's session."""
    folder = _upload_dir()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    uploads = dict(http_session.get(UPLOADS_KEY) or {})
    for old in list(uploads)[:-4]:  # a few pending uploads per login at most
        discard_upload(old, uploads)
    uploads[token] = {"group": group_id, "name": filename[-200:], "user": _user_id()}
    http_session[UPLOADS_KEY] = uploads
    return token


def take_upload(token: Optional[str], group_id: int) -> Optional[tuple]:
    """(file name, content) of this login's pending upload for the group, or None."""
    uploads = http_session.get(UPLOADS_KEY) or {}
    entry = uploads.get(token or "")
    if not token or not TOKEN.match(token) or not entry or entry.get("group") != group_id \
            or entry.get("user") != _user_id():
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


# --- The view ---------------------------------------------------------------------

class ThematicView(BaseView):
    route_base = "/thematic"
    default_view = "groups"
    base_permissions = ["can_list", "can_show", "can_download", "can_import", "can_apply"]
    method_permission_name = {
        "groups": "list", "group": "show", "plan": "show", "template": "download",
        "upload": "import", "confirm": "import", "apply": "apply",
    }

    def _may(self, permission: str) -> bool:
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _group_or_404(self, group_id: int) -> SubjectGroup:
        try:
            return thematic.find_group(db.session, group_id)
        except RuleViolation:
            abort(404)

    @expose("/")
    @has_access
    def groups(self):
        """The subject groups the user may see, with their plans' size and lessons."""
        session = db.session
        year = current_year(session)
        class_id = _int(request.args.get("class_id"))
        classes = session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == (year.id if year else None))
            .where(SchoolClass.id.in_(select(SubjectGroup.class_id)))
            .order_by(SchoolClass.grade, SchoolClass.letter)
        ).all()
        query = (
            select(SubjectGroup, SchoolClass).join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .where(SubjectGroup.year_id == (year.id if year else None))
            .order_by(SchoolClass.grade, SchoolClass.letter, SubjectGroup.name)
        )
        if class_id:
            query = query.where(SubjectGroup.class_id == class_id)
        rows = session.execute(query).all()
        overview = thematic.group_overview(session, [group.id for group, _ in rows])
        return self.render_template(
            "parta/thematic_list.html", title=_l("Thematic plans and lessons"), rows=rows, overview=overview,
            classes=classes, class_id=class_id, format_number=format_number,
        )

    @expose("/group/<int:group_id>")
    @has_access
    def group(self, group_id: int):
        """The plan against the lessons, with the import and the «fill the topics» action."""
        session = db.session
        self._group_or_404(group_id)
        progress = thematic.plan_progress(session, group_id)
        editable = thematic.may_edit(session, progress.group)
        return self.render_template(
            "parta/thematic_group.html", title=_l("Thematic plan and lessons"), progress=progress,
            may_import=editable and self._may("can_import"), may_apply=editable and self._may("can_apply"),
            format_date=format_date, format_number=format_number,
        )

    @expose("/plan/<int:plan_id>")
    @has_access
    def plan(self, plan_id: int):
        """From a plan's page to its group's plan and lessons."""
        group_id = db.session.scalar(select(ThematicPlan.subject_group_id).where(ThematicPlan.id == plan_id))
        if group_id is None:
            abort(404)
        return redirect(url_for(".group", group_id=group_id))

    @expose("/template")
    @has_access
    def template(self):
        """The XLSX template with the columns «№», «Тема урока», «Часы», «Домашнее задание»."""
        return Response(thematic.template_xlsx(), mimetype=XLSX, headers={
            "Content-Disposition": "attachment; filename=ktp_template.xlsx", "Cache-Control": "no-store"})

    @expose("/group/<int:group_id>/upload", methods=["POST"])
    @has_access
    def upload(self, group_id: int):
        """Reads the file and shows what it would import; nothing is written yet."""
        session = db.session
        group = self._group_or_404(group_id)
        back = redirect(url_for(".group", group_id=group_id))
        if not thematic.may_edit(session, group):
            flash(gettext("You may not change the journal of this subject group."), "danger")
            return back
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("Choose the file with the plan."), "danger")
            return back
        data = upload.read(thematic.MAX_FILE_BYTES + 1)
        try:
            preview = thematic.preview_import(session, group_id, upload.filename, data)
        except RuleViolation as error:
            flash(message_of(error), "danger")
            return back
        token = keep_upload(group_id, upload.filename, data) if preview.parsed.ok else None
        return self.render_template(
            "parta/thematic_preview.html", title=_l("Import of a thematic plan"), preview=preview, token=token,
            filename=upload.filename, format_number=format_number,
        )

    @expose("/group/<int:group_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, group_id: int):
        """Writes the previewed file into the plan: all of it or, on any error, nothing."""
        session = db.session
        self._group_or_404(group_id)
        back = redirect(url_for(".group", group_id=group_id))
        token = request.form.get("token")
        pending = take_upload(token, group_id)
        if pending is None:
            flash(gettext("The uploaded file is no longer available; upload it again."), "danger")
            return back
        filename, data = pending
        try:
            preview = thematic.import_plan(session, group_id, filename, data)
            session.commit()
        except (RuleViolation, SQLAlchemyError) as error:
            session.rollback()
            log.warning("Thematic plan not imported: %r", error)
            flash(message_of(error), "danger")
            return back
        discard_upload(token)
        flash(gettext("The thematic plan is imported: %(topics)s topics, %(hours)s hours.",
                      topics=len(preview.parsed.topics), hours=format_number(preview.parsed.hours)), "success")
        return back

    @expose("/group/<int:group_id>/apply", methods=["POST"])
    @has_access
    def apply(self, group_id: int):
        """Writes the plan's topics into the lessons without one, in order."""
        session = db.session
        self._group_or_404(group_id)
        back = redirect(url_for(".group", group_id=group_id))
        try:
            done = thematic.apply_plan(session, group_id)
            session.commit()
        except (RuleViolation, SQLAlchemyError) as error:
            session.rollback()
            log.warning("Thematic plan not applied: %r", error)
            flash(message_of(error), "danger")
            return back
        if done.topics:
            flash(gettext("Topics written into %(topics)s lessons, homework into %(homework)s.",
                          topics=done.topics, homework=done.homework), "success")
        else:
            flash(gettext("Every lesson the plan reaches already has a topic: nothing was changed."), "info")
        return back
