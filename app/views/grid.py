"""The journal grid (act 001 §4.5–4.10): a subject group's marks, attendance,
topics and homework for a study period, entered from the keyboard and saved in
batches; period marks with the averages that guide them; the «Итоговые отметки» tab.

The page carries its data as JSON for app/static/parta-grid.js; saving posts a
batch of changed cells (with the CSRF token) and gets back, per cell, "saved",
a Russian refusal, or the value someone else stored meanwhile.
"""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Optional

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import get_locale, gettext, lazy_gettext as _l
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.clock import school_today
from app.extensions import db
from app.i18n import ngettext
from app.journal import grid, saving
from app.models import (
    Assignment, AssignmentType, FinalMark, FinalMarkColumn, Lesson, PeriodMark, SchoolClass, SchoolYear,
    SubjectGroup,
)
from app.pipeline import validate
from app.rules.errors import RuleViolation
from app.rules.grading import is_marked_grade
from app.security.scoping import (
    bounded_rows, current_scope, final_marks_editable, journal_editable, visible_groups_rule, visible_groups_shape,
)
from app.views.base import commit_write, message_of, parse_int as _int

log = logging.getLogger(__name__)




@lru_cache(maxsize=4)
def _visible_groups_statement(shape: tuple):
    """_visible_groups' statement, built once per shape of scope (visible_groups_shape)."""
    return (select(SubjectGroup.id, SubjectGroup.name, SchoolClass.grade, SchoolClass.letter)
            .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .join(SchoolYear, SubjectGroup.year_id == SchoolYear.id)
            .where(SchoolYear.is_current.is_(True), visible_groups_rule(shape))
            .order_by(SchoolClass.grade, SchoolClass.letter, SubjectGroup.name))


def _visible_groups(session) -> list:
    """The subject groups of the current year the user may open, for the selector."""
    shape, params = visible_groups_shape(current_scope(session))
    rows = bounded_rows(session, _visible_groups_statement(shape), params,
                        {"parta_unscoped": True})  # the rule is the scope's own
    return [{"id": gid, "name": name, "class": f"{grade}{letter}"} for gid, name, grade, letter in rows]


def _default_group(session, groups: list, today: dt.date) -> Optional[int]:
    """The group of the user's next lesson today, else the first they may open."""
    if not groups:
        return None
    scope = current_scope(session)
    query = select(Lesson.subject_group_id).where(Lesson.date == today).order_by(Lesson.number)
    if scope.substitute_for is not None:
        from app.models import SubjectGroupTeacher

        taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == scope.substitute_for)
        query = query.where((Lesson.subject_group_id.in_(taught)) | (Lesson.substitute_id == scope.substitute_for))
    first = session.scalar(query.limit(1))
    return first if first is not None else groups[0]["id"]


def _grid_texts() -> Markup:
    """The texts of the page's script (app/static/parta-grid.js), as the JSON the page carries:
    made once per process and language (some forty translations on every opening otherwise)."""
    return _grid_texts_in(str(get_locale()))


@lru_cache(maxsize=8)
def _grid_texts_in(_locale: str) -> Markup:
    def offline(count: int) -> str:  # the count stays a placeholder the script fills in
        return ngettext("No connection: %(num)s change waits to be sent",
                        "No connection: %(num)s changes wait to be sent", count, num="%(num)s")

    texts = {
        "saving": gettext("Saving…"), "saved": gettext("All changes are saved."),
        "unsaved": gettext("Unsaved changes: %(n)s", n="%(n)s"),
        "failed": gettext("Some cells were not saved: see the red cells."),
        "conflict": gettext("Changed by someone else meanwhile; the cell now shows their value: %(value)s",
                            value="%(value)s"),
        "network": gettext("The server did not answer; the changes are kept on this page. Try again."),
        "readonly": gettext("You may not change this journal."), "student": gettext("Student"), "avg": gettext("Avg."),
        "wavg": gettext("Weighted"), "suggested": gettext("Suggested"), "period": gettext("Period"),
        "att": gettext("Att."), "formula": gettext("Weighted average = Σ mark × weight / Σ weight"),
        "arith": gettext("Arithmetic average"), "joined": gettext("joined %(date)s", date="%(date)s"),
        "left": gettext("left %(date)s", date="%(date)s"), "weight": gettext("weight"),
        "control": gettext("control work"), "cancelled": gettext("cancelled"),
        "noLessons": gettext("No lessons in this period."), "topic": gettext("Topic"), "hw": gettext("Homework"),
        "lessonTitle": gettext("Lesson %(n)s of %(date)s", date="%(date)s", n="%(n)s"),
        "noTopic": gettext("no topic yet"), "planHint": gettext("From the thematic plan: %(topic)s", topic="%(topic)s"),
        "duty": gettext("«точка»"), "comment": gettext("comment"),
        "leave": gettext("There are unsaved changes on this page."), "periodLock": gettext("Period marks are locked."),
        "clear": gettext("Clear the cell"),
        # the page picks the Russian plural form of its count: 1, 2–4, 5 and more
        "offline": {"one": offline(1), "few": offline(2), "many": offline(5), "other": offline(5)},
    }
    return htmlsafe_json_dumps(texts, dumps=current_app.json.dumps)


