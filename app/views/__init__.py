"""Every view Parta registers, with its menu place: one table, read by
create_app() and by the role table's menu grants."""
from __future__ import annotations

from typing import Dict, Tuple

import datetime as dt

from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.views import (
    accounts, admin, audit, calendar, chooser, communication, control, credentials, diary, grid, imports, journal, logs, movement, people, planning, reports,
    rights, sessions, thematic, timetable, unlocks, staff, visits, year,
)
from app.views import background, backups, classroom, subgroups  # noqa: E402 (issue 13)
from app.views.overview import school_overview


class PartaIndexView(IndexView):
    """The home page: the school, today's date, the current year and period, head-counts."""

    index_template = "parta/index.html"

    @expose("/")
    def index(self):
        from flask_login import current_user

        from app.clock import school_today
        from app.security.communication import announcements_for

        overview = school_overview(db.session, school_today()) if current_user.is_authenticated else None
        announcements = []
        if current_user.is_authenticated and self.appbuilder.sm.has_access("can_board", "AnnouncementBoardView"):
            announcements = announcements_for(db.session, school_today(), limit=5)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, overview=overview,
                                    announcements=announcements)


# (view class, menu item name, category, Russian item label, icon)
CATEGORIES = {
    "Administration": (_l("Administration"), "fa-cogs"),
    "Planning": (_l("Planning"), "fa-calendar"),
    "People": (_l("People"), "fa-users"),
    "Journal": (_l("Journal"), "fa-book"),
    "Movement": (_l("Movement of students"), "fa-exchange"),
    "Staff": (_l("Personnel"), "fa-id-card-o"),
    "Reports": (_l("Reports"), "fa-bar-chart"),
    "Communication": (_l("Diary and messages"), "fa-comments"),
}

