"""Named rights in own/all pairs (NetSchool's «права»), as FAB permissions on the
pseudo-view RIGHTS_VIEW, so that the administrator grants them per role in the UI.

Which rows a right opens is decided in app/security/scoping.py; this module only
names the rights and says which roles hold them by default.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Set

from flask import abort, current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

RIGHTS_VIEW = "Rights"

# code → Russian title; own/all pairs side by side.
RIGHTS = {
    "journal_view_own": _l("View the journals of own subject groups and class"),
    "journal_view_all": _l("View all journals"),
    "journal_edit_own": _l("Edit the journals of own subject groups"),
    "journal_edit_all": _l("Edit all journals"),
    "final_marks_view_own": _l("View final marks of own groups and class"),
    "final_marks_view_all": _l("View all final marks"),
    "final_marks_edit_own": _l("Edit final marks of own groups"),
    "final_marks_edit_all": _l("Edit all final marks"),
    "reports_own_class": _l("Reports for own class"),
    "reports_all_classes": _l("Reports for all classes"),
    "students_view_own": _l("View students of own groups and class"),
    "students_view_all": _l("View all students and guardians"),
    "health_view": _l("View health data of students"),
    "movement_book_view": _l("View the movement book"),
    "movement_book_edit": _l("Edit orders and the movement book"),
    "users_edit": _l("Edit users and issue passwords"),
    "roles_define": _l("Define the rights of roles"),
    "year_create": _l("Create a school year"),
    "year_close": _l("Close a school year"),
    "journal_unlock": _l("Unlock a journal for corrections"),
    "visits_view": _l("View visit statistics"),
    "consents_edit": _l("Record personal data consents"),
    "announcements_manage": _l("Manage announcements (change and delete those of others)"),
    "own_children_view": _l("View own children's marks and attendance"),
    "self_view": _l("View own marks and attendance"),
}

_STAFF_OWN = {"journal_view_own", "journal_edit_own", "final_marks_view_own", "final_marks_edit_own",
              "reports_own_class", "students_view_own"}
_READ_ALL = {"journal_view_all", "final_marks_view_all", "reports_all_classes", "students_view_all",
             "movement_book_view"}

ROLE_RIGHTS: Dict[str, Set[str]] = {
    "Администратор": set(RIGHTS),
    "Координатор": _STAFF_OWN | _READ_ALL | {"journal_edit_all", "final_marks_edit_all", "movement_book_edit",
                                             "journal_unlock", "visits_view", "roles_define", "users_edit",
                                             "year_close", "year_create", "health_view", "consents_edit",
                                             "announcements_manage"},
    "Директор": _STAFF_OWN | _READ_ALL | {"health_view", "visits_view", "announcements_manage"},
    "Завуч": _STAFF_OWN | _READ_ALL | {"journal_edit_all", "final_marks_edit_all", "journal_unlock"},
    "Учитель": set(_STAFF_OWN),
    "Воспитатель": set(_STAFF_OWN),
    "Секретарь": {"students_view_all", "movement_book_view", "movement_book_edit", "consents_edit", "users_edit"},
    "Специалист по кадрам": {"users_edit"},
    "Модератор форума": set(),
    "Ученик": {"self_view"},
    "Родитель": {"own_children_view"},
    "Специалист управления образования": _READ_ALL,
    # The operator keeps the logins of the municipality's segment (app/rules/accounts.py).
    "Оператор муниципального сегмента": {"students_view_all", "movement_book_view", "users_edit"},
}


def user_rights(sm, user) -> FrozenSet[str]:
    """The rights the user's roles hold (read once per request)."""
    if has_request_context() and "parta_rights" in g:
        return g.parta_rights
    role_ids = [role.id for role in user.roles]
    rights: FrozenSet[str] = frozenset()
    if role_ids:
        rights = frozenset(perm for view, perm in sm.role_permissions(role_ids) if view == RIGHTS_VIEW)
    if has_request_context():
        g.parta_rights = rights
    return rights


def require_right(code: str) -> None:
    """Refuses the request (403) unless the user's roles hold the named right; views
    call it on top of their FAB permission."""
    sm = current_app.appbuilder.sm
    if code not in user_rights(sm, sm.current_user):
        abort(403)
