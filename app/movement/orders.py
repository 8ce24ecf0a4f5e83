"""Movement orders in the database: numbering, applying and cancelling them, and the
student cards an enrolment order brings in (act 002: the secretary "creates orders on
withdrawal and enrolment of students, tracks the exact number of students").

A student's class membership changes only here (and in the year transition, which
calls `create_order`): an order is applied when it is created, and cancelling it
reverts exactly what it did. The rules are in app/rules/movement.py; the flush hooks
of the write pipeline (app/pipeline) check every membership again.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import (
    Enrolment, Gender, Guardian, MovementOrder, MovementOrderItem, OrderKind, OrderNumbering, Relation, School,
    SchoolClass, SchoolYear, Student, StudentGuardian,
)
from app.rules import movement as rules
from app.rules import periods as period_rules
from app.rules.errors import N_, RuleViolation

# Default number prefixes: «З-» зачисление, «В-» выбытие, «П-» перевод.
DEFAULT_PREFIXES = {OrderKind.enrolment: "З-", OrderKind.withdrawal: "В-", OrderKind.transfer: "П-"}
_UNSCOPED = {"parta_unscoped": True}
_DAY = dt.timedelta(days=1)


def _fmt(day: Optional[dt.date]) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _current_user_id() -> Optional[int]:
    """The logged-in user during a request; None for scripts and the year transition."""
    from flask import has_request_context

    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user.id if getattr(current_user, "is_authenticated", False) else None



# --- Numbering --------------------------------------------------------------------

def order_prefix(session: Session, school_id: int, kind: OrderKind) -> str:
    """The school's prefix for the kind of order, or the default one."""
    prefix = session.scalar(select(OrderNumbering.prefix).where(
        OrderNumbering.school_id == school_id, OrderNumbering.kind == kind))
    return DEFAULT_PREFIXES[kind] if prefix is None else prefix


def suggest_number(session: Session, year: SchoolYear, kind: OrderKind) -> str:
    """The next number of the kind's series in the school year: «З-1», «З-2», …
    (numbers typed by hand in another form are skipped)."""
    prefix = order_prefix(session, year.school_id, kind)
    highest = 0
    for number in session.scalars(select(MovementOrder.number).where(
            MovementOrder.school_id == year.school_id, MovementOrder.year_id == year.id)):
        rest = number[len(prefix):] if number.startswith(prefix) else None
        if rest and rest.isdigit():
            highest = max(highest, int(rest))
    return f"{prefix}{highest + 1}"


# --- Applying and cancelling ------------------------------------------------------------

def _get(session: Session, model, value):
    if value is None or isinstance(value, model):
        return value
    found = session.get(model, int(value))
    if found is None:
        raise RuleViolation(N_("The record was not found; reload the page."))
    return found


def _check_kind(kind: OrderKind, from_class: Optional[SchoolClass], to_class: Optional[SchoolClass], year: SchoolYear):
    if kind in (OrderKind.withdrawal, OrderKind.transfer) and from_class is None:
        raise RuleViolation(N_("Choose the class the student leaves."))
    if kind in (OrderKind.enrolment, OrderKind.transfer) and to_class is None:
        raise RuleViolation(N_("Choose the class the student joins."))
    if kind is OrderKind.enrolment and from_class is not None:
        raise RuleViolation(N_("An enrolment order brings a student into a class; use a transfer order between classes."))
    if kind is OrderKind.withdrawal and to_class is not None:
        raise RuleViolation(N_("A withdrawal order takes the student out of the school; use a transfer order between classes."))
    if kind is OrderKind.transfer and from_class.id == to_class.id:
        raise RuleViolation(N_("A transfer goes into another class."))
    if to_class is not None and to_class.year_id != year.id:
        raise RuleViolation(N_("Class %(name)s belongs to another school year."), name=to_class.name)


