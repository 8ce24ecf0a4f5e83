"""«Дневник»: the student's week, the period's marks explained, attendance, the
timetable and the work owed — for the student, their parents (a parent switches
between children) and the staff who see the student."""
from __future__ import annotations

import datetime as dt

from flask import abort, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from app.clock import school_today
from app.extensions import db
from app.journal import data, diary
from app.models import WEEKDAYS
from app.rules.netschool import parse_day
from app.security import reporting
from app.views.base import parse_int


class DiaryView(BaseView):
    route_base = "/diary"
    default_view = "week"
    base_permissions = ["can_diary"]

    @expose("/")
    @has_access
    @permission_name("diary")
    def week(self):
        session = db.session
        reporting.require_student_reports()
        today = school_today()
        children = reporting.own_students(session) if not reporting.may_report_on_classes() else []
        student_id = parse_int(request.args.get("student")) or (children[0][0] if children else None)
        if student_id is None:
            return self.render_template("parta/diary.html", title=_l("Diary"), student=None, children=children)
        start = diary.week_start(parse_day(request.args.get("week")) or today)
        # where the student learns, read once for the week, the period and the year (with the
        # year's start; a school year is shorter than 366 days, so it starts inside the stretch)
        first, last = min(start, today - dt.timedelta(days=366)), max(start + dt.timedelta(days=6), today)
        places = data.student_places(session, student_id, first, last, year_on=today)
        if places.student is None:
            abort(404)  # anyone not theirs to see: the same answer as for a student who does not exist
        if places.year_start is not None and places.year_start < first:  # no year holds today: an older one
            places = data.student_places(session, student_id, places.year_start, last, year_on=today)
        week = diary.diary_week(session, student_id, start, places=places)
        marks = diary.period_marks(session, student_id, today, places.thresholds, places=places)
        since = marks.period.start if marks.period else today - dt.timedelta(days=90)
        owed, absences = diary.owed_and_absences(session, student_id, places.year_start or since, since, today,
                                                 places=places)
        classes = places.classes(start, start + dt.timedelta(days=6))
        return self.render_template(
            "parta/diary.html", title=_l("Diary"), student=places.student, children=children,
            class_name=classes[-1].name if classes else "", week=week, today=today,
            previous=start - dt.timedelta(days=7), next=start + dt.timedelta(days=7), marks=marks, owed=owed,
            absences=absences,
            timetable=diary.timetable(session, student_id, today, places=places),
            weekdays=WEEKDAYS, student_id=student_id,
        )

