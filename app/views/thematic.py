"""«КТП»: a subject group's calendar-thematic plan against the lessons held; the
plan imported from XLSX/CSV (preview, then confirm) with a downloadable template;
the plan's topics written into the lessons in order.

Between the preview and the confirmation the uploaded file waits on the server
under a random token that only this login's session knows; the browser never
sends back a path or the file's content.
"""
from __future__ import annotations


from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l, ngettext
from sqlalchemy import select

from app.extensions import db
from app.journal import thematic
from app.models import SchoolClass, SubjectGroup, ThematicPlan
from app.rules.errors import RuleViolation
from app.rules.thematic import NO_PLAN, plan_gaps
from app.views.uploads import PendingUploads
from app.views.base import commit_write, format_date, format_number, message_of, parse_int as _int
from app.views.calendar import current_year


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




# --- The uploaded file between preview and confirmation --------------------------

UPLOADS = PendingUploads("ktp-", "parta_ktp_uploads")
keep_upload, take_upload, discard_upload = UPLOADS.keep, UPLOADS.take, UPLOADS.discard


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
        states = thematic.group_states(session, [group for group, _ in rows], overview)
        return self.render_template(
            "parta/thematic_list.html", title=_l("Thematic plans and lessons"), rows=rows, overview=overview,
            classes=classes, class_id=class_id, format_number=format_number,
            gaps={gid: [gap for gap in plan_gaps(state) if gap != NO_PLAN] for gid, state in states.items()},  # «нет плана» has its column
        )

    @expose("/group/<int:group_id>")
    @has_access
    def group(self, group_id: int):
        """The plan against the lessons, with the import and the «fill the topics» action."""
        session = db.session
        self._group_or_404(group_id)
        progress = thematic.plan_progress(session, group_id)
        editable = thematic.may_edit(session, progress.group)
        overview = thematic.group_overview(session, [group_id])
        state = thematic.group_states(session, [progress.group], overview)[group_id]
        return self.render_template(
            "parta/thematic_group.html", title=_l("Thematic plan and lessons"), progress=progress,
            may_import=editable and self._may("can_import"), may_apply=editable and self._may("can_apply"),
            gaps=plan_gaps(state),
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
        ok, preview = commit_write(session, lambda: thematic.import_plan(session, group_id, filename, data))
        if not ok:
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
        ok, done = commit_write(session, lambda: thematic.apply_plan(session, group_id))
        if not ok:
            return back
        if done.topics:
            flash(ngettext("Topics written into %(num)d lesson, homework into %(homework)s.",
                           "Topics written into %(num)d lessons, homework into %(homework)s.",
                           done.topics, homework=done.homework), "success")
        else:
            flash(gettext("Every lesson the plan reaches already has a topic: nothing was changed."), "info")
        return back
