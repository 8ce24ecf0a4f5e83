"""Parta's security manager: FAB's, with Parta's user (bound to a school)."""
from __future__ import annotations

from typing import List

from flask import flash, g, has_request_context, request
from flask_appbuilder import expose
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import AuthDBView, UserDBModelView
from flask_babel import format_datetime, gettext, lazy_gettext as _l
from sqlalchemy import select

from app.clock import utcnow
from app.models import PartaUser, VisitEvent, VisitLog
from app.rules import login as login_rules



class PartaUserDBModelView(UserDBModelView):
    list_columns = ["first_name", "last_name", "username", "email", "school", "active", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count", "school", "municipality"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"], "expanded": False}),
    ]
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles", "school", "municipality", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "school", "municipality"]
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles"]
    page_size = 25


class PartaAuthDBView(AuthDBView):
    """Logging out changes state, so it takes a POST with the CSRF token (the navbar
    sends one); a GET, e.g. from a link planted on another site, does nothing."""

    @expose("/logout/", methods=["POST"])
    def logout(self):
        return super().logout()


class PartaSecurityManager(SecurityManager):
    user_model = PartaUser
    userdbmodelview = PartaUserDBModelView
    authdbview = PartaAuthDBView

    def auth_user_db(self, username, password):
        """FAB's password check, refused while the login is locked (app/rules/login.py);
        every failed attempt is recorded for the lock and the visit statistics."""
        until = self.login_locked_until(username)
        user = None
        if until is not None:
            flash(gettext("Too many wrong passwords: the login is locked until %(time)s.",
                          time=format_datetime(until, "HH:mm")), "danger")
        else:
            user = super().auth_user_db(username, password)
        if user is None:
            self.record_failed_login(username)
        else:
            self._refresh_webapi_secret(user, password)
        return user

    def login_locked_until(self, username: str):
        """When the login opens again after repeated wrong passwords (app/rules/login.py);
        None while open. The form, the REST API and the NetSchool API all ask here."""
        now = utcnow()
        failures = self.session.scalars(
            select(VisitLog.at).where(VisitLog.username == username, VisitLog.event == VisitEvent.failed,
                                      VisitLog.at > now - login_rules.WINDOW),
            execution_options={"parta_unscoped": True},  # nobody is logged in yet
        ).all()
        return login_rules.locked_until(failures, now)

    def record_failed_login(self, username: str) -> None:
        self._record_visit(None, username, VisitEvent.failed)

    def _refresh_webapi_secret(self, user, password: str) -> None:
        """The NetSchool API's secret follows the password (app/security/webapi.py)."""
        from app.security import webapi

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

    def role_permissions(self, role_ids: List[int]) -> set:
        """(view, permission) pairs of the roles, read once per request: FAB's page
        checks and Parta's named rights (app/security/rights.py) both answer from it."""
        cache = g.setdefault("parta_role_permissions", {}) if has_request_context() else {}
        key = tuple(sorted(role_ids))
        if key not in cache:
            query = (
                select(self.viewmenu_model.name, self.permission_model.name)
                .select_from(self.permissionview_model)
                .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
                .join(self.viewmenu_model, self.viewmenu_model.id == self.permissionview_model.view_menu_id)
                .join(self.permission_model, self.permission_model.id == self.permissionview_model.permission_id)
                .where(assoc_permissionview_role.c.role_id.in_(key))
            )
            cache[key] = set(self.session.execute(query, execution_options={"parta_unscoped": True}).all())
        return cache[key]

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: List[int]) -> bool:
        """FAB asks once per menu item and button (about 60 queries a page); Parta
        answers from the roles' permissions read once per request."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        return (view_name, permission_name) in self.role_permissions(role_ids)

    def load_user(self, pk):
        """Loads the logged-in user without scoping the query by that same user
        (which would load the user a second time)."""
        resolving = g.get("parta_resolving_scope")
        g.parta_resolving_scope = True
        try:
            return super().load_user(pk)
        finally:
            g.parta_resolving_scope = resolving

    def get_user_roles(self, user) -> list:
        """Parta grants rights through roles only (FAB's user groups are not used)."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        return list(user.roles)
