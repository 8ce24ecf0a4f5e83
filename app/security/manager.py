"""Parta's security manager: FAB's, with Parta's user (bound to a school)."""
from __future__ import annotations

import logging
from typing import List
from urllib.parse import urlsplit, urlunsplit

from flask import flash, g, has_request_context, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import login_user
from flask_babel import format_datetime, gettext, lazy_gettext as _l
from sqlalchemy import func, select

from app.clock import utcnow
from app.models import PartaUser, VisitEvent, VisitLog
from app.rules.login import login_key
from app.security import grants, login_limits, sessions
from app.security.user_views import (
    PartaGroupModelView, PartaResetPasswordView, PartaRoleModelView, PartaUserDBModelView,
)

log = logging.getLogger(__name__)


class PartaAuthDBView(AuthDBView):
    """Logging out changes state, so it takes a POST with the CSRF token (the navbar
    sends one); a GET, e.g. from a link planted on another site, does nothing.

    After signing in, the browser goes back to the page that sent it to the form. FAB
    writes that page into `next` as an absolute URL (`request.url`, host and port
    included) and then judged it against FAB_SAFE_REDIRECT_HOSTS, which name hosts
    without ports — so `http://127.0.0.1:5000/…` was "unsafe" — and a sign-in without
    `next` at all was judged as the empty URL: both logged «Invalid redirect detected»
    and went to the home page. Here a missing `next` means the home page, and an
    absolute `next` on the very host the form was posted to becomes a relative path
    (no host left in it, so it cannot lead off the site); anything else still goes
    through FAB's check, which refuses other sites."""

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = self._get_safe_next_url()
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            login_user(user, remember=False)
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)

    def _get_safe_next_url(self) -> str:
        target = request.args.get("next") or ""
        if not target:
            return self.appbuilder.get_url_for_index
        if "\\" in target:  # browsers read «/\evil» as «//evil»: off-site like any other
            log.warning("Invalid redirect detected, falling back to index")
            return self.appbuilder.get_url_for_index
        parts = urlsplit(target)
        if parts.scheme in ("http", "https") and parts.netloc == request.host:
            target = urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))
        return get_safe_redirect(target)

    @expose("/logout/", methods=["POST"])
    def logout(self):
        return super().logout()