MENU = [
    (admin.SchoolView, "Schools", "Administration", _l("Schools"), "fa-university"),
    (admin.MunicipalityView, "Municipalities", "Administration", _l("Municipalities"), "fa-building"),
    (admin.SchoolYearView, "School years", "Administration", _l("School years"), "fa-calendar-o"),
    (admin.PeriodTypeView, "Period types", "Administration", _l("Period types"), "fa-list"),
    (admin.StudyPeriodView, "Study periods", "Administration", _l("Study periods"), "fa-calendar"),
    (admin.HolidaySetView, "Holiday sets", "Administration", _l("Holiday sets"), "fa-sun-o"),
    (admin.HolidayView, "Holidays", "Administration", _l("Holidays"), "fa-sun-o"),
    (admin.RoomView, "Rooms", "Administration", _l("Rooms"), "fa-door-open"),
    (admin.BellScheduleView, "Bell schedules", "Administration", _l("Bell schedules"), "fa-bell"),
    (admin.BellView, "Bells", "Administration", _l("Bells"), "fa-bell-o"),
    (admin.GradeScaleView, "Mark scales", "Administration", _l("Mark scales"), "fa-sort-numeric-desc"),
    (admin.GradeScaleValueView, "Mark scale values", "Administration", _l("Mark scale values"), "fa-list-ol"),
    (admin.AssignmentTypeView, "Work types", "Administration", _l("Work types"), "fa-tasks"),
    (admin.AttendanceCodeView, "Attendance codes", "Administration", _l("Attendance codes"), "fa-user-times"),
    (admin.FinalMarkColumnView, "Final mark columns", "Administration", _l("Final mark columns"), "fa-columns"),
    (admin.PositionView, "Positions", "Administration", _l("Positions"), "fa-id-badge"),
    (logs.AuditLogView, "Change log", "Administration", _l("Change log"), "fa-history"),
    (logs.VisitLogView, "Visits", "Administration", _l("Visit log"), "fa-sign-in"),
    (visits.VisitStatisticsView, "Visit statistics", "Administration", _l("Visit statistics"), "fa-bar-chart"),
    (credentials.CredentialsView, "Logins and passwords", "Administration", _l("Logins and passwords"), "fa-key"),
    (accounts.AccountAuditView, "Account actions", "Administration", _l("Account actions log"), "fa-user-secret"),
    (sessions.UserSessionsView, "Sessions of users", "Administration", _l("Sessions of users"), "fa-sign-out"),
    (backups.BackupView, "Backups", "Administration", _l("Backups"), "fa-database"),
    (rights.RoleMatrixView, "Rights of roles", "Administration", _l("Rights of roles"), "fa-th"),
    (year.YearClosingView, "Closing the school year", "Administration", _l("Closing the school year"), "fa-lock"),
    (planning.SubjectView, "Subjects", "Planning", _l("Subjects"), "fa-book"),
    (planning.SchoolClassView, "Classes", "Planning", _l("Classes"), "fa-users"),
    (planning.SubjectGroupView, "Subject groups", "Planning", _l("Subject groups"), "fa-object-group"),
    (planning.SubjectGroupTeacherView, "Teachers of subject groups", "Planning", _l("Teachers of subject groups"), "fa-user"),
    (planning.SubjectGroupMemberView, "Subgroup members", "Planning", _l("Subgroup members"), "fa-user-plus"),
    (planning.CurriculumItemView, "Curriculum", "Planning", _l("Curriculum"), "fa-table"),
    (planning.ScheduleEntryView, "Timetable", "Planning", _l("Timetable"), "fa-clock-o"),
    (timetable.TimetableView, "Timetable editor", "Planning", _l("Timetable editor"), "fa-th"),
    (timetable.SubstitutionView, "Substitutions", "Planning", _l("Substitutions"), "fa-exchange"),
    (timetable.TimetableImportView, "Import of the timetable", "Planning", _l("Import of the timetable"), "fa-upload"),
    (planning.ThematicPlanView, "Thematic plans", "Planning", _l("Thematic plans"), "fa-list-alt"),
    (planning.ThematicPlanTopicView, "Thematic plan topics", "Planning", _l("Thematic plan topics"), "fa-list"),
    (calendar.CalendarView, "Lesson calendar", "Planning", _l("Lesson calendar"), "fa-calendar-plus-o"),
    (subgroups.SubgroupSplitView, "Split a class into groups", "Planning", _l("Split a class into groups"), "fa-object-ungroup"),
    (people.StudentView, "Students", "People", _l("Students"), "fa-child"),
    (people.StudentWithoutConsentView, "Students without consent", "People", _l("Students without consent"), "fa-exclamation-triangle"),
    (people.GuardianView, "Guardians", "People", _l("Guardians"), "fa-male"),
    (people.StudentGuardianView, "Students and guardians", "People", _l("Students and guardians"), "fa-link"),
    (people.EnrolmentView, "Class membership", "People", _l("Class membership"), "fa-sitemap"),
    (people.StudentHealthView, "Health data", "People", _l("Health data of students"), "fa-heartbeat"),
    (people.PersonalDataConsentView, "Personal data consents", "People", _l("Personal data consents"), "fa-file-text-o"),
    (people.EmployeeView, "Employees", "People", _l("Employees"), "fa-id-card"),
    (people.EmployeePositionView, "Positions of employees", "People", _l("Positions of employees"), "fa-briefcase"),
    (imports.StudentImportView, "Import of students", "People", _l("Import of students and guardians"), "fa-upload"),
    (classroom.MyClassView, "My class", "Journal", _l("My class"), "fa-home"),
    (grid.JournalGridView, "Class journal", "Journal", _l("Class journal"), "fa-table"),
    (chooser.JournalChooserView, "Choose a journal", "Journal", _l("Choose a journal"), "fa-search"),
    (thematic.ThematicView, "Thematic plan and lessons", "Journal", _l("Thematic plan and lessons"), "fa-list-alt"),
    (journal.LessonView, "Lessons", "Journal", _l("Lessons"), "fa-calendar-check-o"),
    (journal.AssignmentView, "Assignments", "Journal", _l("Assignments"), "fa-pencil"),
    (journal.MarkView, "Marks", "Journal", _l("Marks"), "fa-star"),
    (journal.AttendanceView, "Attendance", "Journal", _l("Attendance"), "fa-user-times"),
    (journal.PeriodMarkView, "Period marks", "Journal", _l("Period marks"), "fa-star-half-o"),
    (journal.FinalMarkView, "Final marks", "Journal", _l("Final marks"), "fa-trophy"),
    (unlocks.JournalUnlockView, "Journal unlocks", "Journal", _l("Journal unlocks"), "fa-unlock"),
    (control.MissingPeriodMarksView, "Missing period marks", "Journal", _l("Missing period marks"), "fa-exclamation-circle"),
    (audit.JournalAuditView, "Journal access report", "Journal", _l("Journal access report"), "fa-eye"),
    (movement.MovementOrderView, "Movement orders", "Movement", _l("Movement orders"), "fa-file-text"),
    (movement.MovementOrderItemView, "Students of orders", "Movement", _l("Students of orders"), "fa-list"),
    (movement.MovementBookView, "Movement book", "Movement", _l("Movement book"), "fa-book"),
    (movement.OrderNumberingView, "Order numbering", "Movement", _l("Order numbering"), "fa-sort-numeric-asc"),
    (staff.StaffFileView, "Personal files", "Staff", _l("Personal files of employees"), "fa-folder-open"),
    (staff.StaffOrderView, "Staff orders", "Staff", _l("Staff orders"), "fa-file-text-o"),
    (staff.EmployeePersonalDataView, "Personal data of employees", "Staff", _l("Personal data of employees"), "fa-id-badge"),
    (staff.EducationRecordView, "Education of employees", "Staff", _l("Education of employees"), "fa-graduation-cap"),
    (staff.AttestationView, "Qualification categories", "Staff", _l("Qualification categories"), "fa-certificate"),
    (staff.ExpiringAttestationView, "Expiring categories", "Staff", _l("Attestation: expiring categories"), "fa-hourglass-end"),
    (staff.TrainingCourseView, "Professional development courses", "Staff", _l("Professional development courses"), "fa-book"),
    (imports.StaffImportView, "Import of staff", "Staff", _l("Import of staff"), "fa-upload"),
    (diary.DiaryView, "Diary", "Communication", _l("Diary"), "fa-book"),
    (communication.AnnouncementBoardView, "Announcements", "Communication", _l("Announcements"), "fa-bullhorn"),
    (communication.AnnouncementView, "Posting announcements", "Communication", _l("Posting announcements"), "fa-pencil-square-o"),
    (communication.MailView, "Mail", "Communication", _l("Mail"), "fa-envelope"),
    (communication.ForumView, "Forum", "Communication", _l("Forum"), "fa-comments-o"),
    (communication.ForumStopWordView, "Forum stop words", "Communication", _l("Forum stop words"), "fa-ban"),
    (communication.ModerationLogView, "Moderation log", "Communication", _l("Moderation log"), "fa-gavel"),
    (communication.WebApiAccessView, "Access for mobile apps", "Communication", _l("Access for mobile apps"), "fa-mobile"),
    (reports.StudentProgressReportView, "Student progress report", "Reports", _l("Student progress and attendance"), "fa-user"),
    (reports.ParentLetterReportView, "Information letter", "Reports", _l("Information letter to the parents"), "fa-envelope-o"),
    (reports.AverageDynamicsReportView, "Average dynamics", "Reports", _l("Dynamics of the average mark"), "fa-line-chart"),
    (reports.ClassResultsReportView, "Class results", "Reports", _l("Results of the class for the period"), "fa-pie-chart"),
    (reports.SummarySheetReportView, "Summary sheet", "Reports", _l("Summary sheet of progress"), "fa-th"),
    (reports.ClassAttendanceReportView, "Class attendance", "Reports", _l("Attendance of the class"), "fa-user-times"),
    (reports.JournalPrintReportView, "Journal printout", "Reports", _l("Printout of a journal page"), "fa-print"),
    (reports.JournalControlReportView, "Journal control", "Reports", _l("Journal control"), "fa-check-square-o"),
    (reports.SchoolResultsReportView, "School results", "Reports", _l("Results of the school"), "fa-university"),
    (reports.YearArchiveView, "Year-end archive", "Reports", _l("Year-end archive"), "fa-archive"),
    (background.BackgroundJobsView, "Background jobs", "Reports", _l("Background jobs"), "fa-tasks"),
]


