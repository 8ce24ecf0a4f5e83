"""Parta's tables, one module per domain area."""
from .base import Model, SchoolScoped  # noqa: F401
from .users import AccountAudit, PartaUser, UserSession  # noqa: F401
from .org import (  # noqa: F401
    Bell, BellSchedule, Holiday, HolidaySet, Municipality, PeriodType, Room, School, SchoolKind,
    SchoolYear, StudyPeriod, Subject,
)
from .people import (  # noqa: F401
    Employee, EmployeePosition, Gender, Guardian, Position, Relation, Student, StudentGuardian,
    StudentHealth,
)
from .teaching import (  # noqa: F401
    CurriculumItem, CurriculumType, Enrolment, ScheduleEntry, SchoolClass, SubjectGroup,
    SubjectGroupMember, SubjectGroupTeacher, WEEKDAYS, MemberSpan, group_member_rows, group_member_spans,
    member_spans_of, members_on,
)
from .journal import (  # noqa: F401
    Assignment, AssignmentType, Attendance, AttendanceCode, FinalMark, FinalMarkColumn, FinalMarkKind,
    GradeScale, GradeScaleValue, JournalUnlock, Lesson, Mark, PeriodMark, ThematicPlan, ThematicPlanTopic,
)
from .movement import MovementOrder, MovementOrderItem, OrderKind, OrderNumbering  # noqa: F401
from .compliance import AuditLog, PersonalDataConsent, VisitEvent, VisitLog  # noqa: F401
from .staff import (  # noqa: F401
    Attestation, EducationLevel, EducationRecord, EmployeePersonalData, MaritalStatus, QualificationCategory, StaffOrder,
    StaffOrderKind, TrainingCourse,
)
from .reports import (  # noqa: F401
    BackupRun, BackupRunKind, DocumentKind, JobKind, JobStatus, ReportJob, StoredDocument,
)
from .communication import (  # noqa: F401
    Announcement, Attachment, Audience, ForumPost, ForumStopWord, ForumTopic, MailMessage, MailRecipient,
    ModerationAction, ModerationLog, WebApiAccount, WebApiSession,
)
