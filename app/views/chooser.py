"""«Выбор журнала»: the journals the user may open, by teacher or by class, each a
link to the journal grid (the grid's own selector lists the groups by class only)."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.journal.chooser import journals_by_teacher, visible_journals
from app.security.scoping import current_scope
from app.views.base import parse_int


class JournalChooserView(BaseView):
    """Given to the roles that open the journal grid (app/security/roles.py); the
    journals listed are those the grid opens for the user (the central scoping)."""

    route_base = "/journals"
    default_view = "choose"
    base_permissions = ["can_choose"]

    @expose("/")
    @has_access
    def choose(self):
        session = db.session
        scope = current_scope(session)
        by = "class" if request.args.get("by") == "class" else "teacher"
        journals = visible_journals(session, scope)
        teachers = journals_by_teacher(journals)
        teacher_id = parse_int(request.args.get("teacher"))
        without_teacher = request.args.get("teacher") == "none"
        shown = [t for t in teachers if (teacher_id is None and not without_teacher) or t.teacher_id == teacher_id
                 or (without_teacher and t.teacher_id is None)]
        classes = []
        if by == "class":
            for journal in journals:
                if not classes or classes[-1][0] != journal.class_name:
                    classes.append((journal.class_name, []))
                classes[-1][1].append(journal)
        return self.render_template("parta/journal_chooser.html", title=_l("Choose a journal"), by=by,
                                    teachers=teachers, shown=shown, teacher_id=teacher_id,
                                    without_teacher=without_teacher, classes=classes)
