"""Who may write to whom, and who reads which announcement (act 001 §4.8):
decided here once for the pages, the mail's sending and the NetSchool API.

Announcements belong to their authors (issue 12, item 9): the author edits and deletes
their own; only the right «Управление объявлениями» (announcements_manage, the
administration) touches another's, and every edit records who made it and when.
The «Публикация объявлений» pages list only what the user may change
(AnnouncementAuthorFilter), and a flush hook refuses a change of another's
announcement on any other path.

The address book: the administration writes to everyone of the school; a teacher to
the students and parents of their groups and class, and to colleagues; a parent to
their children's teachers, class teachers and the administration; a student to
their teachers and the administration. Each staff member is listed with their role
and the subjects they teach. A family writes to all the teachers of a child's class
at once: one recipient choice («Учителя класса 5А»), expanded here, on the server,
to the teachers' logins — only for the classes of the family's own children.
Announcements go to the whole school, to the
staff, to a class (its students and parents) or to the parents of a class; the staff
read them all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from flask import current_app
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import Date, Integer, bindparam, inspect, or_, select, true
from sqlalchemy.orm import Session, joinedload

from app.clock import utcnow
from app.models import (
    Announcement, Attachment, Audience, Employee, Enrolment, Guardian, PartaUser, SchoolClass, Student, StudentGuardian,
    SubjectGroup, SubjectGroupTeacher,
)
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from app.models.people import full_name
from app.rules.errors import N_, RuleViolation
from app.security.accounts import acting_user
from app.security.rights import user_rights

MANAGE_ANNOUNCEMENTS = "announcements_manage"

# The administration: whom families may always write to.
ADMINISTRATION = ("Администратор", "Координатор", "Директор", "Завуч", "Секретарь")

STAFF, STUDENT, PARENT, ADMINISTRATOR = "staff", "student", "parent", "administration"


@dataclass(frozen=True)
class Contact:
    user_id: int
    name: str
    kind: str          # staff, student, parent, administration
    detail: str = ""   # «5А», «мама: Иванов Иван», «учитель»


@dataclass(frozen=True)
class RecipientGroup:
    """Several recipients chosen at once; `key` is what the compose form sends."""

    key: str
    name: str
    user_ids: tuple


CLASS_TEACHERS = "class-teachers:"


def _current_user():
    return current_app.appbuilder.sm.current_user


def _children(session: Session, user) -> list:
    """The students a family login is about: a parent's children, a student themselves."""
    guardian = select(Guardian.id).where(Guardian.user_id == user.id)
    children = select(StudentGuardian.student_id).where(StudentGuardian.guardian_id.in_(guardian))
    return list(session.scalars(select(Student.id).where(or_(Student.user_id == user.id, Student.id.in_(children)))))


def _employee(session: Session, user) -> Optional[int]:
    return session.scalar(select(Employee.id).where(Employee.user_id == user.id).limit(1))


def _administration(session: Session) -> list:
    rows = session.execute(
        select(PartaUser.id, PartaUser.last_name, PartaUser.first_name, Role.name)
        .join(assoc_user_role, assoc_user_role.c.user_id == PartaUser.id).join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name.in_(ADMINISTRATION), PartaUser.active.is_(True))
    ).all()
    found: dict = {}
    for uid, last, first, role in rows:
        found.setdefault(uid, Contact(uid, full_name(last, first), ADMINISTRATOR, role))
    return list(found.values())


def _teachers_of_classes(session: Session, class_ids: list) -> list:
    if not class_ids:
        return []
    groups = select(SubjectGroup.id).where(SubjectGroup.class_id.in_(class_ids))
    teaching = select(SubjectGroupTeacher.employee_id).where(SubjectGroupTeacher.subject_group_id.in_(groups))
    leading = select(SchoolClass.class_teacher_id).where(SchoolClass.id.in_(class_ids))
    rows = session.execute(
        select(Employee.user_id, Employee.last_name, Employee.first_name, Employee.middle_name)
        .where(Employee.user_id.is_not(None), or_(Employee.id.in_(teaching), Employee.id.in_(leading)))
    ).all()
    return [Contact(uid, full_name(last, first, middle), STAFF) for uid, last, first, middle in rows]


def _all_staff(session: Session) -> list:
    rows = session.execute(select(Employee.user_id, Employee.last_name, Employee.first_name, Employee.middle_name)
                           .where(Employee.user_id.is_not(None))).all()
    return [Contact(uid, full_name(last, first, middle), STAFF) for uid, last, first, middle in rows]


