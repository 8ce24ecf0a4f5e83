"""Parta's security manager: FAB's, with Parta's user (bound to a school)."""
from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager
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
