"""«Мой класс»: the class teacher's workspace — the class's pupils with parents and
contacts (health data only with the right «health_view»), consents, today's
attendance, the class's reports and journals, and an announcement or a letter to
the class's parents. The administration opens any class of the school (a chooser);
a teacher who leads no class is told so."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.clock import school_today, utcnow
from app.extensions import db
from app.journal import classroom
from app.models import Announcement, Audience
from app.security.accounts import acting_user
from app.security.classroom import plans_groups, working_day, working_year, workspace_classes
from app.security.rights import user_rights
from app.views.base import commit_write, format_date, parse_int

# The class's reports: (view, menu label); each opens on the class.
CLASS_REPORTS = [
    ("ClassResultsReportView", _l("Results of the class for the period")),
    ("SummarySheetReportView", _l("Summary sheet of progress")),
    ("ClassAttendanceReportView", _l("Attendance of the class")),
    ("ParentLetterReportView", _l("Information letter to the parents")),
    ("JournalAuditView", _l("Journal access report")),
]


class MyClassView(BaseView):
    route_base = "/myclass"
    default_view = "show"
    base_permissions = ["can_show", "can_announce"]
    method_permission_name = {"show": "show", "announce": "announce"}

    def _class(self, source):
        today = working_day(working_year(db.session, school_today()), school_today())  # in the summer: the year's last day
        classes = workspace_classes(db.session, today)
        asked = parse_int(source.get("class_id"))
        chosen = next((c for c in classes if c.id == asked), None)
        if asked is not None and chosen is None:
            abort(404)  # a class of another school, or one the user does not lead
        return today, classes, chosen or (classes[0] if classes else None)

    @expose("/", methods=["GET"])
    @has_access
    def show(self):
        today, classes, school_class = self._class(request.args)
        if school_class is None:
            return self.render_template("parta/my_class.html", title=_l("My class"), classes=[], school_class=None)
        sm = self.appbuilder.sm
        rights = user_rights(sm, sm.current_user)
        with_health = "health_view" in rights and sm.has_access("can_list", "StudentHealthView")
        pupils = classroom.class_pupils(db.session, school_class.id, today, with_health)
        reports = [(label, url_for(f"{view}.report", **{"class": school_class.id}))
                   for view, label in CLASS_REPORTS if sm.has_access("can_report", view)]
        journals = classroom.class_journals(db.session, school_class.id)
        parents = sorted({p.user_id for pupil in pupils for p in pupil.parents if p.user_id})
        links = {
            "grid": sm.has_access("can_grid", "JournalGridView"),
            "student": sm.has_access("can_show", "StudentView"),
            "split": sm.has_access("can_split", "SubgroupSplitView") and (plans_groups() or school_class.class_teacher
                                                                           and school_class.class_teacher.user_id
                                                                           == getattr(acting_user(), "id", None)),
            "mail": url_for("MailView.compose", to=parents) if parents and sm.has_access("can_mail", "MailView")
            else None,
            "credentials": sm.has_access("can_form", "CredentialsView"),
            "consents": sm.has_access("can_list", "StudentWithoutConsentView"),
        }
        teacher = school_class.class_teacher
        return self.render_template(
            "parta/my_class.html", title=_l("My class"), classes=classes, school_class=school_class, today=today,
            pupils=pupils, reports=reports, journals=journals, links=links, with_health=with_health,
            teacher=teacher, may_announce=sm.has_access("can_announce", "MyClassView"),
            absent=sum(1 for p in pupils if p.absent_today), without_consent=sum(1 for p in pupils if not p.consent),
            format_date=format_date)

    @expose("/announce", methods=["POST"])
    @has_access
    def announce(self):
        """An announcement to the class's parents, shown on their home pages (the
        communication module's, with its rights checked on the flush)."""
        _today, _classes, school_class = self._class(request.form)
        if school_class is None:
            abort(404)
        title, text = (request.form.get("title") or "").strip(), (request.form.get("text") or "").strip()
        back = url_for(".show", class_id=school_class.id)
        if not title or not text:
            flash(gettext("Enter the title and the text of the announcement."), "danger")
            return redirect(back)
        me = acting_user()

        def write():
            announcement = Announcement(school_id=school_class.school_id, title=title, text=text,
                                        audience=Audience.class_parents, class_id=school_class.id, author_id=me.id,
                                        posted_at=utcnow())
            db.session.add(announcement)
            return announcement

        ok, _ = commit_write(db.session, write)
        if ok:
            flash(gettext("The announcement is posted for the parents of class %(name)s.", name=school_class.name),
                  "success")
        return redirect(back)