def _families_of(session: Session, student_ids: Optional[Iterable[int]] = None) -> list:
    """Student and guardian logins of the students the user sees (or of the ones given)."""
    query = select(Student.id, Student.user_id, Student.last_name, Student.first_name, Student.middle_name)
    if student_ids is not None:
        query = query.where(Student.id.in_(list(student_ids)))
    students = session.execute(query).all()
    if not students:
        return []
    ids = [sid for sid, *_ in students]
    names = {sid: full_name(last, first) for sid, _uid, last, first, _m in students}
    classes = {sid: f"{grade}{letter}" for sid, grade, letter in session.execute(
        select(Enrolment.student_id, SchoolClass.grade, SchoolClass.letter)
        .join(SchoolClass, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.student_id.in_(ids), Enrolment.end_date.is_(None)))}
    contacts = [Contact(uid, full_name(last, first, middle), STUDENT, classes.get(sid, ""))
                for sid, uid, last, first, middle in students if uid]
    for uid, last, first, middle, sid in session.execute(
            select(Guardian.user_id, Guardian.last_name, Guardian.first_name, Guardian.middle_name, StudentGuardian.student_id)
            .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
            .where(StudentGuardian.student_id.in_(ids), Guardian.user_id.is_not(None))):
        contacts.append(Contact(uid, full_name(last, first, middle), PARENT,
                                f"{names.get(sid, '')}{', ' + classes[sid] if sid in classes else ''}"))
    return contacts


def address_book(session: Session, user=None) -> list:
    """Whom the user may write to, without themselves, by kind and name."""
    user = user or _current_user()
    sm = current_app.appbuilder.sm
    rights = user_rights(sm, user)
    contacts: list = []
    if "students_view_all" in rights:  # the administration: everyone of the school
        contacts = _administration(session) + _all_staff(session) + _families_of(session)
    else:
        employee = _employee(session, user)
        if employee is not None:
            # the scoping shows a teacher the students of their groups and class
            contacts = _administration(session) + _all_staff(session) + _families_of(session)
        else:
            children = _children(session, user)
            classes = list(session.scalars(select(Enrolment.class_id).where(Enrolment.student_id.in_(children),
                                                                            Enrolment.end_date.is_(None))))
            contacts = _administration(session) + _teachers_of_classes(session, classes)
    found: dict = {}
    for contact in contacts:
        if contact.user_id != user.id and contact.user_id not in found:
            found[contact.user_id] = contact
    details = _staff_details(session, [c.user_id for c in found.values() if c.kind in (ADMINISTRATOR, STAFF)])
    for uid, detail in details.items():
        found[uid] = Contact(uid, found[uid].name, found[uid].kind, detail)
    order = {ADMINISTRATOR: 0, STAFF: 1, PARENT: 2, STUDENT: 3}
    return sorted(found.values(), key=lambda c: (order[c.kind], c.name))


def _staff_details(session: Session, user_ids: list) -> dict:
    """User id → «Учитель · математика, алгебра · классный руководитель 5А»: the roles, the
    subjects taught in the current year and the class led, as the address book shows them.
    The subjects come through the reader's scoping: a parent sees those taught in the
    children's classes, the administration all of them."""
    from flask_babel import gettext

    from app.models import SchoolYear, Subject

    if not user_ids:
        return {}
    roles: dict = {}
    for uid, role in session.execute(
            select(assoc_user_role.c.user_id, Role.name).join(Role, Role.id == assoc_user_role.c.role_id)
            .where(assoc_user_role.c.user_id.in_(user_ids)).order_by(Role.name)):
        roles.setdefault(uid, []).append(role)
    subjects: dict = {}
    current = select(SchoolYear.id).where(SchoolYear.is_current.is_(True))
    for uid, subject in session.execute(
            select(Employee.user_id, Subject.name).distinct()
            .join(SubjectGroupTeacher, SubjectGroupTeacher.employee_id == Employee.id)
            .join(SubjectGroup, SubjectGroup.id == SubjectGroupTeacher.subject_group_id)
            .join(Subject, Subject.id == SubjectGroup.subject_id)
            .where(Employee.user_id.in_(user_ids), SubjectGroup.year_id.in_(current)).order_by(Subject.name)):
        subjects.setdefault(uid, []).append(subject)
    led: dict = {}
    for uid, grade, letter in session.execute(
            select(Employee.user_id, SchoolClass.grade, SchoolClass.letter)
            .join(SchoolClass, SchoolClass.class_teacher_id == Employee.id)
            .where(Employee.user_id.in_(user_ids), SchoolClass.year_id.in_(current))
            .order_by(SchoolClass.grade, SchoolClass.letter)):
        led.setdefault(uid, []).append(f"{grade}{letter}")
    details = {}
    for uid in user_ids:
        parts = [", ".join(roles.get(uid, [])), ", ".join(subjects.get(uid, []))]
        if uid in led:
            parts.append(gettext("class teacher of %(classes)s", classes=", ".join(led[uid])))
        text = " · ".join(p for p in parts if p)
        if text:
            details[uid] = text
    return details