# Groups inside a menu, each opened by a divider before its first item: the school's settings,
# the journal's settings, logs and logins (Управление); the lists behind the journal and its
# control (Журнал); staff and imports (Люди); class reports and the school's (Отчёты).
DIVIDER_BEFORE = {
    "Bell schedules", "Mark scales", "Change log", "Logins and passwords", "Closing the school year",
    "Lessons", "Journal unlocks",
    "Employees", "Import of students",
    "Class results", "Journal printout",
}


def menu_places() -> Dict[str, Tuple[str, str]]:
    """View class name → (menu item, category), for the role table's menu grants."""
    return {view.__name__: (name, category) for view, name, category, _, _ in MENU}


def by_class(groups: list) -> list:
    """[(class name, its groups)] in the order given (grade, then letter), for <optgroup>s."""
    from itertools import groupby

    return [(name, list(items)) for name, items in groupby(groups, key=lambda g: g["class"])]


def _unread_mail():
    """Unread letters of the logged-in user for the navbar; None without the mail."""
    from flask import current_app
    from flask_login import current_user

    from app.security.sessions import unread_mail

    if not current_user.is_authenticated or not current_app.appbuilder.sm.has_access("can_mail", "MailView"):
        return None
    unread = unread_mail()  # read with the login
    return communication.unread_count(db.session, current_user) if unread is None else unread


