"""Movement of students: one arrives and one leaves in the autumn, with their orders.
"""
from __future__ import annotations

import datetime as dt
import random

from app.models import MovementOrder, MovementOrderItem, OrderKind
from demo.catalog import CITY_OF, EARLY_LEAVE, LATE_ARRIVAL, YEAR_START
from demo.plans import ClassPlan, References
from demo.rows import insert_ids, insert_rows


def plan_movements(rng: random.Random, classes: list[ClassPlan], today: dt.date) -> list[tuple]:
    """One student arrives and one leaves in the autumn, once those dates have passed."""
    movements = []
    if len(classes) < 3:
        return movements
    arriving = classes[len(classes) // 3].students
    if arriving and LATE_ARRIVAL <= today:
        student = rng.choice(arriving)
        student.start = LATE_ARRIVAL
        movements.append((OrderKind.enrolment, LATE_ARRIVAL, student))
    leaving = [s for s in classes[2 * len(classes) // 3].students if s.start == YEAR_START]
    if leaving and EARLY_LEAVE <= today:
        student = rng.choice(leaving)
        student.end = EARLY_LEAVE
        movements.append((OrderKind.withdrawal, EARLY_LEAVE, student))
    return movements


def write_movement_orders(sid: int, refs: References, movements: list[tuple]) -> dict:
    """Orders for the students who arrived or left during the year; returns student -> order id."""
    order_of = {}
    for number, (kind, date, student) in enumerate(movements, start=1):
        withdrawal = kind is OrderKind.withdrawal
        order_id = insert_ids(MovementOrder, [{
            "school_id": sid, "year_id": refs.year_id, "number": f"{40 + number}-уч", "date": date, "kind": kind,
            "reason": "Заявление родителя (законного представителя)",
            "destination": f"МБОУ СОШ № 5 {CITY_OF} (смена места жительства)" if withdrawal else None,
            "is_cancelled": False, "cancelled_reason": None,
        }])[0]
        insert_rows(MovementOrderItem, [{
            "school_id": sid, "order_id": order_id, "student_id": student.id,
            "from_class_id": student.school_class.id if withdrawal else None,
            "to_class_id": None if withdrawal else student.school_class.id,
        }])
        order_of[student] = order_id
    return order_of