class JournalGridView(BaseView):
    route_base = "/journal"
    default_view = "grid"
    base_permissions = ["can_grid", "can_save", "can_final", "can_assignment"]
    class_permission_name = "JournalGridView"
    method_permission_name = {"grid": "grid", "plan": "grid", "averages": "grid", "save": "save", "final": "final",
                              "assignment": "assignment"}

    @expose("/")
    @has_access
    def grid(self):
        session = db.session
        today = school_today()
        groups = _visible_groups(session)
        group_id = _int(request.args.get("group")) or _default_group(session, groups, today)
        ctx = grid.group_context(session, group_id) if group_id else None
        if ctx is None:
            if group_id and request.args.get("group"):
                abort(404)
            return self.render_template("parta/grid.html", data=None, groups=groups, title=_l("Class journal"))
        grid.read_whole_journal(ctx, current_scope(session))
        self.update_redirect()  # an unlock or a new column added from here comes back to this journal
        data = grid.load_grid(session, ctx, _int(request.args.get("period")), today)
        data["editable"] = journal_editable(session, ctx.group_id)
        data["csrf"] = None  # filled by the template
        data["urls"] = {"save": url_for("JournalGridView.save"), "assignment": url_for("JournalGridView.assignment"),
                        "averages": url_for("JournalGridView.averages", group=ctx.group_id),
                        "plan": url_for("JournalGridView.plan", group=ctx.group_id),
                        "final": url_for("JournalGridView.final", group=ctx.group_id)}
        sm = self.appbuilder.sm
        from app.security.reporting import may_report_on_classes
        from app.security.rights import user_rights

        links = {"audit": url_for("JournalAuditView.report", **{"class": ctx.class_id})
                 if sm.has_access("can_report", "JournalAuditView") else None,
                 "print": url_for("JournalPrintReportView.report", group=ctx.group_id,
                                  period=data["period"]["id"] if data["period"] else None)
                 if sm.has_access("can_report", "JournalPrintReportView") and may_report_on_classes() else None}
        if "journal_unlock" in user_rights(sm, sm.current_user) and sm.has_access("can_add", "JournalUnlockView") \
                and data["period"]:
            links["unlock"] = url_for("JournalUnlockView.add", subject_group=ctx.group_id, date_from=data["period"]["start"],
                                      date_to=today.strftime("%d.%m.%Y"))
        return self.render_template("parta/grid.html", data=data, groups=groups, ctx=ctx, links=links,
                                    texts=_grid_texts(), title=_l("Class journal"))

    @expose("/plan")
    @has_access_api
    def plan(self):
        """The КТП topics that would fill the group's lessons without a topic (the lesson dialog pre-fills them)."""
        session = db.session
        group_id = _int(request.args.get("group"))
        if group_id is None:
            return jsonify({})
        ctx = grid.group_context(session, group_id)
        if ctx is None:
            return jsonify(error=gettext("The journal was not found.")), 404
        grid.read_whole_journal(ctx, current_scope(session))
        return jsonify(grid.plan_suggestions(session, ctx))

    @expose("/save", methods=["POST"])
    @has_access_api
    def save(self):
        """Saves a batch: {"group", "period", "changes": [...]} → per-cell results (the
        changes and the answer are described with the grid's data in app/journal/grid.py)."""
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("changes"), list):
            return jsonify(error=gettext("The changes could not be read. Reload the page.")), 400
        session = db.session()  # the request's own session, not its proxy: the pipeline asks it hundreds of times
        ctx = grid.group_context(session, _int(payload.get("group")) or -1, with_rows=True)
        if ctx is None:
            return jsonify(error=gettext("The journal was not found.")), 404
        grid.read_whole_journal(ctx, current_scope(session))
        changes = payload["changes"][:2000]
        try:
            result = saving.save_batch(session, ctx, changes, _int(payload.get("period")))
        except RuleViolation as refusal:
            session.rollback()
            return jsonify(error=message_of(refusal), saved=[], errors={}, conflicts={}), 422
        except SQLAlchemyError as error:
            session.rollback()
            log.warning("Journal save refused: %r", error)
            return jsonify(error=message_of(error), saved=[], errors={}, conflicts={}), 409
        return jsonify(
            saved=result.saved,
            errors={str(i): message_of(refusal) for i, refusal in result.errors.items()},
            conflicts={str(i): value for i, value in result.conflicts.items()},
            averages=result.averages,
        )

    @expose("/averages")
    @has_access_api
    def averages(self):
        """The averages of a period (?group=&period=): the page asks after a save whose
        answer could not carry them."""
        session = db.session
        group_id, period_id = _int(request.args.get("group")), _int(request.args.get("period"))
        ctx = grid.group_context(session, group_id) if group_id else None
        if ctx is None:
            return jsonify({})
        grid.read_whole_journal(ctx, current_scope(session))
        students = sorted(saving.students_of_group(session, ctx))
        return jsonify(saving.period_averages(session, ctx, period_id, students))

    @expose("/assignment", methods=["POST"])
    @has_access
    def assignment(self):
        """Adds an assignment (a column) to a lesson from the grid's header."""
        session = db.session
        lesson = session.get(Lesson, _int(request.form.get("lesson")) or -1)
        back = url_for("JournalGridView.grid", group=request.form.get("group"), period=request.form.get("period"))
        if lesson is None:
            flash(gettext("The lesson is not in this journal."), "danger")
            return redirect(back)
        kind = session.get(AssignmentType, _int(request.form.get("type")) or -1)
        if kind is None:
            flash(gettext("Choose the type of work."), "danger")
            return redirect(back)
        weight = (request.form.get("weight") or "").replace(",", ".").strip()
        try:
            weight_value = float(weight) if weight else None
        except ValueError:
            flash(gettext("The weight is a number from 0 to 10."), "danger")
            return redirect(back)
        item = Assignment(lesson_id=lesson.id, type_id=kind.id, title=(request.form.get("title") or "").strip()[:255] or None,
                          weight=weight_value)
        item.lesson, item.type = lesson, kind

        def write():
            session.add(item)
            validate(session, item)  # the lock of the lesson, the right to the journal, the weight

        ok, _ = commit_write(session, write)
        if not ok:
            return redirect(back)
        flash(gettext("The column «%(name)s» is added to the lesson of %(date)s.", name=kind.name,
                      date=lesson.date.strftime("%d.%m.%Y")), "success")
        return redirect(back)

    @expose("/final")
    @has_access
    def final(self):
        """«Итоговые отметки»: each period's mark, the year, exams and the final mark."""
        session = db.session
        today = school_today()
        group_id = _int(request.args.get("group"))
        groups = _visible_groups(session)
        if group_id is None:
            group_id = _default_group(session, groups, today)
            if group_id is None:
                return self.render_template("parta/grid.html", data=None, groups=[], title=_l("Final marks"))
        ctx = grid.group_context(session, group_id)
        if ctx is None:
            abort(404)
        grid.read_whole_journal(ctx, current_scope(session))
        dicts = grid.dictionaries(session, ctx, with_types=False)
        periods = [p for p in dicts.periods if not p.is_year]
        students = grid.students_of(session, ctx, min((p.start_date for p in periods), default=today),
                                    max((p.end_date for p in periods), default=today))
        columns = session.execute(
            select(FinalMarkColumn.id, FinalMarkColumn.name, FinalMarkColumn.kind)
            .where(FinalMarkColumn.year_id == ctx.year_id, FinalMarkColumn.grade_from <= ctx.grade,
                   FinalMarkColumn.grade_to >= ctx.grade)
            .order_by(FinalMarkColumn.order, FinalMarkColumn.id)
        ).all()
        codes = {v.id: v.code for v in dicts.scale}
        period_marks = {(p, s): codes.get(v, "") for p, s, v in session.execute(
            select(PeriodMark.period_id, PeriodMark.student_id, PeriodMark.value_id)
            .where(PeriodMark.subject_group_id == ctx.group_id))}
        final_marks = {(c, s): codes.get(v, "") for c, s, v in session.execute(
            select(FinalMark.column_id, FinalMark.student_id, FinalMark.value_id)
            .where(FinalMark.subject_group_id == ctx.group_id))}
        unlocks = dicts.unlocks
        lock_text = grid.lock_texts(today, ctx, unlocks)
        final_lock = lock_text("final_mark", ctx.year_end)
        period_locks = {p.id: lock_text("period_mark", p.end_date) for p in periods}
        data = {
            "group": {"id": ctx.group_id, "name": ctx.name, "class": ctx.class_name, "subject": ctx.subject},
            "marked": is_marked_grade(ctx.grade),
            "periods": [{"id": p.id, "name": p.name, "lock": period_locks[p.id]} for p in periods],
            "columns": [{"id": c.id, "name": c.name, "kind": c.kind.name, "lock": final_lock} for c in columns],
            "students": [{"id": sid, "name": name} for sid, name, _j, _l in students],
            "periodMarks": {f"{p}:{s}": v for (p, s), v in period_marks.items()},
            "finalMarks": {f"{c}:{s}": v for (c, s), v in final_marks.items()},
            "scale": [{"id": v.id, "code": v.code} for v in dicts.scale],
            "editable": journal_editable(session, ctx.group_id),
            "finalEditable": final_marks_editable(session, ctx.group_id),
            "urls": {"save": url_for("JournalGridView.save"),
                     "grid": url_for("JournalGridView.grid", group=ctx.group_id)},
        }
        return self.render_template("parta/grid_final.html", data=data, ctx=ctx, groups=groups, title=_l("Final marks"))
