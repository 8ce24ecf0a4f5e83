"""«Не выставленные отметки за период» (act 001 §4.13): period marks are due two
days before the period ends, and the missing ones are listed for the coordinator,
one row per class and subject group with the teacher and the count. A constant
number of queries (app/journal/control.py)."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.clock import school_today
from app.extensions import db
from app.journal.control import (
    NAMES_SHOWN_BELOW, classes_of, default_period, missing_period_marks, period_order,
)
from app.models import SchoolYear, StudyPeriod
from app.rules.locks import last_editable_day, period_marks_due
from app.security.rights import require_right
from app.views.base import current_school


class MissingPeriodMarksView(BaseView):
    """For the coordinator and the administration: who still owes period marks."""

    route_base = "/missingperiodmarks"
    default_view = "report"
    base_permissions = ["can_report"]

    @expose("/")
    @has_access
    def report(self):
        require_right("reports_all_classes")
        school = current_school()
        settings = school.lock_settings if school else None
        today = school_today()
        year = db.session.scalar(
            select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
        ) or db.session.scalar(select(SchoolYear).order_by(SchoolYear.is_current.desc(), SchoolYear.start_date.desc()))
        periods = sorted(db.session.scalars(
            select(StudyPeriod).join(StudyPeriod.period_type).options(contains_eager(StudyPeriod.period_type))
            .where(StudyPeriod.year_id == (year.id if year else None))
        ).all(), key=period_order) if year else []
        chosen = request.args.get("period", type=int)
        period = next((p for p in periods if p.id == chosen), None) or default_period(periods, today, settings)
        classes = classes_of(db.session, period) if period else []
        class_id = request.args.get("class", type=int)
        if class_id not in {c.id for c in classes}:
            class_id = None  # a class of other grades than the period's, or none asked
        gaps = missing_period_marks(db.session, period, class_id) if period else []
        groups = [g for c in gaps for g in c.groups]
        return self.render_template(
            "parta/missing_period_marks.html", title=_l("Missing period marks"), periods=periods, period=period,
            classes=classes, class_id=class_id, gaps=gaps, today=today, names_shown_below=NAMES_SHOWN_BELOW,
            due=period_marks_due(period.end_date, settings) if period else None,
            locked_after=last_editable_day("period_mark", period.end_date, settings) if period else None,
            missing=sum(len(g.missing) for g in groups), complete=sum(1 for g in groups if not g.missing),
            group_count=len(groups),
        )
