"""«Деление класса на группы»: a class's pupils against the groups of one subject, ticked
at once (or proposed: first half / second half of the list, by gender), saved from a
date — a pupil moved on a day stays in the old group's journal before it and joins
the new one's from it. The class teacher splits their own class; who plans the groups
(«Состав подгрупп») any class."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l, ngettext

from app.clock import school_today
from app.extensions import db
from app.journal import subgroups as splitting
from app.security.classroom import split_classes, working_day, working_year
from app.views.base import commit_write, format_date, parse_date, parse_int


class SubgroupSplitView(BaseView):
    route_base = "/subgroups"
    default_view = "split"
    base_permissions = ["can_split", "can_save"]
    method_permission_name = {"split": "split", "save": "save"}

    def _choice(self, source):
        """The class, subject and date asked for, among those the user may split."""
        session = db.session
        text = (source.get("day") or "").strip()
        today = working_day(working_year(session, school_today()), school_today())  # in the summer: the year's last day
        day = parse_date(text) if text else today
        if day is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            day = today
        classes = split_classes(session, day)
        class_id = parse_int(source.get("class_id"))
        school_class = next((c for c in classes if c.id == class_id), None)
        if school_class is None and classes and not source.get("class_id"):
            school_class = classes[0]
        subjects = splitting.split_subjects(session, school_class.id) if school_class else []
        subject_id = parse_int(source.get("subject_id"))
        subject = next((s for s in subjects if s.id == subject_id), subjects[0] if subjects else None)
        return day, classes, school_class, subjects, subject

    def _render(self, day, classes, school_class, subjects, subject, split=None, chosen=None):
        chosen = chosen if chosen is not None else (split.chosen if split else {})
        counts: dict = {}
        for pupil in split.pupils if split else []:
            counts[chosen.get(pupil.id)] = counts.get(chosen.get(pupil.id), 0) + 1
        return self.render_template(
            "parta/subgroup_split.html", title=_l("Split a class into groups"), day=day, classes=classes,
            school_class=school_class, subjects=subjects, subject=subject, split=split,
            chosen=chosen, counts=counts, format_date=format_date)

    @expose("/", methods=["GET"])
    @has_access
    def split(self):
        day, classes, school_class, subjects, subject = self._choice(request.args)
        if request.args.get("class_id") and school_class is None:
            abort(404)  # a class of another school, or one the user does not lead
        split = splitting.load_split(db.session, school_class, subject, day) if school_class and subject else None
        return self._render(day, classes, school_class, subjects, subject, split)

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        session = db.session
        day, classes, school_class, subjects, subject = self._choice(request.form)
        if school_class is None or subject is None or parse_int(request.form.get("subject_id")) != subject.id:
            abort(404)
        split = splitting.load_split(session, school_class, subject, day)
        how = request.form.get("propose")
        if how in ("halves", "gender"):
            return self._render(day, classes, school_class, subjects, subject, split, splitting.proposal(split, how))
        wanted = {}
        for pupil in split.pupils:
            value = request.form.get(f"pupil-{pupil.id}", "")
            wanted[pupil.id] = parse_int(value) if value else None
        ok, moved = commit_write(session, lambda: splitting.apply_split(session, split, wanted))
        if not ok:
            session.expire_all()
            return self._render(day, classes, school_class, subjects, subject,
                                splitting.load_split(session, school_class, subject, day), wanted)
        flash(ngettext("The groups are saved from %(date)s: %(num)d pupil moved.",
                       "The groups are saved from %(date)s: %(num)d pupils moved.", moved, date=format_date(day)),
              "success")
        return redirect(url_for(".split", class_id=school_class.id, subject_id=subject.id, day=format_date(day)))

