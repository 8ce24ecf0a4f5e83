"""«Отчёт о доступе к классному журналу»: every audited change of the journal (who,
when, from where, old → new), filtered by class, subject, dates, user and student.

Rows come through the central scoping (app/security/scoping.py): staff see the
journals they may view, parents and students the rows about their own marks. Staff
see who changed an entry by name and login, and from which address; parents and
students see the name alone (a login or an address is no business of theirs)."""
from __future__ import annotations

import datetime as dt
from math import ceil

from flask import current_app, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.clock import day_start_utc, school_today
from app.extensions import db
from app.models import AuditLog, PartaUser, SchoolClass, SchoolYear, Student, Subject, SubjectGroup
from app.security.rights import user_rights
from app.views.base import DATE_FORMAT

PAGE_SIZE = 100

# (entity, field) → what changed, as the report names it.
WHAT = {
    ("mark", "value_id"): _l("Mark"),
    ("mark", "is_duty"): _l("Duty mark"),
    ("mark", "comment"): _l("Comment"),
    ("attendance", "code_id"): _l("Attendance"),
    ("attendance", "comment"): _l("Comment"),
    ("lesson", "topic"): _l("Lesson topic"),
    ("lesson", "homework"): _l("Homework"),
    ("lesson", "date"): _l("Lesson date"),
    ("lesson", "is_cancelled"): _l("Lesson cancellation"),
    ("period_mark", "value_id"): _l("Period mark"),
    ("period_mark", "comment"): _l("Comment"),
    ("final_mark", "value_id"): _l("Final mark"),
    # moves: what the entry was moved from and to
    ("mark", "assignment_id"): _l("Mark moved to another assignment"),
    ("mark", "student_id"): _l("Mark moved to another student"),
    ("attendance", "lesson_id"): _l("Attendance moved to another lesson"),
    ("attendance", "student_id"): _l("Attendance moved to another student"),
    ("lesson", "subject_group_id"): _l("Lesson moved to another journal"),
    ("assignment", "lesson_id"): _l("Assignment moved to another lesson"),
    ("assignment", "type_id"): _l("Type of work"),
    ("assignment", "weight"): _l("Weight of the assignment"),
    ("assignment", "title"): _l("Title of the assignment"),
    ("period_mark", "period_id"): _l("Period mark moved to another period"),
    ("period_mark", "student_id"): _l("Period mark moved to another student"),
    ("period_mark", "subject_group_id"): _l("Period mark moved to another journal"),
    ("final_mark", "column_id"): _l("Final mark moved to another column"),
    ("final_mark", "student_id"): _l("Final mark moved to another student"),
    ("final_mark", "subject_group_id"): _l("Final mark moved to another journal"),
    # unlocks: granted, and closed early
    ("unlock", "date_from"): _l("Unlock: entries from"),
    ("unlock", "date_to"): _l("Unlock: entries to"),
    ("unlock", "until"): _l("Unlock: open until"),
    ("unlock", "reason"): _l("Unlock: reason"),
    ("unlock", "closed_at"): _l("Unlock closed early"),
}


def what_changed(entity: str, field: str | None):
    return WHAT.get((entity, field), f"{entity}.{field}" if field else entity)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), DATE_FORMAT).date() if text else None
    except ValueError:
        return None


def _user_name(user: PartaUser | None, with_login: bool = True) -> str:
    """«Фамилия Имя (login)» for staff; the name alone for families."""
    if user is None:
        return ""
    name = " ".join(p for p in (user.last_name, user.first_name) if p)
    if not with_login:
        return name or "—"
    return f"{name} ({user.username})" if name else user.username


def family_only(rights) -> bool:
    """A parent or a student (and no staff right to journals): they see who changed
    their marks by name, never a login or an address."""
    return bool(rights & {"own_children_view", "self_view"}) and not rights & {"journal_view_own", "journal_view_all"}


