"""«Редактор расписания», «Замены» and «Импорт расписания».

The editor shows the week of a class, a teacher or a room on a date as a grid of
weekdays × lesson numbers; lessons are placed, moved and removed with the mouse or
the keyboard (app/static/parta-timetable.js), each change from the chosen date on
(the past is kept). A class's week is copied to another class or to a new date.
Substitutions give a teacher's lessons of a date range to a substitute. The import
reads a table exported from a timetable program. Every write is one line of the
timetable or one lesson through the write pipeline: its clash rule answers in Russian.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app import tables
from app.clock import school_today
from app.extensions import db
from app.journal import timetable as ops
from app.models import WEEKDAYS, Employee, Room, SchoolClass
from app.rules.errors import N_, RuleViolation
from app.views.base import commit_write, format_date, message_of, parse_date, parse_int
from app.views.imports import describe
from app.views.uploads import PendingUploads

UPLOADS = PendingUploads("timetable-", "parta_timetable_uploads")


def _own_employee() -> Optional[int]:
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(Employee.id).where(Employee.user_id == current_user.id).limit(1))


def _has(permission: str, view: str) -> bool:
    from flask import current_app

    return bool(current_app.appbuilder.sm.has_access(permission, view))


def _day(value, default: dt.date) -> Optional[dt.date]:
    if value in (None, ""):
        return default
    return parse_date(value)


def _classes(session, day: dt.date) -> list:
    year = ops.year_on(session, day)
    return session.scalars(select(SchoolClass).where(SchoolClass.year_id == (year.id if year else None))
                           .order_by(SchoolClass.grade, SchoolClass.letter)).all()


def _teachers(session) -> list:
    return session.scalars(select(Employee).order_by(Employee.last_name, Employee.first_name)).all()


class TimetableView(BaseView):
    """The visual timetable editor."""

    route_base = "/timetable"
    default_view = "editor"
    base_permissions = ["can_editor", "can_change"]
    method_permission_name = {"editor": "editor", "data": "editor", "change": "change", "copy": "change"}

    def _target(self, source, day: dt.date) -> tuple:
        """(kind, id) asked for, else the user's own timetable as a teacher, else the first class."""
        kind = source.get("kind") if source.get("kind") in ops.KINDS else None
        target = parse_int(source.get("id"))
        if kind is None or target is None:
            own = _own_employee()
            if own is not None and not _has("can_change", "TimetableView"):
                return "teacher", own
            classes = _classes(db.session, day)
            return ("class", classes[0].id) if classes else ("class", None)
        return kind, target

    def _payload(self, kind: str, target: Optional[int], day: dt.date) -> dict:
        session = db.session
        lines = ops.week(session, kind, target, day) if target is not None else []
        return {
            "kind": kind, "id": target, "date": day.isoformat(), "lines": lines,
            "palette": ops.palette(session, kind, target, day, lines) if target is not None else [],
            "numbers": ops.lesson_numbers(session, max([line["number"] for line in lines], default=0)),
        }

    @expose("/", methods=["GET"])
    @has_access
    def editor(self):
        session = db.session
        today = school_today()
        day = _day(request.args.get("date"), today)
        if day is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            day = today
        kind, target = self._target(request.args, day)
        may_change = _has("can_change", "TimetableView")
        data = self._payload(kind, target, day)
        data.update({
            "mayChange": may_change,
            "days": [{"n": n, "name": str(label)} for n, label in WEEKDAYS.items()],
            "rooms": [{"id": r.id, "name": r.name} for r in session.scalars(select(Room).order_by(Room.name))],
            "urls": {"data": url_for(".data"), "change": url_for(".change")},
        })
        classes = _classes(session, day)
        return self.render_template(
            "parta/timetable.html", title=_l("Timetable editor") if may_change else _l("Timetable"), data=data, classes=classes,
            teachers=_teachers(session), rooms=data["rooms"], kind=kind, target=target, day=day,
            format_date=format_date, may_change=may_change, text=self._texts(),
        )

    @staticmethod
    def _texts() -> dict:
        return {
            "lesson": gettext("Lesson"), "empty": gettext("free"), "remove": gettext("Remove from the timetable"),
            "placed": gettext("placed %(placed)s of %(hours)s"), "placedNoHours": gettext("placed %(placed)s"),
            "armed": gettext("«%(name)s» chosen: click a cell or press Enter on it to place the lesson; Esc cancels."),
            "picked": gettext("«%(name)s» picked up: click a cell or press Enter on it to move it there; Delete removes it; Esc cancels."),
            "saving": gettext("Saving…"), "saved": gettext("Saved."), "network": gettext("The server did not answer: the change was not saved."),
            "noPalette": gettext("Lessons are placed from the timetable of a class or a teacher."),
            "from": gettext("from %(date)s"), "until": gettext("until %(date)s"),
            "room": gettext("room %(name)s"),
        }

    @expose("/data", methods=["GET"])
    @has_access
    def data(self):
        day = _day(request.args.get("date"), school_today())
        if day is None:
            return jsonify(error=gettext("Enter the dates as DD.MM.YYYY.")), 400
        kind, target = self._target(request.args, day)  # without a choice: as the editor opens
        if target is None:
            return jsonify(error=gettext("The timetable was not found.")), 404
        return jsonify(self._payload(kind, target, day))

    @expose("/change", methods=["POST"])
    @has_access
    def change(self):
        """One change of the grid: place, move or remove a lesson, from the date on."""
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return jsonify(error=gettext("The changes could not be read. Reload the page.")), 400
        day = parse_date(payload.get("date")) if isinstance(payload.get("date"), str) else None
        action = payload.get("action")
        weekday, number = parse_int(payload.get("weekday")), parse_int(payload.get("number"))
        room_id = parse_int(payload.get("room_id"))
        if day is None or action not in ("place", "move", "remove") or \
                action != "remove" and (weekday is None or number is None):
            return jsonify(error=gettext("The changes could not be read. Reload the page.")), 400
        session = db.session
        try:
            if action == "place":
                group_id = parse_int(payload.get("group_id"))
                if group_id is None:
                    return jsonify(error=gettext("The changes could not be read. Reload the page.")), 400
                ops.place(session, group_id, weekday, number, room_id, day)
            elif action == "move":
                ops.move(session, parse_int(payload.get("entry_id")) or 0, weekday, number, room_id, day)
            else:
                ops.remove(session, parse_int(payload.get("entry_id")) or 0, day)
            session.commit()
        except (RuleViolation, SQLAlchemyError) as error:
            session.rollback()
            return jsonify(error=message_of(error)), 422
        kind, target = payload.get("kind"), parse_int(payload.get("id"))
        if kind not in ops.KINDS or target is None:
            return jsonify(ok=True)
        return jsonify(self._payload(kind, target, day))

    @expose("/copy", methods=["POST"])
    @has_access
    def copy(self):
        """A class's week (valid on a date) as the timetable of a class from a date."""
        session = db.session
        source, target = parse_int(request.form.get("source_class")), parse_int(request.form.get("target_class"))
        source_day, valid_from = parse_date(request.form.get("source_date")), parse_date(request.form.get("valid_from"))
        back = redirect(url_for(".editor", kind="class", id=target or source or "",
                                date=format_date(valid_from or source_day or school_today())))
        if source is None or target is None:
            flash(gettext("Choose the class to copy from and the class to copy to."), "danger")
            return back
        if source_day is None or valid_from is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            return back

        def write():
            result = ops.copy_week(session, source, source_day, target, valid_from)
            if result.refusals:
                raise result.refusals[0]
            return result

        ok, result = commit_write(session, write)
        if ok:
            flash(gettext("Timetable copied: %(copied)s lessons from %(date)s; lines closed or replaced: %(closed)s.",
                          copied=result.copied, date=format_date(valid_from), closed=result.closed), "success")
            if result.unmatched:
                flash(gettext("No matching subject group in the class for: %(names)s.",
                              names=", ".join(result.unmatched)), "warning")
        return back


