"""Parta's roles and the views each may use, in one table: rights as data.

The administrator edits roles in the UI; `sync_roles()` (run by the seed and on
deploy) creates missing roles and grants these defaults without removing what the
school added. The rights issue refines this table with own/all scopes.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Set, Tuple

from sqlalchemy import select

ADMIN = "Администратор"
SYSTEM_ROLES = {ADMIN}
# Roles of a student and a parent: one child's data (app/rules/accounts.py lets those who
# issue the families' passwords create such logins); roles that work over a municipality.
FAMILY_ROLES = {"Ученик", "Родитель"}
MUNICIPAL_ROLES = {"Специалист управления образования", "Оператор муниципального сегмента"}

READ = frozenset({"can_list", "can_show", "can_download", "can_report"})
WRITE = READ | {"can_add", "can_edit", "can_delete"}
READ_API = frozenset({"can_get", "can_info"})
WRITE_API = READ_API | {"can_post", "can_put", "can_delete"}

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
# Staff personal files: orders, education, categories, courses, the file page and its card;
# kept out of EVERYTHING: only the personnel officer, the director and the coordinator see them.
STAFF_FILES = {"StaffFileView", "StaffOrderView", "EducationRecordView", "AttestationView", "ExpiringAttestationView",
               "TrainingCourseView"}
# The personal card's personal data (Т-2: СНИЛС, ИНН, passport, addresses, family), kept
# apart as students' health data: the personnel officer keeps them, the director reads them.
PERSONNEL_DATA = {"EmployeePersonalDataView"}
STUDENTS = {"StudentView", "StudentWithoutConsentView", "GuardianView", "StudentGuardianView", "EnrolmentView", "PersonalDataConsentView"}
HEALTH = {"StudentHealthView"}
JOURNAL = {"LessonView", "AssignmentView", "MarkView", "AttendanceView", "PeriodMarkView", "FinalMarkView"}
MOVEMENT = {"MovementOrderView", "MovementOrderItemView", "OrderNumberingView"}
# Orders are created (and cancelled) on their own page, which applies them at once;
# the movement book (with the alphabetical book and head-counts) is read by all who
# hold the right «movement_book_view».
MOVEMENT_WRITE = WRITE | {"can_new", "can_cancel"}
BOOK = {"MovementBookView"}
BOOK_READ = frozenset({"can_book"})
# The journal grid: reading it, and saving cells and adding columns.
# Closing the year: the page, preparing the next year, the transition (rights year_create / year_close).
YEAR = {"YearClosingView"}
YEAR_WRITE = frozenset({"can_wizard", "can_prepare", "can_apply"})
GRID = {"JournalGridView"}
# «Выбор журнала»: the journals the grid opens for the user, by teacher or by class.
CHOOSER = {"JournalChooserView"}
CHOOSE = frozenset({"can_choose"})
GRID_READ = frozenset({"can_grid", "can_final"})
GRID_WRITE = GRID_READ | {"can_save", "can_assignment"}
LOGS = {"AuditLogView", "VisitLogView", "VisitStatisticsView"}
EVERYTHING = REFERENCE | PLANNING | STAFF | STUDENTS | HEALTH | JOURNAL | MOVEMENT | LOGS
ACCOUNTS = {"CredentialsView"}
ISSUE = frozenset({"can_form", "can_issue"})
# User administration (FAB's user pages, app/security/user_views.py): the administrator
# (every permission), and the municipal operator for their municipality's logins. Who may
# create, change or reissue which login is app/rules/accounts.py's; role definitions are
# the system administrator's. The account audit is read by the administration.
USERS = {"PartaUserDBModelView"}
USERS_ADMINISTER = frozenset({"can_list", "can_show", "can_add", "can_edit", "resetpasswords"})
PASSWORD_RESET = {"PartaResetPasswordView"}
PASSWORD_RESET_USE = frozenset({"can_this_form_get", "can_this_form_post"})
USERS_MENU = {("menu_access", "List Users"), ("menu_access", "Security")}
ACCOUNT_AUDIT = {"AccountAuditView"}
# «Сеансы пользователей» (app/views/sessions.py): who is signed in, and ending a login's
# sessions. The administrator's only (FAB grants it every permission); no other role lists it.
SESSIONS = {"UserSessionsView"}
# «Резервные копии» (app/views/backups.py): the whole database of every school. No role is
# granted it; FAB gives the administrator every permission, and the view itself admits only the
# installation's administrator (no school, no municipality).
BACKUPS = {"BackupView"}
MATRIX = {"RoleMatrixView"}
MATRIX_READ = frozenset({"can_matrix", "can_pdf"})
MATRIX_EDIT = MATRIX_READ | {"can_save"}
# REST APIs (app/views/api.py); their rows are scoped like the pages'.
PEOPLE_API = {"StudentRestApi", "GuardianRestApi"}
STAFF_API = {"EmployeeRestApi"}
JOURNAL_API = {"LessonRestApi", "AssignmentRestApi", "MarkRestApi", "AttendanceRestApi", "PeriodMarkRestApi"}
# «Деление класса на группы» (the class teacher their class, who plans the groups any class)
# and «Мой класс» (the class teacher their class, the administration any class).
SPLIT = {"SubgroupSplitView"}
SPLIT_USE = frozenset({"can_split", "can_save"})
MY_CLASS = {"MyClassView"}
MY_CLASS_READ = frozenset({"can_show"})
MY_CLASS_USE = MY_CLASS_READ | {"can_announce"}
# Subgroup membership over the API: written by who plans the groups, read by the staff.
PLANNING_API = {"SubgroupMemberRestApi"}
# Journal control: unlocks (the right «journal_unlock» on top), missing period marks,
# the «Отчёт о доступе к классному журналу» (rows scoped to the user's journals or own marks).
UNLOCKS = {"JournalUnlockView"}
UNLOCK = READ | {"can_add", "can_close"}  # an unlock is its own log: never edited or deleted, only closed early
JOURNAL_CONTROL = {"MissingPeriodMarksView"}
JOURNAL_AUDIT = {"JournalAuditView"}
# The lesson calendar wizard (lessons from the timetable, for every journal), and the
# КТП page: the plan against the lessons; import and «fill the topics» change only the
# journals the user may edit. Teachers also keep their plans in the CRUD views (KTP).
CALENDAR = {"CalendarView"}
CALENDAR_USE = frozenset({"can_form", "can_generate"})
# The timetable editor (a class's, a teacher's or a room's week; those who build the
# timetable change it, the staff read it — a teacher opens on their own week),
# substitutions of teachers, and the import of a timetable from a table.
TIMETABLE = {"TimetableView"}
TIMETABLE_READ = frozenset({"can_editor"})
TIMETABLE_WRITE = TIMETABLE_READ | {"can_change"}
SUBSTITUTIONS = {"SubstitutionView"}
SUBSTITUTE = frozenset({"can_form", "can_apply"})
TIMETABLE_IMPORT = {"TimetableImportView"}
THEMATIC = {"ThematicView"}
THEMATIC_READ = frozenset({"can_list", "can_show", "can_download"})
THEMATIC_WRITE = THEMATIC_READ | {"can_import", "can_apply"}
KTP = {"ThematicPlanView", "ThematicPlanTopicView"}
# Import of students with guardians (the secretary; right movement_book_edit on top) and of
# staff (the personnel officer; right users_edit on top): preview, then confirm.
STUDENT_IMPORT = {"StudentImportView"}
STAFF_IMPORT = {"StaffImportView"}
IMPORT = frozenset({"can_import"})
# Reports (app/views/reports.py); each page also asks app/security/reporting.py for the named
# right: own class / all classes, own children, self. Families get the student reports only.
STUDENT_REPORTS = {"StudentProgressReportView", "ParentLetterReportView", "AverageDynamicsReportView"}
CLASS_REPORTS = {"ClassResultsReportView", "SummarySheetReportView", "ClassAttendanceReportView", "JournalPrintReportView"}
SCHOOL_REPORTS = {"JournalControlReportView", "SchoolResultsReportView"}
REPORT = frozenset({"can_report"})
SHEET_FORM = frozenset({"can_form"})   # store a summary sheet on demand (SummarySheetReportView)
ARCHIVE = {"YearArchiveView"}
ARCHIVE_READ = frozenset({"can_list", "can_download"})
ARCHIVE_RUN = ARCHIVE_READ | {"can_start"}
# «Фоновые задания» (app/views/background.py): the school's jobs on the task queue, their progress and
# errors; who may start the archive may cancel a job.
JOBS = {"BackgroundJobsView"}
JOBS_READ = frozenset({"can_list"})
JOBS_RUN = JOBS_READ | {"can_cancel"}
ALL_REPORTS = STUDENT_REPORTS | CLASS_REPORTS | SCHOOL_REPORTS
# The diary of a student: families, and the staff who see the student (app/security/reporting.py).
DIARY = {"DiaryView"}
DIARY_READ = frozenset({"can_diary"})
# Communication: everyone of a school reads announcements, writes letters and in the forum;
# the staff post announcements; the forum's moderator keeps the stop words and moderates.
BOARD = {"AnnouncementBoardView"}
BOARD_READ = frozenset({"can_board"})
ANNOUNCE = {"AnnouncementView"}
MAIL = {"MailView"}
MAIL_USE = frozenset({"can_mail"})
FORUM = {"ForumView"}
FORUM_USE = frozenset({"can_forum"})
FORUM_MODERATE = FORUM_USE | {"can_moderate"}
STOP_WORDS = {"ForumStopWordView"}
MODERATION_LOG = {"ModerationLogView"}
COMMUNICATION = [(BOARD, BOARD_READ), (MAIL, MAIL_USE), (FORUM, FORUM_USE)]
# The NetSchool-compatible API is for the diaries of students and parents (app/webapi.py).
APPS_ACCESS = {"WebApiAccessView"}
APPS = frozenset({"can_access"})

Grants = Iterable[Tuple[Set[str], frozenset]]

ROLE_CONFIGS: Dict[str, list] = {
    "Координатор": [(PLANNING | STUDENTS | JOURNAL, WRITE), (MOVEMENT, MOVEMENT_WRITE), (BOOK, BOOK_READ), (GRID, GRID_WRITE), (CHOOSER, CHOOSE), (YEAR, YEAR_WRITE), (REFERENCE | STAFF | STAFF_FILES | LOGS | HEALTH, READ),
                    (ACCOUNTS, ISSUE), (MATRIX, MATRIX_EDIT), (ACCOUNT_AUDIT, READ),
                    (PEOPLE_API | PLANNING_API, WRITE_API), (STAFF_API, READ_API),
                    (UNLOCKS, UNLOCK), (JOURNAL_CONTROL | JOURNAL_AUDIT, READ), (JOURNAL_API, WRITE_API),
                    (CALENDAR, CALENDAR_USE), (THEMATIC, THEMATIC_WRITE), (STUDENT_IMPORT, IMPORT),
                    (TIMETABLE, TIMETABLE_WRITE), (SUBSTITUTIONS, SUBSTITUTE), (TIMETABLE_IMPORT, IMPORT),
                    (ALL_REPORTS, REPORT), ({"SummarySheetReportView"}, SHEET_FORM), (ARCHIVE, ARCHIVE_RUN),
                    (JOBS, JOBS_RUN), (DIARY, DIARY_READ), *COMMUNICATION, (ANNOUNCE, WRITE), (MODERATION_LOG, READ),
                    (SPLIT, SPLIT_USE), (MY_CLASS, MY_CLASS_USE)],
    "Директор": [(EVERYTHING | STAFF_FILES | PERSONNEL_DATA, READ), (BOOK, BOOK_READ), (GRID, GRID_READ), (CHOOSER, CHOOSE), (PEOPLE_API | STAFF_API | PLANNING_API, READ_API), (MATRIX, MATRIX_READ),
                 (UNLOCKS | JOURNAL_CONTROL | JOURNAL_AUDIT, READ), (JOURNAL_API, READ_API), (THEMATIC, THEMATIC_READ),
                 (ALL_REPORTS, REPORT), (ARCHIVE, ARCHIVE_READ), (JOBS, JOBS_READ), (DIARY, DIARY_READ), *COMMUNICATION,
                 (ANNOUNCE, WRITE), (MODERATION_LOG, READ),
                 (TIMETABLE, TIMETABLE_READ), (MY_CLASS, MY_CLASS_USE)],
    "Завуч": [(PLANNING | JOURNAL, WRITE), (GRID, GRID_WRITE), (CHOOSER, CHOOSE), (REFERENCE | STAFF | STUDENTS | MOVEMENT | LOGS, READ),
              (BOOK, BOOK_READ),
              (PEOPLE_API | STAFF_API, READ_API), (PLANNING_API, WRITE_API),
              (UNLOCKS, UNLOCK), (JOURNAL_CONTROL | JOURNAL_AUDIT, READ), (JOURNAL_API, WRITE_API),
              (CALENDAR, CALENDAR_USE), (THEMATIC, THEMATIC_WRITE),
              (TIMETABLE, TIMETABLE_WRITE), (SUBSTITUTIONS, SUBSTITUTE), (TIMETABLE_IMPORT, IMPORT),
              (ALL_REPORTS, REPORT), ({"SummarySheetReportView"}, SHEET_FORM), (ARCHIVE, ARCHIVE_READ), (JOBS, JOBS_READ),
              (DIARY, DIARY_READ), *COMMUNICATION, (ANNOUNCE, WRITE), (SPLIT, SPLIT_USE), (MY_CLASS, MY_CLASS_USE)],
    # A class teacher reissues the passwords of their class's students and parents (the
    # page tells a teacher who leads no class that there is nobody to issue to).
    "Учитель": [(JOURNAL, WRITE), (GRID, GRID_WRITE), (CHOOSER, CHOOSE), (PLANNING | STUDENTS, READ), (PEOPLE_API | STAFF_API, READ_API),
                (ACCOUNTS, ISSUE),
                (JOURNAL_AUDIT, READ), (JOURNAL_API, WRITE_API), (THEMATIC, THEMATIC_WRITE), (KTP, WRITE),
                (STUDENT_REPORTS | CLASS_REPORTS, REPORT), (DIARY, DIARY_READ), *COMMUNICATION, (ANNOUNCE, WRITE),
                (TIMETABLE, TIMETABLE_READ), (SPLIT, SPLIT_USE), (MY_CLASS, MY_CLASS_USE)],
    "Секретарь": [(STUDENTS, WRITE), (MOVEMENT, MOVEMENT_WRITE), (BOOK, BOOK_READ), (PLANNING | STAFF, READ), (PEOPLE_API, WRITE_API), (STAFF_API, READ_API),
                  (ACCOUNTS, ISSUE), (STUDENT_IMPORT, IMPORT), *COMMUNICATION, (ANNOUNCE, WRITE)],
    "Специалист по кадрам": [(STAFF | STAFF_FILES | PERSONNEL_DATA | {"PositionView"}, WRITE), (STAFF_API, WRITE_API), (STAFF_IMPORT, IMPORT), *COMMUNICATION],
    "Воспитатель": [(JOURNAL, WRITE), (GRID, GRID_WRITE), (CHOOSER, CHOOSE), (STUDENTS | PLANNING, READ), (PEOPLE_API, READ_API),
                    (JOURNAL_AUDIT, READ), (JOURNAL_API, WRITE_API), (THEMATIC, THEMATIC_WRITE), (KTP, WRITE),
                    (STUDENT_REPORTS | CLASS_REPORTS, REPORT), (DIARY, DIARY_READ), *COMMUNICATION, (ANNOUNCE, WRITE),
                    (MY_CLASS, MY_CLASS_USE)],
    "Модератор форума": [(BOARD, BOARD_READ), (MAIL, MAIL_USE), (FORUM, FORUM_MODERATE), (STOP_WORDS, WRITE),
                         (MODERATION_LOG, READ)],
    "Ученик": [(PEOPLE_API, READ_API), (JOURNAL_AUDIT, READ), (STUDENT_REPORTS, REPORT), (DIARY, DIARY_READ), *COMMUNICATION,
               (APPS_ACCESS, APPS)],
    "Родитель": [(PEOPLE_API, READ_API), (JOURNAL_AUDIT, READ), (STUDENT_REPORTS, REPORT), (DIARY, DIARY_READ), *COMMUNICATION,
                 (APPS_ACCESS, APPS)],
    "Специалист управления образования": [(EVERYTHING - HEALTH, READ), (BOOK, BOOK_READ), (GRID, GRID_READ), (CHOOSER, CHOOSE), (PEOPLE_API | STAFF_API, READ_API),
                                          (JOURNAL_AUDIT, READ), (JOURNAL_API, READ_API), (THEMATIC, THEMATIC_READ),
                                          (ALL_REPORTS, REPORT)],
    "Оператор муниципального сегмента": [(REFERENCE | PLANNING | STAFF | STUDENTS, READ), (BOOK, BOOK_READ), (PEOPLE_API | STAFF_API, READ_API),
                                         (USERS, USERS_ADMINISTER), (PASSWORD_RESET, PASSWORD_RESET_USE)],
}


# Every login may see its profile and change its own password.
SELF_SERVICE = {
    ("can_this_form_get", "ResetMyPasswordView"), ("can_this_form_post", "ResetMyPasswordView"),
    ("can_userinfo", "PartaUserDBModelView"), ("resetmypassword", "PartaUserDBModelView"),
}


def role_grants(role: str) -> Set[Tuple[str, str]]:
    """(permission, view) pairs a role gets by default."""
    pairs: Set[Tuple[str, str]] = set(SELF_SERVICE)
    for views, perms in ROLE_CONFIGS.get(role, []):
        pairs |= {(perm, view) for view in views for perm in perms}
    if any(view.endswith("RestApi") for _, view in pairs):
        pairs.add(("can_get", "OpenApi"))  # who uses the REST API may read its OpenAPI description
    if any(("can_list", view) in pairs for view in USERS):
        pairs |= USERS_MENU  # FAB's «Безопасность → Пользователи» is not in Parta's menu table
    return pairs


def sync_roles(sm, menus: Mapping[str, Tuple[str, str]]) -> None:
    """Creates the roles and the named rights, and grants their defaults. `menus`
    maps a view class name to its (menu item, menu category), which need `menu_access`."""
    from app.security.rights import RIGHTS, RIGHTS_VIEW, ROLE_RIGHTS

    sm.add_role(ADMIN)
    for code in RIGHTS:
        sm.add_permission_view_menu(code, RIGHTS_VIEW)
    for role_name in [ADMIN, *ROLE_CONFIGS]:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        pairs = role_grants(role_name) | {(code, RIGHTS_VIEW) for code in ROLE_RIGHTS.get(role_name, ())}
        for view in {v for _, v in pairs}:
            if view in menus:
                item, category = menus[view]
                pairs |= {("menu_access", item), ("menu_access", category)}
        existing = {(pv.permission.name, pv.view_menu.name): pv for pv in sm.session.scalars(select(sm.permissionview_model))}
        granted = set(role.permissions)
        role.permissions.extend(existing[p] for p in sorted(pairs) if p in existing and existing[p] not in granted)
    sm.session.commit()
