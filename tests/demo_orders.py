"""The demo school's autumn orders, for the tests that read orders, on any date.

The demo seeds an arrival (12.10.2026) and a departure (30.10.2026) once their dates have
passed (demo/movement.py). Before that — on 1 September, say — `autumn_orders` makes the same
orders through the movement service, dated the school's date (on the year's first day,
which opens the book with its roster and where nobody can leave, they keep their autumn
dates), and cancels and removes them at the end of the module, so that the demo is as it
was."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from demo.catalog import EARLY_LEAVE, LATE_ARRIVAL
from app.extensions import db
from app.models import MovementOrder, OrderKind, SchoolClass, SchoolYear, Student

REASON = "Заявление родителя (законного представителя)"
DESTINATION = "МБОУ СОШ № 5 г. Энска (смена места жительства)"


def _make(kind: OrderKind, number: str) -> tuple[int, int | None]:
    """(order id, id of a card made for it or None), as the demo would have written the order."""
    from app.clock import school_today
    from app.movement.orders import class_students, create_order

    today = school_today()

    def dated(autumn):
        return min(autumn, today) if today > year.start_date else autumn

    year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True),
                                                      SchoolYear.start_date <= LATE_ARRIVAL))
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    if kind is OrderKind.enrolment:
        card = Student(school_id=year.school_id, last_name="Осенняя", first_name="Алиса", middle_name="Петровна",
                       personal_file_no="Осенняя-1")
        db.session.add(card)
        db.session.flush()
        order = create_order(db.session, kind=kind, date=dated(LATE_ARRIVAL), year=year, number=number, reason=REASON,
                             items=[(card, None, classes[len(classes) // 3])])
        return order.id, card.id
    leaving = classes[2 * len(classes) // 3]
    day = dated(EARLY_LEAVE)
    student = class_students(db.session, leaving.id, day)[0]
    order = create_order(db.session, kind=kind, date=day, year=year, number=number, reason=REASON,
                         destination=DESTINATION, items=[(student, leaving, None)])
    return order.id, None


@pytest.fixture(scope="module")
def autumn_orders(app) -> dict:
    """{OrderKind: order id} of the demo's autumn arrival and departure."""
    from app.movement.orders import cancel_order

    made = []  # (order id, card id or None)
    found = {}
    with app.app_context():
        for n, kind in enumerate((OrderKind.enrolment, OrderKind.withdrawal), start=41):
            number = f"{n}-уч"
            order_id = db.session.scalar(select(MovementOrder.id).where(MovementOrder.kind == kind,
                                                                        MovementOrder.number == number))
            if order_id is None:
                made.append(_make(kind, number))
                order_id = made[-1][0]
            found[kind] = order_id
        db.session.commit()
        db.session.remove()
    yield found
    with app.app_context():
        for order_id, card_id in reversed(made):
            order = db.session.get(MovementOrder, order_id)
            cancel_order(db.session, order, "Проверка окончена")
            db.session.delete(order)
            db.session.flush()
            if card_id is not None:
                db.session.delete(db.session.get(Student, card_id))
        db.session.commit()
        db.session.remove()