class SubstitutionView(BaseView):
    """«Замены»: a teacher's lessons of a date or a range given to a substitute."""

    route_base = "/substitutions"
    default_view = "form"
    base_permissions = ["can_form", "can_apply"]
    method_permission_name = {"form": "form", "apply": "apply", "generate": "apply"}

    @expose("/", methods=["GET"])
    @has_access
    def form(self):
        session = db.session
        today = school_today()
        teacher, substitute = parse_int(request.args.get("teacher")), parse_int(request.args.get("substitute"))
        date_from = _day(request.args.get("date_from"), today)
        date_to = _day(request.args.get("date_to"), date_from or today)
        lessons = None
        if date_from is None or date_to is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
        elif date_to < date_from:
            flash(gettext(N_("The end date %(end)s is before the start date %(start)s."),
                          start=format_date(date_from), end=format_date(date_to)), "danger")
        elif teacher is not None:
            if (date_to - date_from).days > 92:
                flash(gettext("A substitution covers at most three months."), "danger")
            else:
                lessons = ops.lessons_of_teacher(session, teacher, date_from, date_to, substitute)
        return self.render_template(
            "parta/substitutions.html", title=_l("Substitutions"), teachers=_teachers(session), teacher=teacher,
            substitute=substitute, date_from=date_from or today, date_to=date_to or today, lessons=lessons,
            format_date=format_date, weekday=lambda d: str(WEEKDAYS.get(d.isoweekday(), "")),
        )

    @expose("/", methods=["POST"])
    @has_access
    def apply(self):
        session = db.session
        form = request.form
        teacher, substitute = parse_int(form.get("teacher")), parse_int(form.get("substitute"))
        cancel = form.get("cancel") == "1"
        back = redirect(url_for(".form", teacher=teacher or "", substitute=substitute or "",
                                date_from=form.get("date_from", ""), date_to=form.get("date_to", "")))
        lesson_ids = [i for i in (parse_int(v) for v in form.getlist("lesson")) if i is not None]
        if not lesson_ids:
            flash(gettext("Tick the lessons to substitute."), "danger")
            return back
        if not cancel and (substitute is None or substitute == teacher):
            flash(gettext("Choose the substitute teacher (another teacher than the absent one)."), "danger")
            return back
        ok, changed = commit_write(session, lambda: ops.substitute(session, lesson_ids, None if cancel else substitute))
        if ok:
            flash(gettext("Substitutions cancelled: %(n)s.", n=changed) if cancel
                  else gettext("Lessons given to the substitute: %(n)s.", n=changed), "success")
        return back


    @expose("/generate", methods=["POST"])
    @has_access
    def generate(self):
        """The lessons of the absent teacher's groups on these dates, from the timetable
        (the lesson calendar for the dates only), so that they can be given to a substitute."""
        from app.journal.calendar import generate_lessons
        from app.models import SubjectGroupTeacher

        session = db.session
        form = request.form
        teacher = parse_int(form.get("teacher"))
        date_from, date_to = parse_date(form.get("date_from")), parse_date(form.get("date_to"))
        back = redirect(url_for(".form", teacher=teacher or "", substitute=form.get("substitute", ""),
                                date_from=form.get("date_from", ""), date_to=form.get("date_to", "")))
        if teacher is None or date_from is None or date_to is None or date_to < date_from \
                or (date_to - date_from).days > 92:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            return back
        groups = session.scalars(select(SubjectGroupTeacher.subject_group_id)
                                 .where(SubjectGroupTeacher.employee_id == teacher)).all()
        ok, result = commit_write(session, lambda: generate_lessons(session, groups, date_from, date_to, apply=True))
        if ok:
            flash(gettext("Lessons created from the timetable: %(n)s.", n=result.created), "success")
        return back