def recipient_groups(session: Session, user=None) -> list:
    """The groups a family may write to at once: the teachers of each class its
    children (or the student) are in — subject teachers and the class teacher."""
    from flask_babel import gettext

    user = user or _current_user()
    if _employee(session, user) is not None:
        return []
    children = _children(session, user)
    if not children:
        return []
    classes = session.execute(
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter).join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.student_id.in_(children), Enrolment.end_date.is_(None)).distinct()
        .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    groups = []
    for class_id, grade, letter in classes:
        teachers = tuple(sorted({c.user_id for c in _teachers_of_classes(session, [class_id]) if c.user_id != user.id}))
        if not teachers:
            continue  # no teacher of the class has a login: nobody to write to
        groups.append(RecipientGroup(f"{CLASS_TEACHERS}{class_id}",
                                     gettext("All teachers of class %(name)s", name=f"{grade}{letter}"), teachers))
    return groups


def expand_groups(session: Session, keys: Iterable[str], user=None) -> set:
    """The logins behind the groups chosen; a group not offered to the user (another
    class's teachers, a made-up key) is refused."""
    offered = {group.key: group for group in recipient_groups(session, user)}
    found: set = set()
    for key in keys:
        group = offered.get(key)
        if group is None:
            raise RuleViolation(N_("You may not write to some of the recipients chosen."))
        found |= set(group.user_ids)
    return found


def allowed_recipients(session: Session, recipient_ids: Iterable[int], user=None) -> set:
    """The recipients of a letter that the user may write to."""
    book = {c.user_id for c in address_book(session, user)}
    return {rid for rid in recipient_ids if rid in book}


# ---------------------------------------------------------------------------
# Announcements
# ---------------------------------------------------------------------------

def is_staff(session: Session, user=None) -> bool:
    user = user or _current_user()
    if _employee(session, user) is not None:
        return True
    return any(role.name in ADMINISTRATION for role in user.roles)


def _known_staff(session: Session, user) -> bool:
    """Staff by their roles, or — for the request's own login — by the scope, which knows
    whether the login is an employee (saves the audience's subqueries for teachers)."""
    if any(role.name in ADMINISTRATION for role in user.roles):
        return True
    from app.security.scoping import current_scope

    scope = current_scope(session)
    return scope.user_id == user.id and scope.substitute_for is not None


def announcements_for(session: Session, today: dt.date, user=None, limit: Optional[int] = None) -> list:
    """The announcements addressed to the user, newest first: the staff read them all; a
    student or parent those for the school, and those for their (children's) class. One
    statement, with the authors, classes and attachments the page shows, built once per
    kind of reader: for the request's own login it reads within the login's schools with the
    scoping's rules written into the statement (the authors a login may see, the classes and
    attachments of its schools) instead of the per-row criteria."""
    from app.security.scoping import UNSCOPED, current_scope

    user = user or _current_user()
    staff = _known_staff(session, user)
    scope = current_scope(session)
    params = {"me": user.id, "today": today}
    if scope.user_id != user.id:  # another login than the request's: through the criteria
        statement, reads = _announcements_statement(staff, False, limit or 0), {}
    else:
        if scope.schools is not UNSCOPED:
            params["schools"] = list(scope.schools)
        statement = _announcements_statement(staff, scope.schools is not UNSCOPED, limit or 0)
        reads = {"parta_unscoped": True}
    return list(session.scalars(statement, params, execution_options=reads).unique())