_menus: dict = {}


# Menu items only the installation's administrator (no school, no municipality) sees, whatever
# the role's permissions: what they open holds every school's data.
SYSTEM_ONLY_MENU = {"Backups"}


def menu_html(role_ids, system: bool = False):
    """The navbar's menus as HTML for a set of roles (None: an anonymous visitor), built
    once per set (and again when the rights change): which items a role sees depends on
    its permissions only, and FAB's template asked a permission check per item (a sixth
    of a page's time when built on every request)."""
    from flask import current_app, render_template, request
    from flask_babel import get_locale
    from markupsafe import Markup

    from app.security import grants

    appbuilder = current_app.appbuilder
    if role_ids is None:
        public = grants.role_id(db.session, appbuilder.sm.auth_role_public)
        role_ids = () if public is None else (public,)
    roles = tuple(sorted(role_ids))
    key = (roles, system, grants.generation(db.session), str(get_locale()), request.script_root, id(appbuilder.menu))
    html = _menus.get(key)
    if html is None:
        if len(_menus) > 500:  # older generations of the rights
            _menus.clear()
        granted = grants.of_roles(db.session, roles)
        html = _menus[key] = Markup(render_template(
            "appbuilder/navbar_menu.html", menu=appbuilder.menu,
            visible=lambda item: (item.name, "menu_access") in granted and (system or item.name not in SYSTEM_ONLY_MENU)))
    return html


def _menu():
    from flask_login import current_user

    from app.security.accounts import is_system_administrator

    if not current_user.is_authenticated:
        return menu_html(None)
    return menu_html([role.id for role in current_user.roles], is_system_administrator(current_user))


def _user_place():
    """The signed-in user's roles and where they work, for the navbar: (roles, place), e.g.
    («Администратор», «МБОУ СОШ № 1»); the place of a municipal login is its municipality,
    of the system administrator the whole installation."""
    from flask_babel import gettext
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    roles = ", ".join(sorted(role.name for role in current_user.roles))
    if current_user.school is not None:
        place = current_user.school.short_name
    elif current_user.municipality is not None:
        place = current_user.municipality.name
    else:
        place = gettext("All schools")
    return roles, place


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.views.base import format_datetime

    current_app.jinja_env.filters["parta_datetime"] = format_datetime
    from reports.formatting import FILTERS

    current_app.jinja_env.filters.update(FILTERS)
    current_app.jinja_env.globals["parta_unread_mail"] = _unread_mail
    current_app.jinja_env.globals["parta_user_place"] = _user_place
    current_app.jinja_env.globals["parta_menu"] = _menu
    current_app.jinja_env.filters["parta_by_class"] = by_class
    from app.views.api import APIS

    for api in APIS:
        appbuilder.add_api(api)
    for view, name, category, label, icon in MENU:
        category_label, category_icon = CATEGORIES[category]
        if name in DIVIDER_BEFORE:
            appbuilder.add_separator(category)
        appbuilder.add_view(
            view, name, label=label, icon=icon, category=category,
            category_label=category_label, category_icon=category_icon,
        )
