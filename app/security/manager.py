"""Parta's security manager: FAB's, with Parta's user (bound to a school)."""
from __future__ import annotations

from typing import List

from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from sqlalchemy import select
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models import PartaUser


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


class PartaSecurityManager(SecurityManager):
    user_model = PartaUser
    userdbmodelview = PartaUserDBModelView

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: List[int]) -> bool:
        """FAB asks once per menu item and button (about 60 queries a page); Parta
        reads the roles' permissions once per request and answers from memory."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("parta_role_permissions", {})
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
            cache[key] = set(self.session.execute(query).all())
        return (view_name, permission_name) in cache[key]