def _memberships(session: Session, student_ids: Sequence[int]) -> dict:
    """student id → their memberships as rule spans (ref: the enrolment), one query."""
    spans: dict = defaultdict(list)
    if student_ids:
        rows = session.execute(
            select(Enrolment, SchoolClass).join(SchoolClass, Enrolment.class_id == SchoolClass.id)
            .where(Enrolment.student_id.in_(student_ids)).order_by(Enrolment.start_date)
        ).all()
        for enrolment, school_class in rows:
            spans[enrolment.student_id].append(rules.Span(
                enrolment.student_id, enrolment.class_id, enrolment.start_date, enrolment.end_date,
                ref=enrolment, label=school_class.name))
    return spans


def create_order(session: Session, *, kind: OrderKind, date: dt.date, year: SchoolYear,
                 items: list, reason: Optional[str] = None, destination: Optional[str] = None,
                 number: Optional[str] = None) -> MovementOrder:
    """Creates an order and applies it; `items` are (student, class left or None,
    class joined or None), as objects or ids. Numbers it when `number` is None.

    Enrolment: a membership from `date`. Withdrawal: the membership ends on
    `date` − 1 and the card's leave date becomes `date`. Transfer: the old
    membership ends on `date` − 1 (at the latest on the last day of its class's
    year, for a transfer into the next year) and the new one starts on `date`.
    Raises RuleViolation on bad input, before anything is written (a number taken
    or a closed year is refused at the flush: the caller rolls back)."""
    if isinstance(kind, str):
        kind = OrderKind[kind]
    if date is None:
        raise RuleViolation(N_("Enter the date of the order."))
    if year is None:
        raise RuleViolation(N_("No school year contains the date %(date)s."), date=_fmt(date))
    period_rules.check_within_year(date, date, year.start_date, year.end_date)
    session.flush()  # new student cards get their ids (and their checks)
    moves = [(_get(session, Student, s), _get(session, SchoolClass, f), _get(session, SchoolClass, t))
             for s, f, t in items]
    rules.check_order_items([student.id for student, _, _ in moves])
    school_id = year.school_id
    for student, from_class, to_class in moves:
        if any(obj is not None and obj.school_id != school_id for obj in (student, from_class, to_class)):
            raise RuleViolation(N_("This record belongs to another school."))
        _check_kind(kind, from_class, to_class, year)

    # Plan every move first (the rules refuse before anything is written), then write.
    spans = _memberships(session, [student.id for student, _, _ in moves])
    plans = []
    for student, from_class, to_class in moves:
        own = spans[student.id]
        old = closed = None
        if from_class is not None:
            old, closed = rules.plan_departure(own, from_class.id, date, last_day=from_class.year.end_date,
                                               label=from_class.name, name=student.full_name,
                                               final=kind is OrderKind.withdrawal)
            own = [closed if span is old else span for span in own]
        if to_class is not None:
            rules.plan_enrolment(own, student.id, to_class.id, date, label=to_class.name, name=student.full_name)
        plans.append((student, from_class, to_class, old, closed))

    number = (number or "").strip() or suggest_number(session, year, kind)
    order = MovementOrder(school_id=school_id, year_id=year.id, number=number, date=date, kind=kind,
                          reason=(reason or "").strip() or None, destination=(destination or "").strip() or None,
                          is_cancelled=False, created_at=utcnow(), created_by_id=_current_user_id())
    session.add(order)
    session.flush()
    for student, from_class, to_class, old, closed in plans:
        item = MovementOrderItem(school_id=school_id, order_id=order.id, student_id=student.id,
                                 from_class_id=from_class.id if from_class else None,
                                 to_class_id=to_class.id if to_class else None,
                                 previous_arrival_date=student.arrival_date, previous_leave_date=student.leave_date)
        if old is not None:
            enrolment = old.ref
            item.closed_enrolment_id = enrolment.id
            item.previous_end_date = enrolment.end_date
            enrolment.end_date = closed.end
        if to_class is not None:
            session.add(Enrolment(school_id=school_id, student_id=student.id, class_id=to_class.id,
                                  start_date=date, end_date=None, order_id=order.id))
        if kind is OrderKind.enrolment:
            student.arrival_date, student.leave_date = date, None
        elif kind is OrderKind.withdrawal:
            student.leave_date = date
        session.add(item)
    session.flush()
    return order


