"""«Календарь уроков»: the wizard that generates lessons from the timetable for a
class (or every class) and a date range, with a preview of what it creates,
removes and keeps as conflicts; applied in one transaction."""
from __future__ import annotations

from typing import Optional

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.clock import school_today
from app.extensions import db
from app.journal.calendar import generate_lessons, group_ids_for
from app.models import SchoolClass, SchoolYear, SubjectGroup
from app.rules.errors import N_
from app.views.base import commit_write, format_date, parse_date as _date, parse_int as _int







def current_year(session) -> Optional[SchoolYear]:
    """The year marked current, else the one today falls in, else the latest."""
    today = school_today()
    return (
        session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)).order_by(SchoolYear.start_date.desc()).limit(1))
        or session.scalar(select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today).limit(1))
        or session.scalar(select(SchoolYear).order_by(SchoolYear.start_date.desc()).limit(1))
    )


def describe(lesson) -> str:
    """What a kept lesson holds, for the conflict list: «тема, 3 отметки, 2 отметки посещаемости»."""
    parts = []
    if (lesson.topic or "").strip():
        parts.append(gettext("topic «%(topic)s»", topic=lesson.topic))
    if (lesson.homework or "").strip():
        parts.append(gettext("homework"))
    if lesson.marks:
        parts.append(gettext("marks: %(n)s", n=lesson.marks))
    elif lesson.assignments:
        parts.append(gettext("assignments: %(n)s", n=lesson.assignments))
    if lesson.attendance:
        parts.append(gettext("attendance entries: %(n)s", n=lesson.attendance))
    return ", ".join(parts)


class CalendarView(BaseView):
    route_base = "/calendar"
    default_view = "form"
    base_permissions = ["can_form", "can_generate"]

    def _choice(self, source) -> dict:
        """The wizard's fields from a form or a query string, with their errors."""
        session = db.session
        year = current_year(session)
        errors = []
        class_id, group_id = _int(source.get("class_id")), _int(source.get("group_id"))
        date_from, date_to = _date(source.get("date_from")), _date(source.get("date_to"))
        if source.get("date_from") and date_from is None or source.get("date_to") and date_to is None:
            errors.append(gettext("Enter the dates as DD.MM.YYYY."))
        if year is not None:
            date_from = date_from or year.start_date
            date_to = date_to or year.end_date
        if date_from and date_to and date_to < date_from:
            errors.append(gettext(N_("The end date %(end)s is before the start date %(start)s."),
                                  start=format_date(date_from), end=format_date(date_to)))
        return {"year": year, "class_id": class_id, "group_id": group_id, "date_from": date_from,
                "date_to": date_to, "errors": errors}

    def _groups(self, choice: dict) -> list:
        year = choice["year"]
        if year is None:
            return []
        return group_ids_for(db.session, choice["class_id"], choice["group_id"], year.id)

    @expose("/", methods=["GET"])
    @has_access
    def form(self):
        session = db.session
        choice = self._choice(request.args)
        year = choice["year"]
        classes = session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == (year.id if year else None))
            .order_by(SchoolClass.grade, SchoolClass.letter)
        ).all()
        group_query = select(SubjectGroup).where(SubjectGroup.year_id == (year.id if year else None))
        if choice["class_id"]:
            group_query = group_query.where(SubjectGroup.class_id == choice["class_id"])
        groups = session.scalars(group_query.order_by(SubjectGroup.class_id, SubjectGroup.name)).all()
        result = None
        if request.args.get("preview") and not choice["errors"]:
            result = generate_lessons(session, self._groups(choice), choice["date_from"], choice["date_to"])
        for error in choice["errors"]:
            flash(error, "danger")
        return self.render_template(
            "parta/calendar.html", title=_l("Lesson calendar"), year=year, classes=classes, groups=groups,
            choice=choice, result=result, describe=describe, format_date=format_date,
        )

    @expose("/", methods=["POST"])
    @has_access
    def generate(self):
        session = db.session
        choice = self._choice(request.form)
        back = url_for(".form", class_id=choice["class_id"] or "", group_id=choice["group_id"] or "",
                       date_from=format_date(choice["date_from"]), date_to=format_date(choice["date_to"]), preview=1)
        if choice["errors"] or choice["year"] is None:
            for error in choice["errors"] or [gettext("There is no school year to generate lessons for.")]:
                flash(error, "danger")
            return redirect(back)
        ids = self._groups(choice)
        if not ids:
            flash(gettext("Choose a class or a subject group."), "danger")
            return redirect(back)
        ok, result = commit_write(session, lambda: generate_lessons(session, ids, choice["date_from"], choice["date_to"], apply=True))
        if not ok:
            return redirect(back)
        flash(gettext("Lessons created: %(created)s; empty lessons removed: %(removed)s; lessons with marks, "
                      "attendance or a topic kept as conflicts: %(conflicts)s.",
                      created=result.created, removed=result.removed, conflicts=result.conflicts),
              "success" if not result.refused else "warning")
        if result.refused:
            flash(gettext("Subject groups left unchanged (no right to change them, or the year is closed): %(n)s.",
                          n=result.refused), "warning")
        return redirect(back)