class TimetableImportView(BaseView):
    """«Импорт расписания»: a table (class, day, lesson, subject, teacher, room) as the
    timetable of the classes it names from a date; preview first, then all or nothing."""

    route_base = "/import/timetable"
    default_view = "form"
    base_permissions = ["can_import"]
    method_permission_name = {"form": "import", "upload": "import", "confirm": "import"}

    def _page(self, **context):
        return self.render_template("parta/timetable_import.html", title=_l("Import of the timetable"),
                                    describe=describe, format_date=format_date,
                                    weekday=lambda n: str(WEEKDAYS.get(n, "")), **context)

    @expose("/", methods=["GET"])
    @has_access
    def form(self):
        return self._page(plan=None, valid_from=school_today())

    def _read(self, filename: str, data: bytes, valid_from: dt.date):
        rows = tables.read_table(filename, data, max_rows=6000, max_columns=30)
        return ops.plan_import(db.session, rows, valid_from)

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        back = redirect(url_for(".form"))
        valid_from = parse_date(request.form.get("valid_from"))
        upload = request.files.get("file")
        if valid_from is None:
            flash(gettext("Enter the dates as DD.MM.YYYY."), "danger")
            return back
        if upload is None or not upload.filename:
            flash(gettext("Choose the file to import."), "danger")
            return back
        data = upload.read(tables.MAX_FILE_BYTES + 1)
        try:
            plan = self._read(upload.filename, data, valid_from)
        except RuleViolation as error:
            flash(message_of(error), "danger")
            return back
        finally:
            db.session.rollback()  # the preview only checked
        token = UPLOADS.keep("timetable", upload.filename, data) if plan.ok else None
        return self._page(plan=plan, token=token, filename=upload.filename, valid_from=valid_from)

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        back = redirect(url_for(".form"))
        token = request.form.get("token")
        valid_from = parse_date(request.form.get("valid_from"))
        pending = UPLOADS.take(token, "timetable")
        if pending is None or valid_from is None:
            flash(gettext("The uploaded file is no longer available; upload it again."), "danger")
            return back
        filename, data = pending
        session = db.session

        def write():
            plan = self._read(filename, data, valid_from)
            if not plan.ok:
                problems = plan.problems or [p for line in plan.lines for p in line.problems]
                raise problems[0] if problems else RuleViolation(N_("The file has no lessons."))
            return plan

        ok, plan = commit_write(session, write)
        if ok:
            UPLOADS.discard(token)
            flash(gettext("Timetable imported from %(date)s: %(n)s lessons of the classes %(classes)s.",
                          date=format_date(valid_from), n=len(plan.lines), classes=", ".join(plan.classes)), "success")
        return back