def _closed_enrolment(session: Session, order: MovementOrder, item: MovementOrderItem) -> Optional[Enrolment]:
    """The membership an order ended; for orders written before memberships were
    recorded on them (the demo's), the student's one in the class left that ends
    on the order's date or the day before."""
    if item.closed_enrolment_id is not None:
        return session.get(Enrolment, item.closed_enrolment_id)
    if item.from_class_id is None:
        return None
    return session.scalar(select(Enrolment).where(
        Enrolment.student_id == item.student_id, Enrolment.class_id == item.from_class_id,
        Enrolment.end_date.in_([order.date, order.date - _DAY])).limit(1))


def cancel_order(session: Session, order: MovementOrder, reason: str, user_id: Optional[int] = None) -> None:
    """Reverts exactly what the order did (the memberships it opened go, the ones it
    ended reopen as they were, the cards' dates come back) and records the
    cancellation on the order, which stays. Refused while a later order builds on it."""
    if order.is_cancelled:
        raise RuleViolation(N_("Order %(number)s is already cancelled."), number=order.number)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(N_("Give the reason for cancelling the order."))
    opened = session.scalars(select(Enrolment).where(Enrolment.order_id == order.id)).all()
    if opened:
        later = session.scalar(
            select(MovementOrder.number).join(MovementOrderItem, MovementOrderItem.order_id == MovementOrder.id)
            .where(MovementOrderItem.closed_enrolment_id.in_([e.id for e in opened]),
                   MovementOrder.is_cancelled.is_(False), MovementOrder.id != order.id).limit(1))
        if later is not None or any(e.end_date is not None for e in opened):
            raise RuleViolation(N_("A later order (%(later)s) changed the class membership this order made: cancel it first."),
                                later=later or "—")
    items = list(order.items)
    closed = {item.id: _closed_enrolment(session, order, item) for item in items}
    for enrolment in opened:
        session.delete(enrolment)
    session.flush()  # the memberships go before the old ones reopen (no overlap on the way)
    for item in items:
        enrolment = closed[item.id]
        if enrolment is not None and order.kind in (OrderKind.withdrawal, OrderKind.transfer):
            enrolment.end_date = item.previous_end_date
        student = session.get(Student, item.student_id)
        if order.kind is OrderKind.enrolment and student.arrival_date == order.date:
            student.arrival_date, student.leave_date = item.previous_arrival_date, item.previous_leave_date
        elif order.kind is OrderKind.withdrawal and student.leave_date == order.date:
            student.leave_date = item.previous_leave_date
    order.is_cancelled = True
    order.cancelled_reason = reason
    order.cancelled_at = utcnow()
    order.cancelled_by_id = user_id if user_id is not None else _current_user_id()
    session.flush()


# --- Student cards for an enrolment --------------------------------------------------

def personal_file_numbers(session: Session, school_id: int) -> Callable[[str], str]:
    """A source of new personal file numbers, «И-0512»: the last name's initial and
    the next number after the school's highest (one query, then counted locally)."""
    highest = 0
    for number in session.scalars(select(Student.personal_file_no).where(Student.school_id == school_id)):
        match = re.search(r"(\d+)$", number or "")
        if match:
            highest = max(highest, int(match.group(1)))
    counter = [highest]

    def next_number(last_name: str) -> str:
        counter[0] += 1
        initial = (last_name or "Н").strip()[:1].upper() or "Н"
        return f"{initial}-{counter[0]:04d}"

    return next_number


@dataclass(frozen=True)
class NewGuardian:
    """A parent (legal representative) typed with a new student card."""

    full_name: str  # «Фамилия Имя Отчество»
    relation: Relation = Relation.mother
    phone: Optional[str] = None


