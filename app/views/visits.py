"""«Статистика посещений»: sign-ins per day (a bar chart drawn on the server as SVG),
per role and per class for a chosen period, then the raw log of logins, logouts and
failed attempts; filtered by login, role and dates (reports/visits.py counts)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from app.clock import day_start_utc, school_today
from app.extensions import db
from app.models import PartaUser, VisitEvent, VisitLog
from app.security.rights import require_right
from app.views.base import parse_date as _date
from reports.charts import bar_chart
from reports.visits import MAX_DAYS, visit_statistics

PAGE = 200




class VisitStatisticsView(BaseView):
    route_base = "/visits"
    default_view = "report"
    base_permissions = ["can_report"]

    @expose("/")
    @has_access
    def report(self):
        require_right("visits_view")
        sm = self.appbuilder.sm
        roles = [r for r in sm.get_all_roles() if r.name != "Public"]
        today = school_today()
        date_from = _date(request.args.get("from")) or today - dt.timedelta(days=30)
        date_to = _date(request.args.get("to")) or today
        if date_to < date_from:
            date_from, date_to = date_to, date_from
        date_to = min(date_to, date_from + dt.timedelta(days=MAX_DAYS - 1))
        username = (request.args.get("user") or "").strip()
        role_id = request.args.get("role", type=int)
        # The log keeps UTC; the dates asked for are the school's.
        query = select(VisitLog).where(VisitLog.at >= day_start_utc(date_from),
                                       VisitLog.at < day_start_utc(date_to + dt.timedelta(days=1)))
        if username:
            query = query.where(VisitLog.username.ilike(f"%{username}%"))
        if role_id:
            with_role = select(PartaUser.id).where(PartaUser.roles.any(id=role_id))
            query = query.where(VisitLog.user_id.in_(with_role))
        visits = db.session.scalars(query.order_by(VisitLog.at.desc()).limit(PAGE)).all()
        totals = Counter(v.event for v in db.session.scalars(query))
        stats = visit_statistics(db.session, date_from, date_to, role_id=role_id, username=username)
        chart = bar_chart([f"{day:%d.%m}" for day, _, _ in stats.days], [n for _, n, _ in stats.days],
                          title=gettext("Sign-ins per day"), width=1100)
        return self.render_template(
            "parta/visits.html", title=_l("Visit statistics"), visits=visits, roles=roles, role_id=role_id, username=username,
            date_from=date_from, date_to=date_to, totals=totals, events=list(VisitEvent), page=PAGE,
            stats=stats, chart=Markup(chart),
        )
