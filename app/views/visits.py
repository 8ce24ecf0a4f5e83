"""«Статистика посещений»: logins, logouts and failed attempts for administrators,
filtered by login, role and dates, with totals per day."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.clock import day_start_utc, school_today
from app.extensions import db
from app.models import PartaUser, VisitEvent, VisitLog
from app.security.rights import require_right
from app.views.base import parse_date as _date

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
        return self.render_template(
            "parta/visits.html", title=_l("Visit statistics"), visits=visits, roles=roles, role_id=role_id, username=username,
            date_from=date_from, date_to=date_to, totals=totals, events=list(VisitEvent), page=PAGE,
        )
