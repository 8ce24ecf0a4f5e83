"""Every URL rule is either protected by a permission of the role table or listed
here as public on purpose; and for every demo account the pages answer as the role
table says. A new endpoint fails this test until it is classified."""
from __future__ import annotations

import pytest

from app.security.roles import ADMIN, role_grants
from tests.conftest import login

# Endpoints anyone may reach, each for a reason.
PUBLIC_ENDPOINTS = {
    "static",                      # Parta's own JS (no data)
    "appbuilder.static",           # FAB's bundled Bootstrap/jQuery
    "PartaIndexView.index",        # the home page shows figures only to staff with the right
    "UtilView.back",               # FAB's "back" redirect
    "LocaleView.index",            # language switch (Russian only)
    "PartaAuthDBView.login",       # the login form
    "PartaAuthDBView.logout",      # POST only, with the CSRF token
    "SecurityApi.login",           # JWT login (rate-limited and locked like the form)
    "SecurityApi.refresh",         # needs a refresh token
    "MenuApi.get_menu_data",       # the menu of the logged-in user only
    "OpenApi.get",                 # the API description (no data)
    "SwaggerView.show",            # the API browser (no data)
    "health.health",               # monitoring: verdicts and figures, no school, path or login (app/health.py)
}
# The NetSchool-compatible API (app/webapi.py) checks its own token: 401 without a live
# one (tests/views/test_webapi.py), off unless the school switches it on.
PUBLIC_ENDPOINTS |= {rule for rule in (
    "webapi.logindata", "webapi.getdata", "webapi.schools", "webapi.login", "webapi.diary_init", "webapi.current_year",
    "webapi.assignment_types", "webapi.diary_week", "webapi.past_mandatory", "webapi.assignment_detail",
    "webapi.assignment_attachments", "webapi.announcements", "webapi.attachment", "webapi.school_card",
    "webapi.logout")}

# Roles (and FAB's groups) are one table for every school: a school's administrator
# reads them, only the system administrator (no school) changes them (app/security/user_views.py).
SYSTEM_ADMINISTRATOR_ONLY = {(permission, view) for view in ("PartaRoleModelView", "PartaGroupModelView")
                             for permission in ("can_add", "can_edit", "can_delete")}
# Backups hold every school's data: only the system administrator (app/views/backups.py).
SYSTEM_ADMINISTRATOR_ONLY |= {(permission, "BackupView") for permission in ("can_list", "can_create", "can_download",
                                                                           "can_verify")}
# Pages about one record, opened from it with its id in the query string (404 without one).
NEEDS_A_RECORD = {"PartaResetPasswordView.this_form_get"}

DEMO_ROLES = {
    "admin": ADMIN, "coordinator": "Координатор", "director": "Директор", "teacher": "Учитель",
    "classteacher": "Учитель", "secretary": "Секретарь", "hr": "Специалист по кадрам",
    "moderator": "Модератор форума", "parent": "Родитель", "student": "Ученик",
}


def _requirement(app, endpoint):
    """(permission, view) a FAB endpoint checks, or None when it checks none."""
    function = app.view_functions[endpoint]
    view = getattr(function, "__self__", None)
    name = getattr(function, "_permission_name", None)
    if view is None or name is None:
        return None
    method = function.__name__
    permission = (view.method_permission_name or {}).get(method) or name
    return f"can_{permission}" if not permission.startswith("can_") else permission, view.class_permission_name


# FAB's action endpoints check the permission of the named action inside the view
# (sm.has_access(action, view)); Parta declares no actions, so each refuses every call.
ACTION_SUFFIXES = (".action", ".action_post")


def test_every_endpoint_is_protected_or_public_on_purpose(app):
    unclassified = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS and not rule.endpoint.endswith(ACTION_SUFFIXES)
        and _requirement(app, rule.endpoint) is None
    )
    assert unclassified == [], "classify these endpoints (protect them, or list them as public with a reason)"


def _page_rules(app):
    """The pages a browser opens directly: GET, no URL arguments, not the API."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/") \
                and rule.endpoint not in PUBLIC_ENDPOINTS and not rule.rule.endswith("/action_post"):
            yield rule


@pytest.mark.parametrize("username", sorted(DEMO_ROLES))
def test_each_demo_account_reaches_exactly_the_pages_its_role_allows(app, client, username, monkeypatch):
    from app.views.export import ExportMixin

    # Who reaches an export is the question here, not its size: the first rows will do (the whole
    # list of marks took most of the walk's minute and a half; tests/views/test_export.py exports in full).
    monkeypatch.setattr(ExportMixin, "export_max_rows", 20)
    role = DEMO_ROLES[username]
    grants = role_grants(role)
    login(client, username)
    wrong = []
    for rule in _page_rules(app):
        permission, view = _requirement(app, rule.endpoint)
        instance = app.view_functions[rule.endpoint].__self__
        exists = permission in (instance.base_permissions or [])
        expected = exists and (role == ADMIN or (permission, view) in grants)
        if role == ADMIN and (permission, view) in SYSTEM_ADMINISTRATOR_ONLY:
            expected = False  # the demo administrator is their school's
        if rule.endpoint in NEEDS_A_RECORD:
            continue
        response = client.get(rule.rule)
        allowed = response.status_code == 200
        if allowed != expected:
            wrong.append(f"{rule.rule} ({permission} on {view}): expected {'allow' if expected else 'deny'}, got {response.status_code}")
    assert wrong == []


def test_actions_are_refused_to_everyone_but_the_administrator(app, client):
    login(client, "teacher")
    response = client.get("/markview/action/muldelete/1")
    assert response.status_code in (302, 403, 404)
