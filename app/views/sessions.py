"""«Сеансы пользователей»: who is signed in, from where, since when; and «end all
sessions» of a login (a lost phone, a shared computer left signed in, a password
seen by someone). Ending signs the login out of every browser, the REST API and
the NetSchool API apps (app/security/sessions.py) and is recorded in the account
audit. Only logins the user may administer are ended (app/rules/accounts.py): of their
own segment, never a login holding a right they do not hold."""
from __future__ import annotations

from typing import Optional

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from app.clock import utcnow
from app.extensions import db
from app.models import AccountAudit, PartaUser, UserSession
from app.rules import accounts as account_rules
from app.security import accounts, sessions

PAGE = 300


def _may_end(target: PartaUser) -> Optional[str]:
    """None when the current user may end the target's sessions, else why not: the same
    rule as for changing the login (app/rules/accounts.py, «administer»): a login of the
    user's own segment that holds no right the user does not hold. Anyone ends their own."""
    actor = current_user._get_current_object()
    if target.id == actor.id:
        return None
    problem = account_rules.administer_problem(accounts.issuer(db.session, actor), accounts.login_now(db.session, target))
    return accounts.refusal_text(problem) if problem is not None else None


class UserSessionsView(BaseView):
    route_base = "/sessions"
    default_view = "list"
    base_permissions = ["can_list", "can_end"]

    @expose("/")
    @has_access
    def list(self):
        search = (request.args.get("q") or "").strip()
        # Logins of other schools are not even visible (app/security/scoping.py).
        query = (select(UserSession, PartaUser).join(PartaUser, PartaUser.id == UserSession.user_id)
                 .where(UserSession.ended_at.is_(None)))
        if search:
            like = f"%{search}%"
            query = query.where(or_(PartaUser.username.ilike(like), PartaUser.last_name.ilike(like),
                                    PartaUser.first_name.ilike(like)))
        rows = db.session.execute(query.order_by(UserSession.last_seen_at.desc()).limit(PAGE)).all()
        allowed = {}
        for _row, user in rows:
            if user.id not in allowed:
                allowed[user.id] = _may_end(user) is None
        found = None
        if search:
            found = db.session.scalars(select(PartaUser).where(PartaUser.username.ilike(f"%{search}%"))
                                       .order_by(PartaUser.username).limit(20)).all()
            for user in found:
                allowed.setdefault(user.id, _may_end(user) is None)
        return self.render_template("parta/sessions.html", title=_l("Sessions of users"), rows=rows, search=search,
                                    found=found, allowed=allowed, page=PAGE)

    @expose("/end/<int:user_id>", methods=["POST"])
    @has_access
    def end(self, user_id: int):
        target = db.session.scalar(select(PartaUser).where(PartaUser.id == user_id))  # scoped: own segment only
        if target is None:
            abort(404)
        problem = _may_end(target)
        if problem is not None:
            flash(problem, "danger")
            return redirect(url_for("UserSessionsView.list"))
        ended = sessions.end_all(db.session, target, "administrator")
        actor = current_user._get_current_object()
        db.session.add(AccountAudit(
            school_id=target.school_id, at=utcnow(), actor_id=actor.id, actor_username=actor.username,
            target_id=target.id, target_username=target.username, action="sessions_ended",
            details=gettext("Browser sessions ended: %(count)d; the tokens of the REST API and the apps revoked.",
                            count=ended),
            address=(request.remote_addr or "")[:64]))
        db.session.commit()
        flash(gettext("All sessions of %(login)s have ended: browsers (%(count)d), the REST API and the mobile apps.",
                      login=target.username, count=ended), "success")
        return redirect(url_for("UserSessionsView.list", q=request.args.get("q") or None))