def filter_choices(session, year: SchoolYear | None) -> tuple[list, list]:
    """The classes and subjects of the year's subject groups the user sees (the
    scoping narrows them: a teacher's own groups, a parent's children's classes)."""
    if year is None:
        return [], []
    pairs = session.execute(
        select(SchoolClass, Subject).select_from(SubjectGroup)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .join(Subject, SubjectGroup.subject_id == Subject.id)
        .where(SubjectGroup.year_id == year.id).distinct()
    ).all()
    classes = sorted({c.id: c for c, _ in pairs}.values(), key=lambda c: (c.grade, c.letter, c.name))
    subjects = sorted({s.id: s for _, s in pairs}.values(), key=lambda s: (s.order, s.name))
    return classes, subjects


class JournalAuditView(BaseView):
    route_base = "/journalaudit"
    default_view = "report"
    base_permissions = ["can_report"]

    @expose("/")
    @has_access
    def report(self):
        args = request.args
        sm = current_app.appbuilder.sm
        family = family_only(user_rights(sm, sm.current_user))
        today = school_today()
        date_from = _date(args.get("from")) or today - dt.timedelta(days=30)
        date_to = _date(args.get("to")) or today
        class_id = args.get("class", type=int)
        subject_id = args.get("subject", type=int)
        username = "" if family else (args.get("user") or "").strip()  # families may not look logins up
        student_name = (args.get("student") or "").strip()
        page = max(args.get("page", 1, type=int), 1)

        # The log keeps UTC; the dates asked for are the school's.
        conditions = [AuditLog.at >= day_start_utc(date_from), AuditLog.at < day_start_utc(date_to + dt.timedelta(days=1))]
        if class_id:
            conditions.append(AuditLog.subject_group_id.in_(select(SubjectGroup.id).where(SubjectGroup.class_id == class_id)))
        if subject_id:
            conditions.append(AuditLog.subject_group_id.in_(select(SubjectGroup.id).where(SubjectGroup.subject_id == subject_id)))
        if username:
            pattern = f"%{username}%"
            conditions.append(AuditLog.user_id.in_(select(PartaUser.id).where(or_(
                PartaUser.username.ilike(pattern), PartaUser.last_name.ilike(pattern)))))
        if student_name:
            pattern = f"%{student_name}%"
            conditions.append(AuditLog.student_id.in_(select(Student.id).where(or_(
                Student.last_name.ilike(pattern), Student.first_name.ilike(pattern)))))

        total = db.session.scalar(select(func.count(AuditLog.id)).where(*conditions)) or 0
        pages = max(ceil(total / PAGE_SIZE), 1)
        page = min(page, pages)
        author = aliased(PartaUser)
        rows = db.session.execute(
            select(AuditLog, author, SubjectGroup, SchoolClass, Student)
            .outerjoin(author, AuditLog.user_id == author.id)
            .outerjoin(SubjectGroup, AuditLog.subject_group_id == SubjectGroup.id)
            .outerjoin(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
            .outerjoin(Student, AuditLog.student_id == Student.id)
            .where(*conditions)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        entries = [{
            "at": log.at, "who": _user_name(user, with_login=not family), "address": "" if family else log.address or "",
            "class": school_class.name if school_class else "", "group": group.name if group else "",
            "student": student.short_name if student else "", "entry_date": log.entry_date,
            "what": what_changed(log.entity, log.field), "action": log.action,
            "old": log.old_value, "new": log.new_value,
        } for log, user, group, school_class, student in rows]

        year = db.session.scalar(
            select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
        ) or db.session.scalar(select(SchoolYear).where(SchoolYear.start_date <= today).order_by(SchoolYear.start_date.desc()))
        classes, subjects = filter_choices(db.session, year)
        filters = {"from": date_from.strftime(DATE_FORMAT), "to": date_to.strftime(DATE_FORMAT), "class": class_id or "",
                   "subject": subject_id or "", "user": username, "student": student_name}
        return self.render_template(
            "parta/audit_report.html", title=_l("Journal access report"), entries=entries, classes=classes,
            subjects=subjects, filters=filters, class_id=class_id, subject_id=subject_id, page=page, pages=pages,
            total=total, family=family,
        )