def new_student(session: Session, school_id: int, numbers: Callable[[str], str], *, last_name: str,
                first_name: str, middle_name: Optional[str] = None, birth_date: Optional[dt.date] = None,
                gender: Optional[Gender] = None, personal_file_no: Optional[str] = None,
                address: Optional[str] = None, guardians: Sequence[NewGuardian] = ()) -> Student:
    """A new student card typed on the order page (not yet flushed), with their address
    and guardians: a guardian already in the school with the same name and phone (a
    sibling's parent) is linked, not copied."""
    last_name, first_name = (last_name or "").strip(), (first_name or "").strip()
    if not last_name or not first_name:
        raise RuleViolation(N_("Enter the last name and the first name of each new student."))
    address = (address or "").strip() or None
    student = Student(school_id=school_id, last_name=last_name, first_name=first_name,
                      middle_name=(middle_name or "").strip() or None, birth_date=birth_date, gender=gender,
                      personal_file_no=(personal_file_no or "").strip() or numbers(last_name), address=address)
    session.add(student)
    for typed in guardians:
        parts = (typed.full_name or "").split()
        if len(parts) < 2:
            raise RuleViolation(N_("Enter the last name and the first name of the guardian of %(student)s."),
                                student=student.full_name)
        g_last, g_first, g_middle = parts[0], parts[1], " ".join(parts[2:]) or None
        phone = (typed.phone or "").strip() or None
        same = None
        if phone:
            same = next((k for k in session.scalars(select(Guardian).where(
                Guardian.school_id == school_id, Guardian.last_name == g_last, Guardian.phone == phone))
                if _same_name(k.full_name, " ".join(parts))), None)
        guardian = same or Guardian(school_id=school_id, last_name=g_last, first_name=g_first, middle_name=g_middle,
                                    phone=phone, address=address)
        session.add(StudentGuardian(school_id=school_id, student=student, guardian=guardian, relation=typed.relation))
    return student


def _same_name(a: Optional[str], b: Optional[str]) -> bool:
    def norm(text: Optional[str]) -> str:
        return unicodedata.normalize("NFC", (text or "").strip()).casefold().replace("ё", "е")

    return norm(a) == norm(b)


@dataclass(frozen=True)
class ForeignStudent:
    """A student of another school of the municipality, as the lookup shows them."""

    id: int
    school: str
    full_name: str
    birth_date: Optional[dt.date]
    personal_file_no: str
    leave_date: Optional[dt.date]


def _foreign_query(school: School):
    return (select(Student.id, School.short_name, Student.last_name, Student.first_name, Student.middle_name,
                   Student.birth_date, Student.personal_file_no, Student.leave_date, Student.gender, Student.snils,
                   Student.address, Student.phone, Student.email)
            .join(School, School.id == Student.school_id)
            .where(School.municipality_id == school.municipality_id, School.id != school.id))


def find_in_other_schools(session: Session, school: School, last_name: str, first_name: str,
                          birth_date: Optional[dt.date], limit: int = 20) -> list:
    """Students of the other schools of the school's municipality with this last
    name, first name and birth date, all three required. The lookup reads past the
    school segment on purpose, read-only and only these columns; nothing else of
    another school reaches the page."""
    if school is None or school.municipality_id is None or not birth_date or not (last_name or "").strip() \
            or not (first_name or "").strip():
        return []
    rows = session.execute(_foreign_query(school).where(Student.birth_date == birth_date),
                           execution_options=_UNSCOPED).all()
    found = [ForeignStudent(r.id, r.short_name, " ".join(p for p in (r.last_name, r.first_name, r.middle_name) if p),
                            r.birth_date, r.personal_file_no, r.leave_date)
             for r in rows if _same_name(r.last_name, last_name) and _same_name(r.first_name, first_name)]
    return found[:limit]


