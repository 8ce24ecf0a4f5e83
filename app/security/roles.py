"""Parta's roles and the views each may use, in one table (STYLE.md: rights as data).

The administrator edits roles in the UI; `sync_roles()` (run by the seed and on
deploy) creates missing roles and grants these defaults without removing what the
school added. The rights issue refines this table with own/all scopes.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Set, Tuple

from sqlalchemy import select

ADMIN = "Администратор"
SYSTEM_ROLES = {ADMIN}

READ = frozenset({"can_list", "can_show", "can_download"})
WRITE = READ | {"can_add", "can_edit", "can_delete"}

# Views by area; names are the view classes in app/views/.
REFERENCE = {
    "SchoolView", "MunicipalityView", "SchoolYearView", "PeriodTypeView", "StudyPeriodView",
    "HolidaySetView", "HolidayView", "RoomView", "BellScheduleView", "BellView", "GradeScaleView",
    "GradeScaleValueView", "AssignmentTypeView", "AttendanceCodeView", "FinalMarkColumnView",
    "PositionView",
}
PLANNING = {
    "SubjectView", "SchoolClassView", "SubjectGroupView", "SubjectGroupTeacherView",
    "SubjectGroupMemberView", "CurriculumItemView", "ScheduleEntryView", "ThematicPlanView",
    "ThematicPlanTopicView",
}
STAFF = {"EmployeeView", "EmployeePositionView"}
STUDENTS = {"StudentView", "GuardianView", "StudentGuardianView", "EnrolmentView", "PersonalDataConsentView"}
HEALTH = {"StudentHealthView"}
JOURNAL = {"LessonView", "AssignmentView", "MarkView", "AttendanceView", "PeriodMarkView", "FinalMarkView"}
MOVEMENT = {"MovementOrderView", "MovementOrderItemView"}
LOGS = {"AuditLogView", "VisitLogView"}
EVERYTHING = REFERENCE | PLANNING | STAFF | STUDENTS | HEALTH | JOURNAL | MOVEMENT | LOGS

Grants = Iterable[Tuple[Set[str], frozenset]]

ROLE_CONFIGS: Dict[str, list] = {
    "Координатор": [(PLANNING | STUDENTS | JOURNAL | MOVEMENT, WRITE), (REFERENCE | STAFF | LOGS | HEALTH, READ)],
    "Директор": [(EVERYTHING, READ)],
    "Завуч": [(PLANNING | JOURNAL, WRITE), (REFERENCE | STAFF | STUDENTS | MOVEMENT | LOGS, READ)],
    "Учитель": [(JOURNAL, WRITE), (PLANNING | STUDENTS, READ)],
    "Секретарь": [(STUDENTS | MOVEMENT, WRITE), (PLANNING | STAFF, READ)],
    "Специалист по кадрам": [(STAFF | {"PositionView"}, WRITE)],
    "Воспитатель": [(JOURNAL, WRITE), (STUDENTS | PLANNING, READ)],
    "Модератор форума": [],
    "Ученик": [],
    "Родитель": [],
    "Специалист управления образования": [(EVERYTHING - HEALTH, READ)],
    "Оператор муниципального сегмента": [(REFERENCE | PLANNING | STAFF | STUDENTS, READ)],
}


def role_grants(role: str) -> Set[Tuple[str, str]]:
    """(permission, view) pairs a role gets by default."""
    pairs: Set[Tuple[str, str]] = set()
    for views, perms in ROLE_CONFIGS.get(role, []):
        pairs |= {(perm, view) for view in views for perm in perms}
    return pairs


def sync_roles(sm, menus: Mapping[str, Tuple[str, str]]) -> None:
    """Creates the roles and grants their defaults. `menus` maps a view class name
    to its (menu item, menu category), which need `menu_access`."""
    sm.add_role(ADMIN)
    for role_name in ROLE_CONFIGS:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        pairs = role_grants(role_name)
        for view in {v for _, v in pairs}:
            if view in menus:
                item, category = menus[view]
                pairs |= {("menu_access", item), ("menu_access", category)}
        existing = {(pv.permission.name, pv.view_menu.name): pv for pv in sm.session.scalars(select(sm.permissionview_model))}
        granted = set(role.permissions)
        role.permissions.extend(existing[p] for p in sorted(pairs) if p in existing and existing[p] not in granted)
    sm.session.commit()
