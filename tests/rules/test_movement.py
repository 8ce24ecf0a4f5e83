"""The movement of students: head-counts and the book's arithmetic (pure rules), the
orders that change class membership (the service on a scratch school), and a
property test over random sequences of orders: at the end of any range the count
is the count at its start plus the arrivals minus the departures, per class and
for the school."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.rules import movement as rules
from app.rules.errors import RuleViolation
from app.rules.movement import Span

D = dt.date
SEP1, OCT1, OCT12, NOV1, MAY31 = D(2026, 9, 1), D(2026, 10, 1), D(2026, 10, 12), D(2026, 11, 1), D(2027, 5, 31)
DAY = dt.timedelta(days=1)


# --- Counting -----------------------------------------------------------------------

def test_a_student_enrolled_by_an_order_counts_from_its_date():
    spans = [Span("Аня", "5А", OCT12)]
    assert rules.headcount(spans, OCT12 - DAY) == 0
    assert rules.headcount(spans, OCT12) == 1


def test_a_student_withdrawn_by_an_order_no_longer_counts_on_its_date():
    [span] = rules.apply_order([Span("Аня", "5А", SEP1)], "withdrawal", OCT12, [("Аня", "5А", None)])
    assert span.end == OCT12 - DAY and span.departure == OCT12
    assert rules.headcount([span], OCT12 - DAY) == 1
    assert rules.headcount([span], OCT12) == 0


def test_the_book_counts_the_start_the_arrivals_the_departures_and_the_end():
    spans = [Span("Аня", "5А", SEP1), Span("Боря", "5А", SEP1, OCT12 - DAY), Span("Вера", "5А", OCT12),
             Span("Гена", "5А", SEP1, NOV1)]
    page = rules.movement(spans, OCT1, OCT12)
    assert page.start_count == 3  # Аня, Боря, Гена on 01.10
    assert [s.student for s in page.arrived] == ["Вера"]
    assert [s.student for s in page.left] == ["Боря"]  # departure dated 12.10, inside the range
    assert page.end_count == 3


def test_the_counts_of_the_book_are_the_head_counts_on_its_first_and_last_days():
    spans = [Span("Аня", "5А", SEP1), Span("Боря", "5А", OCT1), Span("Вера", "5А", SEP1, OCT1 - DAY)]
    page = rules.movement(spans, OCT1, OCT12)
    assert (page.start_count, page.end_count) == (rules.headcount(spans, OCT1), rules.headcount(spans, OCT12)) == (2, 2)
    assert page.arrived == page.left == ()  # the orders of 01.10 are in the count of 01.10
    year = rules.movement(spans, SEP1, OCT12)  # the school year's book opens with its roster
    assert (year.start_count, [s.student for s in year.arrived], [s.student for s in year.left]) == (2, ["Боря"], ["Вера"])


def test_a_transfer_is_movement_in_the_classes_but_not_in_the_school():
    spans = rules.apply_order([Span("Аня", "5А", SEP1)], "transfer", OCT12, [("Аня", "5А", "5Б")])
    groups = rules.by_group(spans)
    assert len(rules.movement(groups["5А"], OCT1, NOV1).left) == 1
    assert len(rules.movement(groups["5Б"], OCT1, NOV1).arrived) == 1
    school = rules.movement(rules.school_spans(spans), OCT1, NOV1)
    assert (school.start_count, school.arrived, school.left, school.end_count) == (1, (), (), 1)


def test_the_summer_between_two_school_years_does_not_break_a_stay_in_the_school():
    next_start = D(2027, 9, 1)
    spans = [Span("Аня", "5А", SEP1, MAY31, ref=1), Span("Аня", "6А", next_start, ref=2)]
    [stay] = rules.school_spans(spans, breaks=[(MAY31 + DAY, next_start - DAY)])
    assert (stay.start, stay.end, stay.ref) == (SEP1, None, (1, 2))
    assert len(rules.school_spans(spans)) == 2  # without the break: left in June, back in September


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(RuleViolation):
        rules.movement([], NOV1, OCT1)


# --- What an order may do -----------------------------------------------------------------

def test_a_student_already_in_a_class_cannot_be_enrolled_again():
    with pytest.raises(RuleViolation) as refused:
        rules.apply_order([Span("Аня", "5А", SEP1, label="5А")], "enrolment", OCT12, [("Аня", None, "5Б")])
    assert "5А" in str(refused.value)


def test_a_student_cannot_leave_a_class_they_are_not_in():
    with pytest.raises(RuleViolation):
        rules.apply_order([Span("Аня", "5А", SEP1)], "withdrawal", OCT12, [("Аня", "5Б", None)])


def test_a_student_who_joins_on_the_order_date_cannot_leave_by_it():
    with pytest.raises(RuleViolation) as refused:
        rules.apply_order([Span("Аня", "5А", OCT12)], "transfer", OCT12, [("Аня", "5А", "5Б")])
    assert refused.value.params["date"] == "12.10.2026"


def test_a_withdrawal_before_a_later_membership_is_refused():
    spans = [Span("Аня", "5А", SEP1, OCT12 - DAY), Span("Аня", "5Б", OCT12)]
    with pytest.raises(RuleViolation):
        rules.apply_order(spans, "withdrawal", OCT1, [("Аня", "5А", None)])


def test_a_transfer_goes_into_another_class():
    with pytest.raises(RuleViolation):
        rules.apply_order([Span("Аня", "5А", SEP1)], "transfer", OCT12, [("Аня", "5А", "5А")])


def test_an_order_holds_at_least_one_student_and_each_once():
    with pytest.raises(RuleViolation):
        rules.apply_order([], "enrolment", OCT12, [])
    with pytest.raises(RuleViolation):
        rules.apply_order([], "enrolment", OCT12, [("Аня", None, "5А"), ("Аня", None, "5Б")])


def test_a_transfer_into_the_next_year_ends_the_old_membership_with_the_old_year():
    spans = rules.apply_order([Span("Аня", "5А", SEP1)], "transfer", D(2027, 9, 1), [("Аня", "5А", "6А")],
                              last_day=MAY31)
    assert {(s.group, s.start, s.end) for s in spans} == {("5А", SEP1, MAY31), ("6А", D(2027, 9, 1), None)}


# --- Property: random sequences of orders ---------------------------------------------------

STUDENTS = ["Аня", "Боря", "Вера", "Гена", "Дина", "Егор"]
CLASSES = ["5А", "5Б", "6А"]
YEAR_DAYS = (MAY31 - SEP1).days

operations = st.lists(st.tuples(
    st.sampled_from(["enrolment", "enrolment", "withdrawal", "transfer"]),
    st.integers(0, YEAR_DAYS),
    st.sampled_from(STUDENTS),
    st.sampled_from(CLASSES),
    st.sampled_from([True, True, True, False]),  # leave the class the student is in (True), or a random one
), max_size=25)
# Orders entered in date order mostly, sometimes back-dated among each other.
operations = st.one_of(operations.map(lambda ops: sorted(ops, key=lambda op: op[1])), operations)
ranges = st.tuples(st.integers(0, YEAR_DAYS), st.integers(0, YEAR_DAYS)).map(sorted)


def _from_class(spans, student, day, random_class, own):
    if own:
        current = [s.group for s in spans if s.student == student and s.covers(day - DAY)]
        if current:
            return current[0]
    return random_class


def _moves(spans, kind, day, student, group, own):
    from_class = None if kind == "enrolment" else _from_class(spans, student, day, group, own)
    to_class = None
    if kind == "enrolment":
        to_class = group
    elif kind == "transfer":
        to_class = CLASSES[(CLASSES.index(from_class) + 1) % len(CLASSES)]
    return [(student, from_class, to_class)]


def _run(ops):
    spans: list = []
    applied = 0
    for kind, offset, student, group, own in ops:
        day = SEP1 + dt.timedelta(days=offset)
        try:
            spans = rules.apply_order(spans, kind, day, _moves(spans, kind, day, student, group, own))
            applied += 1
        except RuleViolation:
            pass  # refused whole: nothing changes
    return spans, applied


def _check_book(spans, start, end):
    for group_spans in list(rules.by_group(spans).values()) + [rules.school_spans(spans)]:
        page = rules.movement(group_spans, start, end)
        assert page.end_count == page.start_count + len(page.arrived) - len(page.left)


@settings(max_examples=300, deadline=None)
@given(operations, ranges)
def test_any_sequence_of_orders_keeps_the_book_balanced(ops, days):
    spans, _ = _run(ops)
    start, end = (SEP1 + dt.timedelta(days=d) for d in days)
    _check_book(spans, start, end)
    stays = rules.school_spans(spans)
    for day in (start, end, start - DAY):
        # nobody is in two classes at once: the classes add up to the school
        assert sum(rules.headcount(g, day) for g in rules.by_group(spans).values()) == rules.headcount(stays, day)
        assert rules.headcount(stays, day) <= len(STUDENTS)


# --- The service on a scratch school ------------------------------------------------

# Scratch schools, municipalities and logins made here, dropped after each test so
# that the demo database looks to the other tests as it did (they count students).
CREATED: dict = {"schools": [], "municipalities": [], "users": []}


def drop_created() -> None:
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import (
        Enrolment, Guardian, MovementOrder, MovementOrderItem, Municipality, OrderNumbering, PartaUser, School,
        SchoolClass, SchoolYear, Student, StudentGuardian,
    )

    for school_id in CREATED["schools"]:
        for model in (MovementOrderItem, Enrolment, MovementOrder, OrderNumbering, StudentGuardian, Guardian, Student,
                      SchoolClass, SchoolYear):
            db.session.execute(delete(model).where(model.school_id == school_id))
        db.session.execute(delete(School).where(School.id == school_id))
    for username in CREATED["users"]:
        user = db.session.scalar(select(PartaUser).where(PartaUser.username == username))
        if user is not None:
            user.active, user.school_id, user.municipality_id = False, None, None
    for municipality_id in CREATED["municipalities"]:
        db.session.execute(delete(Municipality).where(Municipality.id == municipality_id))
    db.session.commit()
    for found in CREATED.values():
        found.clear()


@pytest.fixture()
def cleanup(app):
    """Drops what the test made with make_school / make_municipality."""
    from flask import has_app_context

    from app.extensions import db

    yield
    context = None if has_app_context() else app.app_context()
    if context is not None:
        context.push()
    try:
        db.session.rollback()
        drop_created()
    finally:
        if context is not None:
            db.session.remove()
            context.pop()


@pytest.fixture()
def scratch(app_ctx, cleanup):
    """A school of its own (no municipality) with a year 2026/2027, classes 5А, 5Б, 6А
    and six students without a class."""
    return make_school()


def make_municipality():
    from app.extensions import db
    from app.models import Municipality

    municipality = Municipality(name=f"Район {uuid.uuid4().hex[:6]}")
    db.session.add(municipality)
    db.session.flush()
    CREATED["municipalities"].append(municipality.id)
    return municipality


def make_school(municipality_id=None, students=STUDENTS):
    from app.extensions import db
    from app.models import School, SchoolClass, SchoolYear, Student

    token = uuid.uuid4().hex[:8]
    school = School(full_name=f"Школа {token}", short_name=f"Школа {token}", municipality_id=municipality_id,
                    director="Волкова Н. М.")
    db.session.add(school)
    db.session.flush()
    CREATED["schools"].append(school.id)
    year = SchoolYear(school_id=school.id, name="2026/2027", start_date=SEP1, end_date=MAY31, is_current=True)
    db.session.add(year)
    db.session.flush()
    classes = {name: SchoolClass(school_id=school.id, year_id=year.id, grade=int(name[0]), letter=name[1:])
               for name in CLASSES}
    people = {name: Student(school_id=school.id, last_name=name + "ева", first_name=name, personal_file_no=f"{name[0]}-{i}",
                            birth_date=D(2015, 1, 1 + i))
              for i, name in enumerate(students)}
    db.session.add_all(list(classes.values()) + list(people.values()))
    db.session.commit()
    return type("Scratch", (), {"school": school, "year": year, "classes": classes, "students": people})


def _spans_in_db(session, school_id):
    from app.models import Enrolment

    return {(e.student_id, e.class_id, e.start_date, e.end_date)
            for e in session.scalars(select(Enrolment).where(Enrolment.school_id == school_id))}


def test_an_enrolment_order_opens_a_membership_from_its_date_and_sets_the_arrival(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import create_order

    anya = scratch.students["Аня"]
    order = create_order(db.session, kind=OrderKind.enrolment, date=OCT12, year=scratch.year,
                         items=[(anya, None, scratch.classes["5А"])], reason="Заявление")
    db.session.commit()
    assert order.number == "З-1"
    assert _spans_in_db(db.session, scratch.school.id) == {(anya.id, scratch.classes["5А"].id, OCT12, None)}
    assert anya.arrival_date == OCT12
    assert [i.student_id for i in order.items] == [anya.id]


def test_a_withdrawal_order_ends_the_membership_the_day_before_and_sets_the_leave_date(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import create_order

    anya, a5 = scratch.students["Аня"], scratch.classes["5А"]
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=scratch.year, items=[(anya, None, a5)])
    order = create_order(db.session, kind=OrderKind.withdrawal, date=OCT12, year=scratch.year, items=[(anya, a5, None)],
                         destination="МБОУ СОШ № 5")
    db.session.commit()
    assert order.number == "В-1"
    assert _spans_in_db(db.session, scratch.school.id) == {(anya.id, a5.id, SEP1, OCT12 - DAY)}
    assert anya.leave_date == OCT12


def test_a_transfer_order_moves_many_students_from_class_to_class(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import create_order

    a5, b5 = scratch.classes["5А"], scratch.classes["5Б"]
    anya, borya = scratch.students["Аня"], scratch.students["Боря"]
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=scratch.year,
                 items=[(anya, None, a5), (borya, None, a5)])
    order = create_order(db.session, kind=OrderKind.transfer, date=NOV1, year=scratch.year,
                         items=[(anya.id, a5.id, b5.id), (borya.id, a5.id, b5.id)])
    db.session.commit()
    assert order.number == "П-1" and len(order.items) == 2
    assert _spans_in_db(db.session, scratch.school.id) == {
        (anya.id, a5.id, SEP1, NOV1 - DAY), (anya.id, b5.id, NOV1, None),
        (borya.id, a5.id, SEP1, NOV1 - DAY), (borya.id, b5.id, NOV1, None)}


def test_a_refused_order_writes_nothing(scratch):
    from app.extensions import db
    from app.models import MovementOrder, OrderKind
    from app.movement.orders import create_order

    a5, b5 = scratch.classes["5А"], scratch.classes["5Б"]
    anya, borya = scratch.students["Аня"], scratch.students["Боря"]
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=scratch.year, items=[(anya, None, a5)])
    db.session.commit()
    before = _spans_in_db(db.session, scratch.school.id)
    # Аня may move, Боря is in no class: the whole order is refused
    with pytest.raises(RuleViolation) as refused:
        create_order(db.session, kind=OrderKind.transfer, date=NOV1, year=scratch.year,
                     items=[(anya, a5, b5), (borya, a5, b5)])
    assert "Боряева Боря" in str(refused.value)
    db.session.rollback()
    assert _spans_in_db(db.session, scratch.school.id) == before
    assert db.session.scalar(select(MovementOrder.id).where(MovementOrder.kind == OrderKind.transfer,
                                                            MovementOrder.school_id == scratch.school.id)) is None


@pytest.mark.parametrize("kind, day, moves, message", [
    ("enrolment", D(2026, 8, 31), [("Аня", None, "5А")], "Dates must lie inside the school year"),
    ("enrolment", OCT1, [("Боря", None, "5Б")], "is already in class"),
    ("withdrawal", OCT1, [("Аня", None, None)], "Choose the class the student leaves"),
    ("withdrawal", OCT1, [("Аня", "5Б", None)], "is not in class"),
    ("transfer", OCT1, [("Боря", "5А", None)], "Choose the class the student joins"),
    ("enrolment", OCT1, [], "Choose at least one student"),
])
def test_bad_orders_are_refused_with_a_message(scratch, kind, day, moves, message):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import create_order

    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=scratch.year,
                 items=[(scratch.students["Боря"], None, scratch.classes["5А"])])
    items = [(scratch.students[s], scratch.classes.get(f), scratch.classes.get(t)) for s, f, t in moves]
    with pytest.raises(RuleViolation) as refused:
        create_order(db.session, kind=OrderKind[kind], date=day, year=scratch.year, items=items)
    assert message in refused.value.msgid
    db.session.rollback()


def test_numbers_follow_the_kind_and_the_school_year_and_the_schools_prefixes(scratch):
    from app.extensions import db
    from app.models import OrderKind, OrderNumbering, SchoolYear
    from app.movement.orders import create_order, suggest_number

    s = scratch
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=s.year, items=[(s.students["Аня"], None, s.classes["5А"])])
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=s.year, items=[(s.students["Боря"], None, s.classes["5А"])])
    create_order(db.session, kind=OrderKind.withdrawal, date=OCT1, year=s.year, items=[(s.students["Боря"], s.classes["5А"], None)])
    assert suggest_number(db.session, s.year, OrderKind.enrolment) == "З-3"
    assert suggest_number(db.session, s.year, OrderKind.withdrawal) == "В-2"
    db.session.add(OrderNumbering(school_id=s.school.id, kind=OrderKind.enrolment, prefix="Пр-уч-"))
    db.session.flush()
    assert suggest_number(db.session, s.year, OrderKind.enrolment) == "Пр-уч-1"
    next_year = SchoolYear(school_id=s.school.id, name="2027/2028", start_date=D(2027, 9, 1), end_date=D(2028, 5, 31))
    db.session.add(next_year)
    db.session.flush()
    assert suggest_number(db.session, next_year, OrderKind.withdrawal) == "В-1"
    with pytest.raises(RuleViolation) as taken:
        create_order(db.session, kind=OrderKind.enrolment, date=OCT1, year=s.year,
                     items=[(s.students["Вера"], None, s.classes["5Б"])], number="З-1")
    assert "already exists" in taken.value.msgid
    db.session.rollback()


def test_cancelling_an_order_reverts_exactly_what_it_did_and_is_recorded(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import cancel_order, create_order

    s = scratch
    a5, b5 = s.classes["5А"], s.classes["5Б"]
    anya, borya = s.students["Аня"], s.students["Боря"]
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=s.year, items=[(anya, None, a5), (borya, None, a5)])
    db.session.commit()
    before = _spans_in_db(db.session, s.school.id)
    transfer = create_order(db.session, kind=OrderKind.transfer, date=OCT12, year=s.year, items=[(anya, a5, b5)])
    withdrawal = create_order(db.session, kind=OrderKind.withdrawal, date=OCT12, year=s.year, items=[(borya, a5, None)])
    db.session.commit()
    cancel_order(db.session, transfer, "Ошибка в приказе")
    cancel_order(db.session, withdrawal, "Ученик остался")
    db.session.commit()
    assert _spans_in_db(db.session, s.school.id) == before
    assert borya.leave_date is None
    assert transfer.is_cancelled and transfer.cancelled_reason == "Ошибка в приказе" and transfer.cancelled_at
    with pytest.raises(RuleViolation):
        cancel_order(db.session, transfer, "ещё раз")
    enrolment = create_order(db.session, kind=OrderKind.enrolment, date=OCT12, year=s.year,
                             items=[(s.students["Вера"], None, b5)])
    with pytest.raises(RuleViolation) as refused:
        cancel_order(db.session, enrolment, "  ")
    assert "reason" in refused.value.msgid
    db.session.rollback()


def test_an_order_that_a_later_order_builds_on_is_not_cancelled_first(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import cancel_order, create_order

    s = scratch
    a5, b5 = s.classes["5А"], s.classes["5Б"]
    anya = s.students["Аня"]
    enrolment = create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=s.year, items=[(anya, None, a5)])
    create_order(db.session, kind=OrderKind.transfer, date=OCT12, year=s.year, items=[(anya, a5, b5)], number="П-7")
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        cancel_order(db.session, enrolment, "Ошибка")
    assert refused.value.params["later"] == "П-7"
    db.session.rollback()


def test_a_cancelled_withdrawal_does_not_put_back_a_student_who_has_joined_another_class_since(scratch):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.orders import cancel_order, create_order

    s = scratch
    a5, b5 = s.classes["5А"], s.classes["5Б"]
    anya = s.students["Аня"]
    create_order(db.session, kind=OrderKind.enrolment, date=SEP1, year=s.year, items=[(anya, None, a5)])
    withdrawal = create_order(db.session, kind=OrderKind.withdrawal, date=OCT1, year=s.year, items=[(anya, a5, None)])
    create_order(db.session, kind=OrderKind.enrolment, date=NOV1, year=s.year, items=[(anya, None, b5)])
    db.session.commit()
    with pytest.raises(RuleViolation):
        cancel_order(db.session, withdrawal, "Ошибка")
    db.session.rollback()


def test_a_student_of_another_school_of_the_municipality_is_found_and_copied_with_guardians(app_ctx, cleanup):
    from app.extensions import db
    from app.models import Guardian, OrderKind, Relation, Student, StudentGuardian
    from app.movement.orders import copy_student, create_order, find_in_other_schools, personal_file_numbers

    municipality, elsewhere = make_municipality(), make_municipality()
    here = make_school(municipality.id, students=[])
    there = make_school(municipality.id, students=["Жанна"])
    far = make_school(elsewhere.id, students=["Жанна"])
    zhanna = there.students["Жанна"]
    zhanna.snils, zhanna.address = "123-456-789 00", "ул. Ленина, 1"
    mother = Guardian(school_id=there.school.id, last_name="Жаннаева", first_name="Мария", phone="+7 900 000-00-00")
    db.session.add(StudentGuardian(school_id=there.school.id, student=zhanna, guardian=mother, relation=Relation.mother))
    db.session.commit()

    found = find_in_other_schools(db.session, here.school, "жаннаева", "Жанна", zhanna.birth_date)
    assert [f.id for f in found] == [zhanna.id]  # not the namesake in another municipality
    assert find_in_other_schools(db.session, here.school, "Жаннаева", "Жанна", D(2000, 1, 1)) == []
    assert far.students["Жанна"].id not in [f.id for f in find_in_other_schools(
        db.session, here.school, "Жаннаева", "Жанна", zhanna.birth_date)]

    copy = copy_student(db.session, zhanna.id, here.school, personal_file_numbers(db.session, here.school.id))
    create_order(db.session, kind=OrderKind.enrolment, date=OCT12, year=here.year, items=[(copy, None, here.classes["5А"])])
    db.session.commit()
    assert copy.id != zhanna.id and copy.school_id == here.school.id
    assert (copy.full_name, copy.birth_date, copy.snils, copy.address) == (
        zhanna.full_name, zhanna.birth_date, "123-456-789 00", "ул. Ленина, 1")
    [link] = copy.guardian_links
    assert link.guardian.school_id == here.school.id and link.guardian.full_name == "Жаннаева Мария"
    assert link.relation is Relation.mother
    assert db.session.get(Student, zhanna.id).school_id == there.school.id  # the original stays
    with pytest.raises(RuleViolation):  # a second copy into the same school
        copy_student(db.session, zhanna.id, here.school, personal_file_numbers(db.session, here.school.id))
    with pytest.raises(RuleViolation):  # nothing is copied across municipalities
        copy_student(db.session, far.students["Жанна"].id, here.school, personal_file_numbers(db.session, here.school.id))
    db.session.rollback()


# --- Property: the service agrees with the rules and the book stays balanced ---------

@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(
    st.sampled_from(["enrolment", "enrolment", "withdrawal", "transfer"]),
    st.integers(0, YEAR_DAYS), st.sampled_from(STUDENTS[:4]), st.sampled_from(CLASSES), st.booleans()),
    max_size=10).map(lambda ops: sorted(ops, key=lambda op: op[1])), days=ranges)
def test_orders_through_the_service_keep_the_movement_book_balanced(app_ctx, ops, days):
    from app.extensions import db

    try:
        _service_agrees_with_the_rules(ops, days)
    finally:
        db.session.rollback()
        drop_created()


def _service_agrees_with_the_rules(ops, days):
    from app.extensions import db
    from app.models import OrderKind
    from app.movement.book import headcount_on, movement_book
    from app.movement.orders import create_order
    from app.security.scoping import as_school

    s = make_school()
    class_ids = {name: c.id for name, c in s.classes.items()}
    student_ids = {name: st_.id for name, st_ in s.students.items()}
    model: list = []
    for kind, offset, student, group, own in ops:
        day = SEP1 + dt.timedelta(days=offset)
        moves = _moves(model, kind, day, student, group, own)
        try:
            expected = rules.apply_order(model, kind, day, moves)
        except RuleViolation:
            expected = None
        items = [(student_ids[m], class_ids.get(f), class_ids.get(t)) for m, f, t in moves]
        try:
            create_order(db.session, kind=OrderKind[kind], date=day, year=s.year, items=items)
            db.session.commit()
            accepted = True
        except RuleViolation:
            db.session.rollback()
            accepted = False
        assert accepted == (expected is not None), (kind, day, moves)
        if expected is not None:
            model = expected
    assert _spans_in_db(db.session, s.school.id) == {
        (student_ids[m.student], class_ids[m.group], m.start, m.end) for m in model}

    start, end = (SEP1 + dt.timedelta(days=d) for d in days)
    with as_school(s.school.id):
        book = movement_book(db.session, start, end)
        count = headcount_on(db.session, end)
    for page in book.classes + [book.school]:
        assert page.end_count == page.start_count + len(page.arrived) - len(page.left)
    assert book.school.end_count == sum(p.end_count for p in book.classes) == count.total
    by_class = rules.by_group(model)
    for page in book.classes:
        name = next(n for n, i in class_ids.items() if i == page.id)
        assert page.end_count == rules.headcount(by_class[name], end)