def copy_student(session: Session, foreign_id: int, school: School, numbers: Callable[[str], str]) -> Student:
    """A new card in `school` with the personal data of a student of another school of
    the municipality, and copies of their guardians (a guardian this school already
    has, by name and phone or e-mail, is linked instead of copied)."""
    row = None
    if school is not None and school.municipality_id is not None:
        row = session.execute(_foreign_query(school).where(Student.id == foreign_id),
                              execution_options=_UNSCOPED).first()
    if row is None:
        raise RuleViolation(N_("The student of another school was not found."))
    twin = session.scalar(select(Student).where(
        Student.school_id == school.id, Student.birth_date == row.birth_date, Student.last_name == row.last_name,
        Student.first_name == row.first_name).limit(1))
    if twin is not None:
        raise RuleViolation(N_("This school already has the card of %(student)s (personal file %(number)s): enrol that card."),
                            student=twin.full_name, number=twin.personal_file_no)
    student = Student(school_id=school.id, personal_file_no=numbers(row.last_name), last_name=row.last_name,
                      first_name=row.first_name, middle_name=row.middle_name, gender=row.gender,
                      birth_date=row.birth_date, snils=row.snils, address=row.address, phone=row.phone,
                      email=row.email)
    session.add(student)
    guardians = session.execute(
        select(Guardian.last_name, Guardian.first_name, Guardian.middle_name, Guardian.phone, Guardian.email,
               Guardian.address, Guardian.workplace, StudentGuardian.relation)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .where(StudentGuardian.student_id == foreign_id), execution_options=_UNSCOPED).all()
    if guardians:
        known = session.scalars(select(Guardian).where(
            Guardian.school_id == school.id, Guardian.last_name.in_({g.last_name for g in guardians}))).all()
        for g in guardians:
            same = next((k for k in known if _same_name(k.full_name, " ".join(
                p for p in (g.last_name, g.first_name, g.middle_name) if p))
                and ((g.phone and k.phone == g.phone) or (g.email and k.email == g.email))), None)
            guardian = same or Guardian(school_id=school.id, last_name=g.last_name, first_name=g.first_name,
                                        middle_name=g.middle_name, phone=g.phone, email=g.email, address=g.address,
                                        workplace=g.workplace)
            session.add(StudentGuardian(school_id=school.id, student=student, guardian=guardian, relation=g.relation))
    return student


def _spans(session: Session, class_id: Optional[int] = None) -> list:
    """The school's class memberships (or one class's) as rule spans, one query."""
    query = select(Enrolment.student_id, Enrolment.class_id, Enrolment.start_date, Enrolment.end_date)
    if class_id is not None:
        query = query.where(Enrolment.class_id == class_id)
    return [rules.Span(*row) for row in session.execute(query)]


def _by_name(session: Session, ids) -> list:
    ids = list(ids)
    if not ids:
        return []
    return session.scalars(select(Student).where(Student.id.in_(ids))
                           .order_by(Student.last_name, Student.first_name, Student.id)).all()


def students_without_class(session: Session, day: dt.date) -> list:
    """The school's students in no class on `day` nor later: those an enrolment
    order may take (new cards, those who left, those copied from another school);
    counted by the head-count rule of the movement book (rules.may_enrol)."""
    return _by_name(session, rules.may_enrol(_spans(session), session.scalars(select(Student.id)), day))


def class_students(session: Session, class_id: int, day: dt.date) -> list:
    """The students of a class whom a withdrawal or transfer dated `day` may take
    out: on the class's roll on the day before and still on it on `day`, by the
    head-count rule of the movement book (rules.may_leave)."""
    return _by_name(session, {span.student for span in rules.may_leave(_spans(session, class_id), day)})


def year_of(session: Session, day: dt.date) -> Optional[SchoolYear]:
    """The school year that contains `day`."""
    return session.scalar(select(SchoolYear).where(SchoolYear.start_date <= day, SchoolYear.end_date >= day)
                          .order_by(SchoolYear.start_date.desc()).limit(1))


def classes_of(session: Session, year: Optional[SchoolYear]) -> list:
    if year is None:
        return []
    return session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                           .order_by(SchoolClass.grade, SchoolClass.letter)).all()


def parse_kind(value: Optional[str]) -> Optional[OrderKind]:
    try:
        return OrderKind[value] if value else None
    except KeyError:
        return None


__all__ = [
    "DEFAULT_PREFIXES", "ForeignStudent", "NewGuardian", "cancel_order", "class_students", "classes_of", "copy_student",
    "create_order", "find_in_other_schools", "new_student", "order_prefix", "parse_kind", "personal_file_numbers",
    "students_without_class", "suggest_number", "year_of",
]
