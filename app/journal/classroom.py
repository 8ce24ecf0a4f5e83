"""«Мой класс»: what a class teacher needs about their class in one place — the pupils
on the day with their parents and contacts, the personal data consent, today's
attendance, the class's journals. A constant number of queries for a class."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.journal import data
from app.models import (
    Attendance, AttendanceCode, Enrolment, Guardian, Lesson, PersonalDataConsent, Student, StudentGuardian,
    StudentHealth, SubjectGroup,
)
from app.models.people import full_name


@dataclass
class Parent:
    name: str
    relation: str
    phone: str
    email: str
    user_id: Optional[int]


@dataclass
class Pupil:
    id: int
    name: str
    birth_date: Optional[dt.date]
    phone: str
    email: str
    joined: Optional[dt.date]
    parents: list = field(default_factory=list)
    consent: Optional[dt.date] = None       # signed on, still in force
    consent_withdrawn: Optional[dt.date] = None
    absent_today: list = field(default_factory=list)   # attendance codes of today's lessons
    health: str = ""
    user_id: Optional[int] = None


def class_pupils(session: Session, class_id: int, day: dt.date, with_health: bool = False) -> list:
    """The class's pupils on the day, by name, with parents, consent and today's attendance."""
    rows = session.execute(
        select(Student, Enrolment.start_date).join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.class_id == class_id, Enrolment.start_date <= day,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day))
        .order_by(Student.last_name, Student.first_name, Student.id)).all()
    pupils: dict = {}
    for student, joined in rows:
        pupils.setdefault(student.id, Pupil(student.id, full_name(student.last_name, student.first_name,
                                                                   student.middle_name),
                                            student.birth_date, student.phone or "", student.email or "",
                                            joined, user_id=student.user_id))
    ids = list(pupils)
    if not ids:
        return []
    for sid, relation, guardian in session.execute(
            select(StudentGuardian.student_id, StudentGuardian.relation, Guardian)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(StudentGuardian.student_id.in_(ids)).order_by(Guardian.last_name, Guardian.first_name)):
        pupils[sid].parents.append(Parent(full_name(guardian.last_name, guardian.first_name, guardian.middle_name),
                                          str(relation) if relation else "", guardian.phone or "",
                                          guardian.email or "", guardian.user_id))
    for consent in session.scalars(select(PersonalDataConsent).where(PersonalDataConsent.student_id.in_(ids))
                                   .order_by(PersonalDataConsent.signed_on)):
        pupil = pupils[consent.student_id]
        if consent.withdrawn_on is not None and consent.withdrawn_on <= day:
            pupil.consent, pupil.consent_withdrawn = None, consent.withdrawn_on
        elif consent.signed_on <= day:
            pupil.consent, pupil.consent_withdrawn = consent.signed_on, None
    for sid, code, number in session.execute(
            select(Attendance.student_id, AttendanceCode.code, Lesson.number)
            .join(AttendanceCode, AttendanceCode.id == Attendance.code_id)
            .join(Lesson, Lesson.id == Attendance.lesson_id)
            .join(SubjectGroup, SubjectGroup.id == Lesson.subject_group_id)
            .where(Attendance.student_id.in_(ids), Lesson.date == day, SubjectGroup.class_id == class_id)
            .order_by(Lesson.number)):
        pupils[sid].absent_today.append(f"{code} ({number})" if number else code)
    if with_health:
        for sid, health_group, pe_group in session.execute(
                select(StudentHealth.student_id, StudentHealth.health_group, StudentHealth.pe_group)
                .where(StudentHealth.student_id.in_(ids))):
            pupils[sid].health = ", ".join(p for p in (health_group, pe_group) if p)
    return list(pupils.values())


def class_journals(session: Session, class_id: int) -> list:
    """The class's subject groups (whole-class and subgroups), by the curriculum's order."""
    return data.groups_of_classes(session, [class_id])