class PartaSecurityManager(SecurityManager):
    user_model = PartaUser
    # User administration (app/security/user_views.py; the rules: app/rules/accounts.py).
    userdbmodelview = PartaUserDBModelView
    rolemodelview = PartaRoleModelView
    groupmodelview = PartaGroupModelView
    resetpasswordview = PartaResetPasswordView
    authdbview = PartaAuthDBView
    # FAB's «User's Statistics» charts fail on their own URLs (/userstatschartview/chart/username);
    # Parta's «Статистика посещений» (app/views/visits.py) counts the visits instead.
    userstatschartview = None

    def auth_user_db(self, username, password):
        """FAB's password check, refused while wrong passwords hold this login back from
        this place (app/rules/login.py, app/security/login_limits.py); every failure is
        recorded for the backoff, the per-address limit and the visit statistics."""
        until = self.login_locked_until(username)
        user = None
        if until is not None:
            if has_request_context() and not request.path.startswith("/api/"):
                flash(gettext("Too many wrong passwords: the login is locked until %(time)s.",
                              time=format_datetime(until, "HH:mm")), "danger")
            self.record_failed_login(username, counted=False)
            return None
        user = super().auth_user_db(username, password)
        if user is None:
            self.record_failed_login(username)
        else:
            login_limits.forget_failures(username)
            self._refresh_webapi_secret(user, password)
        return user

    def login_locked_until(self, username: str):
        """When attempts for this login from this address (or browser) may go on after
        repeated wrong passwords; None while they may. The form, the REST API and the
        NetSchool API all ask here."""
        return login_limits.locked_until(username or "")

    def record_failed_login(self, username: str, counted: bool = True) -> None:
        """A failed sign-in: for the statistics, the per-address limit and, unless it was
        refused during a wait (`counted=False`), the login's backoff — whose start is
        recorded in the account audit."""
        login_limits.mark_failed()
        until = login_limits.count_failure(username or "") if counted else None
        if until is not None:
            self._record_login_held(username, until)
        self._record_visit(None, username, VisitEvent.failed)

    def _record_login_held(self, username: str, until) -> None:
        from app.models import AccountAudit

        target = self.session.scalar(select(PartaUser).where(func.lower(PartaUser.username) == login_key(username)),
                                     execution_options={"parta_unscoped": True})
        if target is None:
            return  # no such login: the visit log keeps the attempt
        address = (request.remote_addr or "")[:64] if has_request_context() else None
        self.session.add(AccountAudit(
            school_id=target.school_id, at=utcnow(), target_id=target.id, target_username=target.username,
            action="login_held", address=address,
            details=gettext("Wrong passwords from %(address)s: the next attempt from there after %(time)s.",
                            address=address or "—", time=format_datetime(until, "dd.MM.yyyy HH:mm"))))

    def _refresh_webapi_secret(self, user, password: str) -> None:
        """The NetSchool API's secret follows the password (app/security/webapi.py). At
        sign-in nobody is logged in yet: the secret is written as the login's own school."""
        from app.security import webapi
        from app.security.scoping import as_school

        if user.school_id is None:
            return  # the apps serve the logins of a school only
        with as_school(user.school_id):
            webapi.refresh(self.session, user, password)
            self.session.commit()

    def reset_password(self, userid, password):
        """A password the user chose (or an administrator set by hand) ends the
        obligation to change the issued one."""
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        if user is not None and user.must_change_password:
            user.must_change_password = False
            self.session.commit()
        if user is not None:
            self._refresh_webapi_secret(user, password)

    def on_user_login(self, user) -> None:
        self._record_visit(user, user.username, VisitEvent.login)

    def on_user_logout(self, user) -> None:
        self._record_visit(user, user.username, VisitEvent.logout)

    def _record_visit(self, user, username, event) -> None:
        known = user or self.session.scalar(select(PartaUser).where(PartaUser.username == username))
        self.session.add(VisitLog(
            school_id=known.school_id if known else None, user_id=known.id if known else None,
            username=(username or "")[:128], event=event, at=utcnow(),
            address=(request.remote_addr or "")[:64] if has_request_context() else None,
            user_agent=(request.user_agent.string or "")[:500] if has_request_context() else None,
        ))
        self.session.commit()

    def permissions_by_role(self) -> dict:
        """{role id: {(view, permission), …}} of every role: the rights over logins
        (app/security/accounts.py) weigh every role a page offers. Read once per change
        of the rights, not per request (app/security/grants.py)."""
        return grants.by_role(self.session)

    def role_permissions(self, role_ids: List[int]) -> set:
        """(view, permission) pairs of the roles: FAB's page checks and Parta's named
        rights (app/security/rights.py) both answer from it."""
        return grants.of_roles(self.session, role_ids)

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: List[int]) -> bool:
        """FAB asks once per menu item and button (about 60 queries a page); Parta
        answers from the roles' permissions kept in memory."""
        return (view_name, permission_name) in grants.of_roles(self.session, role_ids)

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """FAB's check, shortened for the signed-in browser (asked dozens of times a page):
        the login's roles' permissions as one set. REST tokens and anonymous visitors take
        FAB's way (which comes back here for the roles' permissions)."""
        if has_request_context() and not getattr(g, "_api_key_user", False):
            user = g.get("user")
            if user is not None and getattr(user, "is_authenticated", False) and "parta_session_row" in g:
                if not user.is_active:
                    return False
                return (view_name, permission_name) in self.role_permissions([role.id for role in user.roles])
        return super().has_access(permission_name, view_name)

    def is_item_public(self, permission_name, view_name):
        """What an anonymous visitor may open: the public role's permissions, from memory."""
        role_id = grants.role_id(self.session, self.auth_role_public)
        return role_id is not None and (view_name, permission_name) in grants.of_roles(self.session, [role_id])

    def load_user(self, pk):
        """The browser's login, only while its sign-in is open on the server
        (app/security/sessions.py): a copied cookie of an ended session loads nobody.
        The query is not scoped by that same user (which would load the user twice)."""
        resolving = g.get("parta_resolving_scope")
        g.parta_resolving_scope = True
        try:
            return sessions.signed_in_user(pk)
        finally:
            g.parta_resolving_scope = resolving

    def create_jwt_manager(self, app):
        """REST tokens carry the login's session version (claim "sv")."""
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(sessions.jwt_claims)
        return jwt_manager

    def load_user_jwt(self, _jwt_header, jwt_data):
        """A REST token's login, refused once its sessions were ended (a password change,
        deactivation, a change of roles, «end sessions»): the token's "sv" is then old."""
        user = sessions.user_of_jwt(jwt_data)
        if user is not None:
            g.user = user
        return user

    def get_user_roles(self, user) -> list:
        """Parta grants rights through roles only (FAB's user groups are not used)."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        return list(user.roles)
