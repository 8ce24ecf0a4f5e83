"""«Закрытие учебного года»: a wizard — prepare the next year (the «future year»
mode), then preview and apply the transition, which closes the current year."""
from __future__ import annotations

from collections import Counter

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import SchoolClass, SchoolYear, SubjectGroup
from app.rules import year as year_rules
from app.rules.errors import RuleViolation
from app.security.rights import require_right
from app.views.base import commit_write, format_date, message_of, parse_date
from app.year import transition


ACTIONS = {
    year_rules.PROMOTE: _l("promoted"),
    year_rules.CONDITIONAL: _l("conditional transfer"),
    year_rules.REPEAT: _l("repeats the year"),
    year_rules.GRADUATE: _l("leaves (graduate)"),
}


def _current_year():
    return db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True), SchoolYear.is_closed.is_(False))
                             .order_by(SchoolYear.start_date).limit(1))


def _choices(form) -> dict:
    """Student id → «conditional» | «repeat», from the radio buttons named choice-<id>."""
    result = {}
    for key, value in form.items():
        if key.startswith("choice-") and key[7:].isdigit() and value in year_rules.CHOICES_FOR_DEBT:
            result[int(key[7:])] = value
    return result


class YearClosingView(BaseView):
    route_base = "/yearclosing"
    default_view = "wizard"
    base_permissions = ["can_wizard", "can_prepare", "can_apply"]

    @expose("/")
    @has_access
    def wizard(self):
        session = db.session
        year = _current_year()
        if year is None:
            return self.render_template("parta/year_closing.html", year=None, title=_l("Closing the school year"))
        try:
            next_name = year_rules.next_year_name(year.name)
        except RuleViolation as error:
            flash(message_of(error), "danger")
            return self.render_template("parta/year_closing.html", year=None, title=_l("Closing the school year"))
        new = transition.next_year_of(session, year)
        counts = {}
        lines = []
        if new is not None:
            counts = {
                "classes": session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.year_id == new.id)),
                "groups": session.scalar(select(func.count(SubjectGroup.id)).where(SubjectGroup.year_id == new.id)),
            }
            lines = transition.preview_transition(session, year)
        moves = Counter((line.from_class, line.to_class, line.action) for line in lines)
        per_class = sorted(moves.items(), key=lambda kv: (len(kv[0][0]), kv[0][0], kv[0][2]))
        totals = Counter(line.action for line in lines)
        return self.render_template(
            "parta/year_closing.html", year=year, next_name=next_name, new=new, counts=counts, per_class=per_class,
            totals=totals, actions=ACTIONS, debtors=[l for l in lines if l.failed],
            graduates=[l for l in lines if l.action == year_rules.GRADUATE], format_date=format_date,
            title=_l("Closing the school year"),
        )

    @expose("/prepare", methods=["POST"])
    @has_access
    def prepare(self):
        require_right("year_create")
        year = _current_year()
        if year is None:
            flash(gettext("There is no current school year to close."), "danger")
            return redirect(url_for("YearClosingView.wizard"))
        ok, prepared = commit_write(db.session, lambda: transition.prepare_next_year(db.session, year))
        if not ok:
            return redirect(url_for("YearClosingView.wizard"))
        created = prepared.created
        if any(created.values()):
            flash(gettext("The school year %(year)s is prepared: classes %(classes)s, subject groups %(groups)s, loads %(loads)s, "
                          "curriculum lines %(curriculum)s, study periods %(periods)s, holidays %(holidays)s added.",
                          year=prepared.year.name, classes=created["classes"], groups=created["subject_groups"],
                          loads=created["loads"], curriculum=created["curriculum"], periods=created["periods"],
                          holidays=created["holidays"]), "success")
        else:
            flash(gettext("The school year %(year)s already has everything copied: nothing was added.",
                          year=prepared.year.name), "info")
        return redirect(url_for("YearClosingView.wizard"))

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self):
        require_right("year_close")
        year = _current_year()
        if year is None:
            flash(gettext("There is no current school year to close."), "danger")
            return redirect(url_for("YearClosingView.wizard"))
        if request.form.get("confirm") != "yes":
            flash(gettext("Confirm that the year becomes read-only."), "danger")
            return redirect(url_for("YearClosingView.wizard"))
        leave_text = request.form.get("leave_date", "")
        leave_date = parse_date(leave_text)
        if leave_text.strip() and leave_date is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            return redirect(url_for("YearClosingView.wizard"))
        ok, done = commit_write(db.session, lambda: transition.apply_transition(db.session, year, _choices(request.form), leave_date))
        if not ok:
            return redirect(url_for("YearClosingView.wizard"))
        flash(gettext("The school year %(year)s is closed. Promoted: %(promoted)s, conditionally: %(conditional)s, "
                      "repeating: %(repeating)s, graduates: %(graduated)s.", year=year.name, promoted=done.promoted,
                      conditional=done.conditional, repeating=done.repeating, graduated=done.graduated), "success")
        return redirect(url_for("YearClosingView.wizard"))