@lru_cache(maxsize=16)
def _announcements_statement(staff: bool, within_schools: bool, limit: int):
    """announcements_for's statement (parameters me, today and, within_schools, schools)."""
    me, today = bindparam("me", type_=Integer), bindparam("today", type_=Date)
    schools = bindparam("schools", expanding=True, type_=Integer)

    def within(model):
        return model.school_id.in_(schools) if within_schools else true()

    query = select(Announcement).where(within(Announcement),
                                       or_(Announcement.visible_until.is_(None), Announcement.visible_until >= today))
    if not staff:
        guardian = select(Guardian.id).where(Guardian.user_id == me, within(Guardian))
        children = select(Student.id).where(within(Student), or_(Student.user_id == me, Student.id.in_(
            select(StudentGuardian.student_id).where(StudentGuardian.guardian_id.in_(guardian), within(StudentGuardian)))))
        classes = select(Enrolment.class_id).where(Enrolment.student_id.in_(children), within(Enrolment))
        query = query.where(or_(
            select(Employee.id).where(Employee.user_id == me, within(Employee)).exists(),  # staff
            Announcement.audience == Audience.school,
            (Announcement.audience == Audience.school_class) & Announcement.class_id.in_(classes),
            (Announcement.audience == Audience.class_parents) & Announcement.class_id.in_(classes) & guardian.exists(),
        ))
    if within_schools:  # the logins a login of these schools sees (the scoping's rule for PartaUser)
        logins = PartaUser.__table__
        login_seen = or_(PartaUser.school_id.in_(schools), PartaUser.id == me, PartaUser.municipality_id.in_(
            select(logins.c.municipality_id).where(logins.c.id == me, logins.c.school_id.is_(None))))
        author, edited_by = Announcement.author.and_(login_seen), Announcement.edited_by.and_(login_seen)
        school_class = Announcement.school_class.and_(within(SchoolClass))
        attachments = Announcement.attachments.and_(within(Attachment))
    else:
        author, edited_by = Announcement.author, Announcement.edited_by
        school_class, attachments = Announcement.school_class, Announcement.attachments
    query = query.order_by(Announcement.posted_at.desc(), Announcement.id.desc()).options(
        joinedload(author), joinedload(edited_by), joinedload(school_class), joinedload(attachments))
    return query.limit(limit) if limit else query


def announcement_visible(session: Session, announcement_id: int, today: dt.date, user=None) -> bool:
    return any(a.id == announcement_id for a in announcements_for(session, today, user))


def may_manage_announcements(user) -> bool:
    """Whether the user changes and deletes other people's announcements (the administration)."""
    return MANAGE_ANNOUNCEMENTS in user_rights(current_app.appbuilder.sm, user)


def announcement_editable(announcement: Announcement, user) -> bool:
    """The author changes their own announcement; the right «Управление объявлениями» any."""
    return announcement.author_id == user.id or may_manage_announcements(user)


class AnnouncementAuthorFilter(BaseFilter):
    """FAB base filter of «Публикация объявлений»: the user's own announcements, all of
    them with the right; applied to the list, show, edit, delete and the views' actions."""

    name = "Announcements the user may change"
    arg_name = "parta_own_announcements"

    def apply(self, query, value):
        user = _current_user()
        if user is None or not getattr(user, "is_authenticated", True):
            return query.filter(Announcement.id.is_(None))
        if may_manage_announcements(user):
            return query
        return query.filter(Announcement.author_id == user.id)


def _refuse_foreign() -> None:
    raise RuleViolation(N_("Only the author of the announcement or the administration may change or delete it."))


def check_announcement_writes(session: Session, user) -> None:
    """Refuses a change of another's announcement (or of its files) unless the user
    holds the right; stamps who edited an announcement and when."""
    deleted = {id(o) for o in session.deleted if isinstance(o, Announcement)}
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Announcement):
            state = inspect(obj)
            if obj in session.new:
                if obj.author_id is not None and obj.author_id != user.id and not may_manage_announcements(user):
                    _refuse_foreign()
                continue
            author = state.attrs.author_id.history
            original_author = author.deleted[0] if author.deleted else obj.author_id
            if original_author != user.id and not may_manage_announcements(user):
                _refuse_foreign()
            if obj in session.dirty and session.is_modified(obj):
                obj.edited_by_id, obj.edited_at = user.id, utcnow()
        elif isinstance(obj, Attachment):
            announcement = obj.announcement
            if announcement is None and obj.announcement_id is not None:
                announcement = session.get(Announcement, obj.announcement_id)
            if announcement is None or id(announcement) in deleted or inspect(announcement).pending:
                continue
            if not announcement_editable(announcement, user):
                _refuse_foreign()
            if obj in session.new or obj in session.deleted:
                announcement.edited_by_id, announcement.edited_at = user.id, utcnow()


def check_flush(session: Session) -> None:
    """The write pipeline's check of announcements in a flush (app/pipeline, the rights step)."""
    user = acting_user()
    if user is None:
        return  # the CLI, seeds, jobs: no user's announcement rights to check
    check_announcement_writes(session, user)


def visible_posts(posts: list, user, moderator: bool) -> list:
    """Forum posts the user reads: a post waiting for the moderator (a stop word in it) or
    deleted is shown to the moderators, and a waiting one to its author too."""
    if moderator:
        return list(posts)
    return [p for p in posts if not p.is_deleted and (not p.flagged or p.author_id == user.id)]
